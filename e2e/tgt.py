"""A real iSCSI target for a test: tgt (tgtd) serving LUNs on loopback.

Facts (shared/reference/real-systems-here.md): tgtd starts in milliseconds
on its own control port; it ignores SIGTERM, so it is stopped by deleting
its targets and then the system; `--mode conn --op show` lists who is logged
in; CHAP and initiator ACLs refuse for real.

    with Tgt() as tgt:
        tgt.target(1, "iqn.2026-12.io.ferry:db", backing, chap=("ferry", "pw"))
        tgt.target(2, "iqn.2026-12.io.ferry:logs", backing2,
                   initiators=["iqn.2026-12.io.ferry:node-a"])
        tgt.portal                       # "127.0.0.1:PORT"
        tgt.sessions(1)                  # ["iqn...:node-a"], one per session
        with tgt.watch() as w:           # fails the moment a LUN has two
            ...                          # sessions (shareable tids exempt)

Everything is stopped by PID when the block ends, also when it fails. A run
whose process died leaves its folder in /tmp/ferry-tgt-*: the next start
kills that run's tgtd (by the PID recorded there) and removes the folder.
"""

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

from libvirt_nodes import pid_alive
from managed import Managed

TGTD, TGTADM = "/usr/sbin/tgtd", "/usr/sbin/tgtadm"


def _comm(pid):
    try:
        return open(f"/proc/{pid}/comm").read().strip()
    except OSError:
        return ""


def clean_leftovers():
    """Kills the tgtd of each earlier run whose owner is gone; removes its folder."""
    for d in glob.glob("/tmp/ferry-tgt-*"):
        # The folder is named after its owner, who writes tgtd's PID only
        # once tgtd runs: a run starting now is not a leftover.
        owner = int(d.rsplit("-", 1)[1]) if d.rsplit("-", 1)[1].isdigit() else 0
        try:
            tgtd = int(open(os.path.join(d, "pids")).read().split()[1])
        except (OSError, ValueError, IndexError):
            tgtd = 0
        if owner and pid_alive(owner):
            continue
        if tgtd and _comm(tgtd) == "tgtd":
            print(f"tgt: killing tgtd {tgtd} left by run {owner} ({d})", flush=True)
            os.kill(tgtd, signal.SIGKILL)
        shutil.rmtree(d, ignore_errors=True)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _control_port_free(port):
    return f"@tgtd.ipc_abstract_namespace.{port}" not in open("/proc/net/unix").read()


class Failure(Exception):
    pass


class Tgt(Managed):
    def __init__(self):
        self.proc, self.tids, self.shareable, self.accounts = None, [], set(), set()
        self.watcher = None
        self.dir = f"/tmp/ferry-tgt-{os.getpid()}"

    def _start(self):
        if not os.path.exists(TGTD):
            raise Failure(f"{TGTD} is missing: run bin/test, which installs bin/lib/packages.txt "
                          "(tgt)")
        clean_leftovers()
        os.makedirs(self.dir, exist_ok=True)
        self.control = next(p for p in range(2000 + os.getpid() % 20000, 65000)
                            if _control_port_free(p))
        self.port = _free_port()
        self.portal = f"127.0.0.1:{self.port}"
        self.log = open(os.path.join(self.dir, "tgtd.log"), "w")
        self.proc = subprocess.Popen(
            [TGTD, "-f", "-C", str(self.control), "--iscsi", f"portal={self.portal}"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        with open(os.path.join(self.dir, "pids"), "w") as f:
            f.write(f"{os.getpid()} {self.proc.pid}\n")
        end = time.time() + 10
        while time.time() < end:
            if self.proc.poll() is not None:
                raise Failure(f"tgtd exited ({self.proc.returncode}); see {self.dir}/tgtd.log:\n"
                              + open(os.path.join(self.dir, "tgtd.log")).read()[-2000:])
            if self.adm("--mode", "system", "--op", "show", check=False).returncode == 0:
                return
            time.sleep(0.02)
        raise Failure(f"tgtd did not answer on control port {self.control} within 10 s")

    def adm(self, *args, check=True):
        r = subprocess.run([TGTADM, "-C", str(self.control), "--lld", "iscsi", *args],
                           capture_output=True, text=True)
        if check and r.returncode != 0:
            raise Failure(f"tgtadm {' '.join(args)}: {r.stderr.strip() or r.stdout.strip()}")
        return r

    def target(self, tid, iqn, backing, lun=1, chap=None, initiators=None, shareable=False):
        """Target `tid` named `iqn` serving `backing` as LUN `lun`; CHAP
        (user, password) when given; only `initiators` (IQNs) when given,
        else every initiator."""
        self.adm("--mode", "target", "--op", "new", "--tid", str(tid), "--targetname", iqn)
        self.tids.append(tid)
        if shareable:
            self.shareable.add(tid)
        self.adm("--mode", "logicalunit", "--op", "new", "--tid", str(tid), "--lun", str(lun),
                 "--backing-store", backing)
        if chap:
            user, password = chap
            # tgtadm takes the password as an argument: this machine's own
            # process list, a test's throwaway secret.
            if user not in self.accounts:
                self.adm("--mode", "account", "--op", "new", "--user", user, "--password",
                         password)
                self.accounts.add(user)
            self.adm("--mode", "account", "--op", "bind", "--tid", str(tid), "--user", user)
        for name in initiators or []:
            self.adm("--mode", "target", "--op", "bind", "--tid", str(tid),
                     "--initiator-name", name)
        if not initiators:
            self.adm("--mode", "target", "--op", "bind", "--tid", str(tid),
                     "--initiator-address", "ALL")

    def sessions(self, tid):
        """The initiator IQN of each session logged in to `tid`."""
        out = self.adm("--mode", "conn", "--op", "show", "--tid", str(tid), check=False).stdout
        return re.findall(r"^\s*Initiator:\s*(\S+)", out, re.M)

    def watch(self, interval=0.1):
        """A Watcher of every target, also kept as `self.watcher`."""
        self.watcher = Watcher(self, interval)
        return self.watcher

    def close(self):
        if self.proc is None or self.proc.poll() is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            return
        for tid in self.tids:
            self.adm("--mode", "target", "--op", "delete", "--force", "--tid", str(tid),
                     check=False)
        self.adm("--mode", "system", "--op", "delete", check=False)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Watcher:
    """Polls every target's sessions; `violation` holds the first moment a
    target that is not shareable had two sessions at once, and
    `history[tid]` each distinct list of initiators the target had, in
    the order seen (an empty tuple: nobody)."""

    def __init__(self, tgt, interval):
        self.tgt, self.interval = tgt, interval
        self.violation, self.polls, self.done = None, 0, False
        self.history = {}
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done = True
        self.thread.join()
        if exc[0] is None:
            self.check()

    def run(self):
        while not self.done and self.violation is None:
            for tid in list(self.tgt.tids):
                s = self.tgt.sessions(tid)
                seen = self.history.setdefault(tid, [])
                if not seen or seen[-1] != tuple(s):
                    seen.append(tuple(s))
                if tid in self.tgt.shareable:
                    continue
                if len(s) > 1:
                    self.violation = (f"target {tid} had {len(s)} sessions at once "
                                      f"({', '.join(s)}) at {time.strftime('%H:%M:%S')}")
            self.polls += 1
            time.sleep(self.interval)

    def check(self):
        if self.violation:
            raise Failure(f"a LUN used in two places: {self.violation}")
