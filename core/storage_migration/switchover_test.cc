#include "core/storage_migration/switchover.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::storage_migration {
namespace {

using D = DomainObservation;
using ::testing::ElementsAre;

std::string Steps(const SwitchoverPlan& plan) {
  std::vector<std::string> names;
  for (Step s : plan.steps) names.emplace_back(StepName(s));
  return absl::StrJoin(names, " ");
}

SwitchoverObservation Obs(Side recorded, D source, D target) {
  SwitchoverObservation o;
  o.recorded = recorded;
  o.source = source;
  o.target = target;
  return o;
}

// The rows of the decision table in docs/storage-migration.md.
TEST(Switchover, CopyingContinues) {
  const SwitchoverPlan p = PlanSwitchover(Obs(Side::kUndecided, D::kRunning, D::kPausedAwaitingCopy));
  EXPECT_EQ(p.side, Side::kUndecided);
  EXPECT_EQ(Steps(p), "ContinueCopy");
}

TEST(Switchover, CompletedHandoverIsRecordedForTheDestinationBeforeAnythingElse) {
  const SwitchoverPlan p =
      PlanSwitchover(Obs(Side::kUndecided, D::kAbsent, D::kPausedCopyComplete));
  EXPECT_EQ(p.side, Side::kDestination);
  EXPECT_EQ(Steps(p), "RecordDestination SwitchSpecs ResumeTarget MarkSucceeded");
}

TEST(Switchover, BothPausedAfterHandoverDestroysTheSourceBeforeResumingTheTarget) {
  const SwitchoverPlan p =
      PlanSwitchover(Obs(Side::kUndecided, D::kPausedInHandover, D::kPausedCopyComplete));
  EXPECT_EQ(Steps(p), "RecordDestination SwitchSpecs DestroySource ResumeTarget MarkSucceeded");
}

TEST(Switchover, HandoverInProgressWaits) {
  EXPECT_EQ(Steps(PlanSwitchover(Obs(Side::kUndecided, D::kPausedInHandover,
                                     D::kPausedAwaitingCopy))),
            "Wait");
}

TEST(Switchover, CancelBeforeTheDecisionEndsOnTheSource) {
  SwitchoverObservation o = Obs(Side::kUndecided, D::kRunning, D::kPausedAwaitingCopy);
  o.cancel_requested = true;
  const SwitchoverPlan p = PlanSwitchover(o);
  EXPECT_EQ(p.side, Side::kSource);
  EXPECT_EQ(Steps(p), "RecordSource AbortCopy DestroyTarget MarkFailed");
  EXPECT_EQ(p.reason, "the migration was cancelled before the switchover");
}

TEST(Switchover, CancelAfterTheDecisionIsIgnored) {
  SwitchoverObservation o = Obs(Side::kDestination, D::kAbsent, D::kPausedCopyComplete);
  o.cancel_requested = true;
  EXPECT_EQ(PlanSwitchover(o).side, Side::kDestination);
}

TEST(Switchover, TimeoutEndsOnTheSource) {
  SwitchoverObservation o = Obs(Side::kUndecided, D::kRunning, D::kPausedAwaitingCopy);
  o.timed_out = true;
  EXPECT_EQ(PlanSwitchover(o).reason, "the copy did not complete within the completion timeout");
  EXPECT_EQ(PlanSwitchover(o).side, Side::kSource);
}

TEST(Switchover, SourceLostMidCopyNeverUsesTheIncompleteDestination) {
  const SwitchoverPlan p =
      PlanSwitchover(Obs(Side::kUndecided, D::kAbsent, D::kPausedAwaitingCopy));
  EXPECT_EQ(p.side, Side::kSource);
  EXPECT_EQ(Steps(p), "RecordSource DestroyTarget MarkFailed");
}

TEST(Switchover, TargetLostMidCopyEndsOnTheSource) {
  const SwitchoverPlan p = PlanSwitchover(Obs(Side::kUndecided, D::kRunning, D::kAbsent));
  EXPECT_EQ(Steps(p), "RecordSource AbortCopy MarkFailed");
}

TEST(Switchover, RecordedDestinationWithSpecsSwitchedOnlyResumes) {
  SwitchoverObservation o = Obs(Side::kDestination, D::kAbsent, D::kPausedCopyComplete);
  o.specs_switched = true;
  EXPECT_EQ(Steps(PlanSwitchover(o)), "ResumeTarget MarkSucceeded");
}

// Properties over every observation: the whole space is small.
std::vector<SwitchoverObservation> Everything() {
  std::vector<SwitchoverObservation> all;
  const D domains[] = {D::kAbsent, D::kRunning, D::kPausedInHandover, D::kPausedAwaitingCopy,
                       D::kPausedCopyComplete};
  for (Side recorded : {Side::kUndecided, Side::kSource, Side::kDestination}) {
    for (D source : domains) {
      for (D target : domains) {
        for (int flags = 0; flags < 32; ++flags) {
          SwitchoverObservation o = Obs(recorded, source, target);
          o.cancel_requested = flags & 1;
          o.timed_out = flags & 2;
          o.specs_switched = flags & 4;
          o.source_report_older = flags & 8;
          o.target_report_older = flags & 16;
          if (o.source_report_older && o.target_report_older) continue;
          all.push_back(o);
        }
      }
    }
  }
  return all;
}

bool Has(const SwitchoverPlan& p, Step s) {
  return std::find(p.steps.begin(), p.steps.end(), s) != p.steps.end();
}

size_t IndexOf(const SwitchoverPlan& p, Step s) {
  return std::find(p.steps.begin(), p.steps.end(), s) - p.steps.begin();
}

TEST(SwitchoverProperties, ARecordedDecisionIsNeverChanged) {
  for (const SwitchoverObservation& o : Everything()) {
    if (o.recorded == Side::kUndecided) continue;
    const SwitchoverPlan p = PlanSwitchover(o);
    EXPECT_EQ(p.side, o.recorded) << Steps(p);
    EXPECT_FALSE(Has(p, Step::kRecordSource) || Has(p, Step::kRecordDestination)) << Steps(p);
  }
}

TEST(SwitchoverProperties, NothingIsResumedBeforeItsSideIsRecorded) {
  for (const SwitchoverObservation& o : Everything()) {
    const SwitchoverPlan p = PlanSwitchover(o);
    if (Has(p, Step::kResumeTarget)) {
      EXPECT_TRUE(o.recorded == Side::kDestination ||
                  IndexOf(p, Step::kRecordDestination) < IndexOf(p, Step::kResumeTarget))
          << Steps(p);
    }
    if (Has(p, Step::kResumeSource)) {
      EXPECT_TRUE(o.recorded == Side::kSource ||
                  IndexOf(p, Step::kRecordSource) < IndexOf(p, Step::kResumeSource))
          << Steps(p);
    }
  }
}

TEST(SwitchoverProperties, TheOtherSideIsGoneAndSpecsSwitchedBeforeTheTargetResumes) {
  for (const SwitchoverObservation& o : Everything()) {
    const SwitchoverPlan p = PlanSwitchover(o);
    if (!Has(p, Step::kResumeTarget)) continue;
    EXPECT_TRUE(o.specs_switched || IndexOf(p, Step::kSwitchSpecs) < IndexOf(p, Step::kResumeTarget))
        << Steps(p);
    if (o.source != D::kAbsent) {
      EXPECT_LT(IndexOf(p, Step::kDestroySource), IndexOf(p, Step::kResumeTarget)) << Steps(p);
    }
  }
}

TEST(SwitchoverProperties, AnIncompleteDestinationIsNeverChosen) {
  for (const SwitchoverObservation& o : Everything()) {
    if (o.recorded != Side::kUndecided) continue;
    const SwitchoverPlan p = PlanSwitchover(o);
    if (p.side == Side::kDestination) {
      EXPECT_TRUE(o.target == D::kPausedCopyComplete || o.target == D::kRunning) << Steps(p);
    }
  }
}

// Reports from before and after the handover describe a state that never
// existed; whatever else is asked (cancel, timeout), fresh reports come first.
TEST(Switchover, ReportsFromEitherSideOfTheHandoverAreRefreshedBeforeDeciding) {
  SwitchoverObservation stale_source = Obs(Side::kUndecided, D::kRunning, D::kPausedCopyComplete);
  stale_source.source_report_older = true;
  SwitchoverObservation stale_target = Obs(Side::kUndecided, D::kAbsent, D::kPausedAwaitingCopy);
  stale_target.target_report_older = true;
  for (SwitchoverObservation o : {stale_source, stale_target}) {
    for (int flags = 0; flags < 4; ++flags) {
      o.cancel_requested = flags & 1;
      o.timed_out = flags & 2;
      EXPECT_EQ(Steps(PlanSwitchover(o)), "RequestReports Wait");
    }
  }
}

// Fresh reports that still disagree are believed: a source running after the
// target completed was resumed by libvirt (the handover failed), so it keeps
// the VM; a target still waiting after the source went away never got the VM.
TEST(Switchover, FreshReportsThatDisagreeEndOnTheSource) {
  SwitchoverObservation source_resumed = Obs(Side::kUndecided, D::kRunning, D::kPausedCopyComplete);
  source_resumed.target_report_older = true;
  EXPECT_EQ(PlanSwitchover(source_resumed).side, Side::kSource);
  EXPECT_EQ(Steps(PlanSwitchover(source_resumed)), "RecordSource AbortCopy DestroyTarget MarkFailed");

  SwitchoverObservation source_died = Obs(Side::kUndecided, D::kAbsent, D::kPausedAwaitingCopy);
  source_died.source_report_older = true;
  EXPECT_EQ(PlanSwitchover(source_died).side, Side::kSource);
}

TEST(SwitchoverProperties, ADecisionIsNeverTakenOnReportsFromEitherSideOfTheHandover) {
  for (const SwitchoverObservation& o : Everything()) {
    if (o.recorded != Side::kUndecided) continue;
    const bool mixed =
        (o.source == D::kRunning && o.target == D::kPausedCopyComplete && o.source_report_older) ||
        (o.source == D::kAbsent && o.target == D::kPausedAwaitingCopy && o.target_report_older);
    if (!mixed) continue;
    const SwitchoverPlan p = PlanSwitchover(o);
    EXPECT_EQ(p.side, Side::kUndecided) << Steps(p);
    EXPECT_FALSE(Has(p, Step::kRecordSource) || Has(p, Step::kRecordDestination)) << Steps(p);
  }
}

TEST(SwitchoverProperties, EveryTerminalPlanHasAReason) {
  for (const SwitchoverObservation& o : Everything()) {
    const SwitchoverPlan p = PlanSwitchover(o);
    EXPECT_FALSE(p.reason.empty());
    EXPECT_FALSE(p.steps.empty());
  }
}

}  // namespace
}  // namespace ferry::storage_migration
