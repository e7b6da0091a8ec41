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
# What convert writes lints clean and converts to itself.
tmp="${TEST_TMPDIR:-/tmp}/converted.yaml"
"$ferry" convert -f $ex/vm.yaml $ex/migration.yaml > "$tmp"
check convert-output-lints 0 "2 objects in 1 file, 0 errors" -- "$ferry" lint -f "$tmp"
again="$("$ferry" convert -f "$tmp")"
total=$((total + 1))
if [[ "$again" != "$(cat "$tmp")" ]]; then echo "FAIL convert is not idempotent"; failures=$((failures + 1)); else echo "ok   convert-idempotent"; fi
echo "$((total - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
