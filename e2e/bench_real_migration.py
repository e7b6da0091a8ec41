"""The live copy's figures on this machine, side by side in one run
(bin/bench-migration runs it; root, as the e2e tests):

- throughput of Ferry's live migration against `qemu-img convert` of the
  same image on the same machine (goal: >= 0.9x);
- the destination's allocated size against the source's;
- the switchover downtime (libvirt's completed job on the destination);
- the time from the migration's creation to Succeeded, and where it goes:
  admission, target start, copy, switchover and spec update.

    bench_real_migration.py FERRY [DATA_MIB]

The source is the seed's 1 GiB volume with DATA_MIB (default 512) MiB of
random data at its start; the guest writes records while it is copied.
"""

import os
import re
import subprocess
import sys
import time

from ferry_e2e import check
from real_storage_migration_test import VMIM, allocated, local_pv, real_world


def convert_seconds(src, work):
    """qemu-img convert of the same image, raw to raw, sparse, O_DIRECT
    writes (as the mirror's cache=none): the machine's copy speed."""
    out = os.path.join(work, "convert.img")
    start = time.monotonic()
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "raw", "-t", "none", src, out],
                   check=True)
    took = time.monotonic() - start
    size = allocated(out)
    os.unlink(out)
    return took, size


def watch_job_completed(node, domain):
    """`virsh event --event job-completed` on the source: the migration's
    final stats arrive with that event (the source domain is gone after)."""
    return subprocess.Popen(["virsh", "-c", node.uri, "event", "--domain", domain, "--event",
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


def main():
    data_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 512
    with real_world("bench") as w:
        run(w, w.work, data_mib)


def run(w, work, data_mib):
    h = w.h
    src = w.file_volume("node-a", "pv-a", fill=data_mib << 20)
    dst = w.file_volume("node-b", "pv-b")
    src_img, dst_img = os.path.join(src, "disk.img"), os.path.join(dst, "disk.img")
    h.step(f"qemu-img convert of the source ({data_mib} MiB of data in 1 GiB)")
    convert_s, convert_alloc = convert_seconds(src_img, work)
    w.domain = "default_vm-alpine-datavolume"
    h.step("ferry up, the controller and two agents; the seed's VM booting on node-a")
    w.start()
    w.apply(local_pv("pv-a", "node-a", src), local_pv("pv-b", "node-b", dst))
    h.kubectl("apply", "-f", "examples/storage-migration/vm.yaml",
              "-f", "examples/storage-migration/destination-pvc.yaml")
    w.wait_writing("node-a")
    h.step("kubectl apply the migration; timing its phases")
    seen = {}
    watcher = watch_job_completed(w.nodes["node-a"], w.domain)
    time.sleep(0.5)  # virsh event registers before the migration exists
    created = time.monotonic()
    h.kubectl("apply", "-f", "examples/storage-migration/migration.yaml")
    while time.monotonic() - created < 300:
        st = h.get_json(VMIM).get("status", {})
        now = time.monotonic() - created
        seen.setdefault(st.get("phase", "Pending"), now)
        if st.get("switchover", {}).get("side"):
            seen.setdefault("Decided", now)
        if st.get("phase") in ("Succeeded", "Failed"):
            break
        time.sleep(0.05)
    check(seen.get("Succeeded") is not None, f"the migration did not succeed: {seen}")
    job = job_stats(watcher)
    disk_bytes = job.get("disk_processed", 0)
    elapsed_s = job.get("time_elapsed", 0) / 1000
    downtime_ms = job.get("downtime", 0)
    copy_s = seen["Decided"] - seen.get("Running", seen["Decided"])
    live_mib_s = disk_bytes / (1 << 20) / elapsed_s if elapsed_s else 0
    convert_mib_s = (data_mib) / convert_s
    live_data_mib_s = data_mib / elapsed_s if elapsed_s else 0
    print("\nbench: live copy vs qemu-img convert (same image, same machine)")
    print(f"  {'':34} {'live migration':>16} {'qemu-img convert':>18}")
    print(f"  {'seconds':34} {elapsed_s:16.2f} {convert_s:18.2f}")
    print(f"  {'data MiB/s (source data / time)':34} {live_data_mib_s:16.1f} {convert_mib_s:18.1f}"
          f"   ratio {live_data_mib_s / convert_mib_s:.2f}x (goal >= 0.9x)")
    print(f"  {'disk bytes libvirt copied, MiB/s':34} {live_mib_s:16.1f}")
    print(f"  {'allocated MiB (source ' + str(allocated(src_img) >> 20) + ')':34} "
          f"{allocated(dst_img) >> 20:16d} {convert_alloc >> 20:18d}")
    print(f"  {'switchover downtime ms':34} {downtime_ms:16.0f}")
    print(f"  (libvirt's job-completed event: {disk_bytes >> 20} MiB of disk and "
          f"{job.get('memory_processed', 0) >> 20} MiB of memory in {elapsed_s:.2f} s, "
          f"synchronous mirror writes as Ferry's agent asks)")
    order = ["Pending", "Scheduling", "Scheduled", "PreparingTarget", "TargetReady", "Running",
             "Decided", "Succeeded"]
    marks = [(p, seen[p]) for p in order if p in seen]
    print(f"\nbench: creation to Succeeded {seen['Succeeded']:.2f} s")
    spans = {"admission (created -> Scheduling)": ("Pending", "Scheduling"),
             "target start (Scheduling -> TargetReady)": ("Scheduling", "TargetReady"),
             "copy (TargetReady -> switchover decided)": ("TargetReady", "Decided"),
             "switchover and spec update (-> Succeeded)": ("Decided", "Succeeded")}
    for name, (a, b) in spans.items():
        if a in seen and b in seen:
            print(f"  {name:44} {seen[b] - seen[a]:6.2f} s")
    print("  phases first seen at: " + ", ".join(f"{p} {t:.2f}" for p, t in marks))
    print(f"  (polled every 0.05 s with kubectl; libvirt's job: {elapsed_s:.2f} s, "
          f"copy window seen {copy_s:.2f} s)")


if __name__ == "__main__":
    main()
