// The storage checkers judge only what changed since a clean check
// (sim/checkers.h). Here every run also judges everything after every
// event: a difference stops it as a "harness" violation, so the
// incremental judgement is shown to find what judging everything finds.
#include "sim/checkers.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/manifest/reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/scenario_runner.h"
#include "sim/swarm.h"
#include "sim/world.h"

namespace ferry::sim {
namespace {

ScenarioResult RunSwarm(const scenario::Scenario& s, bool verify) {
  const LoadedScenario loaded{.scenario = s, .path = s.name(), .files = {}};
  return RunScenario(loaded, {.verify_checkers_for_test = verify});
}

// Each deliberately broken run is still stopped by the checker it names.
TEST(Checkers, IncrementalJudgementStopsEachBrokenRunAsJudgingEverythingDoes) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator("scenarios/checkers")) {
    if (entry.path().extension() != ".textproto") continue;
    ++files;
    absl::StatusOr<LoadedScenario> loaded = LoadScenario(entry.path().string());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    const ScenarioResult r = RunScenario(*loaded, {.verify_checkers_for_test = true});
    EXPECT_TRUE(r.passed) << entry.path() << ": " << (r.failures.empty() ? "" : r.failures[0]);
    EXPECT_EQ(r.violation, loaded->scenario.expect().violation()) << entry.path();
  }
  EXPECT_GT(files, 10);
}

// A guest's claim changing alone (no libvirt change, no spec change) is
// judged: the incremental check follows the claims the guest's specs name.
TEST(Checkers, AGuestsClaimLosingItsVolumeIsCaughtWithoutAnyOtherChange) {
  World world(World::Options{});
  ASSERT_TRUE(world.AddNode("node-a").ok());
  for (const char* file :
       {"scenarios/storage/world/storage-classes.yaml", "scenarios/storage/vms/vm-local.yaml"}) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<manifest::ManifestSet> set = manifest::ParseManifests(file, text.str());
    ASSERT_TRUE(set.ok()) << set.status();
    for (const manifest::Object& o : set->objects) ASSERT_TRUE(world.Apply(*o.message).ok());
  }
  scenario::RunningVm vm;
  vm.set_name("vm-local");
  vm.set_node("node-a");
  vm.set_write_mib_per_s(20);
  ASSERT_TRUE(world.StartVm(vm).ok());
  world.fabric().Advance(absl::Seconds(2));  // the guest writes
  Checkers checkers(world);
  checkers.set_verify_incremental_for_test(true);
  checkers.Baseline();
  ASSERT_EQ(checkers.Check(), std::nullopt);

  auto pvc = *ports::As<k8s::PersistentVolumeClaim>(
      *world.api().Get({"PersistentVolumeClaim", "default", "disk-local"}));
  pvc.mutable_status()->set_phase("Lost");
  ASSERT_TRUE(world.api().UpdateStatus(pvc).ok());
  const std::optional<Violation> v = checkers.Check();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->checker, "spec-disks-complete") << v->message;
  EXPECT_THAT(v->message, ::testing::HasSubstr("names claim disk-local, which has no bound volume"));
}

// Swarm runs with faults: migrations, crashes, lost nodes, stale reads...
// One test per workload and seed, so that the shards share them out; seeds
// 1..25, or the first 25/N of them under FERRY_SWEEP_DIVISOR=N (--config=asan).
uint64_t AgreementSeedsEnd() {
  const char* v = std::getenv("FERRY_SWEEP_DIVISOR");
  int divisor = 1;
  if (v == nullptr || !absl::SimpleAtoi(v, &divisor) || divisor < 1) divisor = 1;
  return 1 + std::max(25 / divisor, 1);
}

class SwarmAgreement : public ::testing::TestWithParam<std::tuple<Workload, uint64_t>> {};

TEST_P(SwarmAgreement, IncrementalJudgementAgreesWithJudgingEverything) {
  const auto [w, seed] = GetParam();
  const scenario::Scenario s = RenderRecipe(DrawRecipe(w, seed, {}));
  const ScenarioResult verified = RunSwarm(s, /*verify=*/true);
  const ScenarioResult plain = RunSwarm(s, /*verify=*/false);
  EXPECT_NE(verified.violation, "harness") << verified.violation_message;
  EXPECT_EQ(verified.violation, plain.violation);
  EXPECT_EQ(verified.trace_hash, plain.trace_hash);
  EXPECT_NE(plain.trace_hash, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Seeds, SwarmAgreement,
    ::testing::Combine(::testing::Values(Workload::kStorage, Workload::kMixed),
                       ::testing::Range<uint64_t>(1, AgreementSeedsEnd())),
    [](const ::testing::TestParamInfo<SwarmAgreement::ParamType>& info) {
      return absl::StrCat(WorkloadName(std::get<0>(info.param)), "_seed_", std::get<1>(info.param));
    });

}  // namespace
}  // namespace ferry::sim
