"""The seed's storage migration moving real bytes: two libvirtd + QEMU nodes
(e2e/libvirt_nodes.py), a TCG guest writing numbered records with
O_DIRECT|O_DSYNC (e2e/guest.py), `ferry up` serving the API with the VM as a
real domain on node-a, `ferry controller` and one real `ferry agent` per node,
all driven with kubectl applying examples/storage-migration/.

Checks: the guest keeps running across the switchover and goes on writing on
node-b; every record it acknowledged is on the destination volume; the
destination stays sparse; the VMI and VM name the destination claim and
migrationLocalDisks lists the pair.
"""

import json
import os
import shutil
import sys
import tempfile
import time

import ferry_e2e
import guest
from ferry_e2e import Harness, check
from libvirt_nodes import LibvirtNodes

GUEST_CACHE = os.environ.get("FERRY_E2E_CACHE", "/var/cache/ferry-e2e")
DISK_BYTES = 1 << 30  # the seed's claims ask 1Gi
DOMAIN = "default_vm-alpine-datavolume"


def local_pv(name, node, path):
    return {
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
        "spec": {
            "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "local",
            "volumeMode": "Filesystem", "local": {"path": path},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [{
                "key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}},
        },
    }


def allocated(path):
    return os.stat(path).st_blocks * 512


def serial(nodes, node):
    path = os.path.join(nodes[node].base, "log", "qemu", f"{DOMAIN}-serial.log")
    return open(path, errors="replace").read() if os.path.exists(path) else ""


def main():
    started = time.time()
    kernel, initrd = guest.build_guest(GUEST_CACHE)
    # Short: each node's Unix socket lives under it (at most 107 bytes).
    work = tempfile.mkdtemp(prefix="ferry-lv-", dir="/tmp")
    try:
        with LibvirtNodes(["node-a", "node-b"], work) as nodes, Harness("real-storage") as h:
            run(h, nodes, work, kernel, initrd)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"e2e real-storage: passed in {time.time() - started:.0f} s", flush=True)


def run(h, nodes, work, kernel, initrd):
    h.step("volumes: a local PV on node-a (the source) and one on node-b (the destination)")
    paths = {}
    for node, name in (("node-a", "pv-a"), ("node-b", "pv-b")):
        d = os.path.join(work, "pv", node, name)
        os.makedirs(d)
        with open(os.path.join(d, "disk.img"), "wb") as f:
            f.truncate(DISK_BYTES)  # sparse, as a provisioner leaves a new volume
        paths[node] = d
    uris = {n: nodes[n].uri for n in ("node-a", "node-b")}

    h.step("ferry up with both nodes real; the controller and the agents outside")
    up = h.ferry_up("--outside", "controller",
               "--libvirt", f"node-a={uris['node-a']}", "--libvirt", f"node-b={uris['node-b']}",
               "--guest-kernel", kernel, "--guest-initrd", initrd)
    h.start_controller()
    agents = {n: h.start(f"agent-{n}", "agent", "--kubeconfig", h.kubeconfig, "--node", n,
                         "--libvirt", uris[n], "--health-port", "0", "--log-format", "json")
              for n in ("node-a", "node-b")}
    for a in agents.values():
        a.wait_for_output(r"health and metrics at")
    pvs = [local_pv("pv-a", "node-a", paths["node-a"]), local_pv("pv-b", "node-b", paths["node-b"])]
    h.kubectl("apply", "-f", "-", input="\n".join(json.dumps(pv) for pv in pvs))

    h.step("kubectl apply the VM: it boots on node-a as a real domain and writes")
    h.kubectl("apply", "-f", "examples/storage-migration/vm.yaml",
              "-f", "examples/storage-migration/destination-pvc.yaml")
    def writing():
        check("cannot start" not in up.out(), f"ferry up could not start the VM:\n{up.out()}")
        return len(guest.acks(serial(nodes, "node-a"))) >= 100
    h.wait_for("the guest's first 100 acknowledged records on node-a", writing, timeout=90)

    h.step("kubectl apply the migration; wait for Succeeded")
    h.kubectl("apply", "-f", "examples/storage-migration/migration.yaml")
    h.kubectl("wait", "vmim/migration-local-storage", "--for=jsonpath={.status.phase}=Succeeded",
              "--timeout=180s")

    h.step("the guest runs on node-b and goes on writing; node-a has no domain")
    before = len(guest.acks(serial(nodes, "node-b")))
    h.wait_for("100 more acknowledged records on node-b",
               lambda: len(guest.acks(serial(nodes, "node-b"))) >= before + 100, timeout=60)
    state = nodes["node-b"].virsh("domstate", DOMAIN).stdout.strip()
    check(state == "running", f"the domain on node-b is {state!r}")
    listed = nodes["node-a"].virsh("list", "--all", "--name").stdout.split()
    check(DOMAIN not in listed, f"node-a still has the domain: {listed}")

    h.step("the VMI and VM name the destination; migrationLocalDisks lists the pair")
    vmi = h.get_json("vmi", "vm-alpine-datavolume")
    vm = h.get_json("vm", "vm-alpine-datavolume")
    claims = [v.get("persistentVolumeClaim", {}).get("claimName") for v in vmi["spec"]["volumes"]]
    check(claims == ["pvc-dest"], f"the VMI's volumes: {vmi['spec']['volumes']}")
    check(vmi["status"]["nodeName"] == "node-b", f"the VMI's node: {vmi['status']['nodeName']}")
    vm_claims = [v.get("persistentVolumeClaim", {}).get("claimName")
                 for v in vm["spec"]["template"]["spec"]["volumes"]]
    check(vm_claims == ["pvc-dest"], f"the VM's volumes: {vm['spec']['template']['spec']['volumes']}")
    m = h.get_json("vmim", "migration-local-storage")
    pairs = m["status"]["migrationState"].get("migrationLocalDisks", [])
    check(pairs == [{"sourcePvc": "alpine-dv", "destinationPvc": "pvc-dest"}],
          f"migrationLocalDisks: {pairs}")

    h.step("stop the guest; every acknowledged record is on the destination, which stays sparse")
    nodes["node-b"].virsh("destroy", DOMAIN)
    acked = guest.acks(serial(nodes, "node-a")) + guest.acks(serial(nodes, "node-b"))
    src = os.path.join(paths["node-a"], "disk.img")
    dst = os.path.join(paths["node-b"], "disk.img")
    missing = guest.missing_records(dst, acked)
    check(not missing, f"acknowledged records missing on the destination: {missing}")
    print(f"  {len(acked)} records acknowledged (last {max(acked)}), none lost; destination "
          f"{allocated(dst) >> 20} MiB allocated of {DISK_BYTES >> 20} MiB (source "
          f"{allocated(src) >> 20} MiB)", flush=True)
    check(allocated(dst) <= allocated(src) + (64 << 20),
          f"the destination is not sparse: {allocated(dst)} bytes allocated, the source "
          f"{allocated(src)}")


if __name__ == "__main__":
    try:
        main()
    except ferry_e2e.Failure as e:
        sys.exit(f"e2e real-storage: FAILED: {e}")
