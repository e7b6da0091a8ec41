"""A cold direct-LUN plan at scale through Ferry's real processes over HTTPS:
`ferry up --log` serves a world of VMS oVirt VMs with LUNS iSCSI LUNs each
(the engine's power-off takes 1 s), `ferry lun-controller` drives it over
the served engine's REST API and the served Kubernetes API, and one
Migration of the whole plan is created with kubectl. Prints engine
requests per VM (counted by the served engine, every request of the run,
SSO included), Kubernetes requests per VM (counted by the served API
during the run), creation to Succeeded, and where the time goes: each pipeline
step's span over the VMs, the lun-controller's effects by kind, and CPU
seconds of each process.

    e2e/bench_lun_plan.py FERRY_BINARY [VMS [LUNS]]   (from the project root)
    bin/bench-lun-plan [VMS [LUNS]]                   (builds ferry -c opt first)

With `--check` (the smoke test) it also fails unless the plan succeeded
and every figure was read.
"""

import calendar
import json
import os
import re
import shutil
import statistics
import sys
import time
from collections import Counter, defaultdict

import ferry_e2e
from ferry_e2e import Harness, check, http_get

GOAL_ENGINE_PER_VM = 20
GOAL_WALL_S = 30


def world(work, vms, luns):
    """A LUN world of `vms` VMs x `luns` LUNs on four nodes, the plan of all
    of them, the engine's power-off 1 s; returns the world file's path."""
    shutil.copy("scenarios/lun/world/cluster.yaml", os.path.join(work, "cluster.yaml"))
    with open(os.path.join(work, "plan.yaml"), "w") as f:
        f.write("apiVersion: forklift.konveyor.io/v1beta1\nkind: Plan\n"
                "metadata: {name: big-plan}\nspec:\n"
                "  provider:\n    source: {name: ovirt-engine, namespace: default}\n"
                "    destination: {name: host, namespace: default}\n"
                "  targetNamespace: default\n  vms:\n")
        for v in range(vms):
            f.write(f"  - id: vm-{v}\n")
    lines = ['description: "a cold LUN plan at scale (e2e/bench_lun_plan.py)"', "seed: 1",
             "world {"]
    lines += [f'  node: "node-{n}"' for n in "abcd"]
    lines += ['  manifest_file: "cluster.yaml"', '  manifest_file: "plan.yaml"', "  ovirt {",
              "    stop_seconds: 1"]
    for v in range(vms):
        for lun in range(luns):
            lines.append(f'    disk {{ id: "lun-{v}-{lun}" address: "10.0.0.5" '
                         f'iqn: "iqn.2026-12.io.ferry:vm{v}" lun_mapping: {lun + 1} size_gib: 1 }}')
    for v in range(vms):
        attachments = " ".join(
            f'attachment {{ disk: "lun-{v}-{lun}"{" bootable: true" if lun == 0 else ""} }}'
            for lun in range(luns))
        lines.append(f'    vm {{ id: "vm-{v}" name: "vm{v}" {attachments} }}')
    lines += ["  }", "}"]
    path = os.path.join(work, "world.textproto")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def cpu_seconds(pid):
    """User + system CPU seconds of a live process (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kube_calls(port):
    """The lun-controller's Kubernetes API calls so far, by verb (its own
    counter; "watch" counts drains of its open streams, not requests)."""
    status, body = http_get(port, "/metrics")
    check(status == 200, f"/metrics answered {status}")
    by_verb = Counter()
    for m in re.finditer(r'^ferry_kube_api_requests_total\{([^}]*)\} (\d+)', body, re.M):
        verb = re.search(r'verb="([^"]*)"', m.group(1))
        by_verb[verb.group(1) if verb else "?"] += int(m.group(2))
    return by_verb


def kube_requests(err):
    """The served Kubernetes API's HTTP requests in ferry up's stderr
    (--log), by method and resource (a list and a watch look alike)."""
    by_kind = Counter()
    for method, path in re.findall(r"^(GET|POST|PUT|PATCH|DELETE) (/apis?/\S*) \d+$", err, re.M):
        parts = path.strip("/").split("/")
        if "namespaces" in parts and len(parts) > parts.index("namespaces") + 2:
            i = parts.index("namespaces")
            parts = parts[:i] + parts[i + 2:]  # the namespace folded
        group_len = 2 if parts[0] == "api" else 3
        resource = "/".join(parts[group_len:group_len + 1] + parts[group_len + 2:])
        by_kind[f"{method} {resource or path}"] += 1
    return by_kind


def engine_requests(out):
    """The served engine's requests in ferry up's stdout (--log), by method
    and path with ids folded."""
    by_kind = Counter()
    for method, path, _ in re.findall(r"^(GET|POST|PUT|DELETE) (/ovirt-engine/\S*) (\d+)$", out,
                                      re.M):
        path = re.sub(r"/(vms|disks|diskattachments)/[^/]+", r"/\1/{id}", path)
        by_kind[f"{method} {path}"] += 1
    return by_kind


def parse_time(stamp):
    """Unix seconds of an RFC 3339 UTC stamp; its fraction, if any, kept."""
    whole = calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S"))
    return whole + float("0" + stamp[19:].rstrip("Z"))


def step_spans(migration, created):
    """For each pipeline step: (median duration, first start, last end) over
    the VMs, seconds after `created` (the API's whole seconds)."""
    durations, starts, ends = defaultdict(list), defaultdict(list), defaultdict(list)
    for vm in migration["status"]["vms"]:
        for step in vm.get("pipeline", []):
            if step.get("started") and step.get("completed"):
                s, e = parse_time(step["started"]), parse_time(step["completed"])
                durations[step["name"]].append(e - s)
                starts[step["name"]].append(s - created)
                ends[step["name"]].append(e - created)
    return {name: (statistics.median(d), min(starts[name]), max(ends[name]))
            for name, d in durations.items()}


def effect_spans(err, since):
    """The lun-controller's effects after `since` (Unix time) by their first
    two words (verb and kind): count, first and last, in seconds after it."""
    spans = {}
    for line in err.splitlines():
        if '"msg":"effect"' not in line:
            continue
        e = json.loads(line)
        t = parse_time(e["ts"]) - since
        if t < -1:
            continue
        kind = " ".join(e["effect"].split(" ")[:2])
        n, first, last = spans.get(kind, (0, t, t))
        spans[kind] = (n + 1, min(first, t), max(last, t))
    return spans


def main():
    args = [a for a in sys.argv[2:] if not a.startswith("--")]
    smoke = "--check" in sys.argv
    vms = int(args[0]) if args else 100
    luns = int(args[1]) if len(args) > 1 else 4
    check(1 <= vms <= 2000 and 1 <= luns <= 16, f"VMS {vms} (1-2000) or LUNS {luns} (1-16) out of range")
    with Harness(f"bench-lun-{vms}x{luns}") as h:
        h.step(f"ferry up --log: {vms} oVirt VMs x {luns} LUNs, power-off 1 s, the engine served")
        up = h.ferry_up("--world", world(h.dir, vms, luns), "--outside", "lun-controller", "--log")
        lun = h.start("lun-controller", "lun-controller", "--provider", "default/ovirt-engine",
                      "--kubeconfig", h.kubeconfig, "--health-port", "0", "--log-format", "json")
        port = int(lun.wait_for_output(r"health and metrics at http://127\.0\.0\.1:(\d+)").group(1))
        h.wait_for("the lun-controller ready", lambda: http_get(port, "/readyz")[0] == 200,
                   timeout=60)
        time.sleep(1)  # its informers settle
        kube_before, engine_before = kube_requests(up.err()), engine_requests(up.out())
        calls_before = kube_calls(port)
        cpu_before = {p.name: cpu_seconds(p.pid) for p in (up, lun)}

        h.step("kubectl create the Migration of the whole plan; wait for Succeeded")
        created = time.time()
        h.apply_lun_migration("run-1", "big-plan")
        h.kubectl("wait", "migrations.forklift.konveyor.io/run-1",
                  "--for=jsonpath={.status.conditions[0].type}=Succeeded", "--timeout=900s",
                  timeout=930)
        wall = time.time() - created
        cpu = {p.name: cpu_seconds(p.pid) - cpu_before[p.name] for p in (up, lun)}
        kube_run = kube_requests(up.err()) - kube_before
        calls_run = kube_calls(port) - calls_before
        engine_all = engine_requests(up.out())
        migration = h.get_json("migrations.forklift.konveyor.io/run-1")
        phases = Counter(v.get("phase") for v in migration["status"]["vms"])
        check(phases == Counter({"Completed": vms}), f"the VMs ended {dict(phases)}")
        engine_run = engine_all - engine_before

        n_engine, n_engine_all = sum(engine_run.values()), sum(engine_all.values())
        n_kube = sum(kube_run.values())
        print(f"\nLUN plan of {vms} VMs x {luns} LUNs over HTTPS (one run, this machine)")
        print(f"  creation to Succeeded     {wall:7.1f} s        (goal < {GOAL_WALL_S} s)")
        print(f"  engine requests per VM    {n_engine_all / vms:7.1f}          "
              f"(goal <= {GOAL_ENGINE_PER_VM}; {n_engine_all} in all, {n_engine} during the run)")
        n_calls = sum(n for verb, n in calls_run.items() if verb != "watch")
        print(f"  Kubernetes requests / VM  {n_kube / vms:7.1f}          "
              f"({n_kube} HTTP requests served during the run, kubectl's apply and wait "
              f"included; the lun-controller's own calls but watches: {n_calls / vms:.1f} per VM)")
        size = len(json.dumps(migration, separators=(",", ":")))
        puts = kube_run.get("PUT migrations/status", 0)
        print(f"  the Migration's JSON      {size / 1024:7.1f} KiB      (its status written "
              f"{puts} times: {size * puts / 2**20:.0f} MiB sent, then watched)")
        print("  CPU seconds during the run: " +
              ", ".join(f"{name} {s:.1f}" for name, s in sorted(cpu.items())))
        print("\n  engine requests by kind (the whole run):")
        for kind, n in engine_all.most_common():
            print(f"    {n:6d}  {kind}")
        print("\n  Kubernetes HTTP requests by method and resource (during the run):")
        for kind, n in kube_run.most_common():
            print(f"    {n:6d}  {kind}")
        print("\n  pipeline steps over the VMs (s after creation; the API's whole seconds):")
        print(f"    {'step':16s} {'median':>7s} {'first start':>12s} {'last end':>9s}")
        for name, (median, first, last) in sorted(step_spans(migration, created).items(),
                                                   key=lambda kv: kv[1][1]):
            print(f"    {name:16s} {median:7.0f} {max(first, 0):12.0f} {max(last, 0):9.0f}")
        print("\n  the lun-controller's effects by kind (s after creation):")
        print(f"    {'effect':32s} {'count':>6s} {'first':>7s} {'last':>7s}")
        for kind, (n, first, last) in sorted(effect_spans(lun.err(), created).items(),
                                             key=lambda kv: kv[1][1]):
            print(f"    {kind:32s} {n:6d} {first:7.2f} {last:7.2f}")
        if smoke:
            check(n_engine > 0 and n_kube > 0 and cpu["lun-controller"] > 0,
                  f"figures missing: engine {n_engine}, kube {n_kube}, cpu {cpu}")


if __name__ == "__main__":
    ferry_e2e.run_main(main, "bench-lun-plan")
