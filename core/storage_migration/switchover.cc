#include "core/storage_migration/switchover.h"

namespace ferry::storage_migration {
namespace {

using D = DomainObservation;

bool Present(D d) { return d != D::kAbsent; }

// Carries out a recorded (or just decided) Destination.
void ToDestination(const SwitchoverObservation& o, SwitchoverPlan* plan) {
  plan->side = Side::kDestination;
  if (!o.specs_switched) plan->steps.push_back(Step::kSwitchSpecs);
  if (Present(o.source)) plan->steps.push_back(Step::kDestroySource);
  if (o.target == D::kPausedCopyComplete || o.target == D::kPausedInHandover) {
    plan->steps.push_back(Step::kResumeTarget);
  }
  plan->steps.push_back(Step::kMarkSucceeded);
}

// Carries out a recorded (or just decided) Source.
void ToSource(const SwitchoverObservation& o, SwitchoverPlan* plan) {
  plan->side = Side::kSource;
  if (o.source == D::kRunning || o.source == D::kPausedInHandover) {
    plan->steps.push_back(Step::kAbortCopy);
  }
  if (Present(o.target)) plan->steps.push_back(Step::kDestroyTarget);
  if (o.source == D::kPausedInHandover) plan->steps.push_back(Step::kResumeSource);
  plan->steps.push_back(Step::kMarkFailed);
}

}  // namespace

absl::string_view StepName(Step step) {
  switch (step) {
    case Step::kRecordSource: return "RecordSource";
    case Step::kRecordDestination: return "RecordDestination";
    case Step::kContinueCopy: return "ContinueCopy";
    case Step::kWait: return "Wait";
    case Step::kRequestReports: return "RequestReports";
    case Step::kAbortCopy: return "AbortCopy";
    case Step::kDestroyTarget: return "DestroyTarget";
    case Step::kDestroySource: return "DestroySource";
    case Step::kSwitchSpecs: return "SwitchSpecs";
    case Step::kResumeSource: return "ResumeSource";
    case Step::kResumeTarget: return "ResumeTarget";
    case Step::kMarkSucceeded: return "MarkSucceeded";
    case Step::kMarkFailed: return "MarkFailed";
  }
  return "?";
}

SwitchoverPlan PlanSwitchover(const SwitchoverObservation& o) {
  SwitchoverPlan plan;
  // A recorded decision is carried out, never reconsidered (rule 2).
  if (o.recorded == Side::kDestination) {
    plan.reason = "switchover to the destination was recorded";
    ToDestination(o, &plan);
    return plan;
  }
  if (o.recorded == Side::kSource) {
    plan.reason = "the migration was decided for the source";
    ToSource(o, &plan);
    return plan;
  }

  // Undecided. The handover completed: the target holds the only memory
  // state and complete disks (rule 1).
  if (o.target == D::kPausedCopyComplete &&
      (o.source == D::kAbsent || o.source == D::kPausedInHandover)) {
    plan.reason = "the copy completed and libvirt handed the VM over";
    plan.steps.push_back(Step::kRecordDestination);
    ToDestination(o, &plan);
    return plan;
  }
  // A target running with no decision breaks rule 2 and must not happen; its
  // disks may already hold writes the source lacks, so it is the only side
  // that can lose nothing.
  if (o.target == D::kRunning) {
    plan.reason = "the target runs without a recorded decision (a broken invariant)";
    plan.steps.push_back(Step::kRecordDestination);
    ToDestination(o, &plan);
    return plan;
  }
  // Two reports from different moments can describe a state that never
  // existed: the source seen running before the handover, the target seen
  // complete after it; or the source seen gone after the handover, the target
  // seen waiting before it. Deciding on those would end a handed-over VM on
  // a side that no longer runs it, so ask for fresh reports first (rule 4).
  if ((o.target == D::kPausedCopyComplete && o.source == D::kRunning &&
       o.source_report_older) ||
      (o.source == D::kAbsent && o.target == D::kPausedAwaitingCopy && o.target_report_older)) {
    plan.reason = "the two sides' reports are from before and after the handover";
    plan.steps.push_back(Step::kRequestReports);
    plan.steps.push_back(Step::kWait);
    return plan;
  }
  // libvirt is in the middle of the handover: it either completes or resumes
  // the source by itself.
  if (o.source == D::kPausedInHandover && !o.cancel_requested && !o.timed_out) {
    plan.reason = "the handover is in progress";
    plan.steps.push_back(Step::kWait);
    return plan;
  }
  if (o.source == D::kRunning && !o.cancel_requested && !o.timed_out &&
      o.target == D::kPausedAwaitingCopy) {
    plan.reason = "copying";
    plan.steps.push_back(Step::kContinueCopy);
    return plan;
  }
  // Everything else ends on the source, whose disks hold every acknowledged
  // write because the target never ran.
  if (o.cancel_requested) {
    plan.reason = "the migration was cancelled before the switchover";
  } else if (o.timed_out) {
    plan.reason = "the copy did not complete within the completion timeout";
  } else if (o.source == D::kAbsent) {
    plan.reason = o.target == D::kAbsent
                      ? "both domains are gone; the VM restarts from its unchanged spec"
                      : "the source domain was lost before the copy completed";
  } else if (o.target == D::kPausedCopyComplete) {
    plan.reason =
        "the source kept running after the copy completed (libvirt resumed it); the target "
        "never ran";
  } else {
    plan.reason = "the target domain was lost before the copy completed";
  }
  plan.steps.push_back(Step::kRecordSource);
  ToSource(o, &plan);
  return plan;
}

}  // namespace ferry::storage_migration
