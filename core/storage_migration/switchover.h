// The switchover decision of docs/storage-migration.md as a pure function:
// from what is observed (the recorded decision, if any, and both domains),
// which side the VM continues on and the ordered steps to get there.
//
// The steps are carried out in order; a step that fails ends the pass, and the
// next pass plans again from a fresh observation. Every plan is safe to carry
// out twice.
//
//   const SwitchoverPlan plan = PlanSwitchover(observation);
//   for (Step step : plan.steps) { ... }
#ifndef FERRY_CORE_STORAGE_MIGRATION_SWITCHOVER_H_
#define FERRY_CORE_STORAGE_MIGRATION_SWITCHOVER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace ferry::storage_migration {

enum class Side { kUndecided, kSource, kDestination };

// What a node agent reports of one side's domain.
enum class DomainObservation {
  kAbsent,                // no domain (never created, destroyed, or its node lost)
  kRunning,
  kPausedInHandover,      // source paused by libvirt while the handover runs
  kPausedAwaitingCopy,    // target started paused, incoming migration not finished
  kPausedCopyComplete,    // target paused after a completed incoming migration
};

struct SwitchoverObservation {
  Side recorded = Side::kUndecided;  // status.switchover.side
  DomainObservation source = DomainObservation::kRunning;
  DomainObservation target = DomainObservation::kAbsent;
  bool cancel_requested = false;  // the VMIM is being deleted
  bool timed_out = false;         // no convergence within the completion timeout
  bool specs_switched = false;    // VMI and VM already name the destination claims
  // The two reports are written at different times. With both nodes
  // reachable: the source's report predates the target's, or the reverse.
  bool source_report_older = false;
  bool target_report_older = false;
};

enum class Step {
  kRecordSource,       // write status.switchover.side = Source (CAS)
  kRecordDestination,  // write status.switchover.side = Destination (CAS)
  kContinueCopy,       // make sure the copy job runs (start it again if its agent died)
  kWait,               // the handover is in libvirt's hands: look again later
  kRequestReports,     // the reports disagree in time: ask the older one's agent again
  kAbortCopy,
  kDestroyTarget,
  kDestroySource,
  kSwitchSpecs,        // VMI and VM to the destination claims (volume_switch.h)
  kResumeSource,
  kResumeTarget,
  kMarkSucceeded,
  kMarkFailed,
};

absl::string_view StepName(Step step);

struct SwitchoverPlan {
  Side side = Side::kUndecided;  // the decision this plan carries out
  std::vector<Step> steps;
  std::string reason;  // why, for the migration's condition and events
};

SwitchoverPlan PlanSwitchover(const SwitchoverObservation& observation);

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_SWITCHOVER_H_
