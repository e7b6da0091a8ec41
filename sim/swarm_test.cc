#include <cstdio>
#include <fstream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "sim/scenario_limits.h"
#include "sim/scenario_runner.h"
#include "sim/shrink.h"
#include "sim/sweep.h"
#include "sim/swarm.h"

namespace ferry::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Text(const scenario::Scenario& s) {
  std::string out;
  google::protobuf::TextFormat::PrintToString(s, &out);
  return out;
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
  std::ofstream(path) << text;
  return path;
}

TEST(SwarmTest, ASeedDrawsTheSameRunEveryTimeAndSeedsDiffer) {
  for (Workload w : {Workload::kStorage, Workload::kLun, Workload::kMixed}) {
    EXPECT_EQ(Text(RenderRecipe(DrawRecipe(w, 7, {}))), Text(RenderRecipe(DrawRecipe(w, 7, {}))));
    EXPECT_NE(Text(RenderRecipe(DrawRecipe(w, 7, {}))), Text(RenderRecipe(DrawRecipe(w, 8, {}))));
  }
}

TEST(SwarmTest, EachSeedDrawsItsOwnMixWithSomeKindsOff) {
  std::map<std::string, std::pair<int, int>> off_on;  // kind -> (seeds off, seeds on)
  std::set<double> rates;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    const Recipe r = DrawRecipe(Workload::kMixed, seed, {});
    ASSERT_EQ(r.mix.size(), FaultKinds(Workload::kMixed).size());
    for (const auto& [kind, rate] : r.mix) {
      (rate == 0 ? off_on[kind].first : off_on[kind].second)++;
      rates.insert(rate);
    }
  }
  for (const auto& [kind, counts] : off_on) {
    EXPECT_GT(counts.first, 10) << kind << " is never off";
    EXPECT_GT(counts.second, 10) << kind << " is never on";
  }
  EXPECT_GT(rates.size(), 50u) << "rates are drawn per seed";
}

TEST(SwarmTest, EveryRenderedRunIsAValidScenarioFile) {
  for (Workload w : {Workload::kStorage, Workload::kLun, Workload::kMixed}) {
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      const scenario::Scenario s = RenderRecipe(DrawRecipe(w, seed, {}));
      const std::string path = WriteTemp(absl::StrCat(s.name(), ".textproto"), Text(s));
      absl::StatusOr<LoadedScenario> loaded = LoadScenario(path);
      ASSERT_TRUE(loaded.ok()) << loaded.status();
      EXPECT_TRUE(loaded->scenario.has_liveness());
    }
  }
}

// What the swarm draws stays inside every scenario range
// (sim/scenario_limits.h), at the sweeps' sizes and at the benchmarks'.
TEST(SwarmTest, EveryDrawStaysWithinTheScenarioRanges) {
  for (Workload w : {Workload::kStorage, Workload::kLun, Workload::kMixed}) {
    for (uint64_t seed = 1; seed <= 300; ++seed) {
      const absl::Status st = CheckScenarioLimits(RenderRecipe(DrawRecipe(w, seed, {})));
      ASSERT_TRUE(st.ok()) << WorkloadName(w) << " seed " << seed << ": " << st;
    }
  }
  SwarmOptions lun_scale;  // sim_benchmark.cc's largest runs
  lun_scale.exact_lun_vms = 1000;
  lun_scale.exact_luns = 4;
  lun_scale.exact_nodes = 4;
  lun_scale.faults = false;
  EXPECT_TRUE(CheckScenarioLimits(RenderRecipe(DrawRecipe(Workload::kLun, 1, lun_scale))).ok());
  SwarmOptions storage_scale;
  storage_scale.exact_storage_vms = 200;
  storage_scale.exact_nodes = 50;
  storage_scale.faults = false;
  EXPECT_TRUE(
      CheckScenarioLimits(RenderRecipe(DrawRecipe(Workload::kStorage, 1, storage_scale))).ok());
}

TEST(SwarmTest, SweepResultsDoNotDependOnTheNumberOfJobs) {
  SweepOptions options;
  options.workload = Workload::kLun;
  options.first_seed = 1;
  options.seeds = 6;
  options.self_check_every = 3;
  const SweepSummary one = Sweep(options);
  options.jobs = 2;
  const SweepSummary two = Sweep(options);
  EXPECT_EQ(one.runs, 6);
  EXPECT_EQ(one.self_checked, 2);
  EXPECT_EQ(one.events, two.events);
  EXPECT_EQ(one.simulated, two.simulated);
  EXPECT_EQ(one.coverage, two.coverage);
  EXPECT_EQ(one.outcomes, two.outcomes);
  EXPECT_GT(one.events, 0);
}

// A user VM holding a LUN's claim and never deleted: the plan waits for it
// (a LUN has a single writer) and never ends, which the liveness phase says.
Recipe StuckPlan() {
  Recipe r = DrawRecipe(Workload::kLun, 3, {});
  r.lun_vms.resize(1);
  r.lun_vms[0].up = true;
  scenario::Action early;
  early.set_at_seconds(1);
  early.set_apply(
      "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: squatter}\nspec:\n"
      "  running: true\n  template:\n    spec:\n      domain:\n"
      "        devices: {disks: [{name: data, lun: {bus: scsi}}]}\n"
      "        resources: {requests: {memory: 1Gi}}\n"
      "      volumes: [{name: data, persistentVolumeClaim: {claimName: ferry-lun-vm-1-lun-0}}]\n");
  r.faults.insert(r.faults.begin() + static_cast<long>(r.faults.size() / 2), early);
  r.liveness_bound = 300;
  return r;
}

TEST(SwarmTest, ARunThatNeverEndsAfterTheHealFailsItsLivenessPhase) {
  const SeedResult r = Judge(3, RunGenerated(RenderRecipe(StuckPlan())));
  EXPECT_EQ(r.outcome, Outcome::kLiveness);
  EXPECT_THAT(r.message, HasSubstr("not settled 5m after the faults healed"));
  // db-1 is stuck behind the squatter, in CreateVm or, once the drawn
  // cancel of it came, in its rollback (waiting for the squatter's pod).
  EXPECT_THAT(r.message, HasSubstr("Migration default/run-1 not completed (db-1 "));
}

TEST(SwarmTest, ShrinkingKeepsTheFailureAndDropsTheRest) {
  const Recipe stuck = StuckPlan();
  ASSERT_GT(stuck.faults.size(), 3u);
  const SeedResult failure = Judge(3, RunGenerated(RenderRecipe(stuck)));
  ASSERT_EQ(failure.outcome, Outcome::kLiveness);
  const ShrinkResult s = Shrink(stuck, failure, {});
  EXPECT_EQ(s.failure.outcome, Outcome::kLiveness);
  ASSERT_EQ(s.recipe.faults.size(), 1u);  // only the squatter is needed
  EXPECT_THAT(s.recipe.faults[0].apply(), HasSubstr("squatter"));
  EXPECT_LT(s.actions_after, s.actions_before);
  EXPECT_LE(s.runs, 400);

  // The file it writes is a scenario that fails the same way when run.
  const std::string text = ShrunkScenarioText(s);
  EXPECT_THAT(text, HasSubstr("# Shrunk by `bin/ferry sim` from lun seed 3"));
  absl::StatusOr<LoadedScenario> loaded = LoadScenario(WriteTemp("shrunk.textproto", text));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const ScenarioResult again = RunScenario(*loaded, {});
  EXPECT_FALSE(again.passed);
  EXPECT_THAT(again.liveness_failure, HasSubstr("db-1 CreateVm"));
}

TEST(SwarmTest, HealEndsEveryFaultKind) {
  Recipe r = DrawRecipe(Workload::kStorage, 11, {.faults = false});
  ASSERT_GE(r.nodes.size(), 2u);
  auto add = [&](auto set) {
    scenario::Action& a = r.faults.emplace_back();
    a.set_at_seconds(0.5);
    set(a);
  };
  // Faults that would last forever without the heal.
  add([&](scenario::Action& a) {
    a.mutable_partition()->set_a(r.nodes[0]);
    a.mutable_partition()->set_b(r.nodes[1]);
  });
  add([](scenario::Action& a) { a.mutable_slow_link()->set_factor(0.01); });
  add([](scenario::Action& a) { a.mutable_stale_reads()->set_lag_seconds(30); });
  add([](scenario::Action& a) {
    a.mutable_api_fault()->set_verb("list");
    a.mutable_api_fault()->set_count(1000000);
  });
  add([&](scenario::Action& a) { a.set_node_down(r.storage_vms[0].node == r.nodes[0] ? r.nodes[1] : r.nodes[0]); });
  add([](scenario::Action& a) {
    a.mutable_crash()->set_process("controller");
    a.mutable_crash()->set_down_seconds(100000);
  });
  r.heal_at = 120;
  r.liveness_bound = 1800;
  const ScenarioResult result = RunGenerated(RenderRecipe(r));
  EXPECT_THAT(result.failures, IsEmpty());
  EXPECT_GT(result.simulated, absl::Seconds(120));
  EXPECT_GT(result.faults_hit, 0);
}

}  // namespace
}  // namespace ferry::sim
