"""Ferry's end-to-end harness: real processes, real clients, loopback only.

Starts `ferry up` (the simulated cluster behind the served Kubernetes API),
Ferry's production processes, and drives them with the real kubectl and the
official Python client. Every process it starts is stopped by PID when the
test ends, also when it fails or Bazel's timeout sends SIGTERM.

    with Harness("storage") as h:
        up = h.ferry_up("--outside", "controller")
        h.start_controller()
        h.kubectl("apply", "-f", "examples/storage-migration/")
"""

import base64
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

KUBECTL = "/usr/bin/kubectl"


class Failure(Exception):
    """A check failed: the message says what was expected and what came."""


def run_main(main, what):
    """Runs a test's main(); a Failure ends the process with its message."""
    try:
        main()
    except Failure as e:
        sys.exit(f"{what}: FAILED: {e}")


def check(condition, message):
    if not condition:
        raise Failure(message)


class Process:
    def __init__(self, name, argv, log_dir):
        self.name = name
        self.out_path = os.path.join(log_dir, name + ".out")
        self.err_path = os.path.join(log_dir, name + ".err")
        self.proc = subprocess.Popen(
            argv, stdout=open(self.out_path, "w"), stderr=open(self.err_path, "w"),
            stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid

    def out(self):
        with open(self.out_path) as f:
            return f.read()

    def err(self):
        with open(self.err_path) as f:
            return f.read()

    def wait_for_output(self, pattern, timeout=30):
        """The first match of `pattern` in its stdout, waiting for it."""
        end = time.time() + timeout
        while time.time() < end:
            m = re.search(pattern, self.out())
            if m:
                return m
            check(self.proc.poll() is None,
                  f"{self.name} exited ({self.proc.returncode}) before printing {pattern!r}:\n"
                  f"{self.out()}\n{self.err()[-3000:]}")
            time.sleep(0.05)
        raise Failure(f"{self.name} did not print {pattern!r} within {timeout} s:\n{self.out()}")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Stops it by PID; returns its exit code (SIGKILL after `timeout`)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class ObjectWatch:
    """`kubectl get ARGS -w -o json`, parsed as it streams (one stream, not a
    poll: a poll a few hundred ms apart misses states that last less, and a
    kubectl run every few ms takes a core): each version of the objects, in
    order, with the monotonic time it was read."""

    def __init__(self, h, *args):
        self.proc = subprocess.Popen(
            [KUBECTL, "--kubeconfig", h.kubeconfig, "get", *args, "-w", "-o", "json"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.events, self.cond, self.taken = [], threading.Condition(), 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        decoder, buf = json.JSONDecoder(), ""
        for line in self.proc.stdout:
            buf += line
            try:
                obj, end = decoder.raw_decode(buf.lstrip())
            except ValueError:
                continue
            buf = buf.lstrip()[end:]
            with self.cond:
                self.events.append((time.monotonic(), obj))
                self.cond.notify_all()

    def next(self, timeout):
        """(time read, object) of the next version not taken yet; None when
        none came within `timeout` s."""
        end = time.monotonic() + timeout
        with self.cond:
            while self.taken >= len(self.events):
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)
            self.taken += 1
            return self.events[self.taken - 1]

    def stop(self):
        """Stops kubectl by PID."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class Harness:
    def __init__(self, name):
        self.name = name
        self.ferry = os.path.abspath(sys.argv[1])
        self.root = os.getcwd()  # the runfiles root: examples/ and e2e/ are here
        self.dir = tempfile.mkdtemp(prefix=f"ferry-e2e-{name}-",
                                    dir=os.environ.get("TEST_TMPDIR"))
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.processes = []
        self.steps = 0

    def __enter__(self):
        # Bazel's timeout sends SIGTERM: stop what was started first.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit("e2e: terminated (timeout?)"))
        return self

    def __exit__(self, kind, value, tb):
        for p in reversed(self.processes):
            p.stop()
        if kind is not None:
            print(f"e2e {self.name}: FAILED: {value}", file=sys.stderr)
            for p in self.processes:
                print(f"--- {p.name} stdout (last 3000 chars) ---\n{p.out()[-3000:]}", file=sys.stderr)
                print(f"--- {p.name} stderr (last 3000 chars) ---\n{p.err()[-3000:]}", file=sys.stderr)
            print(f"e2e {self.name}: logs in {self.dir}", file=sys.stderr)
        elif not os.environ.get("TEST_TMPDIR"):
            # Outside Bazel (bin/bench-migration): nobody else removes it.
            shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def step(self, what):
        self.steps += 1
        print(f"[{time.strftime('%H:%M:%S')}] {self.name} {self.steps}: {what}", flush=True)

    def start(self, name, *args):
        p = Process(name, [self.ferry, *args], self.dir)
        self.processes.append(p)
        return p

    def ferry_up(self, *args):
        up = self.start("ferry-up", "up", "--kubeconfig", self.kubeconfig, *args)
        up.wait_for_output(r"stop with Ctrl-C")
        return up

    def start_controller(self, name="controller", *args):
        c = self.start(name, "controller", "--kubeconfig", self.kubeconfig, "--health-port", "0",
                       "--log-format", "json", *args)
        port = int(c.wait_for_output(r"health and metrics at http://127\.0\.0\.1:(\d+)").group(1))
        c.health_port = port
        return c

    def kubectl(self, *args, check_ok=True, input=None, timeout=120):
        r = subprocess.run([KUBECTL, "--kubeconfig", self.kubeconfig, *args], capture_output=True,
                           text=True, input=input, timeout=timeout)
        if check_ok:
            check(r.returncode == 0,
                  f"kubectl {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r

    def apply_lun_migration(self, run, plan, cutover=None):
        """kubectl applies Migration `run` of Plan `plan` (namespace default);
        `cutover`, a Unix time, for a warm plan."""
        spec = {"plan": {"name": plan, "namespace": "default"}}
        if cutover is not None:
            spec["cutover"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(cutover))
        self.kubectl("apply", "-f", "-", input=json.dumps({
            "apiVersion": "forklift.konveyor.io/v1beta1", "kind": "Migration",
            "metadata": {"name": run}, "spec": spec}))

    def run_lun_plan(self, run, plan, timeout="90s"):
        """kubectl applies Migration `run` of Plan `plan` (namespace default),
        waits for it to succeed, checks its VM completed; returns it."""
        self.apply_lun_migration(run, plan)
        self.kubectl("wait", f"migrations.forklift.konveyor.io/{run}",
                     "--for=jsonpath={.status.conditions[0].type}=Succeeded", f"--timeout={timeout}")
        migration = self.get_json(f"migrations.forklift.konveyor.io/{run}")
        check(migration["status"]["vms"][0]["phase"] == "Completed",
              f"the Migration's VM: {migration['status']['vms']}")
        return migration

    def get_json(self, *args):
        return json.loads(self.kubectl("get", *args, "-o", "json").stdout)

    def wait_for(self, what, fn, timeout=60, interval=0.2):
        """Polls fn() until it returns a true value, which it returns."""
        end = time.time() + timeout
        last = None
        while time.time() < end:
            try:
                last = fn()
            except Failure as e:
                last = e
                last_ok = False
            else:
                if last:
                    return last
            time.sleep(interval)
        raise Failure(f"{what}: not within {timeout} s (last: {last})")


class Engine:
    """oVirt's REST API as a client reaches it: SSO token, then Bearer calls,
    with the credentials and CA of a Provider's Secret (as kubectl reads it).

        engine = Engine(url, h.get_json("secret/ovirt-credentials"))
        engine.vm("vm-1")["status"]
    """

    def __init__(self, url, secret):
        data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
        self.api = url
        self.context = ssl.create_default_context(cadata=data["cacert"])  # verified
        form = urllib.parse.urlencode({"grant_type": "password", "scope": "ovirt-app-api",
                                       "username": data["user"], "password": data["password"]})
        sso = url.replace("/ovirt-engine/api", "/ovirt-engine/sso/oauth/token")
        token = self.call(sso, data=form.encode(), auth=False)
        check(token.get("token_type") == "bearer", f"the engine's SSO answered {token}")
        self.token = token["access_token"]

    def call(self, url, data=None, auth=True):
        request = urllib.request.Request(url, data=data, headers={"Accept": "application/json"})
        if auth:
            request.add_header("Authorization", f"Bearer {self.token}")
            request.add_header("Version", "4")
        with urllib.request.urlopen(request, context=self.context, timeout=10) as r:
            return json.loads(r.read().decode())

    def vm(self, vm_id):
        return self.call(f"{self.api}/vms/{vm_id}?follow=disk_attachments")


def http_get(port, path):
    import urllib.request
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def subset(expected, actual, path=""):
    """Where `expected` is not contained in `actual` (dict keys, list items
    in order, scalars equal; a key ending in Timestamp need only be present):
    a list of "path: expected X, got Y"."""
    problems = []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path or '/'}: expected an object, got {actual!r}"]
        for k, v in expected.items():
            if k not in actual:
                problems.append(f"{path}/{k}: missing")
            elif k.endswith("Timestamp") and isinstance(v, str):
                continue
            else:
                problems += subset(v, actual[k], f"{path}/{k}")
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r}"]
        for i, (e, a) in enumerate(zip(expected, actual)):
            problems += subset(e, a, f"{path}/{i}")
    elif expected != actual:
        problems.append(f"{path}: expected {expected!r}, got {actual!r}")
    return problems
