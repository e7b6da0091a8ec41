"""Storage migrations moving real bytes: two libvirtd + QEMU nodes
(e2e/libvirt_nodes.py), a TCG guest writing numbered records with
O_DIRECT|O_DSYNC (e2e/guest.py), `ferry up` serving the API with the VM as a
real domain on node-a, `ferry controller` and one real `ferry agent` per
node, driven with kubectl.

    real_storage_migration_test.py FERRY STORY

Stories (one Bazel target each, e2e/BUILD):
  seed       examples/storage-migration/ verbatim: the guest keeps running
             across the switchover, every acknowledged record is on the
             destination, which stays sparse; the VMI and VM name it and
             migrationLocalDisks lists the pair
  two-disks  a root disk onto a larger Filesystem volume (a storage slice)
             and a data disk onto a Block volume (a loop device) at once,
             with reclaimPolicySourcePvc: Delete (the source claims go only
             after the VM and VMI name the destinations)
  cancel     the migration deleted mid-copy: the guest goes on on its own
             disk on node-a, no domain remains on node-b
  kill-agent the source agent SIGKILLed mid-copy and started again: the
             copy goes on in libvirtd (peer to peer), the restarted agent
             finds it, the migration succeeds, no acknowledged record is lost
  kill-qemu  the destination's QEMU SIGKILLed mid-copy: the migration ends
             (Failed, the guest on its source disk) and loses nothing
  outrun     a guest dirtying its disk faster than the 4 MiB/s the agents
             copy at: the background copy cannot converge; the controller
             starts it again with synchronous writes (condition, Event) and
             it succeeds, nothing acknowledged lost
  container-disk  the proposal's third user story: a VM booted from a
             container disk (a qcow2 overlay over a 64 MiB raw image, as
             virt-launcher makes it) moved onto a raw Filesystem claim on
             node-b with a {sourceVolume, destinationPvc} pair: the chain is
             flattened (past the guest's records the claim holds the image),
             every acknowledged record is there, the VMI and VM name the claim,
             the image is untouched
  volume-update  KubeVirt's API: `kubectl patch` of the seed's VM onto the
             destination claim with updateVolumesStrategy: Migration; Ferry
             makes the labelled migration, the VMI reports migratedVolumes
             and VolumesChange and names the source until the copy is done;
             the guest moves, nothing acknowledged lost, the source kept
"""

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import ferry_e2e
import guest
from ferry_e2e import Harness, check
from libvirt_nodes import LibvirtNodes

GUEST_CACHE = os.environ.get("FERRY_E2E_CACHE", "/var/cache/ferry-e2e")
GiB = 1 << 30
VMIM = "vmim/migration-local-storage"


def local_pv(name, node, path, size="1Gi", block=False):
    return {
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
        "spec": {
            "capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "local",
            "volumeMode": "Block" if block else "Filesystem", "local": {"path": path},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [{
                "key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}},
        },
    }


def claim(name, size="1Gi", block=False):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "local",
                     "volumeMode": "Block" if block else "Filesystem",
                     "resources": {"requests": {"storage": size}}}}


def allocated(path):
    return os.stat(path).st_blocks * 512


def sha256(path, size):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        left = size
        while left > 0:
            chunk = f.read(min(left, 1 << 20))
            if not chunk:
                break
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


class RealWorld:
    """Two real nodes, ferry up over them, the controller and both agents."""

    def __init__(self, h, nodes, work, kernel, initrd, layout=(guest.SLOTS, guest.RECORD)):
        self.h, self.nodes, self.work = h, nodes, work
        self.kernel, self.initrd = kernel, initrd
        self.slots, self.stride = layout
        self.loops = []
        self.uris = {n: nodes[n].uri for n in ("node-a", "node-b")}
        self.agents = {}
        self.domain = None

    def file_volume(self, node, name, size=GiB, fill=0, image=True):
        """A Filesystem PV's directory with a sparse disk.img; `fill` bytes of
        a pattern at its start. image=False: the directory alone, as a
        provisioner leaves it (ferry up creates disk.img, as virt-launcher)."""
        d = os.path.join(self.work, "pv", node, name)
        os.makedirs(d)
        if not image:
            return d
        img = os.path.join(d, "disk.img")
        with open(img, "wb") as f:
            if fill:
                f.write(os.urandom(fill))
            f.truncate(size)
        return d

    def block_volume(self, node, name, size=GiB):
        """A loop device over a sparse file: a Block PV's device."""
        backing = os.path.join(self.work, "pv", node, name + ".img")
        os.makedirs(os.path.dirname(backing), exist_ok=True)
        with open(backing, "wb") as f:
            f.truncate(size)
        dev = subprocess.run(["losetup", "--find", "--show", backing], capture_output=True,
                             text=True, check=True).stdout.strip()
        self.loops.append(dev)
        return dev

    def close(self):
        for dev in self.loops:
            subprocess.run(["losetup", "-d", dev], capture_output=True)

    def start(self, agent_args=(), controller_args=(), up_args=()):
        self.up = self.h.ferry_up(
            "--outside", "controller",
            "--libvirt", f"node-a={self.uris['node-a']}", "--libvirt", f"node-b={self.uris['node-b']}",
            "--guest-kernel", self.kernel, "--guest-initrd", self.initrd, *up_args)
        self.h.start_controller("controller", *controller_args)
        for n in ("node-a", "node-b"):
            self.start_agent(n, *agent_args)

    def start_agent(self, node, *args):
        a = self.h.start(f"agent-{node}-{len(self.h.processes)}", "agent", "--kubeconfig",
                         self.h.kubeconfig, "--node", node, "--libvirt", self.uris[node],
                         "--health-port", "0", "--log-format", "json", *args)
        a.wait_for_output(r"health and metrics at")
        self.agents[node] = a
        return a

    def apply(self, *objects):
        self.h.kubectl("apply", "-f", "-", input="\n".join(json.dumps(o) for o in objects))

    def serial(self, node):
        path = os.path.join(self.nodes[node].base, "log", "qemu", f"{self.domain}-serial.log")
        return open(path, errors="replace").read() if os.path.exists(path) else ""

    def acks(self):
        return guest.acks(self.serial("node-a")) + guest.acks(self.serial("node-b"))

    def wait_writing(self, node, more=100):
        before = len(guest.acks(self.serial(node)))

        def writing():
            check("cannot start" not in self.up.out(),
                  f"ferry up could not start the VM:\n{self.up.out()}")
            return len(guest.acks(self.serial(node))) >= before + more
        try:
            self.h.wait_for(f"{more} more acknowledged records on {node}", writing, timeout=90)
        except ferry_e2e.Failure as e:
            state = self.nodes[node].virsh("domstate", "--reason", self.domain)
            tail = self.serial(node)[-4000:]
            raise ferry_e2e.Failure(
                f"{e}; {len(guest.acks(self.serial(node))) - before} more; the domain on {node}: "
                f"{state.stdout.strip() or state.stderr.strip()}; its console ends:\n{tail}")

    def domains(self, node):
        return self.nodes[node].virsh("list", "--all", "--name").stdout.split()

    def copying(self, vmim=VMIM):
        """Waits until the copy of `vmim` is under way (some, not all, bytes copied)."""
        def under_way():
            m = self.h.get_json(vmim)
            p = m.get("status", {}).get("progress", {})
            total, left = int(p.get("diskTotal", 0)), int(p.get("diskRemaining", 0))
            check(m.get("status", {}).get("phase") not in ("Succeeded", "Failed"),
                  f"the migration ended before the copy was caught under way: {m.get('status')}")
            return 0 < left < total and (total, left)
        total, left = self.h.wait_for("the copy under way", under_way, timeout=90, interval=0.1)
        print(f"  copied {total - left} of {total} bytes", flush=True)

    def no_record_lost(self, disk):
        acked = self.acks()
        missing = guest.missing_records(disk, acked, self.slots, self.stride)
        check(not missing, f"acknowledged records missing on {disk}: {missing}")
        print(f"  {len(acked)} records acknowledged (last {max(acked)}), none lost on {disk}",
              flush=True)


def story_seed(w):
    # Empty directories: the pods' "launchers" (ferry up) create disk.img.
    src = w.file_volume("node-a", "pv-a", image=False)
    dst = w.file_volume("node-b", "pv-b", image=False)
    w.domain = "default_vm-alpine-datavolume"
    w.h.step("ferry up with both nodes real; the controller and the agents outside")
    w.start()
    w.apply(local_pv("pv-a", "node-a", src), local_pv("pv-b", "node-b", dst))
    w.h.step("kubectl apply the VM: it boots on node-a as a real domain and writes")
    w.h.kubectl("apply", "-f", "examples/storage-migration/vm.yaml",
                "-f", "examples/storage-migration/destination-pvc.yaml")
    w.wait_writing("node-a")
    w.h.step("kubectl apply the migration; wait for Succeeded")
    w.h.kubectl("apply", "-f", "examples/storage-migration/migration.yaml")
    w.h.kubectl("wait", VMIM, "--for=jsonpath={.status.phase}=Succeeded", "--timeout=180s")
    w.h.step("the guest runs on node-b and goes on writing; node-a has no domain")
    w.wait_writing("node-b")
    state = w.nodes["node-b"].virsh("domstate", w.domain).stdout.strip()
    check(state == "running", f"the domain on node-b is {state!r}")
    check(w.domain not in w.domains("node-a"), f"node-a still has the domain")
    w.h.step("the VMI and VM name the destination; migrationLocalDisks lists the pair")
    vmi = w.h.get_json("vmi", "vm-alpine-datavolume")
    vm = w.h.get_json("vm", "vm-alpine-datavolume")
    claims = [v.get("persistentVolumeClaim", {}).get("claimName") for v in vmi["spec"]["volumes"]]
    check(claims == ["pvc-dest"], f"the VMI's volumes: {vmi['spec']['volumes']}")
    check(vmi["status"]["nodeName"] == "node-b", f"the VMI's node: {vmi['status']['nodeName']}")
    vm_claims = [v.get("persistentVolumeClaim", {}).get("claimName")
                 for v in vm["spec"]["template"]["spec"]["volumes"]]
    check(vm_claims == ["pvc-dest"], f"the VM's volumes: {vm['spec']['template']['spec']}")
    pairs = w.h.get_json(VMIM)["status"]["migrationState"].get("migrationLocalDisks", [])
    check(pairs == [{"sourcePvc": "alpine-dv", "destinationPvc": "pvc-dest"}],
          f"migrationLocalDisks: {pairs}")
    w.h.step("stop the guest; every acknowledged record is on the destination, which stays sparse")
    w.nodes["node-b"].virsh("destroy", w.domain)
    w.no_record_lost(os.path.join(dst, "disk.img"))
    a, b = allocated(os.path.join(src, "disk.img")), allocated(os.path.join(dst, "disk.img"))
    print(f"  destination {b >> 20} MiB allocated of {GiB >> 20} MiB (source {a >> 20} MiB)",
          flush=True)
    check(b <= a + (64 << 20), f"the destination is not sparse: {b} bytes allocated, source {a}")
    w.h.step("ferry up created both disk images, sparse, the PVs' 1Gi")
    for node, d in (("node-a", src), ("node-b", dst)):
        img = os.path.join(d, "disk.img")
        check(os.path.getsize(img) == GiB, f"{img} is {os.path.getsize(img)} bytes, not 1Gi")
        said = w.up.out() + w.up.err()
        check(f"ferry up: {node}: created {img} ({GiB} bytes, sparse)" in said,
              f"ferry up did not say it created {img}:\n{said[-3000:]}")


def two_disk_vm(name):
    return {
        "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": {"name": name},
        "spec": {"running": True, "template": {"spec": {
            "domain": {"devices": {"disks": [{"name": "root", "disk": {"bus": "virtio"}},
                                             {"name": "data", "disk": {"bus": "virtio"}}]},
                       "resources": {"requests": {"memory": "256Mi"}}},
            "volumes": [{"name": "root", "persistentVolumeClaim": {"claimName": "src-root"}},
                        {"name": "data", "persistentVolumeClaim": {"claimName": "src-data"}}]}}},
    }


def story_two_disks(w):
    src_root = w.file_volume("node-a", "pv-a-root")
    src_data = w.file_volume("node-a", "pv-a-data", fill=16 << 20)
    dst_root = w.file_volume("node-b", "pv-b-root", size=2 * GiB)
    dst_data = w.block_volume("node-b", "pv-b-data")
    w.domain = "default_vm-two"
    w.h.step("two disks on node-a; a 2Gi Filesystem and a Block (loop device) volume on node-b")
    w.start()
    w.apply(local_pv("pv-a-root", "node-a", src_root), local_pv("pv-a-data", "node-a", src_data),
            local_pv("pv-b-root", "node-b", dst_root, size="2Gi"),
            local_pv("pv-b-data", "node-b", dst_data, block=True),
            claim("src-root"), claim("src-data"), claim("dst-root", size="2Gi"),
            claim("dst-data", block=True), two_disk_vm("vm-two"))
    w.wait_writing("node-a")
    w.h.step("migrate both at once with reclaimPolicySourcePvc: Delete")
    w.apply({"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstanceMigration",
             "metadata": {"name": "migration-local-storage"},
             "spec": {"vmiName": "vm-two", "localStorageMigration": {
                 "reclaimPolicySourcePvc": "Delete",
                 "migrateNonSharedDisks": [{"sourcePvc": "src-root", "destinationPvc": "dst-root"},
                                           {"sourcePvc": "src-data", "destinationPvc": "dst-data"}]}}})
    w.h.kubectl("wait", VMIM, "--for=jsonpath={.status.phase}=Succeeded", "--timeout=180s")
    w.wait_writing("node-b")
    w.h.step("the VM and VMI name both destinations; then the source claims are gone")
    for kind in ("vmi", "vm"):
        o = w.h.get_json(kind, "vm-two")
        spec = o["spec"] if kind == "vmi" else o["spec"]["template"]["spec"]
        claims = [v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"]]
        check(claims == ["dst-root", "dst-data"], f"the {kind}'s volumes: {spec['volumes']}")
    w.h.wait_for("src-root and src-data deleted", lambda: not any(
        c["metadata"]["name"] in ("src-root", "src-data") for c in w.h.get_json("pvc")["items"]),
        timeout=30)
    w.h.step("the root's records on the larger volume, the data disk byte for byte on the device")
    w.nodes["node-b"].virsh("destroy", w.domain)
    w.no_record_lost(os.path.join(dst_root, "disk.img"))
    xml = w.nodes["node-b"].virsh("dumpxml", "--inactive", w.domain).stdout
    check("<slice type='storage' offset='0' size='1073741824'/>" in xml,
          f"the root on the larger volume has no storage slice:\n{xml}")
    check(sha256(dst_data, GiB) == sha256(os.path.join(src_data, "disk.img"), GiB),
          "the data disk on the Block volume differs from its source")


# Libvirt counts the whole 1 GiB disk against the cap, holes included: 32
# MiB/s makes a copy of about 30 s, long enough to be caught under way.
SLOW = ("--bandwidth-mib-per-s", "32")


def slow_copy_under_way(w):
    """The seed's VM on node-a with 256 MiB of data on its disk, agents that
    copy at 32 MiB/s, the seed's migration applied and its copy under way.
    (source, destination) PV directories."""
    src = w.file_volume("node-a", "pv-a", fill=256 << 20)
    dst = w.file_volume("node-b", "pv-b")
    w.domain = "default_vm-alpine-datavolume"
    w.start(agent_args=SLOW)
    w.apply(local_pv("pv-a", "node-a", src), local_pv("pv-b", "node-b", dst))
    w.h.kubectl("apply", "-f", "examples/storage-migration/")
    w.wait_writing("node-a")
    w.copying()
    return src, dst


def story_cancel(w):
    src, _ = slow_copy_under_way(w)
    w.h.step("delete the migration mid-copy")
    w.h.kubectl("delete", VMIM, "--timeout=60s")
    w.h.step("the guest goes on on node-a, on its own disk; node-b has no domain")
    w.h.wait_for("no domain on node-b", lambda: w.domain not in w.domains("node-b"), timeout=30)
    w.wait_writing("node-a")
    vmi = w.h.get_json("vmi", "vm-alpine-datavolume")
    check(vmi["status"]["nodeName"] == "node-a", f"the VMI moved: {vmi['status']}")
    check([v.get("dataVolume", {}).get("name") for v in vmi["spec"]["volumes"]] == ["alpine-dv"],
          f"the VMI's volumes changed: {vmi['spec']['volumes']}")
    w.nodes["node-a"].virsh("destroy", w.domain)
    w.no_record_lost(os.path.join(src, "disk.img"))


def story_kill_agent(w):
    _, dst = slow_copy_under_way(w)
    w.h.step("SIGKILL the source agent mid-copy; start it again")
    w.agents["node-a"].stop(signal.SIGKILL)
    time.sleep(1)
    w.start_agent("node-a", *SLOW)
    w.h.kubectl("wait", VMIM, "--for=jsonpath={.status.phase}=Succeeded", "--timeout=180s")
    source = [r for r in w.h.get_json(VMIM)["status"]["domainReports"] if r["role"] == "Source"]
    print(f"  Succeeded; the source's report: {source}", flush=True)
    w.wait_writing("node-b")
    w.nodes["node-b"].virsh("destroy", w.domain)
    w.no_record_lost(os.path.join(dst, "disk.img"))


def story_kill_qemu(w):
    src, _ = slow_copy_under_way(w)
    w.h.step("SIGKILL the destination's QEMU mid-copy")
    pid = w.nodes["node-b"].kill_qemu(w.domain)
    print(f"  killed QEMU {pid} on node-b", flush=True)
    w.h.kubectl("wait", VMIM, "--for=jsonpath={.status.phase}=Failed", "--timeout=120s")
    m = w.h.get_json(VMIM)
    print(f"  the migration failed: {m['status'].get('conditions', [])[-1:]}", flush=True)
    w.h.step("the guest goes on on node-a; nothing acknowledged is lost")
    w.wait_writing("node-a")
    check(w.h.get_json("vmi", "vm-alpine-datavolume")["status"]["nodeName"] == "node-a",
          "the VMI moved")
    w.nodes["node-a"].virsh("destroy", w.domain)
    w.no_record_lost(os.path.join(src, "disk.img"))


def one_disk_vm(name, claim_name):
    return {
        "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": {"name": name},
        "spec": {"running": True, "template": {"spec": {
            "domain": {"devices": {"disks": [{"name": "root", "disk": {"bus": "virtio"}}]},
                       "resources": {"requests": {"memory": "256Mi"}}},
            "volumes": [{"name": "root", "persistentVolumeClaim": {"claimName": claim_name}}]}}},
    }


# The outrunning guest: each record in a 64 KiB chunk of its own (QEMU's
# mirror granularity) over 16 MiB of a 32 MiB disk, dirtying chunks faster
# than the 4 MiB/s the agents copy at: QEMU's background mirror never gets in
# sync (libvirt's samples show it caught up, yet it never declares itself
# ready). Not slower: at 2 MiB/s QEMU 7.2 (TCG) crashed the guest on the
# destination after a synchronous-writes migration, also with plain virsh.
OUTRUN_LAYOUT = (256, 64 << 10)
OUTRUN_MIB = 32


def story_outrun(w):
    size = OUTRUN_MIB << 20
    src = w.file_volume("node-a", "pv-a", size=size)
    dst = w.file_volume("node-b", "pv-b", size=size)
    w.domain = "default_vm-hot"
    w.h.step(f"a guest dirtying a {OUTRUN_MIB} MiB disk faster than the agents copy (4 MiB/s); "
             "the controller's progress timeout 15s")
    w.start(agent_args=("--bandwidth-mib-per-s", "4"), controller_args=("--progress-timeout", "15s"))
    q = f"{OUTRUN_MIB}Mi"
    w.apply(local_pv("pv-a", "node-a", src, size=q), local_pv("pv-b", "node-b", dst, size=q),
            claim("src", size=q), claim("dst", size=q), one_disk_vm("vm-hot", "src"))
    w.wait_writing("node-a")
    started = time.time()
    w.h.step("migrate it: the background copy stops converging and starts again with "
             "synchronous writes")
    w.apply({"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstanceMigration",
             "metadata": {"name": "migration-local-storage"},
             "spec": {"vmiName": "vm-hot", "localStorageMigration": {
                 "migrateNonSharedDisks": [{"sourcePvc": "src", "destinationPvc": "dst"}]}}})

    seen = set()

    def restarted():
        st = w.h.get_json(VMIM).get("status", {})
        check(st.get("phase") not in ("Succeeded", "Failed"),
              f"the migration ended before its copy was started again: {st}")
        p = st.get("progress", {})
        if p.get("updatedTimestamp") not in seen:
            seen.add(p.get("updatedTimestamp"))
            print(f"  progress: {p.get('diskRemaining', 0)} of {p.get('diskTotal', 0)} bytes "
                  f"left, at best {p.get('lowestDiskRemaining', 0)} "
                  f"({p.get('lowestDiskRemainingTimestamp', '-')}), memory pass "
                  f"{p.get('iteration', 0)}", flush=True)
        c = [c for c in st.get("conditions", []) if c["type"] == "SynchronousWrites"]
        return c and c[0]
    c = w.h.wait_for("condition SynchronousWrites", restarted, timeout=150, interval=0.5)
    print(f"  after {time.time() - started:.0f} s: {c['reason']}: {c['message']}", flush=True)
    check(c["status"] == "True" and c["reason"] == "CopyNotConverging", f"the condition: {c}")
    w.h.kubectl("wait", VMIM, "--for=jsonpath={.status.phase}=Succeeded", "--timeout=180s")
    print(f"  Succeeded {time.time() - started:.0f} s after the migration was created", flush=True)
    m = w.h.get_json(VMIM)
    check(m["status"].get("copyMode") == "WriteBlocking", f"copyMode: {m['status']}")
    source = [r for r in m["status"]["domainReports"] if r["role"] == "Source"][0]
    check(source.get("copyMode") == "WriteBlocking", f"the source's report: {source}")
    events = [e for e in w.h.get_json("events")["items"]
              if e["reason"] == "CopyRestartedWithSynchronousWrites"]
    check(len(events) == 1 and events[0]["type"] == "Warning",
          f"CopyRestartedWithSynchronousWrites Events: {events}")
    w.h.step("the guest goes on on node-b; every acknowledged record is on the destination")
    w.wait_writing("node-b")
    w.nodes["node-b"].virsh("destroy", w.domain)
    w.no_record_lost(os.path.join(dst, "disk.img"))


def story_volume_update(w):
    src = w.file_volume("node-a", "pv-a", fill=256 << 20)
    dst = w.file_volume("node-b", "pv-b")
    w.domain = "default_vm-alpine-datavolume"
    w.h.step("the seed's VM and destination claim on node-a; agents copying at 32 MiB/s")
    w.start(agent_args=SLOW)
    w.apply(local_pv("pv-a", "node-a", src), local_pv("pv-b", "node-b", dst))
    w.h.kubectl("apply", "-f", "examples/storage-migration/vm.yaml",
                "-f", "examples/storage-migration/destination-pvc.yaml")
    w.wait_writing("node-a")
    w.h.step("KubeVirt's API: kubectl patch the VM's volume onto pvc-dest, "
             "updateVolumesStrategy: Migration")
    patch = {"spec": {"updateVolumesStrategy": "Migration", "dataVolumeTemplates": None,
                      "template": {"spec": {"volumes": [{
                          "name": "datavolumedisk1",
                          "persistentVolumeClaim": {"claimName": "pvc-dest"}}]}}}}
    w.h.kubectl("patch", "vm", "vm-alpine-datavolume", "--type", "merge", "-p", json.dumps(patch))
    w.h.step("Ferry makes the migration, labelled as KubeVirt labels its own; "
             "the VMI says what moves and still names the source")
    selector = "kubevirt.io/volume-update-migration=vm-alpine-datavolume"
    made = w.h.wait_for("the volume update's migration",
                        lambda: w.h.get_json("vmim", "-l", selector)["items"], timeout=30)
    check(len(made) == 1, f"{len(made)} migrations labelled {selector}")
    m = made[0]
    name = m["metadata"]["name"]
    check(name.startswith("kubevirt-workload-update-vm-alpine-datavolume-"), f"named {name}")
    check("kubevirt.io/workloadUpdateMigration" in m["metadata"].get("annotations", {}),
          f"annotations: {m['metadata'].get('annotations')}")
    pairs = m["spec"]["localStorageMigration"]["migrateNonSharedDisks"]
    check(pairs == [{"sourcePvc": "alpine-dv", "destinationPvc": "pvc-dest"}], f"pairs: {pairs}")
    w.copying(f"vmim/{name}")
    vmi = w.h.get_json("vmi", "vm-alpine-datavolume")
    moving = vmi["status"].get("migratedVolumes", [])
    check(len(moving) == 1 and moving[0]["volumeName"] == "datavolumedisk1"
          and moving[0]["sourcePVCInfo"]["claimName"] == "alpine-dv"
          and moving[0]["destinationPVCInfo"]["claimName"] == "pvc-dest"
          and moving[0]["destinationPVCInfo"]["accessModes"] == ["ReadWriteOnce"],
          f"migratedVolumes mid-copy: {moving}")
    change = [c for c in vmi["status"].get("conditions", []) if c["type"] == "VolumesChange"]
    check(change and change[0]["status"] == "True", f"VolumesChange mid-copy: {change}")
    check([v.get("dataVolume", {}).get("name") for v in vmi["spec"]["volumes"]] == ["alpine-dv"],
          f"the VMI's volumes mid-copy (KubeVirt would have switched them): {vmi['spec']['volumes']}")
    w.h.step("wait for Succeeded; the guest runs on node-b")
    w.h.kubectl("wait", f"vmim/{name}", "--for=jsonpath={.status.phase}=Succeeded", "--timeout=180s")
    w.wait_writing("node-b")
    check(w.domain not in w.domains("node-a"), "node-a still has the domain")
    w.h.step("the VMI names pvc-dest; VolumesChange is gone, migratedVolumes stays; "
             "the source claim is kept")
    def settled():
        o = w.h.get_json("vmi", "vm-alpine-datavolume")
        changing = any(c["type"] == "VolumesChange" for c in o["status"].get("conditions", []))
        return None if changing else o
    vmi = w.h.wait_for("VolumesChange gone", settled, timeout=30)
    claims = [v.get("persistentVolumeClaim", {}).get("claimName") for v in vmi["spec"]["volumes"]]
    check(claims == ["pvc-dest"], f"the VMI's volumes: {vmi['spec']['volumes']}")
    check(vmi["status"]["nodeName"] == "node-b", f"the VMI's node: {vmi['status']['nodeName']}")
    check(len(vmi["status"].get("migratedVolumes", [])) == 1,
          f"migratedVolumes: {vmi['status'].get('migratedVolumes')}")
    check("alpine-dv" in [c["metadata"]["name"] for c in w.h.get_json("pvc")["items"]],
          "the source claim alpine-dv is gone (KubeVirt's volume update keeps it)")
    w.h.step("stop the guest; every acknowledged record is on the destination")
    w.nodes["node-b"].virsh("destroy", w.domain)
    w.no_record_lost(os.path.join(dst, "disk.img"))


def container_disk_vm(name, image):
    return {
        "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": {"name": name},
        "spec": {"running": True, "template": {"spec": {
            "domain": {"devices": {"disks": [{"name": "root", "disk": {"bus": "virtio"}}]},
                       "resources": {"requests": {"memory": "256Mi"}}},
            "volumes": [{"name": "root", "containerDisk": {"image": image}}]}}},
    }


IMAGE = "e2e.example/alpine:latest"
IMAGE_BYTES = 64 << 20


def story_container_disk(w):
    images = os.path.join(w.work, "images")
    os.makedirs(images)
    base = os.path.join(images, "alpine.img")
    with open(base, "wb") as f:
        f.write(os.urandom(IMAGE_BYTES))
    base_sum = sha256(base, IMAGE_BYTES)
    dst = w.file_volume("node-b", "pv-b", image=False)
    w.domain = "default_vm-cd"
    w.h.step("ferry up with the image as the nodes' container image; the VM boots on node-a "
             "from a qcow2 overlay over it and writes")
    w.start(up_args=("--container-image", f"{IMAGE}={base}"))
    w.apply(local_pv("pv-b", "node-b", dst, size="80Mi"), claim("root-pvc", size="80Mi"),
            container_disk_vm("vm-cd", IMAGE))
    w.wait_writing("node-a")
    overlay = f"{base}.default_vm-cd.root.qcow2"
    info = json.loads(subprocess.run(["qemu-img", "info", "-U", "--output=json", overlay],
                                     capture_output=True, text=True, check=True).stdout)
    check(info["format"] == "qcow2" and info.get("backing-filename") == base,
          f"the overlay is not qcow2 over the image: {info}")
    vmi = w.h.get_json("vmi", "vm-cd")
    sizes = {v["name"]: int(v.get("size", 0)) for v in vmi["status"].get("volumeStatus", [])}
    check(sizes.get("root") == IMAGE_BYTES, f"the VMI's volumeStatus: {vmi['status']}")
    w.h.step("kubectl apply a migration of the container disk onto root-pvc (sourceVolume)")
    w.apply({"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstanceMigration",
             "metadata": {"name": "mig-cd"},
             "spec": {"vmiName": "vm-cd", "localStorageMigration": {"migrateNonSharedDisks": [
                 {"sourceVolume": "root", "destinationPvc": "root-pvc"}]}}})
    w.h.kubectl("wait", "vmim/mig-cd", "--for=jsonpath={.status.phase}=Succeeded",
                "--timeout=180s")
    w.h.step("the guest runs on node-b on the claim and goes on writing; node-a has no domain")
    w.wait_writing("node-b")
    check(w.domain not in w.domains("node-a"), "node-a still has the domain")
    xml = w.nodes["node-b"].virsh("dumpxml", w.domain).stdout
    check("backingStore" not in xml.replace("<backingStore/>", "") and "qcow2" not in xml,
          f"the domain on node-b is not on a raw disk:\n{xml}")
    w.h.step("the VMI and VM name root-pvc; migrationLocalDisks lists the pair")
    vmi = w.h.get_json("vmi", "vm-cd")
    vm = w.h.get_json("vm", "vm-cd")
    check([v.get("persistentVolumeClaim", {}).get("claimName") for v in vmi["spec"]["volumes"]]
          == ["root-pvc"], f"the VMI's volumes: {vmi['spec']['volumes']}")
    check([v.get("persistentVolumeClaim", {}).get("claimName")
           for v in vm["spec"]["template"]["spec"]["volumes"]] == ["root-pvc"],
          f"the VM's volumes: {vm['spec']['template']['spec']['volumes']}")
    pairs = w.h.get_json("vmim/mig-cd")["status"]["migrationState"].get("migrationLocalDisks", [])
    check(pairs == [{"sourceVolume": "root", "destinationPvc": "root-pvc"}],
          f"migrationLocalDisks: {pairs}")
    w.h.step("stop the guest; the claim holds every acknowledged record and, past them, "
             "the image; the image is untouched")
    w.nodes["node-b"].virsh("destroy", w.domain)
    disk = os.path.join(dst, "disk.img")
    w.no_record_lost(disk)
    written = w.slots * w.stride
    def tail_sum(path):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            f.seek(written)
            h.update(f.read(IMAGE_BYTES - written))
        return h.hexdigest()
    check(tail_sum(disk) == tail_sum(base),
          f"bytes {written}..{IMAGE_BYTES} of {disk} are not the image's: the chain was not "
          "flattened")
    print(f"  the claim holds the image's {(IMAGE_BYTES - written) >> 20} MiB past the records",
          flush=True)
    # The claim is larger than the image: what lies past the image was never
    # written, and the copy keeps it a hole.
    size, used = os.path.getsize(disk), allocated(disk)
    check(size == 80 << 20 and used <= IMAGE_BYTES + (1 << 20),
          f"{disk}: {used >> 20} MiB allocated of {size >> 20} MiB; the image is "
          f"{IMAGE_BYTES >> 20} MiB: the destination is not sparse")
    with open(disk, "rb") as f:
        f.seek(IMAGE_BYTES)
        check(not any(f.read()), f"{disk} has data past the image's {IMAGE_BYTES >> 20} MiB")
    print(f"  the claim: {used >> 20} MiB allocated of {size >> 20} MiB", flush=True)
    check(sha256(base, IMAGE_BYTES) == base_sum, "the image changed")


STORIES = {"seed": story_seed, "two-disks": story_two_disks, "cancel": story_cancel,
           "kill-agent": story_kill_agent, "kill-qemu": story_kill_qemu,
           "outrun": story_outrun, "volume-update": story_volume_update,
           "container-disk": story_container_disk}
# The guest's writer layout (slots, stride) where a story needs its own.
LAYOUTS = {"outrun": OUTRUN_LAYOUT}


@contextlib.contextmanager
def real_world(name, layout=(guest.SLOTS, guest.RECORD), records=0):
    """Two fresh libvirt nodes, a Harness and the RealWorld over them (the
    guest's writer laid out as `layout`: slots, stride; stopping after
    `records`, 0 for never); on the way out
    Ferry's processes stop first, then loop devices, nodes and the folder go,
    also when the block fails."""
    kernel, initrd = guest.build_guest(GUEST_CACHE, *layout, records=records)
    # Short: each node's Unix socket lives under it (at most 107 bytes).
    work = tempfile.mkdtemp(prefix="ferry-lv-", dir="/tmp")
    try:
        with LibvirtNodes(["node-a", "node-b"], work) as nodes, Harness(name) as h:
            w = RealWorld(h, nodes, work, kernel, initrd, layout)
            try:
                yield w
            finally:
                for p in reversed(h.processes):
                    p.stop()
                w.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    story = sys.argv[2] if len(sys.argv) > 2 else "seed"
    check(story in STORIES, f"no story {story!r}; stories: {', '.join(STORIES)}")
    started = time.time()
    with real_world(f"real-{story}", LAYOUTS.get(story, (guest.SLOTS, guest.RECORD))) as w:
        STORIES[story](w)
    print(f"e2e real-{story}: passed in {time.time() - started:.0f} s", flush=True)


if __name__ == "__main__":
    ferry_e2e.run_main(main, "e2e real storage")
