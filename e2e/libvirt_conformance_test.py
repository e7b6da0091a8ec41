"""The Hypervisor conformance suite against two real libvirtd + QEMU nodes.

Starts the nodes (e2e/libvirt_nodes.py), runs the suite's C++ binary against
them, and tears everything down by PID, also when the suite fails.

    bazel test //e2e:libvirt_conformance_test --test_output=streamed
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

from libvirt_nodes import LibvirtNodes


def main():
    binary = os.path.abspath(sys.argv[1])
    # Under /tmp, not Bazel's long TEST_TMPDIR: a Unix socket's path has at
    # most 107 bytes, and each node's libvirt-sock lives in this directory.
    workdir = tempfile.mkdtemp(prefix="ferry-lv-", dir="/tmp")
    started = time.time()
    print(f"libvirt conformance: starting node-a and node-b under {workdir}", flush=True)
    with LibvirtNodes(["node-a", "node-b"], workdir) as nodes:
        print(f"libvirt conformance: nodes up in {time.time() - started:.1f} s; running the suite",
              flush=True)
        env = dict(os.environ,
                   FERRY_LIBVIRT_SOURCE_BASE=nodes["node-a"].base,
                   FERRY_LIBVIRT_DESTINATION_BASE=nodes["node-b"].base,
                   FERRY_LIBVIRT_DESTINATION_NAME="node-b",
                   FERRY_LIBVIRT_VOLUMES=os.path.join(workdir, "volumes"))
        rc = subprocess.run([binary], env=env).returncode
        if rc != 0:
            for name in ("node-a", "node-b"):
                log = os.path.join(nodes[name].base, "log", "libvirtd.log")
                if os.path.exists(log):
                    tail = open(log, errors="replace").read()[-3000:]
                    print(f"--- {name} libvirtd.log (last 3000 chars) ---\n{tail}", flush=True)
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"libvirt conformance: done in {time.time() - started:.1f} s (exit {rc})", flush=True)
    sys.exit(rc)


if __name__ == "__main__":
    main()
