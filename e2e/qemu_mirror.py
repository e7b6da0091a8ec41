"""QEMU's own mirror over NBD between two nodes, with no libvirt and no Ferry
(the guest's QEMU may run on, as during a migration): the ceiling of a live
storage migration's disk phase on this machine (bench_real_migration.py
prints it next to the migration).

    rate = mirror_mib_s(nodes["node-a"], nodes["node-b"], src_img, work,
                        data_bytes, tuned_malloc=True)

A qemu-storage-daemon in the destination node's namespace exports a fresh
sparse file over NBD as libvirt's destination QEMU does (`block-export-add`,
writable; the file cache=none, aio=native, discard=unmap, as the domain's
disk); one in the source node's namespace runs `blockdev-mirror sync=full`
of the source image onto it with QEMU's defaults, as libvirt starts it
(granularity and buffer size unset). The rate is taken as the benchmark
takes the migration's: the job's offset sampled every 0.1 s, over the
samples inside the image's data. Both daemons are stopped by PID, also when
it fails; the destination file is removed.
"""

import json
import os
import socket
import subprocess
import time

from ferry_e2e import Failure, check

PORT = 10809  # NBD's own port, inside the destination node's namespace
# The heap settings `ferry up` gives its domains (cmd/ferry/real_vms.cc).
TUNED_MALLOC = {"MALLOC_MMAP_THRESHOLD_": "4194304", "MALLOC_TRIM_THRESHOLD_": "33554432"}


class Qmp:
    """A QMP client on a daemon's Unix socket."""

    def __init__(self, path, proc, timeout=10):
        end = time.monotonic() + timeout
        while True:
            check(proc.poll() is None, f"qemu-storage-daemon exited ({proc.returncode})")
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                check(time.monotonic() < end, f"no QMP on {path} within {timeout} s")
                time.sleep(0.05)
        self.sock.settimeout(timeout)  # a daemon that hangs fails the bench, not blocks it
        self.file = self.sock.makefile("rw")
        json.loads(self.file.readline())  # the greeting
        self.cmd("qmp_capabilities")

    def cmd(self, name, **arguments):
        self.file.write(json.dumps({"execute": name, "arguments": arguments}) + "\n")
        self.file.flush()
        while True:
            line = self.file.readline()
            check(line, f"QMP closed during {name}")
            reply = json.loads(line)
            if "event" in reply:
                continue
            if "error" in reply:
                raise Failure(f"QMP {name}: {reply['error'].get('desc', reply['error'])}")
            return reply["return"]

    def close(self):
        self.sock.close()


def _daemon(node, log, args, env):
    """qemu-storage-daemon in node's namespace (ip netns exec execs: the PID
    is the daemon's own)."""
    return subprocess.Popen(["ip", "netns", "exec", node.netns, "qemu-storage-daemon", *args],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, **env})


def data_rate(samples, data_bytes):
    """A copy's rate over the image's data (at its start: a mirror copies in
    order) from (milliseconds, bytes copied) samples: from the first sample
    with bytes copied to the last still inside the data, with the number of
    those samples: (MiB/s, samples), or None with fewer than two."""
    inside = [(t, b) for t, b in samples if 0 < b < data_bytes]
    if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
        return None
    (t0, b0), (t1, b1) = inside[0], inside[-1]
    return (b1 - b0) / (1 << 20) / ((t1 - t0) / 1000), len(inside)


def _file_node(name, path, **extra):
    return json.dumps({"driver": "file", "node-name": name, "filename": path, "aio": "native",
                       "cache": {"direct": True}, **extra})


def mirror_mib_s(src_node, dst_node, src_img, work, data_bytes, tuned_malloc=True):
    """MiB/s of QEMU's mirror over the image's data, or None when fewer than
    two samples fell inside it."""
    env = TUNED_MALLOC if tuned_malloc else {}
    dst_img = os.path.join(work, "qemu-mirror-dst.img")
    with open(dst_img, "wb") as f:
        f.truncate(os.path.getsize(src_img))
    dst_qmp, src_qmp = os.path.join(work, "qsd-dst.qmp"), os.path.join(work, "qsd-src.qmp")
    log = open(os.path.join(work, "qemu-mirror.log"), "ab")
    procs = []
    try:
        procs.append(_daemon(dst_node, log, [
            "--chardev", f"socket,id=m,path={dst_qmp},server=on,wait=off", "--monitor", "chardev=m",
            "--blockdev", _file_node("f", dst_img, discard="unmap"),
            "--blockdev", json.dumps({"driver": "raw", "node-name": "d", "file": "f",
                                      "discard": "unmap"}),
            "--nbd-server", f"addr.type=inet,addr.host={dst_node.address},addr.port={PORT}",
            "--export", "type=nbd,id=e,node-name=d,writable=on"], env))
        # The guest's QEMU holds the image's locks; this daemon only reads it.
        procs.append(_daemon(src_node, log, [
            "--chardev", f"socket,id=m,path={src_qmp},server=on,wait=off", "--monitor", "chardev=m",
            "--blockdev", _file_node("sf", src_img, locking="off"),
            "--blockdev", json.dumps({"driver": "raw", "node-name": "s", "file": "sf"})], env))
        Qmp(dst_qmp, procs[0]).close()  # the export is up once its monitor answers
        qmp = Qmp(src_qmp, procs[1])
        qmp.cmd("blockdev-add", driver="nbd", **{"node-name": "t"}, export="d",
                server={"type": "inet", "host": dst_node.address, "port": str(PORT)})
        qmp.cmd("blockdev-mirror", device="s", target="t", sync="full",
                **{"job-id": "mirror", "auto-dismiss": False})
        samples, end = [], time.monotonic() + 300
        while time.monotonic() < end:
            jobs = qmp.cmd("query-block-jobs")
            check(jobs, "the mirror job ended before it was ready")
            samples.append((time.monotonic() * 1000, jobs[0]["offset"]))
            if jobs[0]["ready"]:
                break
            time.sleep(0.1)
        else:
            raise Failure("QEMU's mirror was not ready within 300 s")
        qmp.cmd("block-job-cancel", device="mirror")
        qmp.close()
    finally:
        for p in procs:
            p.kill()
            p.wait()
        log.close()
        for path in (dst_img, dst_qmp, src_qmp):
            if os.path.exists(path):
                os.unlink(path)
    rate = data_rate(samples, data_bytes)
    return rate[0] if rate else None
