"""Direct LUN migration with a real SAN: tgt serves the LUNs on loopback
(e2e/tgt.py); `ferry up --real-iscsi` backs every LUN user with a real QEMU
initiator (cmd/ferry/real_luns.h): the oVirt VMs that are up, and the pods
of the VMs Ferry creates, logging in with the PV's portal, IQN, LUN and CHAP
Secret; `ferry lun-controller` runs as a process over the served engine's
REST API; kubectl applies the Migration. Throughout, a watcher polls tgt's
session list and fails the test the moment one LUN has two initiators.

    e2e/real_lun_plan_test.py FERRY_BINARY STORY   (from the runfiles root)

Stories: cold (a plan of two VMs, one LUN behind CHAP, one behind an
initiator ACL); warm (the same plan warm: the sources keep their LUNs until
the cutover, then shut down, then are detached); acl-refuses-node (target
2's ACL lets only the oVirt host in: the plan completes, and tgt refuses
node-a's pod, which shows FailedMount with tgt's reason); kill-lun-controller
(SIGKILL at each new step of the plan, a new one started each time);
old-engine (4.4, no LUN details: refused at Initialize, nothing touched);
rollback (the claims never bind: PV and claim gone, the LUNs back on the
running sources, the data intact). Each stops what it started by PID, also
when it fails.
"""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import ferry_e2e
from ferry_e2e import Engine, Harness, check
from managed import stop_qemus_naming
from tgt import Failure as TgtFailure
from tgt import Tgt

HOST = "iqn.2026-12.io.ferry:ovirt-host"  # the oVirt host's initiator (real_luns.h)
NODE = "iqn.2026-12.io.ferry:node-a"      # node-a's, for the pods
LUNS = {  # tid: (disk id, VM id, VM name, IQN, pattern byte)
    1: ("lun-db", "vm-1", "db", "iqn.2026-12.io.ferry:db", 0xab),
    2: ("lun-logs", "vm-2", "logs", "iqn.2026-12.io.ferry:logs", 0xcd),
}
MiB = 1 << 20


def world(work, tgt, password, warm=False, version="", unbindable=False):
    """The world file and its manifests in `work`: node-a, the storage class
    and Provider of the LUN scenarios, the plan of both VMs naming the CHAP
    Secret, and an engine whose disks are tgt's LUNs. `unbindable`: the
    cluster's PV controller fails every PV update (an api_fault action for
    the cluster model, which ferry up runs), so no claim ever binds."""
    shutil.copy("scenarios/lun/world/cluster.yaml", os.path.join(work, "cluster.yaml"))
    with open(os.path.join(work, "plan.yaml"), "w") as f:
        f.write(f"""apiVersion: v1
kind: Secret
metadata: {{name: lun-chap}}
stringData:
  node.session.auth.username: ferry
  node.session.auth.password: "{password}"
---
apiVersion: forklift.konveyor.io/v1beta1
kind: Plan
metadata:
  name: two-plan
  annotations: {{ferry.io/chap-secret: lun-chap}}
spec:
  provider:
    source: {{name: ovirt-engine, namespace: default}}
    destination: {{name: host, namespace: default}}
  targetNamespace: default
  warm: {"true" if warm else "false"}
  vms:
  - id: vm-1
  - id: vm-2
""")
    port = tgt.port
    db, logs = LUNS[1], LUNS[2]
    path = os.path.join(work, "world.textproto")
    with open(path, "w") as f:
        f.write(f"""description: "two VMs with direct LUNs on a real tgt"
seed: 1
world {{
  node: "node-a"
  manifest_file: "cluster.yaml"
  manifest_file: "plan.yaml"
  ovirt {{
    {f'version: "{version}"' if version else ""}
    disk {{ id: "{db[0]}" address: "127.0.0.1" port: {port} iqn: "{db[3]}" lun_mapping: 1
           size_gib: 0.0625 chap_username: "ferry" chap_password: "{password}" }}
    disk {{ id: "{logs[0]}" address: "127.0.0.1" port: {port} iqn: "{logs[3]}" lun_mapping: 1
           size_gib: 0.0625 }}
    vm {{ id: "{db[1]}" name: "{db[2]}" attachment {{ disk: "{db[0]}" bootable: true }} }}
    vm {{ id: "{logs[1]}" name: "{logs[2]}" attachment {{ disk: "{logs[0]}" bootable: true }} }}
  }}
}}
""")
        if unbindable:
            f.write('action { at_seconds: 0 api_fault { verb: "update" kind: "PersistentVolume" '
                    'code: "Internal" count: 1000000 cluster: true } }\n')
    return path


def sessions_become(h, tgt, want, what):
    """Waits until each target's sessions are [want[tid]] (None: none)."""
    def settled():
        return all(tgt.sessions(tid) == ([name] if name else []) for tid, name in want.items())
    h.wait_for(what, settled, timeout=30, interval=0.1)
    print("  " + ", ".join(f"target {tid}: {tgt.sessions(tid)}" for tid in want), flush=True)


def read_back(tgt, pv, password, pattern, work, initiator=NODE):
    """qemu-io logged in with the PV's portal, IQN and LUN (CHAP when the PV
    says so) as `initiator`: the source's data is there."""
    iscsi = pv["spec"]["iscsi"]
    portal = iscsi["targetPortal"]
    opts = (f"driver=raw,file.driver=iscsi,file.transport=tcp,file.portal={portal},"
            f"file.target={iscsi['iqn']},file.lun={iscsi['lun']},file.initiator-name={initiator}")
    argv = ["qemu-io", "--image-opts"]
    if iscsi.get("chapAuthSession"):
        secret = os.path.join(work, "chap-read")
        with open(os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(password)
        argv += ["--object", f"secret,id=chap0,file={secret}"]
        opts += ",file.user=ferry,file.password-secret=chap0"
    r = subprocess.run(argv + [opts, "-c", f"read -P {pattern:#x} 0 1M"], capture_output=True,
                       text=True, timeout=60)
    out = r.stdout + r.stderr
    check(r.returncode == 0 and "verification failed" not in out and "read 1048576/1048576" in out,
          f"reading {iscsi['iqn']} LUN {iscsi['lun']} at {portal} as the PV says: {out.strip()}")


def both_failed(h, timeout):
    """Waits until both VMs of Migration run-1 are Failed; returns them."""
    def failed():
        vms = h.get_json("migrations.forklift.konveyor.io/run-1").get("status", {}).get("vms", [])
        return len(vms) == 2 and all(v.get("phase") == "Failed" for v in vms) and vms
    return h.wait_for("both VMs Failed", failed, timeout=timeout, interval=0.2)


def lun_controller(h, *args):
    lun = h.start(f"lun-controller-{len(h.processes)}", "lun-controller", "--provider",
                  "default/ovirt-engine", "--kubeconfig", h.kubeconfig, "--health-port", "0",
                  "--log-format", "json", *args)
    lun.wait_for_output(r"health and metrics at")
    return lun


def start(h, tgt, work, password, warm=False, version="", unbindable=False, lun_args=()):
    """ferry up over the real SAN, the source VMs holding their LUNs, and the
    lun-controller outside (with `lun_args`); returns ferry up's process."""
    h.step("ferry up --real-iscsi: the engine's two VMs are up and hold their LUNs for real")
    up = h.ferry_up("--world", world(work, tgt, password, warm, version, unbindable),
                    "--outside", "lun-controller", "--real-iscsi", work)
    sessions_become(h, tgt, {1: HOST, 2: HOST}, "the oVirt host logged in to both LUNs")
    h.step("ferry lun-controller, outside")
    lun_controller(h, *lun_args)
    return up


def story_kill_lun_controller(h, tgt, work, password):
    """SIGKILL of the lun-controller as each step of the plan is first seen
    running, and a new one started: the plan converges, one PV and one claim
    per LUN, never two initiators on a LUN."""
    up = start(h, tgt, work, password)
    lun = h.processes[-1]
    h.step("kubectl apply the Migration; kill -9 the lun-controller at each new step")
    # Every version of the Migration as the API serves it (a watch, not a
    # poll: the steps after the detach may last only milliseconds).
    watch = ferry_e2e.ObjectWatch(h, "migrations.forklift.konveyor.io",
                                  "--field-selector", "metadata.name=run-1")
    h.apply_lun_migration("run-1", "two-plan")
    killed, end = [], time.time() + 180
    try:
        while time.time() < end:
            event = watch.next(timeout=1)
            if event is None:
                continue
            m = event[1]
            if any(c.get("type") == "Succeeded"
                   for c in m.get("status", {}).get("conditions", [])):
                break
            running = {s.get("name") for v in m.get("status", {}).get("vms", [])
                       for s in v.get("pipeline", []) if s.get("phase") == "Running"}
            new = sorted(running - set(killed))
            if new:
                lun.stop(signal.SIGKILL)
                killed.extend(new)
                print(f"  SIGKILL of the lun-controller during {', '.join(new)}", flush=True)
                lun = lun_controller(h)
    finally:
        watch.stop()
    # PowerOff lasts the engine's 5 s stop: always caught. Each step after
    # the detach that the status shows Running is caught as it is written
    # (which ones are written Running varies: DetachLuns, WaitForBinding...).
    after_detach = {"DetachLuns", "CreateVolumes", "WaitForBinding", "CopyDisks", "CreateVm"}
    check("PowerOff" in killed and after_detach & set(killed),
          f"the lun-controller was killed at {killed}: not during PowerOff and after the detach")
    h.kubectl("wait", "migrations.forklift.konveyor.io/run-1",
              "--for=jsonpath={.status.conditions[0].type}=Succeeded", "--timeout=120s")
    h.step("one PV and one claim per LUN; the plan's VMs both completed")
    pvs = [p["metadata"]["name"] for p in h.get_json("pv")["items"]]
    claims = [c["metadata"]["name"] for c in h.get_json("pvc")["items"]]
    check(sorted(pvs) == ["ferry-lun-lun-db", "ferry-lun-lun-logs"], f"PVs: {pvs}")
    check(sorted(claims) == ["ferry-lun-lun-db", "ferry-lun-lun-logs"], f"claims: {claims}")
    vms = h.get_json("migrations.forklift.konveyor.io/run-1")["status"]["vms"]
    check([v["phase"] for v in vms] == ["Completed", "Completed"], f"the VMs: {vms}")
    after_plan(h, tgt, work, password, up)


def story_cold(h, tgt, work, password):
    up = start(h, tgt, work, password)
    h.step("kubectl apply the Migration of the plan; wait for it to succeed")
    h.run_lun_plan("run-1", "two-plan", timeout="120s")
    after_plan(h, tgt, work, password, up)


def story_warm(h, tgt, work, password):
    up = start(h, tgt, work, password, warm=True)
    h.step("kubectl apply the Migration, its cutover 15 s away: the sources run and hold on")
    cutover = time.time() + 15
    h.apply_lun_migration("run-1", "two-plan", cutover=cutover)
    def waiting():
        m = h.get_json("migrations.forklift.konveyor.io/run-1")
        steps = [s.get("name") for v in m.get("status", {}).get("vms", [])
                 for s in v.get("pipeline", []) if s.get("phase") == "Running"]
        return "WaitForCutover" in steps and steps
    h.wait_for("the plan waiting for its cutover", waiting, timeout=12, interval=0.2)
    check(time.time() < cutover, "the cutover came before the plan was seen waiting for it")
    for margin in (cutover - time.time(), 2):  # as soon as it waits, and just before
        time.sleep(max(0, cutover - margin - time.time()))
        check(tgt.sessions(1) == [HOST] and tgt.sessions(2) == [HOST],
              f"before the cutover: target 1 {tgt.sessions(1)}, target 2 {tgt.sessions(2)}")
        print(f"  {cutover - time.time():.1f} s before the cutover the oVirt host still holds "
              f"both", flush=True)
    h.step("the cutover: the sources shut down, then their LUNs are detached and handed over")
    h.kubectl("wait", "migrations.forklift.konveyor.io/run-1",
              "--for=jsonpath={.status.conditions[0].type}=Succeeded", "--timeout=120s")
    check(time.time() >= cutover, "the plan succeeded before its cutover")
    after_plan(h, tgt, work, password, up)


def story_acl_refuses_node(h, tgt, work, password):
    """Target 2's ACL lets the oVirt host in, not node-a (main sets it up):
    the plan completes, and the pod of VM logs is refused by tgt itself."""
    start(h, tgt, work, password)
    h.step("kubectl apply the Migration; the plan completes")
    h.run_lun_plan("run-1", "two-plan", timeout="120s")
    h.step("node-a's pod of logs is refused by the target's ACL, for real: FailedMount")

    def refused():
        r = h.kubectl("get", "events", "-o", "json", check_ok=False)
        if r.returncode != 0:
            return None
        for e in json.loads(r.stdout).get("items", []):
            if (e.get("reason") == "FailedMount" and
                    e["involvedObject"]["name"].startswith("virt-launcher-logs-")):
                return e["message"]
        return None
    message = h.wait_for("a FailedMount event of the logs VM's pod", refused, timeout=60)
    check("Target not found" in message and "iqn.2026-12.io.ferry:logs" in message
          and f"as {NODE}" in message, f"the FailedMount event says: {message}")
    print(f"  FailedMount: {message}", flush=True)
    sessions_become(h, tgt, {1: NODE, 2: None}, "db's pod on its LUN; no one on logs'")


def story_old_engine(h, tgt, work, password):
    """An engine (4.4) that reports no LUN details: the plan is refused at
    Initialize and nothing is touched, the sources keep their LUNs."""
    start(h, tgt, work, password, version="4.4.10.7-1.el8")
    h.step("kubectl apply the Migration: both VMs fail validation, nothing touched")
    h.apply_lun_migration("run-1", "two-plan")
    vms = both_failed(h, timeout=60)
    for v in vms:
        reasons = v.get("error", {}).get("reasons", [])
        check(any("lun.details_missing" in r and "upgrade the engine" in r for r in reasons),
              f"VM {v.get('name')}: {reasons}")
    print(f"  {vms[0]['error']['reasons'][0]}", flush=True)
    pvs = h.get_json("pv")["items"]
    check(not pvs, f"PVs were made: {[p['metadata']['name'] for p in pvs]}")
    time.sleep(2)  # a late step would show here
    check(tgt.sessions(1) == [HOST] and tgt.sessions(2) == [HOST],
          f"the sources lost their LUNs: target 1 {tgt.sessions(1)}, target 2 {tgt.sessions(2)}")
    print("  the oVirt host still holds both LUNs; no PV made", flush=True)


def story_rollback(h, tgt, work, password):
    """The claims never bind (the cluster's PV controller fails every PV
    update) and the lun-controller gives up after its 10 s bind timeout:
    each VM rolls back. Its PV and claim are deleted, its LUN attached to
    the source again and the source started, so the oVirt host logs in
    again (it does only for a VM that is up with the LUN attached); node-a
    never logged in; the data is intact."""
    up = start(h, tgt, work, password, unbindable=True, lun_args=("--bind-timeout", "10s"))
    check("the cluster model's next 1000000 update call(s) of PersistentVolume fail (Internal)"
          in up.out(), f"ferry up did not say it armed the world's fault:\n{up.out()}")
    h.step("kubectl apply the Migration: the sources stop and give up their LUNs; the claims "
           "never bind; after 10 s both VMs roll back")
    h.apply_lun_migration("run-1", "two-plan")
    vms = both_failed(h, timeout=90)
    for v in vms:
        error = v.get("error", {})
        disk = "lun-db" if v.get("id") == "vm-1" else "lun-logs"
        check(error.get("phase") == "WaitForBinding" and error.get("reasons") ==
              [f"claim(s) ferry-lun-{disk} did not bind within 10s"],
              f"VM {v.get('id')} failed otherwise: {error}")
    print(f"  {vms[0]['id']}: {vms[0]['error']['reasons'][0]}", flush=True)

    h.step("no PV nor claim left; the oVirt host holds both LUNs again; node-a never did")
    pvs = [p["metadata"]["name"] for p in h.get_json("pv")["items"]]
    claims = [c["metadata"]["name"] for c in h.get_json("pvc")["items"]]
    check(not pvs and not claims, f"left after the rollback: PVs {pvs}, claims {claims}")
    sessions_become(h, tgt, {1: HOST, 2: HOST}, "the oVirt host logged in to both LUNs again")
    for tid in LUNS:
        seen = tgt.watcher.history.get(tid)
        # Nobody before ferry up; the host; nobody from the detach to the
        # rollback's attach; the host again.
        check(seen == [(), (HOST,), (), (HOST,)],
              f"target {tid}'s initiators over time: {seen}, not nobody's, the host's, "
              f"nobody's, the host's")
    print(f"  target 1's initiators over time: {tgt.watcher.history[1]}", flush=True)
    logins = up.out().count("iSCSI login: oVirt VM")
    check(logins == 4, f"ferry up logged {logins} oVirt host logins, not 2 + 2:\n{up.out()}")
    url = re.search(r"oVirt engine: (https://127\.0\.0\.1:\d+/ovirt-engine/api)", up.out()).group(1)
    engine = Engine(url, h.get_json("secret/ovirt-credentials"))
    for tid, (disk, vm_id, _, _, _) in LUNS.items():
        vm = engine.vm(vm_id)
        attached = [(a["disk"]["id"], a.get("active")) for a in
                    vm.get("disk_attachments", {}).get("disk_attachment", [])]
        check(vm["status"] == "up" and attached == [(disk, "true")],
              f"the engine's {vm_id} after the rollback: {vm['status']}, attachments {attached}")
    print("  the engine: both source VMs up, each with its LUN attached and active", flush=True)

    h.step("stop ferry up: the source's data is on each LUN, read as the oVirt host")
    up.stop()
    sessions_become(h, tgt, {1: None, 2: None}, "no session left")
    for tid, (_, _, _, iqn, pattern) in LUNS.items():
        pv = {"spec": {"iscsi": {"targetPortal": tgt.portal, "iqn": iqn, "lun": 1,
                                 "chapAuthSession": tid == 1}}}
        read_back(tgt, pv, password, pattern, work, initiator=HOST)
        print(f"  {iqn}: the source's 1 MiB of {pattern:#x} read back", flush=True)


def after_plan(h, tgt, work, password, up):
    h.step("both VMs run on node-a; each LUN is held by node-a's pod alone")
    for tid, (disk, _, name, iqn, _) in LUNS.items():
        def running(name=name):
            r = h.kubectl("get", f"vmi/{name}", "-o", "jsonpath={.status.phase}", check_ok=False)
            return r.returncode == 0 and r.stdout == "Running"
        h.wait_for(f"the VMI {name} Running", running, timeout=60, interval=0.2)
    sessions_become(h, tgt, {1: NODE, 2: NODE}, "node-a's pods hold both LUNs")
    pvs = {}
    for tid, (disk, _, name, iqn, _) in LUNS.items():
        pv = h.get_json(f"pv/ferry-lun-{disk}")
        iscsi = pv["spec"]["iscsi"]
        check(iscsi["targetPortal"] == tgt.portal and iscsi["iqn"] == iqn and iscsi["lun"] == 1,
              f"the PV of {disk} names {iscsi}, not tgt's {tgt.portal} {iqn} LUN 1")
        check(bool(iscsi.get("chapAuthSession")) and iscsi["secretRef"]["name"] == "lun-chap",
              f"the PV of {disk} does not name the plan's CHAP Secret: {iscsi}")
        pvs[tid] = pv
    check("iSCSI login: pod default/" in up.out(), f"ferry up logged no pod login:\n{up.out()}")

    h.step("stop ferry up: every session ends; the source's data is on each LUN as the PV says")
    up.stop()
    sessions_become(h, tgt, {1: None, 2: None}, "no session left")
    for tid in LUNS:
        read_back(tgt, pvs[tid], password, LUNS[tid][4], work)
        print(f"  {LUNS[tid][3]}: the source's 1 MiB of {LUNS[tid][4]:#x} read back", flush=True)


STORIES = {"cold": story_cold, "warm": story_warm, "acl-refuses-node": story_acl_refuses_node,
           "kill-lun-controller": story_kill_lun_controller, "old-engine": story_old_engine,
           "rollback": story_rollback}


def main():
    story = sys.argv[2] if len(sys.argv) > 2 else "cold"
    check(story in STORIES, f"no story {story!r}; stories: {', '.join(STORIES)}")
    started = time.time()
    # Short: each initiator's monitor socket lives under it (at most 107 bytes).
    work = tempfile.mkdtemp(prefix="ferry-lun-", dir="/tmp")
    try:
        with Tgt() as tgt, Harness(f"real-lun-{story}") as h:
            password = secrets.token_hex(12)
            for tid, (disk, _, _, iqn, pattern) in LUNS.items():
                backing = os.path.join(work, f"{disk}.img")
                with open(backing, "wb") as f:
                    f.write(bytes([pattern]) * MiB)  # what the source VM wrote
                    f.truncate(64 * MiB)
                acl = [HOST] if story == "acl-refuses-node" else [HOST, NODE]
                tgt.target(tid, iqn, backing, chap=("ferry", password) if tid == 1 else None,
                           initiators=acl if tid == 2 else None)
            with tgt.watch() as watcher:
                STORIES[story](h, tgt, work, password)
                print(f"  the watcher polled tgt {watcher.polls} times: never two initiators",
                      flush=True)
    except TgtFailure as e:
        sys.exit(f"e2e real-lun {story}: FAILED: {e}")
    finally:
        stop_qemus_naming(work, "e2e real-lun")
        shutil.rmtree(work, ignore_errors=True)
    print(f"e2e real-lun-{story}: passed in {time.time() - started:.0f} s", flush=True)


if __name__ == "__main__":
    ferry_e2e.run_main(main, "e2e real-lun")
