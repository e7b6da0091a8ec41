// LunPlanReconciler: the LUN plan controller as a keyed reconciler on the
// runtime (core/runtime), one Forklift Plan per key, as Forklift's own
// controller reconciles per Plan. It decides from the cache (Migrations,
// Plans, the cluster objects a VM's LUNs become, the locks) and from what
// the engine shows, read through the runtime's observer only while a
// decision needs it:
//
//   - each VM of the plan's run still in flight: OvirtVmRead, polled with
//     back-off, read again at once after an engine call on that VM;
//   - each disk of those VMs: OvirtDiskRead, read once (a direct LUN's
//     connection cannot change while it exists);
//   - the engine's inventory (version and every VM): only while the plan
//     must be validated (a VM of its run not started yet, or no run and a
//     spec not yet validated) or names a VM by name only;
//   - the plan's CHAP Secret: ObjectRead, only while validating.
//
// State lives in the run's Migration status (one VMStatus per VM) and in
// the locks (a Lease per source VM and LUN disk, locks.h); the plan's
// status gets the run when it ends. Runs are ordered as one pass ordered
// them (runs that started a VM first, then by creation time and name), and
// what an earlier run takes (a LUN, a VM, a target name) is refused to a
// later one: each reconcile reads every run, and acts only for its plan.
//
// An engine call of a pipeline step that fails is counted in the VM's
// status (RecordFailure) by the plan's next reconcile, which writes the
// count before it tries anything more (EffectFailed keeps it until the
// status read shows it written): a restart in between forgets that one
// failure, and the step is tried once more than max_call_failures allows.
//
//   LunPlanReconciler reconciler(LunPlanOptions{});
//   runtime::Executor executor({.kube = &api, .ovirt = &engine});
//   runtime::Manager manager(reconciler, api, executor, scheduler, {});
#ifndef FERRY_CORE_LUN_MIGRATION_PLAN_RECONCILER_H_
#define FERRY_CORE_LUN_MIGRATION_PLAN_RECONCILER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/lun_migration/plan_step.h"
#include "core/lun_migration/wait_memo.h"
#include "core/runtime/reconciler.h"

namespace ferry::lun_migration {

// A Plan annotation naming the Secret (in the target namespace) with the
// iSCSI CHAP credentials.
inline constexpr char kChapSecretAnnotation[] = "ferry.io/chap-secret";

class LunPlanReconciler : public runtime::Reconciler {
 public:
  explicit LunPlanReconciler(LunPlanOptions options, absl::Duration period = absl::Seconds(1))
      : options_(std::move(options)), period_(period) {}

  // Migrations, Plans, what a VM's LUNs become (PVs, claims, DataVolumes,
  // VMs, VMIs, pods) and the locks (Leases of the lock namespace only).
  std::vector<std::string> Kinds() const override;
  ports::Selector SelectorFor(absl::string_view kind) const override;
  void AddIndexes(runtime::Cache& cache) const override;
  // Runs are coupled (an earlier run's claims bind a later one), so a
  // change wakes every plan with a run or a spec still to validate.
  void Wake(const runtime::Change& change, const runtime::Cache& cache,
            std::vector<runtime::Key>& keys) const override;
  runtime::Result Reconcile(const runtime::Key& plan, const runtime::Cache& cache,
                            absl::Time now) override;
  void EffectFailed(const runtime::Key& plan, const runtime::Effect& effect,
                    const absl::Status& status) override;

  // With LunPlanOptions::verify_waits: the remembered waits a fresh
  // decision contradicted, one line each (none, or the memo is wrong).
  const std::vector<std::string>& stale_waits() const { return stale_waits_; }

  // An engine call of a pipeline step in flight: where its failure counts.
  struct Counted {
    std::string vm_id;
    std::string step;  // the pipeline step (LunStep::failure_step)
    int reasons_before = 0;  // the step's errors when the call was decided
  };
  struct Failure {
    Counted call;
    std::string message;
  };

 private:
  LunPlanOptions options_;
  absl::Duration period_;
  // By plan: the counted calls of its last reconcile (by effect `what`),
  // and the failures still to record.
  std::map<runtime::Key, std::map<std::string, Counted>> counted_;
  std::map<runtime::Key, std::vector<Failure>> failed_;
  // The disks each VM had attached when last read: while a VM is read
  // again (after a call on it), its disks stay wanted, not read anew.
  std::map<std::string, std::vector<std::string>> disks_of_vm_;
  // By plan: the waits its VMs were last decided to make (wait_memo.h).
  std::map<runtime::Key, WaitMemo> memos_;
  std::vector<std::string> stale_waits_;
};

}  // namespace ferry::lun_migration

#endif  // FERRY_CORE_LUN_MIGRATION_PLAN_RECONCILER_H_
