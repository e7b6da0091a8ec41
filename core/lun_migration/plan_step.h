// PlanLunVm: the LUN plan of one VM as a pure step function. From what was
// observed (the VM's status in the Plan, the engine's view of the source VM,
// the cluster objects the plan makes) it returns the one thing to do next.
// Every step is "check, then act": an object that exists and carries this
// plan's uid is taken as made, a LUN no longer attached is taken as
// detached, so a retried step or a re-run plan never fails with
// AlreadyExists, and a restarted controller converges.
//
// The order (docs/lun-migration.md, "Plan steps"):
//   cold: Initialize, PowerOff, DetachLuns, CreateVolumes, WaitForBinding,
//         CopyDisks, CreateVm
//   warm: Initialize, PreCopy, WaitForCutover, PowerOff, DetachLuns,
//         CreateVolumes, WaitForBinding, CopyDisks (final), CreateVm
// Initialize records the power state and the LUN attachments before
// anything is touched; a failure or cancel after it rolls back (RollingBack)
// and ends Failed or Canceled.
//
//   LunStep step = PlanLunVm(observation);
//   switch (step.kind) { case LunStep::Kind::kDetach: ... }
#ifndef FERRY_CORE_LUN_MIGRATION_PLAN_STEP_H_
#define FERRY_CORE_LUN_MIGRATION_PLAN_STEP_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/cdi.pb.h"
#include "api/core.pb.h"
#include "api/forklift.pb.h"
#include "api/kubevirt.pb.h"
#include "api/ovirt.pb.h"
#include "core/lun_migration/lun_objects.h"
#include "core/lun_migration/validation.h"
#include "core/ports/kube_api.h"
#include "core/runtime/key.h"
#include "google/protobuf/message.h"

namespace ferry::lun_migration {

// Pipeline step names, as they appear in the Plan's status.
inline constexpr char kInitialize[] = "Initialize";
inline constexpr char kPreCopy[] = "PreCopy";
inline constexpr char kWaitForCutover[] = "WaitForCutover";
inline constexpr char kPowerOff[] = "PowerOff";
inline constexpr char kDetachLuns[] = "DetachLuns";
inline constexpr char kCreateVolumes[] = "CreateVolumes";
inline constexpr char kWaitForBinding[] = "WaitForBinding";
inline constexpr char kCopyDisks[] = "CopyDisks";
inline constexpr char kCreateVm[] = "CreateVm";
// VM phases besides the step names.
inline constexpr char kRollingBack[] = "RollingBack";
inline constexpr char kCompleted[] = "Completed";
inline constexpr char kFailed[] = "Failed";
inline constexpr char kCanceled[] = "Canceled";

struct LunPlanOptions {
  int max_call_failures = 3;                          // per step: stop, detach
  absl::Duration power_off_timeout = absl::Minutes(10);
  absl::Duration bind_timeout = absl::Minutes(5);
  absl::Duration copy_timeout = absl::Hours(2);
  // Where the locks live: a Lease per source VM and per LUN disk a run has
  // started on (locks.h). One namespace for all plans, the
  // controller's own, so a lock is one object whatever plan takes it.
  std::string lock_namespace = "ferry-system";
  // The Provider (namespace/name) whose engine this controller drives:
  // plans with another source provider are left alone (another controller
  // drives their engine; acting on them here would detach LUNs from the
  // wrong engine's VMs). "": every plan (one engine, as in the simulator).
  // A plan's source without a namespace is in the plan's.
  std::string source_provider = "";
  // Testing: every wait the reconciler remembers (WaitMemo) is decided
  // afresh as well, and one decided otherwise is reported
  // (LunPlanReconciler::stale_waits) and the fresh decision taken. The
  // simulator's runs set it; a benchmark that measures the memo does not.
  bool verify_waits = false;
};

struct VmObservation {
  LunPlanContext plan;
  bool warm = false;
  absl::Time now;
  absl::Time cutover = absl::InfiniteFuture();  // warm: from the Migration
  bool cancel_requested = false;
  std::string cancel_by = "";                   // the Migration asking
  // Findings of the plan's validation for this VM (Initialize only), or
  // why validation could not run this pass (Initialize then waits).
  std::vector<Finding> findings;
  std::string validation_error = "";
  forklift::VMStatus status;                    // id() empty: not started
  // The source VM now, with its attachments; engine_error when unreadable.
  ovirt::Vm source;
  std::string engine_error = "";
  // Single-disk reads of the VM's disks, recorded LUNs included.
  std::map<std::string, ovirt::Disk> disks;
  // Cluster objects in the target namespace (PVs: cluster-wide) by name.
  std::map<std::string, k8s::PersistentVolume> pvs;
  std::map<std::string, k8s::PersistentVolumeClaim> pvcs;
  std::map<std::string, cdi::DataVolume> data_volumes;
  std::optional<kubevirt::VirtualMachine> target_vm;
  bool target_vmi_exists = false;
  // Live pods of the target namespace: name -> claims they mount.
  std::map<std::string, std::vector<std::string>> pods;
  // VirtualMachines and VirtualMachineInstances of the target namespace
  // (other than the target VM's) whose volumes name one of the VM's LUN
  // claims, as "<kind> <name>" -> those claims: each may start a
  // pod on the claim at any time, so the target VM waits for them to go.
  std::map<std::string, std::vector<std::string>> claim_vms;
  // False when the pods (or VMs, or VMIs) read are older than the VM's LUN
  // claims or than the run's own last write (their resourceVersion below
  // theirs): one that took a claim since may be missing from them, so the
  // target VM waits for a newer read. (VMs too: a user's VM made on a claim
  // while the plan waited for the binding has no pod yet when the target VM
  // is decided, and both pods start together: lun seed 9635.) (The run's write too: a user's VM started on a
  // claim after it was made, while the plan waited for the binding, was
  // missed by a pod watch 2 s behind; scenarios/lun/
  // cluster-reads-lag-behind-progress on the runtime.)
  bool pods_read_after_claims = true;
  // False when the pods (or VMs, or VMIs) read are older than what the
  // claims' own informer has seen: a claim deleted since may have been
  // mounted by a pod they do not show yet. A rollback gives the LUNs back
  // to the source only from a read this new (mixed seed 9279: a pod list
  // lagging 7.2 s hid a user's pod on a LUN claim the rollback had just
  // deleted, and the LUN went back to the source while the pod held it).
  bool users_read_after_claims_gone = true;
};

struct LunStep {
  enum class Kind {
    kWait,     // nothing to do now (what says why)
    kRecord,   // write `status` as the VM's status in the Plan
    kStop,     // power off the source VM (vm_id)
    kStart,    // start the source VM (vm_id)
    kDetach,   // detach attachment.id() from vm_id
    kAttach,   // attach `attachment` to vm_id
    kCreate,   // create `object`
    kDelete,   // delete `key`
  };
  Kind kind = Kind::kWait;
  std::string what = "";
  forklift::VMStatus status;  // kRecord
  std::string vm_id = "";
  ovirt::DiskAttachment attachment;
  std::shared_ptr<google::protobuf::Message> object;
  ports::ObjectKey key;
  // When an engine call fails, the caller records the failure in this step
  // (RecordFailure) so that the count survives a restart.
  std::string failure_step = "";
};

LunStep PlanLunVm(const VmObservation& observed, const LunPlanOptions& options = {});

// How long a wait decided from `o` holds if nothing observed changes:
// PlanLunVm decides the same from `o` at any time before this (a warm
// cutover, the current step's timeout); InfiniteFuture when no deadline
// is ahead. A caller that remembers a wait decides again from then on.
absl::Time WaitHoldsUntil(const VmObservation& o, const LunPlanOptions& options = {});

// `status` with `message` added to the errors of pipeline step `step`.
forklift::VMStatus RecordFailure(const forklift::VMStatus& status, const std::string& step,
                                 const std::string& message);

// A Warning finding as a condition (Forklift's shape: category Warn), on a
// VM's status and on the Plan, kept for the plan's whole life.
k8s::Condition WarningCondition(const Finding& finding);

// The target VM's name: the source VM's name made a DNS-1123 label.
std::string TargetVmName(const std::string& source_name);

// True when the VM's part of the plan has ended (Completed, Failed, Canceled).
bool VmEnded(const forklift::VMStatus& status);

// The plan a Migration runs (spec.plan; its namespace, when it names none,
// the Migration's, or "default").
runtime::Key PlanOf(const forklift::Migration& m);

// Whether `plan`'s source provider is `source_provider` ("namespace/name",
// a source without a namespace in the plan's); "" matches every plan
// (LunPlanOptions::source_provider).
bool FromSourceProvider(const forklift::Plan& plan, const std::string& source_provider);

}  // namespace ferry::lun_migration

#endif  // FERRY_CORE_LUN_MIGRATION_PLAN_STEP_H_
