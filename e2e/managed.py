"""The e2e tests' real daemons and processes: how they start and stop.

Managed is the context-manager shape of libvirt_nodes.LibvirtNodes and
tgt.Tgt: `with X() as x:` runs x._start(), and x.close() when the block
ends, also when _start or the block fails; close() must cope with a
half-done start.

stop_qemus_naming(folder) stops, by PID, every QEMU whose command line names
`folder`: initiators a process under test started there and did not stop
(it died first)."""

import os
import signal


class Managed:
    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def _start(self):
        raise NotImplementedError

    def close(self):
        raise NotImplementedError


def stop_qemus_naming(folder, who):
    for pid in (int(d) for d in os.listdir("/proc") if d.isdigit()):
        try:
            argv = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if argv[0].endswith("qemu-system-x86_64") and any(folder in a for a in argv):
            print(f"{who}: stopping QEMU {pid} left under {folder}", flush=True)
            os.kill(pid, signal.SIGKILL)
