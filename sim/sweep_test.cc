// A swarm sweep as a Bazel test, sharded: Bazel (or any remote-execution
// cluster) runs shard i of n with TEST_SHARD_INDEX=i, TEST_TOTAL_SHARDS=n,
// and each shard sweeps its own contiguous block of seeds. The workload and
// the seeds come from the environment (sim/BUILD sets them per target):
//   FERRY_SWEEP_WORKLOAD  storage | lun | mixed
//   FERRY_SWEEP_SEEDS     seeds in all (split between the shards)
//   FERRY_SWEEP_FIRST     the first seed (default 1)
//   FERRY_SWEEP_COVERAGE  1: every coverage goal of the workload must be
//                         reached within each shard
//   FERRY_SWEEP_DIVISOR   sweep only seeds/N of them, coverage goals not
//                         checked (--config=asan sets 4: a sanitized run is
//                         about twenty times slower, and it looks for memory
//                         errors, not for goals)
// A failing seed is shrunk; the shrunk scenario is printed and written to
// TEST_UNDECLARED_OUTPUTS_DIR.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "sim/shrink.h"
#include "sim/sweep.h"

namespace ferry::sim {
namespace {

std::string Env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::string(v);
}

int64_t EnvInt(const char* name, int64_t fallback) {
  int64_t n = fallback;
  if (!absl::SimpleAtoi(Env(name, ""), &n)) return fallback;
  return n;
}

TEST(SwarmSweep, NoViolationNoLivenessFailureEveryGoalReached) {
  absl::StatusOr<Workload> workload = ParseWorkload(Env("FERRY_SWEEP_WORKLOAD", "storage"));
  ASSERT_TRUE(workload.ok()) << workload.status();
  const int64_t divisor = std::max<int64_t>(EnvInt("FERRY_SWEEP_DIVISOR", 1), 1);
  const int64_t seeds = std::max<int64_t>(EnvInt("FERRY_SWEEP_SEEDS", 20) / divisor, 1);
  const int64_t first = EnvInt("FERRY_SWEEP_FIRST", 1);
  const int64_t shards = std::max<int64_t>(EnvInt("TEST_TOTAL_SHARDS", 1), 1);
  const int64_t shard = EnvInt("TEST_SHARD_INDEX", 0);
  if (const char* status = std::getenv("TEST_SHARD_STATUS_FILE")) std::ofstream{status};  // sharding understood

  SweepOptions options;
  options.workload = *workload;
  options.first_seed = static_cast<uint64_t>(first + seeds * shard / shards);
  options.seeds = seeds * (shard + 1) / shards - seeds * shard / shards;
  options.jobs = 1;
  int64_t last_percent = -1;
  options.progress = [&](int64_t done, int64_t total, int64_t failed) {
    const int64_t percent = 100 * done / std::max<int64_t>(total, 1);
    if (percent / 10 == last_percent / 10 && done != total) return;
    last_percent = percent;
    std::cerr << "  " << percent << "%  " << done << "/" << total << " runs, " << failed << " failed\n";
  };
  if (options.seeds == 0) GTEST_SKIP() << "no seed falls to this shard";
  std::cerr << "seed " << options.first_seed << ".." << options.first_seed + options.seeds - 1
            << " (shard " << shard + 1 << " of " << shards << "), workload "
            << WorkloadName(*workload) << "\n";
  if (divisor > 1) {
    std::cerr << "FERRY_SWEEP_DIVISOR=" << divisor << ": 1/" << divisor
              << " of the seeds, coverage goals not checked\n";
  }
  const absl::StatusOr<SweepSummary> swept = Sweep(options);
  ASSERT_TRUE(swept.ok()) << swept.status();
  const SweepSummary& s = *swept;
  std::cerr << "runs " << s.runs << ", " << absl::ToDoubleSeconds(s.wall) << " s wall, "
            << absl::FormatDuration(s.simulated) << " simulated\n";

  for (const SeedResult& f : s.failures) {
    ADD_FAILURE() << "seed " << f.seed << ": " << OutcomeName(f.outcome) << " " << f.checker << ": "
                  << f.message << "\n  replay: bin/ferry sim --workload " << WorkloadName(*workload)
                  << " --seed " << f.seed << " --trace";
  }
  if (s.failures_not_kept > 0) {
    ADD_FAILURE() << "and " << s.failures_not_kept << " more failed runs, not listed";
  }
  if (!s.failures.empty() && s.failures.front().outcome != Outcome::kNondeterministic) {
    const SeedResult& f = s.failures.front();
    const ShrinkResult shrunk = Shrink(DrawRecipe(*workload, f.seed, {}), f, {});
    const std::string text = ShrunkScenarioText(shrunk);
    std::cerr << "shrunk scenario of seed " << f.seed << ":\n" << text;
    const std::string dir = Env("TEST_UNDECLARED_OUTPUTS_DIR", "");
    if (!dir.empty()) std::ofstream(absl::StrCat(dir, "/", shrunk.scenario.name(), ".textproto")) << text;
  }
  if (EnvInt("FERRY_SWEEP_COVERAGE", 0) == 1 && divisor == 1) {
    EXPECT_TRUE(s.missed_goals.empty())
        << "coverage goals no run of this shard reached: " << absl::StrJoin(s.missed_goals, ", ")
        << " (a code change made them unreachable, or the sweep needs more seeds)";
  }
  for (const auto& [goal, n] : s.coverage) std::cerr << "  " << goal << ": " << n << " runs\n";
}

}  // namespace
}  // namespace ferry::sim

// The shards split the seeds, not the (single) test: gtest's own sharding
// would run the test in shard 1 only.
int main(int argc, char** argv) {
  unsetenv("GTEST_SHARD_INDEX");
  unsetenv("GTEST_TOTAL_SHARDS");
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
