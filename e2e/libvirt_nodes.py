"""Libvirt "nodes" on one machine: each a network namespace and a private mount
namespace running its own libvirtd, joined by a veth pair (only the test's own
addresses, 10.251.N.0/24 inside its namespaces; nothing else is reachable).

The facts behind every setting are in shared/reference/real-systems-here.md:
a distinct realistic host_uuid per node, its own pid file, stdio_handler=file,
libvirtd listening on TCP inside its namespace for peer-to-peer migration, and
/etc/hosts in each node's mount namespace naming every node, so that the
source's libvirtd reaches qemu+tcp://node-b/system.

    with LibvirtNodes(["node-a", "node-b"], workdir) as nodes:
        uri = nodes["node-a"].uri      # qemu:///system?socket=... (a Unix socket)
        nodes["node-b"].kill_qemu("default_vm")

Everything started is stopped by PID and every namespace and veth removed when
the block ends, also when it fails. Leftovers of an earlier run whose owner is
dead are removed first.
"""

import os
import re
import shlex
import signal
import socket
import subprocess
import time
import uuid

from managed import Managed

LIBVIRTD = "/usr/sbin/libvirtd"
PREFIX = "ferrye2e"  # namespace and veth names: ferrye2e<pid>n<i>, ferrye2e<pid>v<i>


def run(*argv, check=True):
    r = subprocess.run(argv, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip()}")
    return r


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def clean_leftovers():
    """Removes namespaces and veths of earlier runs whose process is gone."""
    for line in run("ip", "netns", "list", check=False).stdout.splitlines():
        m = re.match(rf"({PREFIX}(\d+)n\d+)", line)
        if m and not pid_alive(int(m.group(2))):
            run("ip", "netns", "delete", m.group(1), check=False)
    for line in run("ip", "-o", "link", "show", check=False).stdout.splitlines():
        m = re.match(rf"\d+: ({PREFIX}(\d+)v\d+)[@:]", line)
        if m and not pid_alive(int(m.group(2))):
            run("ip", "link", "delete", m.group(1), check=False)


class Node:
    def __init__(self, name, index, base, address):
        self.name = name
        self.index = index
        self.base = base            # this node's private /etc/libvirt, /run/libvirt, ...
        if len(self.socket) > 107:
            raise ValueError(f"{self.socket}: too long for a Unix socket; use a shorter workdir")
        self.address = address      # inside its namespace
        self.netns = f"{PREFIX}{os.getpid()}n{index}"
        self.proc = None
        self.log = os.path.join(base, "libvirtd.log")

    @property
    def start_script(self):
        return os.path.join(self.base, "start.sh")

    @property
    def pid_file(self):
        return os.path.join(self.base, "run", "libvirtd.pid")

    @property
    def socket(self):
        return os.path.join(self.base, "run", "libvirt-sock")

    @property
    def uri(self):
        return f"qemu:///system?socket={self.socket}"

    def qemu_pids(self):
        """PID of each domain's QEMU this node's libvirtd started, by domain name."""
        out = {}
        qemu_run = os.path.join(self.base, "run", "qemu")
        for f in os.listdir(qemu_run) if os.path.isdir(qemu_run) else []:
            if f.endswith(".pid"):
                try:
                    pid = int(open(os.path.join(qemu_run, f)).read().strip())
                except (OSError, ValueError):
                    continue
                if pid_alive(pid):
                    out[f[:-4]] = pid
        return out

    def kill_qemu(self, domain):
        pid = self.qemu_pids()[domain]
        os.kill(pid, signal.SIGKILL)
        return pid

    def virsh(self, *args, check=True):
        """virsh against this node's socket (a Unix socket: no network)."""
        return run("virsh", "-c", self.uri, *args, check=check)

    def start(self, hosts_file):
        b = self.base
        for d in ("etc", "run", "lib", "log", "log/qemu", "cache"):
            os.makedirs(os.path.join(b, d), exist_ok=True)
        # A realistic UUID per node: libvirt refuses repeated digits, and two
        # equal ones are "the same host".
        host_uuid = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{self.netns}.ferry.test"))
        with open(os.path.join(b, "etc", "libvirtd.conf"), "w") as f:
            f.write(f'listen_tcp = 1\nlisten_tls = 0\nlisten_addr = "{self.address}"\n'
                    f'auth_tcp = "none"\nauth_unix_rw = "none"\nhost_uuid = "{host_uuid}"\n'
                    f'log_outputs = "2:file:/var/log/libvirt/libvirtd.log"\n'
                    f'keepalive_interval = 5\n')
        with open(os.path.join(b, "etc", "qemu.conf"), "w") as f:
            f.write(f'stdio_handler = "file"\nmigration_address = "{self.address}"\n'
                    f'migration_host = "{self.address}"\nuser = "root"\ngroup = "root"\n'
                    f'security_driver = "none"\nremember_owner = 0\n')
        script = (
            f"set -e; mount --bind {b}/etc /etc/libvirt; mkdir -p /run/libvirt; "
            f"mount --bind {b}/run /run/libvirt; mount --bind {b}/lib /var/lib/libvirt; "
            f"mkdir -p /var/log/libvirt /var/cache/libvirt; mount --bind {b}/log /var/log/libvirt; "
            f"mount --bind {b}/cache /var/cache/libvirt; mount --bind {hosts_file} /etc/hosts; "
            f"exec {LIBVIRTD} --listen --pid-file /run/libvirt/libvirtd.pid "
            f"--config /etc/libvirt/libvirtd.conf")
        # start.sh starts the daemon again after a test killed it. bash, ip
        # netns exec, unshare and bash -c all exec: the PID is libvirtd's own.
        with open(self.start_script, "w") as f:
            f.write("exec " + " ".join(shlex.quote(a) for a in [
                "ip", "netns", "exec", self.netns, "unshare", "-m", "--propagation", "private",
                "bash", "-c", script]) + f" >>{shlex.quote(b)}/libvirtd.out 2>&1 </dev/null\n")
        self.proc = subprocess.Popen(["bash", self.start_script], stdin=subprocess.DEVNULL)
        end = time.time() + 30
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"libvirtd of {self.name} exited ({self.proc.returncode}); "
                                   f"see {b}/libvirtd.out and {b}/log/libvirtd.log")
            if os.path.exists(self.socket) and self.virsh("version", check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"libvirtd of {self.name} did not answer within 30 s on {self.socket}; "
                           f"see {b}/libvirtd.out and {b}/log/libvirtd.log")

    def daemon_pid(self):
        """The running libvirtd's PID: the one started here, or by start.sh."""
        try:
            pid = int(open(self.pid_file).read().strip())
        except (OSError, ValueError):
            pid = 0
        if pid and pid_alive(pid):
            return pid
        if self.proc is not None and self.proc.poll() is None:
            return self.proc.pid
        return 0

    def kill_daemon(self, sig=signal.SIGKILL):
        pid = self.daemon_pid()
        if not pid:
            return
        os.kill(pid, sig)
        end = time.time() + 15
        while pid_alive(pid) and time.time() < end:
            if self.proc is not None and self.proc.pid == pid:
                self.proc.poll()
            time.sleep(0.05)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.poll()

    def stop(self):
        """Stops its libvirtd, then every QEMU it started, by PID."""
        qemus = self.qemu_pids()
        self.kill_daemon(signal.SIGTERM)
        for pid in list(qemus.values()) + list(self.qemu_pids().values()):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class LibvirtNodes(Managed):
    def __init__(self, names, workdir):
        self.workdir = workdir
        self.nodes = {}
        for i, name in enumerate(names):
            self.nodes[name] = Node(name, i, os.path.join(workdir, name),
                                    f"10.251.{os.getpid() % 200}.{i + 1}")
        self.veths = []

    def __getitem__(self, name):
        return self.nodes[name]

    def _start(self):
        if os.geteuid() != 0:
            raise RuntimeError("libvirt nodes need root (network and mount namespaces)")
        if not os.path.exists(LIBVIRTD):
            raise RuntimeError(f"{LIBVIRTD} is missing: run bin/test, which installs "
                               "bin/lib/packages.txt (libvirt-daemon-system, qemu-system-x86)")
        clean_leftovers()
        nodes = list(self.nodes.values())
        hosts = os.path.join(self.workdir, "hosts")
        with open(hosts, "w") as f:
            # This machine's own name too: libvirtd looks it up at every domain start.
            f.write(f"127.0.0.1 localhost {socket.gethostname()}\n")
            for n in nodes:
                f.write(f"{n.address} {n.name}\n")
        for n in nodes:
            run("ip", "netns", "add", n.netns)
            run("ip", "-n", n.netns, "link", "set", "lo", "up")
        # A star would need a bridge; every node pair gets its own veth pair
        # (two or three nodes: one or three pairs), all in one /24 each side.
        pair = 0
        for i, a in enumerate(nodes):
            for b in nodes[i + 1:]:
                va, vb = f"{PREFIX}{os.getpid()}v{pair}", f"{PREFIX}{os.getpid()}v{pair + 1}"
                pair += 2
                run("ip", "link", "add", va, "netns", a.netns, "type", "veth",
                    "peer", "name", vb, "netns", b.netns)
                self.veths.append((a.netns, va))
                run("ip", "-n", a.netns, "link", "set", va, "up")
                run("ip", "-n", b.netns, "link", "set", vb, "up")
                run("ip", "-n", a.netns, "route", "add", f"{b.address}/32", "dev", va)
                run("ip", "-n", b.netns, "route", "add", f"{a.address}/32", "dev", vb)
        for n in nodes:
            # The node's own address on its loopback; routes above reach the others.
            run("ip", "-n", n.netns, "addr", "add", f"{n.address}/32", "dev", "lo")
        for n in nodes:
            n.start(hosts)

    def close(self):
        for n in self.nodes.values():
            try:
                n.stop()
            except Exception as e:  # keep tearing down the rest
                print(f"libvirt nodes: stopping {n.name}: {e}", flush=True)
        for ns, veth in self.veths:
            run("ip", "-n", ns, "link", "delete", veth, check=False)
        for n in self.nodes.values():
            run("ip", "netns", "delete", n.netns, check=False)
