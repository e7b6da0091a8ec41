#!/usr/bin/env bash
# The ferry binary's command-line contract: exit codes and what it prints.
set -uo pipefail
ferry="$1"
failures=0
total=0
check() {  # check NAME EXPECTED_EXIT EXPECTED_SUBSTRING -- COMMAND...
  local name="$1" want="$2" text="$3"; shift 4
  local out code
  total=$((total + 1))
  out="$("$@" 2>&1)"; code=$?
  if [[ $code -ne $want ]]; then
    echo "FAIL $name: exit $code, want $want"; echo "$out"; failures=$((failures + 1))
  elif [[ "$out" != *"$text"* ]]; then
    echo "FAIL $name: output lacks: $text"; echo "$out"; failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}
ex=examples/storage-migration
bad=cmd/ferry/testdata/bad
check help 0 "usage: ferry COMMAND" -- "$ferry" help
check no-command 2 "usage: ferry COMMAND" -- "$ferry"
check lint-rejects-output 2 "-o is not an option of lint" -- "$ferry" lint -o yaml -f $ex/vm.yaml
check stdin-once 2 "standard input (-) can be read only once" -- "$ferry" lint -f - -
check unknown-command 2 'unknown command "lnt"' -- "$ferry" lnt
check lint-no-files 2 "no input: name manifests with -f FILE" -- "$ferry" lint
check lint-bad-flag 2 'unknown argument "--fast"' -- "$ferry" lint --fast -f $ex/vm.yaml
check lint-examples 0 "3 objects in 3 files, 0 errors, 0 warnings" -- \
  "$ferry" lint -f $ex/destination-pvc.yaml $ex/migration.yaml $ex/vm.yaml
check lint-repeated-f 0 "2 objects in 2 files" -- "$ferry" lint -f $ex/vm.yaml -f $ex/migration.yaml
check lint-findings 1 "duplicate source PVC" -- "$ferry" lint -f $bad/migration-duplicate-source.yaml
check lint-unreadable 2 "not valid YAML or JSON" -- "$ferry" lint -f $bad/bad-yaml-syntax.yaml
check lint-stdin 0 "VirtualMachine vm-alpine-datavolume: ok" -- \
  bash -c "\"$ferry\" lint -f - < $ex/vm.yaml"
check convert-json 0 '"vmiName": "vm-alpine-datavolume"' -- "$ferry" convert -f $ex/migration.yaml -o json
check convert-bad-format 2 "-o must be yaml or json" -- "$ferry" convert -f $ex/vm.yaml -o xml
check convert-refuses-errors 1 "nothing written" -- "$ferry" convert -f $bad/wrong-type-running.yaml
# Untrusted input is bounded: size, a parser that stops advancing, aliases.
check lint-input-too-large 2 "/dev/zero: larger than the 1048576-byte input limit; if the file is really meant to be read, raise it with --max-input-size" -- \
  timeout 20 "$ferry" lint -f /dev/zero --max-input-size 1M
check lint-stdin-too-large 2 "<stdin>: larger than the 1024-byte input limit" -- \
  timeout 20 bash -c "head -c 2000 /dev/zero | \"$ferry\" lint -f - --max-input-size=1k"
check convert-input-too-large 2 "vm.yaml: larger than the 100-byte input limit" -- \
  "$ferry" convert -f $ex/vm.yaml --max-input-size 100
check lint-bad-input-size 2 "--max-input-size: 'lots' is not a size" -- "$ferry" lint -f $ex/vm.yaml --max-input-size lots
check lint-zero-input-size 2 "--max-input-size: '0' must be positive" -- "$ferry" convert -f $ex/vm.yaml --max-input-size=0
check lint-input-size-needs-value 2 "--max-input-size needs a value" -- "$ferry" lint -f $ex/vm.yaml --max-input-size
check lint-raised-input-size 0 "1 object in 1 file, 0 errors" -- "$ferry" lint --max-input-size 1G -f $ex/vm.yaml
check lint-stray-comma 2 "<stdin>:1:1: error: not valid YAML or JSON: unexpected ','" -- \
  timeout 20 bash -c "printf , | \"$ferry\" lint -f -"
check convert-stray-comma 2 "not valid YAML or JSON: unexpected ','" -- \
  timeout 20 bash -c "printf -- '--- ,' | \"$ferry\" convert -f -"
check sim-needs-workload 2 "--workload is required: storage, lun or mixed" -- "$ferry" sim --seeds 3
check sim-bad-workload 2 '--workload: "disk" is not one of storage, lun, mixed' -- "$ferry" sim --workload disk
check sim-bad-seeds 2 '--seeds: "0" is not a positive number of runs' -- "$ferry" sim --workload lun --seeds 0
check sim-negative-seeds 2 '--seeds: "-5" is not a positive number of runs' -- "$ferry" sim --workload lun --seeds -5
check sim-word-seeds 2 '--seeds: "many" is not a positive number of runs' -- "$ferry" sim --workload lun --seeds many
check sim-negative-seed 2 '--seed: "-1" is not a seed' -- "$ferry" sim --workload lun --seed -1
check sim-seeds-wrap 2 '--seed 18446744073709551615 --seeds 3: 3 seeds from 18446744073709551615 run past the last seed, 18446744073709551615 (2^64-1); at most 1 fit from there' -- \
  "$ferry" sim --workload lun --seed 18446744073709551615 --seeds 3
check sim-last-seed 0 "seed 18446744073709551614 (seeds 18446744073709551614..18446744073709551615), workload lun" -- \
  bash -c "\"$ferry\" sim --workload lun --seed 18446744073709551614 --seeds 2 --no-shrink 2>/dev/null | head -n 1"
check sim-trace-one-seed 2 "--trace replays one run" -- "$ferry" sim --workload lun --seeds 5 --trace
check sim-sweep 0 "coverage goals reached:" -- "$ferry" sim --workload lun --seeds 2
check sim-seed-first 0 "seed 7, workload storage" -- bash -c "\"$ferry\" sim --workload storage --seed 7 --no-shrink 2>/dev/null | head -n 1"
check sim-replay 0 "PASS  lun seed 5:" -- "$ferry" sim --workload lun --seed 5 --trace
# The controller runs on the reconcile runtime: its timeline names the reconciles.
check sim-replay-runtime 0 "controller       reconcile default/mig-" -- \
  "$ferry" sim --workload storage --seed 7 --trace
# scenario run: bad input is an ERROR line naming the path and the fix, never a crash.
work="${TEST_TMPDIR:-/tmp}/scenario-cli"
rm -rf "$work"; mkdir -p "$work/loop" "$work/esc" "$work/range"
ln -s b.textproto "$work/loop/a.textproto"; ln -s a.textproto "$work/loop/b.textproto"
up=""; for i in $(seq 40); do up="../$up"; done
printf 'world { node: "a" manifest_file: "%setc/passwd" }\n' "$up" > "$work/esc/escape.textproto"
printf 'world { node: "a" running_vm { name: "v" node: "a" write_mib_per_s: 1e9 } }\n' > "$work/range/fast.textproto"
check scenario-input-cap 1 "/dev/zero: larger than the 1024-byte input limit; if the file is really meant to be read, raise it with --max-input-size" -- \
  "$ferry" scenario run /dev/zero --max-input-size 1k
check scenario-input-cap-bad 2 "--max-input-size: 'lots' is not a size" -- "$ferry" scenario run /dev/zero --max-input-size lots
check scenario-symlink-loop 1 "$work/loop/a.textproto: a symbolic link that cannot be followed" -- "$ferry" scenario run "$work/loop"
check scenario-missing 1 "ERROR $work/nope: no such file or folder" -- "$ferry" scenario run "$work/nope"
check scenario-escape 1 "world.manifest_file[0]: \"${up}etc/passwd\" resolves to /etc/passwd, outside the scenario's tree" -- \
  "$ferry" scenario run "$work/esc"
check scenario-escape-flag 1 "or allow its folder with --allow-outside DIR" -- "$ferry" scenario run "$work/esc"
check scenario-allow-outside-folder 2 "--allow-outside: $work/nope is not a folder" -- \
  "$ferry" scenario run "$work/esc" --allow-outside "$work/nope"
check scenario-out-of-range 1 "world.running_vm[0].write_mib_per_s: 1e+09 is out of range [0, 10000] MiB/s" -- \
  "$ferry" scenario run "$work/range/fast.textproto"
# What convert writes lints clean and converts to itself.
tmp="${TEST_TMPDIR:-/tmp}/converted.yaml"
"$ferry" convert -f $ex/vm.yaml $ex/migration.yaml > "$tmp"
check convert-output-lints 0 "2 objects in 1 file, 0 errors" -- "$ferry" lint -f "$tmp"
# The oVirt side's commands refuse bad input before they start anything.
check lun-controller-needs-provider 2 "--provider NAMESPACE/NAME is required" -- "$ferry" lun-controller
check controller-bad-progress-timeout 2 '--progress-timeout: "0.5s" is not a duration from 1s to 168h' -- \
  "$ferry" controller --progress-timeout 0.5s
check controller-progress-timeout-needs-value 2 '--progress-timeout needs a value' -- \
  "$ferry" controller --progress-timeout
check lun-controller-bad-provider 2 '"ovirt" is not one' -- "$ferry" lun-controller --provider ovirt
check lun-controller-bad-bind-timeout 2 '--bind-timeout: "soon" is not a duration from 1s to 168h' -- \
  "$ferry" lun-controller --provider default/ovirt --bind-timeout soon
check lun-controller-copy-timeout-needs-value 2 '--copy-timeout needs a value' -- \
  "$ferry" lun-controller --provider default/ovirt --copy-timeout
check lun-controller-long-power-off-timeout 2 '--power-off-timeout: "200h" is not a duration' -- \
  "$ferry" lun-controller --power-off-timeout 200h --provider default/ovirt
check ovirt-serve-bad-port 2 '--port: "http" is not a port' -- "$ferry" ovirt-serve --port http
check ovirt-serve-bad-provider 2 '--provider: "a/b/c" is not NAMESPACE/NAME' -- "$ferry" ovirt-serve --provider a/b/c
check up-outside-lun-controller-needs-an-engine 2 "the world has no oVirt engine" -- \
  "$ferry" up --outside lun-controller --kubeconfig "$(mktemp -u)"
printf 'world { node: "node-a" }\naction { at_seconds: 1 delete: "Pod/default/x" }\n' > "$work/up.textproto"
check up-names-what-it-does-not-run 2 'up.textproto: action[0] is not run: ferry up runs only api_fault actions with cluster: true' -- \
  "$ferry" up --world "$work/up.textproto" --outside lun-controller --kubeconfig "$(mktemp -u)"
check up-outside-agents 2 '"agent" cannot run outside; only: controller, lun-controller' -- \
  "$ferry" up --outside agent
check up-qemu-malloc-needs-real-nodes 2 "--qemu-default-malloc is for real nodes: give --libvirt NODE=URI" -- \
  "$ferry" up --qemu-default-malloc

again="$("$ferry" convert -f "$tmp")"
total=$((total + 1))
if [[ "$again" != "$(cat "$tmp")" ]]; then echo "FAIL convert is not idempotent"; failures=$((failures + 1)); else echo "ok   convert-idempotent"; fi
echo "$((total - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
