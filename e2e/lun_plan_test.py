"""A cold direct-LUN plan end to end through `ferry up`: the engine, the
Plan and its Provider come from e2e/worlds/lun-cold.textproto; the Migration
is applied with the real kubectl, and the PV, the bound claim and the
KubeVirt VM's `lun` disk are read back with kubectl. The lun-controller runs
inside `ferry up` here, on the world's engine in memory;
lun_controller_process_test.py runs it as a process over the engine's REST API.

    e2e/lun_plan_test.py FERRY_BINARY   (from the runfiles root)
"""

import sys

from ferry_e2e import Failure, Harness, check


def main():
    with Harness("lun") as h:
        h.step("ferry up with the LUN world (an oVirt engine, a Plan)")
        h.ferry_up("--world", "e2e/worlds/lun-cold.textproto")
        check(h.get_json("plan/db-plan")["spec"]["vms"][0]["id"] == "vm-1", "no Plan in the world")

        h.step("kubectl apply the Migration; kubectl wait for it to succeed")
        h.run_lun_plan("run-1", "db-plan")

        h.step("the PV carries the engine's LUN details; the claim is bound; the VM has a lun disk")
        pv = h.get_json("pv/ferry-lun-lun-1")
        iscsi = pv["spec"]["iscsi"]
        check(iscsi["targetPortal"] == "10.0.0.5:3260" and iscsi["iqn"] == "iqn.2024-01.com.example:storage"
              and iscsi["lun"] == 3, f"the PV's iSCSI source: {iscsi}")
        check(pv["spec"]["claimRef"]["name"] == "ferry-lun-lun-1", f"the PV's claimRef: {pv['spec']}")
        pvc = h.get_json("pvc/ferry-lun-lun-1")
        check(pvc["status"]["phase"] == "Bound", f"the claim: {pvc['status']}")
        vm = h.get_json("vm/db")
        disk = vm["spec"]["template"]["spec"]["domain"]["devices"]["disks"][0]
        check(disk["lun"]["bus"] == "scsi" and disk["lun"]["reservation"] is True,
              f"the VM's disk: {disk}")
        h.kubectl("wait", "vmi/db", "--for=jsonpath={.status.phase}=Running", "--timeout=30s")
        printed = h.kubectl("get", "pv").stdout
        check("ferry-lun-lun-1" in printed and "Bound" in printed and "default/ferry-lun-lun-1" in printed,
              f"kubectl get pv:\n{printed}")
        print(f"e2e lun: PASSED ({h.steps} steps)", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Failure:
        sys.exit(1)
