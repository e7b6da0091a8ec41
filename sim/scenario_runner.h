// The scenario runner: builds a loaded scenario's world (sim/scenario_loader.h),
// performs its actions when their time or trigger comes
// (sim/scenario_actions.h), runs it with every checker after every event,
// and judges the run and its expectations (sim/scenario_judge.h).
//
//   absl::StatusOr<LoadedScenario> s = LoadScenario("scenarios/storage/x.textproto");
//   ScenarioResult r = RunScenario(*s, {.trace = true});
//   if (!r.passed) for (const std::string& f : r.failures) ...
#ifndef FERRY_SIM_SCENARIO_RUNNER_H_
#define FERRY_SIM_SCENARIO_RUNNER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "sim/scenario.pb.h"
#include "sim/scenario_loader.h"

namespace ferry::sim {

// A run that has not ended after this many events fails, naming what is
// still open: simulated time is bounded (max_seconds, the liveness bound),
// and this bounds the work done within it, whatever a process or a fault
// does with time. The longest run in scenarios/ takes under 3,000 events; a
// swarm run some thousands.
inline constexpr int64_t kDefaultMaxEvents = 5'000'000;

struct RunOptions {
  bool trace = false;  // keep the timeline (every step of every process)
  int64_t max_events = kDefaultMaxEvents;
  // The storage checkers judge everything after every event as well, and
  // stop the run ("harness") where that differs from their incremental
  // judgement (sim/checkers.h).
  bool verify_checkers_for_test = false;
  // The LUN controller decides each wait it remembers afresh as well, and a
  // contradicted one fails the run (LunPlanOptions::verify_waits). Off only
  // for the benchmarks, which measure the memo.
  bool verify_waits = true;
};

struct ScenarioResult {
  std::string name;
  bool passed = false;
  std::vector<std::string> failures;  // why not
  std::string violation;              // the checker that stopped the run, if any
  std::string violation_message;
  // The liveness phase failed: what was still not terminal after the heal.
  std::string liveness_failure;
  // The world could not be built (a bad file, or a generator's bug).
  std::string setup_error;
  // Coverage goals the run reached (sim/coverage.h), sorted.
  std::vector<std::string> reached;
  int64_t faults_hit = 0;             // injected faults that hit a call
  int64_t ferry_api_calls = 0;        // Kubernetes API calls by Ferry's processes
  std::map<std::string, int64_t> ferry_api_calls_by_verb;  // the same, by verb
  int64_t engine_calls = 0;  // oVirt engine requests by the lun-controller
  std::map<std::string, int64_t> engine_calls_by_request;  // "get vm", "list vms"...
  int64_t reconciles = 0;  // by every runtime process
  int64_t migrated = 0;               // VMs migrated by the end (Coverage::Migrated)
  absl::Duration simulated;
  absl::Duration wall;
  int64_t events = 0;
  int64_t acknowledged_writes = 0;
  uint64_t trace_hash = 0;
  std::vector<std::string> timeline;  // with RunOptions::trace
};

ScenarioResult RunScenario(const LoadedScenario& scenario, const RunOptions& options);

}  // namespace ferry::sim

#endif  // FERRY_SIM_SCENARIO_RUNNER_H_
