// Sweeps: many swarm runs (sim/swarm.h), each judged by the checkers after
// every event and by its liveness phase, with a determinism self-check on a
// sample of seeds and the coverage goals tallied.
//
//   SweepOptions options;
//   options.workload = Workload::kLun;
//   options.seeds = 1000;
//   absl::StatusOr<SweepSummary> summary = Sweep(options);
//   for (const SeedResult& f : summary->failures) ... f.seed, f.checker ...
//
// Results do not depend on `jobs`: each seed's run is independent and the
// summary (SweepTally) does not depend on the order runs finish in. The
// sweep streams: each result is tallied as its run ends and dropped, so
// memory is O(jobs + failures kept) whatever the number of seeds.
#ifndef FERRY_SIM_SWEEP_H_
#define FERRY_SIM_SWEEP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
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
ScenarioResult RunGenerated(const scenario::Scenario& scenario, bool trace = false,
                            bool verify_waits = true);

// The last of `count` seeds from `first`. InvalidArgument when `count` is
// below 1 or the seeds would run past 2^64-1: they never wrap around to 0.
absl::StatusOr<uint64_t> LastSeed(uint64_t first, int64_t count);

struct SweepOptions {
  Workload workload = Workload::kStorage;
  uint64_t first_seed = 1;
  int64_t seeds = 100;
  int jobs = 1;
  // Every this many seeds (by seed value) runs twice; 0: never.
  int self_check_every = 20;
  SwarmOptions swarm;
  // Failures kept whole (SweepTally): the lowest seeds, and the first of
  // each kind. The others are counted only.
  int64_t max_failures_kept = 1000;
  // Called on the calling thread after each finished run.
  std::function<void(int64_t done, int64_t total, int64_t failed)> progress;
  // Called on the calling thread with each run that did not pass, as runs
  // end (so in the order they end, which `jobs` changes), before the
  // progress call that counts it: a long sweep names its failures at once.
  std::function<void(const SeedResult&)> failure;
  // Asked after each finished run (on the worker thread that ran it, one
  // call at a time): once it says true, no further run starts, and the
  // summary covers the runs done (with one job, exactly those it saw).
  std::function<bool()> stop;
};

struct SweepSummary {
  int64_t runs = 0;
  int64_t self_checked = 0;
  std::map<Outcome, int64_t> outcomes;
  std::map<std::string, int64_t> violations_by_checker;
  std::map<std::string, int64_t> coverage;  // goal -> runs that reached it (every goal listed)
  std::vector<std::string> missed_goals;    // goals of the workload no run reached
  // In seed order: every failure, or past max_failures_kept the lowest
  // seeds and the first failure of each kind (outcome and checker).
  std::vector<SeedResult> failures;
  int64_t failures_not_kept = 0;            // failed runs `failures` leaves out
  absl::Duration wall;
  absl::Duration simulated;
  int64_t events = 0;
};

// A sweep's summary, tallied one result at a time as runs end, in any
// order: the same summary whatever the order, in memory that grows with
// the failures kept, not with the runs.
//
//   SweepTally tally(Workload::kLun, /*max_failures_kept=*/1000);
//   tally.Add(RunSeed(Workload::kLun, 7, {}), /*self_checked=*/false);
//   SweepSummary summary = tally.Summary();
class SweepTally {
 public:
  SweepTally(Workload workload, int64_t max_failures_kept);

  void Add(SeedResult result, bool self_checked);
  // The summary of the results added so far (wall left zero).
  SweepSummary Summary() const;

 private:
  int64_t max_failures_kept_;
  SweepSummary s_;                               // counts only: failures kept below
  int64_t failed_ = 0;
  std::map<uint64_t, SeedResult> lowest_;        // the lowest failed seeds, at most max
  std::map<std::string, SeedResult> first_of_kind_;  // "outcome/checker" -> its lowest seed
};

// InvalidArgument for a seed range LastSeed refuses.
absl::StatusOr<SweepSummary> Sweep(const SweepOptions& options);

}  // namespace ferry::sim

#endif  // FERRY_SIM_SWEEP_H_
