"""The seed's storage migration end to end: `ferry up` with the controller
outside, two `ferry controller` replicas (one leads by Lease), the seed's
manifests applied verbatim with the real kubectl, the leader killed with
SIGKILL mid-copy and started again, and the result compared with the seed's
"once the migration succeeds" objects. Then what kubectl and the official
Python client see, bad input refused naming the field, and a graceful stop
that hands the Lease over.

    e2e/storage_migration_test.py FERRY_BINARY   (from the runfiles root)
"""

import json
import signal
import sys
import time

import yaml

import ferry_e2e
from ferry_e2e import Failure, Harness, check, http_get, subset

VMIM = "vmim/migration-local-storage"


def migration(h):
    return h.get_json(VMIM)


def main():
    with Harness("storage") as h:
        h.step("ferry up, the controller outside; the copy at 40 MiB/s")
        h.ferry_up("--outside", "controller", "--link-mib-per-s", "40",
                   "--guest-write-mib-per-s", "5")
        leader = h.start_controller("controller-0", "--identity", "controller-0")
        h.wait_for("controller-0 leads", lambda: http_get(leader.health_port, "/readyz")[0] == 200)
        standby = h.start_controller("controller-1", "--identity", "controller-1")
        h.wait_for("controller-1 syncs nothing and waits",
                   lambda: "waiting: controller-0 holds Lease" in standby.err())
        code, body = http_get(standby.health_port, "/readyz")
        check(code == 503 and "not leading" in body, f"the standby's /readyz: {code} {body}")
        check(http_get(standby.health_port, "/healthz")[0] == 200, "the standby is not healthy")

        h.step("kubectl get vmim -w; kubectl apply the migration, then examples/storage-migration/")
        watch = ferry_e2e.Process(
            "kubectl-get-vmim-w", [ferry_e2e.KUBECTL, "--kubeconfig", h.kubeconfig, "get", "vmim", "-w"],
            h.dir)
        h.processes.append(watch)
        try:
            # The migration alone first: whether the controller sees it before its VMI
            # exists is a race when all three go at once, so its wait is made certain here.
            h.kubectl("apply", "-f", "examples/storage-migration/migration.yaml")
            h.wait_for("the migration's WaitingForVMI Event", lambda: "WaitingForVMI" in [
                e["reason"] for e in h.get_json("events")["items"]], timeout=20)
            applied = h.kubectl("apply", "-f", "examples/storage-migration/").stdout
            for line in ("persistentvolumeclaim/pvc-dest created",
                         "virtualmachineinstancemigration.kubevirt.io/migration-local-storage unchanged",
                         "virtualmachine.kubevirt.io/vm-alpine-datavolume created"):
                check(line in applied, f"kubectl apply said:\n{applied}")

            h.step("mid-copy: SIGKILL the leading controller")
            def copying():
                p = migration(h).get("status", {}).get("progress", {})
                total, left = int(p.get("diskTotal", 0)), int(p.get("diskRemaining", 0))
                return 0 < left < total and (total, left)
            total, left = h.wait_for("the copy under way", copying, timeout=60)
            print(f"  copied {total - left} of {total} bytes when killed", flush=True)
            leader.stop(signal.SIGKILL)
            check(leader.proc.returncode == -signal.SIGKILL, "the controller did not die by SIGKILL")
            lease = h.get_json("lease", "-n", "ferry-system", "ferry-controller")
            check(lease["spec"]["holderIdentity"] == "controller-0",
                  f"the Lease moved while its holder had just died: {lease['spec']}")

            h.step("start it again (the same identity, as a restarted pod): it leads at once")
            leader = h.start_controller("controller-0-again", "--identity", "controller-0")
            h.wait_for("controller-0 leads again",
                       lambda: http_get(leader.health_port, "/readyz")[0] == 200, timeout=20)

            h.step("kubectl wait for Succeeded")
            h.kubectl("wait", VMIM, "--for=jsonpath={.status.phase}=Succeeded", "--timeout=120s")
            # kubectl wait and the watch read the same event on two streams: the watch
            # may print it a moment later.
            watch.wait_for_output(r"migration-local-storage\s+Succeeded", timeout=20)
        finally:
            watch.stop()
            watched = watch.out()

        h.step("the VMI and VM equal the seed's (examples/storage-migration/expected/)")
        live = {i["kind"]: i for i in h.get_json("vmi,vm")["items"]}
        with open("examples/storage-migration/expected/vmi.yaml") as f:
            expected_vmi = yaml.safe_load(f)["items"][0]
        with open("examples/storage-migration/expected/vm.yaml") as f:
            expected_vm = yaml.safe_load(f)
        for expected in (expected_vmi, expected_vm):
            actual = live[expected["kind"]]
            check(expected["spec"] == actual["spec"],
                  f"{expected['kind']} spec differs:\nexpected {json.dumps(expected['spec'])}\n"
                  f"got      {json.dumps(actual['spec'])}")
            meta = {k: expected["metadata"][k] for k in ("labels", "annotations", "name")}
            problems = subset(meta, actual["metadata"]) + subset(expected.get("status", {}),
                                                                 actual.get("status", {}))
            check(not problems, f"{expected['kind']}: {problems}")
        check(live["VirtualMachineInstance"]["status"]["nodeName"] == "node-b",
              "the VMI did not move to node-b")

        h.step("kubectl get vmim -w showed the progress")
        rows = [l.split() for l in watched.splitlines() if l.startswith("migration-local-storage")]
        phases = [r[1] for r in rows if len(r) >= 4]
        for phase in ("Scheduling", "TargetReady", "Running", "Succeeded"):
            check(phase in phases, f"the watch never showed {phase}:\n{watched}")
        copied = {int(c[:-1]) for r in rows for c in r if c.endswith("%")}
        check(any(0 < c < 100 for c in copied), f"the watch showed no progress between 0 and 100%:\n{watched}")

        h.step("Events tell the story; the leader's metrics count it")
        reasons = [e["reason"] for e in h.get_json("events")["items"]]
        for reason in ("WaitingForVMI", "MigrationRunning", "SuccessfulMigration"):
            check(reason in reasons, f"no {reason} Event: {reasons}")
        check(reasons.count("SuccessfulMigration") == 1, f"an Event twice after the restart: {reasons}")
        for line in ('kubevirt_vmi_migrations_in_phase{phase="Succeeded"} 1', "ferry_leader 1"):
            # Published every second from the leader's caches.
            h.wait_for(f"the leader's /metrics shows {line!r}",
                       lambda: line in http_get(leader.health_port, "/metrics")[1], timeout=5)
        check("ferry_leader 0" in http_get(standby.health_port, "/metrics")[1], "the standby leads")

        h.step("the official Python client lists and watches the same objects")
        from kubernetes import client, config, watch as kwatch
        api = client.CustomObjectsApi(config.new_client_from_config(h.kubeconfig))
        listed = api.list_namespaced_custom_object("kubevirt.io", "v1", "default",
                                                   "virtualmachineinstancemigrations")
        check([i["status"]["phase"] for i in listed["items"]] == ["Succeeded"],
              f"the Python client listed {listed['items']}")
        seen = [e["object"]["metadata"]["name"] for e in kwatch.Watch().stream(
            api.list_namespaced_custom_object, "kubevirt.io", "v1", "default",
            "virtualmachineinstancemigrations", timeout_seconds=2)]
        check("migration-local-storage" in seen, f"the Python client's watch saw {seen}")

        h.step("bad input: an unknown field under strict validation changes nothing")
        typo = yaml.safe_load(open("examples/storage-migration/migration.yaml"))
        typo["metadata"]["name"] = "typo"
        typo["spec"]["localStorageMigration"]["migrateNonSharedDisk"] = \
            typo["spec"]["localStorageMigration"].pop("migrateNonSharedDisks")
        r = h.kubectl("apply", "-f", "-", input=json.dumps(typo), check_ok=False)
        check(r.returncode != 0 and "migrateNonSharedDisk" in r.stderr,
              f"kubectl apply of a typo: {r.returncode} {r.stderr}")
        check(h.kubectl("get", "vmim", "typo", check_ok=False).returncode != 0,
              "the refused migration exists")

        h.step("bad input: a smaller destination is rejected naming it; the VM stays put")
        h.kubectl("apply", "-f", "-", input=json.dumps({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "tiny"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Mi"}}}}))
        h.kubectl("apply", "-f", "-", input=json.dumps({
            "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstanceMigration",
            "metadata": {"name": "to-tiny"},
            "spec": {"vmiName": "vm-alpine-datavolume", "localStorageMigration": {
                "migrateNonSharedDisks": [{"sourcePvc": "pvc-dest", "destinationPvc": "tiny"}]}}}))
        h.kubectl("wait", "vmim/to-tiny", "--for=jsonpath={.status.phase}=Failed", "--timeout=30s")
        admitted = [c for c in h.get_json("vmim/to-tiny")["status"]["conditions"]
                    if c["type"] == "Admitted"][0]
        check("migrateNonSharedDisks[0].destinationPvc" in admitted["message"]
              and "smaller" in admitted["message"], f"the rejection: {admitted}")
        vmi = h.get_json("vmi/vm-alpine-datavolume")
        check(vmi["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "pvc-dest"
              and vmi["status"]["nodeName"] == "node-b", "the rejected migration moved the VM")

        h.step("SIGTERM: the leader stops cleanly and hands the Lease over")
        check(leader.stop(signal.SIGTERM) == 0, f"exit code {leader.proc.returncode}")
        check('"msg":"released Lease ferry-system/ferry-controller"' in leader.err(),
              "the stopping leader did not release its Lease")
        h.wait_for("controller-1 takes over within seconds",
                   lambda: http_get(standby.health_port, "/readyz")[0] == 200, timeout=10)
        print(f"e2e storage: PASSED ({h.steps} steps)", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Failure:
        sys.exit(1)
