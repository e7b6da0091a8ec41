// The harness is itself tested: each deliberately broken variant of the core
// (core/bugs/bugs.h) must be caught by a sweep within a bounded number of
// seeds and shrunk to a scenario of a few steps, which passes once the
// variant is switched off again.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "core/bugs/inject_for_test.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/shrink.h"
#include "sim/sweep.h"

namespace ferry::sim {
namespace {

using bugs::Bug;

struct Variant {
  Bug bug;
  Workload workload;
  const char* checker;  // the checker that must catch it
  int max_seeds;        // a sweep this long must catch it
};

class BrokenVariantTest : public ::testing::TestWithParam<Variant> {};

TEST_P(BrokenVariantTest, ASweepCatchesItAndShrinksItToAFewSteps) {
  const Variant v = GetParam();
  std::optional<SeedResult> caught;
  std::optional<ShrinkResult> shrunk;
  {
    bugs::ScopedBug bug(v.bug);
    for (uint64_t seed = 1; seed <= static_cast<uint64_t>(v.max_seeds) && !caught; ++seed) {
      SeedResult r = RunSeed(v.workload, seed, {});
      if (r.outcome != Outcome::kPassed) caught = r;
    }
    ASSERT_TRUE(caught.has_value()) << bugs::BugName(v.bug) << ": no violation in " << v.max_seeds
                                    << " seeds";
    std::cerr << bugs::BugName(v.bug) << ": caught at seed " << caught->seed << " by "
              << OutcomeName(caught->outcome) << " " << caught->checker << ": " << caught->message
              << "\n";
    EXPECT_EQ(caught->outcome, Outcome::kSafety);
    EXPECT_EQ(caught->checker, v.checker);

    ShrinkOptions options;
    options.max_runs = 200;
    shrunk = Shrink(DrawRecipe(v.workload, caught->seed, {}), *caught, options);
    std::cerr << "  shrunk " << shrunk->actions_before << " -> " << shrunk->actions_after
              << " actions in " << shrunk->runs << " runs\n"
              << ShrunkScenarioText(*shrunk);
    EXPECT_TRUE(SameFailure(*caught, shrunk->failure));
    EXPECT_LE(shrunk->actions_after, 4) << "a few steps";
    // Still broken: the shrunk scenario fails the same way.
    EXPECT_TRUE(SameFailure(*caught, Judge(caught->seed, RunGenerated(shrunk->scenario))));
  }
  // Switched off: the very same scenario passes.
  const SeedResult fixed = Judge(caught->seed, RunGenerated(shrunk->scenario));
  EXPECT_EQ(fixed.outcome, Outcome::kPassed) << fixed.checker << ": " << fixed.message;
}

INSTANTIATE_TEST_SUITE_P(
    Variants, BrokenVariantTest,
    ::testing::Values(
        Variant{Bug::kSwitchBeforeCopyDone, Workload::kStorage, "spec-disks-complete", 30},
        Variant{Bug::kReclaimBeforeRepoint, Workload::kStorage, "reclaim-after-success", 30},
        Variant{Bug::kDiskDevsReversed, Workload::kStorage, "spec-disks-complete", 30},
        Variant{Bug::kContainerDiskTopOnly, Workload::kStorage, "image-flattened", 30},
        Variant{Bug::kRollbackForgetsReattach, Workload::kLun, "lun-source-restored", 30},
        Variant{Bug::kDetachAfterTargetStarts, Workload::kLun, "lun-single-writer", 30},
        Variant{Bug::kCreateWithoutCheck, Workload::kLun, "lun-single-writer", 30}),
    [](const ::testing::TestParamInfo<Variant>& info) {
      std::string name(bugs::BugName(info.param.bug));
      for (char& c : name) if (c == '-') c = '_';
      return name;
    });

}  // namespace
}  // namespace ferry::sim
