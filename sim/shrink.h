// Shrinking: a failing swarm run reduced to a minimal one that fails the same
// way (same outcome; for a safety violation, the same checker), by delta
// debugging (ddmin) over the recorded fault schedule, then the workload (VMs,
// disks, LUNs), then simplifications of what is left (no guest writes, fault
// counts of 1...). The result is an ordinary scenario file.
//
//   ShrinkResult s = Shrink(DrawRecipe(w, seed, {}), failure, {});
//   WriteFile(path, ShrunkScenarioText(s));   // bin/ferry scenario run path: fails the same way
#ifndef FERRY_SIM_SHRINK_H_
#define FERRY_SIM_SHRINK_H_

#include <functional>
#include <string>

#include "sim/swarm.h"
#include "sim/sweep.h"

namespace ferry::sim {

struct ShrinkOptions {
  int max_runs = 400;  // runs the shrinker may spend
  // After each trial run: runs so far, actions of the smallest failing run.
  std::function<void(int runs, int actions)> progress;
};

struct ShrinkResult {
  Recipe recipe;                // the smallest failing recipe found
  scenario::Scenario scenario;  // rendered
  SeedResult failure;           // how it fails
  SeedResult original;          // how the seed failed
  int runs = 0;
  int actions_before = 0;       // scenario actions (workload steps and faults)
  int actions_after = 0;
};

// Is `candidate` the same failure as `original`?
bool SameFailure(const SeedResult& original, const SeedResult& candidate);

ShrinkResult Shrink(const Recipe& failing, const SeedResult& failure, const ShrinkOptions& options);

// The shrunk run as a scenario file: a comment saying where it came from and
// how it fails, then the scenario in protobuf text format.
std::string ShrunkScenarioText(const ShrinkResult& shrunk);

}  // namespace ferry::sim

#endif  // FERRY_SIM_SHRINK_H_
