"""`ferry agent` as a process: against `ferry serve` and libvirt's test
driver it syncs and is ready without leader election, stops on SIGTERM
with exit code 0, and bad flags or an unreachable libvirt fail at once
saying what to do. (Live migration through the real libvirt adapter is the
libvirt issue's e2e.)

    e2e/agent_process_test.py FERRY_BINARY   (from the runfiles root)
"""

import signal
import subprocess
import sys

from ferry_e2e import Failure, Harness, check, http_get


def main():
    with Harness("agent") as h:
        h.step("bad flags fail before anything starts, saying what to do")
        r = subprocess.run([h.ferry, "agent"], capture_output=True, text=True, timeout=30)
        check(r.returncode == 2 and "--node NAME is required" in r.stderr, f"no --node: {r}")
        r = subprocess.run([h.ferry, "agent", "--node", "Node_A"], capture_output=True, text=True,
                           timeout=30)
        check(r.returncode == 2 and "is not a node name" in r.stderr, f"a bad node name: {r}")

        h.step("ferry serve; ferry agent --node node-a over libvirt's test driver")
        serve = h.start("ferry-serve", "serve", "--kubeconfig", h.kubeconfig)
        serve.wait_for_output(r"stop with Ctrl-C")
        r = subprocess.run([h.ferry, "agent", "--node", "node-a", "--libvirt", "bogus:///nowhere",
                            "--kubeconfig", h.kubeconfig], capture_output=True, text=True, timeout=30)
        check(r.returncode == 1 and "cannot connect to libvirt at bogus:///nowhere" in r.stderr,
              f"an unreachable libvirt: {r}")
        agent = h.start("agent", "agent", "--node", "node-a", "--libvirt", "test:///default",
                        "--kubeconfig", h.kubeconfig, "--health-port", "0")
        port = int(agent.wait_for_output(r"health and metrics at http://127\.0\.0\.1:(\d+)").group(1))
        check("no leader election" in agent.out(), f"the agent elected: {agent.out()}")
        h.wait_for("the agent is ready", lambda: http_get(port, "/readyz")[0] == 200, timeout=15)
        metrics = http_get(port, "/metrics")[1]
        check('ferry_informer_syncs_total{reconciler="0",result="ok"}' in metrics,
              f"no informer syncs in /metrics:\n{metrics[:2000]}")

        h.step("SIGTERM: it stops cleanly")
        check(agent.stop(signal.SIGTERM) == 0, f"exit code {agent.proc.returncode}")
        check('"msg":"stopped"' in agent.err(), f"no stopped line:\n{agent.err()[-2000:]}")
        print(f"e2e agent: PASSED ({h.steps} steps)", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Failure:
        sys.exit(1)
