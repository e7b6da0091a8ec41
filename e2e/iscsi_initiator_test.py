"""QemuInitiator against a real tgt on loopback (e2e/tgt.py), then the
session watcher against two real initiators on one LUN.

Starts tgtd, runs the C++ suite (iscsi_initiator_test.cc) against it, checks
that the watcher that guards the LUN e2e tests does catch a LUN with two
sessions, and stops everything by PID, also when something fails.

    bazel test //e2e:iscsi_initiator_test --test_output=streamed
"""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

from managed import stop_qemus_naming
from tgt import Failure, Tgt

CHAP_IQN = "iqn.2026-12.io.ferry:chap-lun"
ACL_IQN = "iqn.2026-12.io.ferry:acl-lun"
OPEN_IQN = "iqn.2026-12.io.ferry:open-lun"


def initiator(portal, iqn, name, work):
    """A bare QEMU logged in to `iqn` LUN 1 (as QemuInitiator starts one)."""
    return subprocess.Popen(
        ["qemu-system-x86_64", "-machine", "q35,accel=tcg", "-S", "-display", "none",
         "-nodefaults", "-no-user-config", "-iscsi", f"initiator-name={name}",
         "-device", "virtio-scsi-pci,id=scsi0", "-drive",
         f"file=iscsi://{portal}/{iqn}/1,if=none,id=d0,format=raw,cache=none",
         "-device", "scsi-block,drive=d0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)


def main():
    binary = os.path.abspath(sys.argv[1])
    # Short: QEMU's monitor socket lives under it (at most 107 bytes).
    work = tempfile.mkdtemp(prefix="ferry-iscsi-", dir="/tmp")
    started = time.time()
    procs = []
    try:
        with Tgt() as tgt:
            password = secrets.token_hex(12)
            for tid, iqn in ((1, CHAP_IQN), (2, ACL_IQN), (3, OPEN_IQN)):
                backing = os.path.join(work, f"lun{tid}.img")
                with open(backing, "wb") as f:
                    f.truncate(64 << 20)
                tgt.target(tid, iqn, backing,
                           chap=("ferry", password) if tid == 1 else None,
                           initiators=["iqn.2026-12.io.ferry:node-a"] if tid == 2 else None)
            print(f"iscsi: tgtd {tgt.proc.pid} on {tgt.portal} (control port {tgt.control}); "
                  f"running the suite", flush=True)
            env = dict(os.environ, FERRY_TGT_PORTAL=tgt.portal,
                       FERRY_TGT_CONTROL=str(tgt.control), FERRY_TGT_CHAP_IQN=CHAP_IQN,
                       FERRY_TGT_CHAP_PASSWORD=password, FERRY_TGT_ACL_IQN=ACL_IQN,
                       FERRY_ISCSI_WORKDIR=work)
            rc = subprocess.run([binary], env=env).returncode
            if rc != 0:
                sys.exit(f"iscsi: the suite failed (exit {rc}); tgtd's log: {tgt.dir}/tgtd.log")
            print("iscsi: the watcher against one initiator, then two on one LUN", flush=True)
            with tgt.watch() as w:
                procs.append(initiator(tgt.portal, OPEN_IQN, "iqn.2026-12.io.ferry:host-1", work))
                end = time.time() + 15
                while len(tgt.sessions(3)) < 1 and time.time() < end:
                    time.sleep(0.05)
                time.sleep(0.5)
                if w.violation:
                    sys.exit(f"iscsi: the watcher fired on one session: {w.violation}")
                procs.append(initiator(tgt.portal, OPEN_IQN, "iqn.2026-12.io.ferry:host-2", work))
                while w.violation is None and time.time() < end:
                    time.sleep(0.05)
                if not w.violation:
                    sys.exit(f"iscsi: two sessions on target 3 ({tgt.sessions(3)}) and the "
                             f"watcher saw nothing in {w.polls} polls")
                print(f"  caught: {w.violation} (after {w.polls} polls)", flush=True)
                w.violation = None  # expected here; the block must not fail on it
    except Failure as e:
        sys.exit(f"iscsi: FAILED: {e}")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        stop_qemus_naming(work, "iscsi")
        shutil.rmtree(work, ignore_errors=True)
    print(f"iscsi: passed in {time.time() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
