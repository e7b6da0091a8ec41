"""A cold direct-LUN plan through Ferry's production LUN controller: `ferry
up` serves the world's oVirt engine over HTTPS (REST API v4 and SSO) and
points the world's Provider at it; `ferry lun-controller --provider
default/ovirt-engine` finds the engine through that Provider and its Secret,
as it would in a cluster, and drives the plan over the wire. kubectl applies
the Migration; the engine's own answers (read here with the Secret's
credentials and CA) show the LUN detached and the source VM down; the PV,
the bound claim and the VM's lun disk are read back with kubectl, the
Events and metrics from the process.

    e2e/lun_controller_process_test.py FERRY_BINARY   (from the runfiles root)
"""

import re
import sys

from ferry_e2e import Engine, Failure, Harness, check, http_get


def main():
    with Harness("lun-controller") as h:
        h.step("ferry up with the LUN world, the lun-controller outside: the engine served")
        up = h.ferry_up("--world", "e2e/worlds/lun-cold.textproto", "--outside", "lun-controller")
        url = re.search(r"oVirt engine: (https://127\.0\.0\.1:\d+/ovirt-engine/api)", up.out()).group(1)
        provider = h.get_json("providers.forklift.konveyor.io/ovirt-engine")
        check(provider["spec"]["url"] == url, f"the Provider points at {provider['spec']['url']}, not {url}")
        engine = Engine(url, h.get_json("secret/ovirt-credentials"))
        before = engine.vm("vm-1")
        attached = [a["disk"]["id"] for a in before["disk_attachments"]["disk_attachment"]]
        check(before["status"] == "up" and attached == ["lun-1"], f"the source VM before: {before}")

        h.step("ferry lun-controller --provider default/ovirt-engine; it reaches the engine and leads")
        lun = h.start("lun-controller", "lun-controller", "--provider", "default/ovirt-engine",
                      "--kubeconfig", h.kubeconfig, "--health-port", "0", "--log-format", "json")
        lun.health_port = int(lun.wait_for_output(
            r"health and metrics at http://127\.0\.0\.1:(\d+)").group(1))
        h.wait_for("the lun-controller is ready", lambda: http_get(lun.health_port, "/readyz")[0] == 200)
        check('"msg":"oVirt engine reached"' in lun.err(), "no 'oVirt engine reached' in the log")

        h.step("kubectl apply the Migration; kubectl wait for it to succeed")
        h.run_lun_plan("run-1", "db-plan")

        h.step("the engine says: the source VM is down and no longer holds the LUN")
        after = engine.vm("vm-1")
        check(after["status"] == "down", f"the source VM after: {after['status']}")
        check(not after.get("disk_attachments", {}).get("disk_attachment"),
              f"the source VM still has attachments: {after.get('disk_attachments')}")
        disk = engine.call(f"{url}/disks/lun-1")
        unit = disk["lun_storage"]["logical_units"]["logical_unit"][0]

        h.step("the PV carries the engine's LUN details; the claim is bound; the VM has a lun disk")
        pv = h.get_json("pv/ferry-lun-lun-1")
        iscsi = pv["spec"]["iscsi"]
        check(iscsi["targetPortal"] == f"{unit['address']}:{unit['port']}"
              and iscsi["iqn"] == unit["target"] and iscsi["lun"] == int(unit["lun_mapping"]),
              f"the PV's iSCSI source {iscsi} is not the engine's logical unit {unit}")
        check(h.get_json("pvc/ferry-lun-lun-1")["status"]["phase"] == "Bound", "the claim is not Bound")
        vm = h.get_json("vm/db")
        disk0 = vm["spec"]["template"]["spec"]["domain"]["devices"]["disks"][0]
        check(disk0["lun"]["bus"] == "scsi", f"the VM's disk: {disk0}")

        h.step("the process told it: Events from ferry-lun-controller, metrics, a log line per effect")
        events = h.get_json("events")["items"]
        ours = [e for e in events if e.get("source", {}).get("component") == "ferry-lun-controller"]
        check(any(e["involvedObject"]["name"] == "run-1" for e in ours),
              f"no Event of ferry-lun-controller on run-1 among {[e['reason'] for e in events]}")
        # Gauges are published every second from the cache.
        h.wait_for("ferry_lun_migration_vms shows the VM Completed",
                   lambda: 'ferry_lun_migration_vms{phase="Completed"} 1'
                   in http_get(lun.health_port, "/metrics")[1], timeout=10)
        check('"msg":"effect"' in lun.err() and '"result":"ok"' in lun.err(), "no effect logged")

        h.step("SIGTERM: the lun-controller releases its Lease and exits 0")
        check(lun.stop() == 0, f"the lun-controller exited {lun.proc.returncode}")
        check('"msg":"released Lease ferry-system/ferry-lun-controller"' in lun.err(),
              "the Lease was not released")
        print(f"e2e lun-controller: PASSED ({h.steps} steps)", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Failure:
        sys.exit(1)
