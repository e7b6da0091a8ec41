"""The e2e test guest, built at run time from Debian packages (nothing binary
is committed): Debian's 6.1 kernel, and an initramfs holding busybox, the
virtio modules and e2e/guest/writer.c built static, which writes numbered
records to /dev/vda with O_DIRECT|O_DSYNC and prints "ACK n" per record the
disk acknowledged.

    kernel, initrd = build_guest(cache_dir)       # cached by kernel version
    acked = acks(serial_log_text)                 # [1, 2, ...]
    problems = missing_records(disk_path, acked)

A guest built with build_guest(cache_dir, slots=256, stride=64 << 10) writes
each record into a 64 KiB chunk of its own (QEMU's mirror granularity): it
dirties its disk 16 times faster, enough to outrun a slow copy. One built
with records=N stops after N records and prints "WRITER DONE N": a quiet
guest (the benchmark's copy with nothing competing).

Facts (shared/reference/real-systems-here.md): TCG only (no KVM here), q35,
the modules loaded with insmod in dependency order (no modules.dep).
"""

import fcntl
import glob
import os
import re
import shutil
import struct
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MODULES = ["virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev",
           "virtio_pci", "virtio_blk"]
SLOTS = 8192
RECORD = 4096

INIT = """#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in %s; do insmod /lib/modules/$m.ko; done
n=0
while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done
echo FERRY GUEST UP
exec /writer /dev/vda {slots} {stride} {records}
""" % " ".join(MODULES)


def run(*argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip()[-2000:]}")
    return r.stdout


def kernel_package():
    """The newest linux-image-6.1.0-N-amd64 Debian offers."""
    out = run("apt-cache", "search", "--names-only", r"^linux-image-6\.1\.0-[0-9]+-amd64$")
    names = sorted((l.split()[0] for l in out.splitlines() if l.strip()),
                   key=lambda n: int(re.search(r"6\.1\.0-(\d+)-", n).group(1)))
    if not names:
        run("apt-get", "update", "-q")
        return kernel_package()
    return names[-1]


def build_guest(cache_dir, slots=SLOTS, stride=RECORD, records=0):
    """(kernel path, initrd path), built once per kernel package (and writer
    layout and record count, 0 for no end) into cache_dir. Tests running at
    once take turns (a lock file): one builds, the others wait."""
    os.makedirs(cache_dir, exist_ok=True)
    with open(os.path.join(cache_dir, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_guest(cache_dir, slots, stride, records)


def _build_guest(cache_dir, slots, stride, records):
    package = kernel_package()
    layout = "" if (slots, stride) == (SLOTS, RECORD) else f"-{slots}x{stride}"
    layout += f"-stop{records}" if records else ""
    out = os.path.join(cache_dir, package + layout)
    kernel, initrd = os.path.join(out, "vmlinuz"), os.path.join(out, "initrd.gz")
    writer_src = os.path.join(HERE, "guest", "writer.c")
    stamp = os.path.join(out, "stamp")
    init = INIT.format(slots=slots, stride=stride, records=records)
    want = f"{package} {os.path.getmtime(writer_src)} {init}"
    if os.path.exists(stamp) and open(stamp).read() == want:
        return kernel, initrd
    print(f"guest: building the test guest from {package} (once; cached in {out})", flush=True)
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        run("apt-get", "download", package, cwd=tmp)
        deb = glob.glob(os.path.join(tmp, "*.deb"))[0]
        root = os.path.join(tmp, "x")
        os.makedirs(root)
        tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
        run("tar", "-x", "-C", root, "--wildcards", "./boot/vmlinuz-*",
            "./lib/modules/*/kernel/drivers/virtio/*", "./lib/modules/*/kernel/drivers/block/*",
            stdin=tar.stdout)
        tar.wait()
        shutil.copy(glob.glob(os.path.join(root, "boot", "vmlinuz-*"))[0], kernel)
        ird = os.path.join(tmp, "initrd")
        for d in ("bin", "dev", "proc", "sys", "lib/modules"):
            os.makedirs(os.path.join(ird, d))
        shutil.copy("/bin/busybox", os.path.join(ird, "bin", "busybox"))
        for applet in ("sh", "mount", "insmod", "sleep", "echo"):
            os.symlink("busybox", os.path.join(ird, "bin", applet))
        for m in MODULES:
            found = glob.glob(os.path.join(root, "lib/modules/*/kernel/drivers/*", m + ".ko"))
            if not found:
                raise RuntimeError(f"{package} has no {m}.ko")
            shutil.copy(found[0], os.path.join(ird, "lib/modules", m + ".ko"))
        run("gcc", "-static", "-O2", "-o", os.path.join(ird, "writer"), writer_src)
        with open(os.path.join(ird, "init"), "w") as f:
            f.write(init)
        os.chmod(os.path.join(ird, "init"), 0o755)
        files = run("find", ".", cwd=ird)
        cpio = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input=files.encode(),
                              capture_output=True, cwd=ird, check=True).stdout
        with open(initrd + ".tmp", "wb") as f:
            f.write(subprocess.run(["gzip", "-1"], input=cpio, capture_output=True,
                                   check=True).stdout)
        os.replace(initrd + ".tmp", initrd)
    with open(stamp, "w") as f:
        f.write(want)
    return kernel, initrd


def acks(serial_text):
    """The record numbers the guest printed as acknowledged, in order."""
    return [int(n) for n in re.findall(r"^ACK (\d+)\s*$", serial_text, re.M)]


def done_writing(serial_text):
    """Whether a guest built with a record count wrote them all."""
    return re.search(r"^WRITER DONE \d+\s*$", serial_text, re.M) is not None


def missing_records(disk_path, acked, slots=SLOTS, stride=RECORD):
    """What the disk lacks of the acknowledged records: for every acknowledged
    n among the last `slots`, slot n % slots (at byte slot * stride) must hold
    a record m >= n with the same slot (a later write may have replaced it).
    [] when nothing is lost."""
    if not acked:
        return ["no record was acknowledged"]
    newest = max(acked)
    problems = []
    acked_set = set(acked)
    with open(disk_path, "rb") as f:
        for slot in range(slots):
            f.seek(slot * stride)
            data = f.read(RECORD)
            have = None
            if len(data) == RECORD and data[:8] == b"FERRYREC":
                m, tail = struct.unpack("<Q", data[8:16])[0], struct.unpack("<Q", data[-8:])[0]
                have = m if m == tail else None
            # The newest acknowledged record that went to this slot.
            n = newest - ((newest - slot) % slots)
            while n > 0 and n not in acked_set:
                n -= slots
            if n <= 0:
                continue
            if have is None or have < n or have % slots != slot:
                problems.append(f"slot {slot}: acknowledged record {n}, found "
                                 f"{'nothing' if have is None else have}")
                if len(problems) >= 5:
                    break
    return problems
