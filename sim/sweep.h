// Sweeps: many swarm runs (sim/swarm.h), each judged by the checkers after
// every event and by its liveness phase, with a determinism self-check on a
// sample of seeds and the coverage goals tallied.
//
//   SweepOptions options;
//   options.workload = Workload::kLun;
//   options.seeds = 1000;
//   SweepSummary summary = Sweep(options);
//   for (const SeedResult& f : summary.failures) ... f.seed, f.checker ...
//
// Results do not depend on `jobs`: each seed's run is independent and the
// summary is assembled in seed order.
#ifndef FERRY_SIM_SWEEP_H_
#define FERRY_SIM_SWEEP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "sim/scenario_runner.h"
#include "sim/swarm.h"

namespace ferry::sim {

enum class Outcome {
  kPassed,
  kSafety,            // a checker stopped the run
  kLiveness,          // not every migration and plan ended after the heal
  kHarness,           // the harness itself failed (a world it could not build...)
  kNondeterministic,  // the same seed ran twice with different traces
};
absl::string_view OutcomeName(Outcome outcome);

struct SeedResult {
  uint64_t seed = 0;
  Outcome outcome = Outcome::kPassed;
  std::string checker;  // kSafety
  std::string message;  // what went wrong
  absl::Duration simulated;
  absl::Duration wall;
  int64_t events = 0;
  uint64_t trace_hash = 0;
  std::vector<std::string> reached;
};

// Judges one run's result.
SeedResult Judge(uint64_t seed, const ScenarioResult& result);
// Draws, renders and runs one seed.
SeedResult RunSeed(Workload workload, uint64_t seed, const SwarmOptions& swarm,
                   ScenarioResult* full = nullptr, bool trace = false);
// Runs a rendered scenario as a swarm run (no files involved).
ScenarioResult RunGenerated(const scenario::Scenario& scenario, bool trace = false);

struct SweepOptions {
  Workload workload = Workload::kStorage;
  uint64_t first_seed = 1;
  int64_t seeds = 100;
  int jobs = 1;
  // Every this many seeds (by seed value) runs twice; 0: never.
  int self_check_every = 20;
  SwarmOptions swarm;
  // Called on the calling thread after each finished run.
  std::function<void(int64_t done, int64_t total, int64_t failed)> progress;
};

struct SweepSummary {
  int64_t runs = 0;
  int64_t self_checked = 0;
  std::map<Outcome, int64_t> outcomes;
  std::map<std::string, int64_t> violations_by_checker;
  std::map<std::string, int64_t> coverage;  // goal -> runs that reached it (every goal listed)
  std::vector<std::string> missed_goals;    // goals of the workload no run reached
  std::vector<SeedResult> failures;         // in seed order
  absl::Duration wall;
  absl::Duration simulated;
  int64_t events = 0;
};

SweepSummary Sweep(const SweepOptions& options);

}  // namespace ferry::sim

#endif  // FERRY_SIM_SWEEP_H_
