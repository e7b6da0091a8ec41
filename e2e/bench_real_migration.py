"""The live copy's figures on this machine, side by side in one run
(bin/bench-migration runs it; root, as the e2e tests):

- the copy's throughput against `qemu-img convert` of the same image on the
  same machine (goal: >= 0.9x): the disk phase alone (libvirt's job stats
  sampled while the mirror copies the image's data), and the whole job
  (destination start, disk, memory, switchover). Each run measures
  `qemu-img convert` twice: with nothing running, and right before the
  migration with the guest doing what it does during the copy, so that the
  copy is judged against a local copy under the same load; and QEMU's own
  mirror over NBD between the same two nodes with no libvirt and no Ferry
  (qemu_mirror.py), the ceiling of any libvirt storage migration here;
- three kinds of run: the guest writing O_DSYNC records all along (the e2e
  stories' guest), a quiet guest (it wrote its records and stopped before
  the migration), and the writing guest with QEMU's glibc malloc left at
  its defaults (`ferry up --qemu-default-malloc`), to show what the tuning
  buys;
- the destination's allocated size against the source's;
- the switchover downtime (libvirt's completed job);
- the time from the migration's creation to Succeeded, and where it goes:
  admission, target start, copy, switchover and spec update.

    bench_real_migration.py FERRY [DATA_MIB [RUNS]]

The source is the seed's 1 GiB volume with DATA_MIB (default 768) MiB of
random data at its start. RUNS (default 3) worlds of each kind, interleaved;
the figures are medians with their range (this machine is shared and noisy).
"""

import os
import re
import subprocess
import sys
import threading
import time

import ferry_e2e
import guest
import qemu_mirror
from ferry_e2e import check
from real_storage_migration_test import VMIM, allocated, local_pv, real_world

DOMAIN = "default_vm-alpine-datavolume"
QUIET_RECORDS = 200  # the quiet guest's records, written before the migration

# (name, the guest's record count (0: writes all along), ferry up's flags)
KINDS = (("guest writing", 0, ()),
         ("guest quiet", QUIET_RECORDS, ()),
         ("writing, glibc malloc", 0, ("--qemu-default-malloc",)))


def convert_mib_s(src, work, data_mib, cold):
    """qemu-img convert of the same image, raw to raw, sparse, O_DIRECT both
    ways (the mirror's cache=none); `cold` drops the page cache first. It
    shares the image (-U) with the guest's QEMU, which writes on while it is
    read, as while the mirror reads it."""
    out = os.path.join(work, "convert.img")
    if cold:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    start = time.monotonic()
    subprocess.run(["qemu-img", "convert", "-U", "-f", "raw", "-O", "raw", "-T", "none",
                    "-t", "none", src, out], check=True)
    took = time.monotonic() - start
    size = allocated(out)
    os.unlink(out)
    return data_mib / took, size


def cpu_ticks():
    """{pid: (command, user + system clock ticks)} of every process now."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        if comm == "ferry":  # which of Ferry's processes: `ferry up`, `ferry agent`...
            try:
                argv = open(f"/proc/{pid}/cmdline").read().split("\0")
                comm = f"ferry {argv[1]}" if len(argv) > 1 else comm
            except OSError:
                pass
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(pid)] = (comm, int(fields[11]) + int(fields[12]))
    return out


class JobSampler:
    """`virsh domjobinfo --rawstats` on the source every 0.1 s while the
    migration runs: (libvirt's elapsed ms, disk bytes processed); and each
    process's CPU time over the same window (a process gone before the end,
    as the source QEMU, counts until its last sample)."""

    def __init__(self, node):
        self.node, self.samples, self.done = node, [], False
        self.first, self.last = cpu_ticks(), {}
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def cpu_seconds(self):
        """CPU seconds over the window by command name, highest first."""
        by = {}
        for pid, (comm, ticks) in self.last.items():
            start = self.first.get(pid, (comm, 0))[1]
            by[comm] = by.get(comm, 0) + (ticks - start) / os.sysconf("SC_CLK_TCK")
        return sorted(by.items(), key=lambda kv: -kv[1])

    def run(self):
        while not self.done:
            self.last.update(cpu_ticks())
            r = subprocess.run(["virsh", "-c", self.node.uri, "domjobinfo", DOMAIN, "--rawstats"],
                               capture_output=True, text=True)
            stats = dict(re.findall(r"^\s*(\w+)\s*:\s*(\d+)\s*$", r.stdout, re.M))
            if "time_elapsed" in stats and "disk_processed" in stats:
                self.samples.append((int(stats["time_elapsed"]), int(stats["disk_processed"])))
            time.sleep(0.1)

    def stop(self):
        self.done = True
        self.thread.join()

    def data_mib_s(self, data_bytes):
        """The mirror's rate over the image's data: qemu_mirror.data_rate."""
        return qemu_mirror.data_rate(self.samples, data_bytes)


class PhaseWatch:
    """`kubectl get vmim -w -o json` (one stream, not a poll: a kubectl run
    every few milliseconds would take a core from the copy it measures):
    when each phase, and the switchover's decision, was first seen."""

    def __init__(self, h):
        name = VMIM.split("/", 1)[1]
        self.watch = ferry_e2e.ObjectWatch(h, "vmim", "--field-selector", f"metadata.name={name}")

    def wait(self, created, timeout):
        seen = {}
        try:
            while time.monotonic() - created < timeout:
                event = self.watch.next(timeout=1)
                if event is None:
                    continue
                at, st = event[0], event[1].get("status", {})
                now = max(0.0, at - created)
                seen.setdefault(st.get("phase", "Pending"), now)
                if st.get("switchover", {}).get("side"):
                    seen.setdefault("Decided", now)
                if st.get("phase") in ("Succeeded", "Failed"):
                    return seen
            return seen
        finally:
            self.watch.stop()


def watch_job_completed(node):
    """`virsh event --event job-completed` on the source: the migration's
    final stats arrive with that event (the source domain is gone after)."""
    return subprocess.Popen(["virsh", "-c", node.uri, "event", "--domain", DOMAIN, "--event",
                             "job-completed", "--timeout", "300"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def job_stats(watcher):
    out = watcher.communicate(timeout=60)[0]
    stats = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\w+):\s*(\d+)\s*$", line)
        if m:
            stats[m.group(1)] = int(m.group(2))
    check(stats, f"no job-completed event: {out}")
    return stats


def best_convert(src_img, work, data_mib):
    """The faster of qemu-img convert with the page cache warm and cold, and
    the allocated size of its output."""
    hot, size = convert_mib_s(src_img, work, data_mib, cold=False)
    cold, _ = convert_mib_s(src_img, work, data_mib, cold=True)
    return max(hot, cold), size


def migrate(w, data_mib, records, up_args):
    """One world: the seed's VM on node-a with DATA_MIB of data, its guest
    writing `records` records (0: all along), migrated by Ferry to node-b.
    Its figures as a dict."""
    h = w.h
    src = w.file_volume("node-a", "pv-a", fill=data_mib << 20)
    dst = w.file_volume("node-b", "pv-b")
    src_img, dst_img = os.path.join(src, "disk.img"), os.path.join(dst, "disk.img")
    f = {"src_alloc": allocated(src_img)}
    f["convert_idle"], f["convert_alloc"] = best_convert(src_img, w.work, data_mib)
    w.domain = DOMAIN
    h.step("ferry up " + " ".join(up_args) + ", the controller and two agents; the VM on node-a")
    w.start(up_args=up_args)
    w.apply(local_pv("pv-a", "node-a", src), local_pv("pv-b", "node-b", dst))
    h.kubectl("apply", "-f", "examples/storage-migration/vm.yaml",
              "-f", "examples/storage-migration/destination-pvc.yaml")
    w.wait_writing("node-a", more=min(100, records) if records else 100)
    if records:
        h.wait_for(f"the guest writing its {records} records and stopping",
                   lambda: guest.done_writing(w.serial("node-a")), timeout=120)
    h.step("qemu-img convert of the source image with the guest "
           + ("quiet" if records else "writing"))
    f["convert_load"], _ = best_convert(src_img, w.work, data_mib)
    h.step("QEMU's mirror of the source image over NBD from node-a to node-b, alone")
    f["qemu_mirror"] = qemu_mirror.mirror_mib_s(w.nodes["node-a"], w.nodes["node-b"], src_img,
                                                w.work, data_mib << 20,
                                                tuned_malloc="--qemu-default-malloc" not in up_args)
    h.step("kubectl apply the migration; timing its phases")
    watcher = watch_job_completed(w.nodes["node-a"])
    phases = PhaseWatch(h)
    time.sleep(0.5)  # virsh event and the watch register before the migration exists
    sampler = JobSampler(w.nodes["node-a"])
    created = time.monotonic()
    h.kubectl("apply", "-f", "examples/storage-migration/migration.yaml")
    seen = phases.wait(created, timeout=300)
    sampler.stop()
    check(seen.get("Succeeded") is not None, f"the migration did not succeed: {seen}")
    job = job_stats(watcher)
    f["seen"] = seen
    f["elapsed_s"] = job.get("time_elapsed", 0) / 1000
    f["downtime_ms"] = job.get("downtime", 0)
    f["disk_mib"] = job.get("disk_processed", 0) >> 20
    f["memory_mib"] = job.get("memory_processed", 0) >> 20
    f["job_mib_s"] = data_mib / f["elapsed_s"] if f["elapsed_s"] else 0
    f["copy"] = sampler.data_mib_s(data_mib << 20)
    f["dst_alloc"] = allocated(dst_img)
    f["cpu"] = sampler.cpu_seconds()
    f["window_s"] = time.monotonic() - created
    w.no_record_lost(dst_img)
    return f


def main():
    data_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 768
    repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    check(64 <= data_mib <= 1000, f"DATA_MIB {data_mib}: give 64 to 1000 (the volume is 1 GiB)")
    check(1 <= repeat <= 20, f"RUNS {repeat}: give 1 to 20")
    runs = {name: [] for name, _, _ in KINDS}
    # Interleaved, so that the machine's noise falls on every kind alike.
    for i in range(repeat):
        for name, records, up_args in KINDS:
            tag = name.split(",")[0].replace(" ", "-")
            with real_world(f"bench-{tag}{'-glibc' if up_args else ''}-{i + 1}",
                            records=records) as w:
                runs[name].append(migrate(w, data_mib, records, up_args))
    report(runs, data_mib)


def spread(values, fmt):
    """The median, and the range when there is more than one value."""
    v = sorted(values)
    mid = v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
    return fmt(mid) if len(v) == 1 else f"{fmt(mid)} [{fmt(v[0])}-{fmt(v[-1])}]"


def report(runs, data_mib):
    kinds = [name for name, _, _ in KINDS]
    every = [r for name in kinds for r in runs[name]]
    n = len(runs[kinds[0]])
    print(f"\nbench: {data_mib} MiB of data in a 1 GiB volume, live migration vs "
          f"qemu-img convert -T none -t none (same image, same machine); {n} run(s) of each, "
          f"median [min-max]; each run's ratios are against its own qemu-img convert, the "
          f"faster of page cache warm and cold")
    print(f"  {'':44}" + "".join(f"{k:>24}" for k in kinds))

    def row(label, key, fmt):
        cells = []
        for name in kinds:
            vals = [key(r) for r in runs[name] if key(r) is not None]
            cells.append(spread(vals, fmt) if vals else "-")
        print(f"  {label:44}" + "".join(f"{c:>24}" for c in cells))

    def copy(r):
        return r["copy"][0] if r["copy"] else None

    mib_s, ratio = (lambda x: f"{x:.0f}"), (lambda x: f"{x:.2f}x")
    row("qemu-img convert, nothing running MiB/s", lambda r: r["convert_idle"], mib_s)
    row("qemu-img convert, the guest as in the copy", lambda r: r["convert_load"], mib_s)
    row("QEMU's mirror over NBD alone MiB/s", lambda r: r["qemu_mirror"], mib_s)
    row("  / convert under the same load",
        lambda r: r["qemu_mirror"] / r["convert_load"] if r["qemu_mirror"] else None, ratio)
    row("disk phase: data MiB/s", copy, mib_s)
    row("  / convert under the same load (goal 0.9x)",
        lambda r: copy(r) / r["convert_load"] if copy(r) else None, ratio)
    row("  / convert with nothing running",
        lambda r: copy(r) / r["convert_idle"] if copy(r) else None, ratio)
    row("  / QEMU's mirror alone",
        lambda r: copy(r) / r["qemu_mirror"] if copy(r) and r["qemu_mirror"] else None, ratio)
    row("whole job: data MiB/s", lambda r: r["job_mib_s"], mib_s)
    row("  / convert under the same load", lambda r: r["job_mib_s"] / r["convert_load"], ratio)
    row("libvirt's job seconds", lambda r: r["elapsed_s"], lambda x: f"{x:.2f}")
    row("disk MiB the job moved", lambda r: r["disk_mib"], mib_s)
    row("memory MiB the job moved", lambda r: r["memory_mib"], mib_s)
    row(f"allocated MiB (source {every[0]['src_alloc'] >> 20}, convert "
        f"{every[0]['convert_alloc'] >> 20})", lambda r: r["dst_alloc"] >> 20, mib_s)
    row("switchover downtime ms", lambda r: r["downtime_ms"], mib_s)
    row("creation to Succeeded s", lambda r: r["seen"]["Succeeded"], lambda x: f"{x:.2f}")
    print("  (disk phase: `virsh domjobinfo` sampled every 0.1 s while the mirror copied the "
          "data, first to last sample inside it; whole job: the data over libvirt's elapsed "
          "time, which includes starting the destination QEMU and moving the memory; the guest "
          f"as in the copy: writing O_DSYNC records, or quiet after its {QUIET_RECORDS}; QEMU's "
          "mirror alone: qemu-storage-daemon's blockdev-mirror into another's NBD export across "
          "the same link, with the guest running, its offset sampled the same way)")
    for name in kinds:
        rs, cpu = runs[name], {}
        for r in rs:
            for c, v in r["cpu"]:
                cpu[c] = cpu.get(c, 0) + v / len(rs)
        top = ", ".join(f"{c} {v:.1f}" for c, v in sorted(cpu.items(), key=lambda kv: -kv[1])[:6]
                        if v >= 0.05)
        window = sum(r["window_s"] for r in rs) / len(rs)
        print(f"  CPU seconds from creation to Succeeded ({name}, mean of {window:.1f} s on 2 "
              f"cores): {top}")
    t = runs[kinds[0]]
    seen = sorted(t, key=lambda r: r["seen"]["Succeeded"])[n // 2]["seen"]
    order = ["Pending", "Scheduling", "Scheduled", "PreparingTarget", "TargetReady", "Running",
             "Decided", "Succeeded"]
    print(f"\nbench: creation to Succeeded {seen['Succeeded']:.2f} s (the {kinds[0]} run of "
          f"median time)")
    spans = {"admission (created -> Scheduling)": ("Pending", "Scheduling"),
             "target start (Scheduling -> TargetReady)": ("Scheduling", "TargetReady"),
             "copy (TargetReady -> switchover decided)": ("TargetReady", "Decided"),
             "switchover and spec update (-> Succeeded)": ("Decided", "Succeeded")}
    for name, (a, b) in spans.items():
        if a in seen and b in seen:
            print(f"  {name:44} {seen[b] - seen[a]:6.2f} s")
    marks = [(p, seen[p]) for p in order if p in seen]
    print("  phases first seen at: " + ", ".join(f"{p} {v:.2f}" for p, v in marks))
    print("  (as `kubectl get vmim -w` delivered each change)")


if __name__ == "__main__":
    main()
