#include "core/storage_migration/controller.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "api/conditions.h"
#include "api/names.h"
#include "api/quantity.h"
#include "api/volumes.h"
#include "core/bugs/bugs.h"
#include "core/storage_migration/admission.h"
#include "core/storage_migration/switchover.h"
#include "core/storage_migration/volume_switch.h"

namespace ferry::storage_migration {
namespace {

using VMIM = kubevirt::VirtualMachineInstanceMigration;
using Status = kubevirt::VirtualMachineInstanceMigrationStatus;

constexpr char kAwaitingReport[] = "AwaitingReport";

absl::string_view Ns(absl::string_view ns) { return api::NamespaceOrDefault(ns); }

bool Terminal(absl::string_view phase) { return phase == "Succeeded" || phase == "Failed"; }

void SetPhase(Status* status, const std::string& phase, absl::Time now) {
  if (status->phase() == phase) return;
  status->set_phase(phase);
  auto* t = status->add_phase_transition_timestamps();
  t->set_phase(phase);
  t->set_phase_transition_timestamp(Timestamp(now));
}

absl::Time PhaseTime(const Status& status, absl::string_view phase) {
  for (const auto& t : status.phase_transition_timestamps()) {
    if (t.phase() == phase) return ParseTimestamp(t.phase_transition_timestamp());
  }
  return absl::InfinitePast();
}

// Sets condition `type`; returns whether anything changed.
bool SetCondition(Status* status, const std::string& type, const std::string& value,
                  const std::string& reason, const std::string& message, absl::Time now) {
  return api::SetCondition(status->mutable_conditions(), type, value, reason, message, now);
}

bool HasFinalizer(const k8s::ObjectMeta& meta) {
  return std::find(meta.finalizers().begin(), meta.finalizers().end(), kFinalizer) !=
         meta.finalizers().end();
}

// The claims the migration copies from (a container disk source has none).
std::set<std::string> SourceClaims(const VMIM& m) {
  std::set<std::string> out;
  for (const auto& p : m.spec().local_storage_migration().migrate_non_shared_disks()) {
    if (!p.source_pvc().empty()) out.insert(p.source_pvc());
  }
  return out;
}

// Whether any of `volumes` still stands on a source of the migration.
bool NamesAnySource(const google::protobuf::RepeatedPtrField<kubevirt::Volume>& volumes,
                    const VMIM& m) {
  for (const auto& v : volumes) {
    for (const auto& p : m.spec().local_storage_migration().migrate_non_shared_disks()) {
      if (api::PairMoves(p, v)) return true;
    }
  }
  return false;
}

// The failure (as the Failed condition's reason and message) that ends a
// migration whose copy has not started, or "" when none.
std::pair<std::string, std::string> EarlyFailure(const VMIM& m, const ClusterView& view,
                                                 const k8s::Pod* pod, absl::Time now,
                                                 const ControllerOptions& options) {
  const Status& st = m.status();
  const std::string& source_node = st.migration_state().source_node();
  if (!m.metadata().deletion_timestamp().empty()) {
    return {"Cancelled", "the migration was deleted before the copy started"};
  }
  if (!source_node.empty() && !NodeReady(view, source_node)) {
    return {"SourceNodeLost", absl::StrCat("source node ", source_node, " is not ready")};
  }
  const std::string& target_node = st.migration_state().target_node();
  if (!target_node.empty() && !NodeReady(view, target_node)) {
    return {"TargetNodeLost", absl::StrCat("target node ", target_node, " is not ready")};
  }
  if (st.phase() != "Scheduling" && pod == nullptr) {
    return {"TargetPodDeleted", absl::StrCat("target pod ", TargetPodName(m), " is gone")};
  }
  if (pod != nullptr && pod->status().phase() == "Failed") {
    return {"TargetPodFailed", absl::StrCat("target pod ", pod->metadata().name(), " failed: ",
                                            pod->status().reason(), " ",
                                            pod->status().message())};
  }
  const absl::Time scheduling = PhaseTime(st, "Scheduling");
  if (now - scheduling > options.target_start_timeout) {
    return {"TargetNotReady",
            absl::StrCat("the target launcher was not ready within ",
                         absl::FormatDuration(options.target_start_timeout), " (phase ",
                         st.phase(), ")")};
  }
  return {"", ""};
}

k8s::Pod BuildTargetPod(const VMIM& m, const kubevirt::VirtualMachineInstance& vmi) {
  std::map<std::string, std::string> destination;
  for (const auto& p : m.spec().local_storage_migration().migrate_non_shared_disks()) {
    if (!p.source_pvc().empty()) destination[p.source_pvc()] = p.destination_pvc();
  }
  k8s::Pod pod;
  pod.set_api_version("v1");
  pod.set_kind("Pod");
  pod.mutable_metadata()->set_name(TargetPodName(m));
  pod.mutable_metadata()->set_namespace_(std::string(Ns(m.metadata().namespace_())));
  auto& labels = *pod.mutable_metadata()->mutable_labels();
  labels["kubevirt.io"] = "virt-launcher";
  labels["kubevirt.io/migrationJobUID"] = m.metadata().uid();
  labels[kMigrationLabel] = m.metadata().name();
  labels[kRoleLabel] = "target";
  ports::AddOwnerReference(m, pod.mutable_metadata());
  auto* term = pod.mutable_spec()
                   ->mutable_affinity()
                   ->mutable_node_affinity()
                   ->mutable_required_during_scheduling_ignored_during_execution()
                   ->add_node_selector_terms();
  auto* expr = term->add_match_fields();
  expr->set_key("metadata.name");
  expr->set_operator_("NotIn");
  expr->add_values(m.status().migration_state().source_node());
  auto* container = pod.mutable_spec()->add_containers();
  container->set_name("compute");
  container->set_image("quay.io/kubevirt/virt-launcher");
  for (const auto& v : vmi.spec().volumes()) {
    std::optional<std::string> claim = api::ClaimOf(v);
    if (!claim) {
      // A container disk the migration copies: the target mounts its claim.
      for (const auto& p : m.spec().local_storage_migration().migrate_non_shared_disks()) {
        if (!api::PairMoves(p, v) || p.source_volume().empty()) continue;
        auto* pv = pod.mutable_spec()->add_volumes();
        pv->set_name(v.name());
        pv->mutable_persistent_volume_claim()->set_claim_name(p.destination_pvc());
      }
      continue;
    }
    auto it = destination.find(*claim);
    auto* pv = pod.mutable_spec()->add_volumes();
    pv->set_name(v.name());
    pv->mutable_persistent_volume_claim()->set_claim_name(it == destination.end() ? *claim
                                                                                 : it->second);
  }
  pod.mutable_spec()->set_restart_policy("Never");
  return pod;
}

// The size the completion timeout scales with: migrated disks plus memory.
double SizeGiB(const VMIM& m, const ClusterView& view,
               const kubevirt::VirtualMachineInstance& vmi) {
  double bytes = 0;
  const std::string ns(Ns(m.metadata().namespace_()));
  for (const auto& p : m.spec().local_storage_migration().migrate_non_shared_disks()) {
    for (const auto& st : vmi.status().volume_status()) {  // a container disk's image
      if (!p.source_volume().empty() && st.name() == p.source_volume()) {
        bytes += static_cast<double>(st.size());
      }
    }
    const k8s::PersistentVolumeClaim* pvc = view.FindPvc(ns, p.source_pvc());
    if (pvc == nullptr) continue;
    std::optional<api::Quantity> q = api::StorageSize(pvc->status().capacity());
    if (!q) q = api::StorageSize(pvc->spec().resources().requests());
    if (q) bytes += q->Value();
  }
  std::string memory = vmi.spec().domain().memory().guest();
  if (memory.empty()) {
    auto it = vmi.spec().domain().resources().requests().find("memory");
    if (it != vmi.spec().domain().resources().requests().end()) memory = it->second;
  }
  if (!memory.empty()) {
    if (auto q = api::Quantity::Parse(memory); q.ok()) bytes += q->Value();
  }
  return std::max(1.0, std::ceil(bytes / static_cast<double>(int64_t{1} << 30)));
}

DomainObservation ParseObservation(absl::string_view s) {
  if (s == "Running") return DomainObservation::kRunning;
  if (s == "PausedInHandover") return DomainObservation::kPausedInHandover;
  if (s == "PausedAwaitingCopy") return DomainObservation::kPausedAwaitingCopy;
  if (s == "PausedCopyComplete") return DomainObservation::kPausedCopyComplete;
  return DomainObservation::kAbsent;
}

class Reconciler {
 public:
  Reconciler(const VMIM& m, const ClusterView& view, absl::Time now,
             const ControllerOptions& options)
      : m_(m), view_(view), now_(now), options_(options), ns_(Ns(m.metadata().namespace_())) {
    next_ = m;
  }

  std::vector<KubeAction> Run() {
    const std::string phase = m_.status().phase();
    const bool deleting = !m_.metadata().deletion_timestamp().empty();
    if (deleting && !HasFinalizer(m_.metadata())) return {};
    if (Terminal(phase)) {
      Cleanup();
      return std::move(actions_);
    }
    if (phase.empty() || phase == "Pending") {
      Admitting(deleting);
      return std::move(actions_);
    }
    const kubevirt::VirtualMachineInstance* vmi = view_.FindVmi(ns_, m_.spec().vmi_name());
    if (vmi == nullptr) {
      Fail("VirtualMachineInstanceGone",
           absl::StrCat("VirtualMachineInstance ", ns_, "/", m_.spec().vmi_name(),
                        " was deleted during the migration"));
      return std::move(actions_);
    }
    const kubevirt::DomainReport* source = FindReport(m_.status(), "Source");
    const bool started = source != nullptr && !source->job().empty() && source->job() != "None";
    if (!started && !m_.status().has_switchover()) {
      Preparing(*vmi);
    } else {
      Copying(*vmi, source);
    }
    return std::move(actions_);
  }

 private:
  Status* status() { return next_.mutable_status(); }

  void WriteStatus(const std::string& what) {
    actions_.push_back(UpdateStatus(next_, what));
  }

  void Fail(const std::string& reason, const std::string& message) {
    // Recording Source keeps every agent away from the target for good.
    if (!m_.status().has_switchover()) {
      auto* d = status()->mutable_switchover();
      d->set_side("Source");
      d->set_decided_timestamp(Timestamp(now_));
      d->set_target_node(m_.status().migration_state().target_node());
      d->set_reason(message);
    }
    MarkFailed(reason, message);
    status()->mutable_migration_state()->set_end_timestamp(Timestamp(now_));
    WriteStatus(absl::StrCat("fail: ", reason, ": ", message));
  }

  // Phase Failed, its condition and migrationState's failure, in `next_`.
  void MarkFailed(const std::string& reason, const std::string& message) {
    SetPhase(status(), "Failed", now_);
    SetCondition(status(), "Failed", "True", reason, message, now_);
    status()->mutable_migration_state()->set_failed(true);
    status()->mutable_migration_state()->set_failure_reason(message);
  }

  void Admitting(bool deleting) {
    if (deleting) {
      RemoveFinalizer("cancelled before admission");
      return;
    }
    const Admission admission = Admit(m_, view_);
    const std::string why = absl::StrJoin(admission.reasons, "; ");
    if (admission.verdict == Verdict::kReject) {
      SetCondition(status(), "Admitted", "False", "Rejected", why, now_);
      MarkFailed("Rejected", why);
      WriteStatus(absl::StrCat("reject: ", why));
      return;
    }
    if (admission.verdict == Verdict::kWait) {
      const absl::Time created = ParseTimestamp(m_.metadata().creation_timestamp());
      if (now_ - created >= options_.destination_wait_timeout) {
        const bool destination = admission.wait_reason == "WaitingForDestination";
        const bool vmi = admission.wait_reason == kWaitingForVmi;
        const bool source = admission.wait_reason == kWaitingForSource;
        const std::string message = absl::StrCat(
            destination ? "destination not ready"
            : vmi       ? "VMI not running"
            : source    ? "source claim not found"
                        : "still waiting",
            " after ", absl::FormatDuration(options_.destination_wait_timeout), ": ", why);
        MarkFailed(destination ? "DestinationNotReady"
                   : vmi       ? "VMINotRunning"
                   : source    ? "SourceNotFound"
                               : "PreviousMigrationNotFinished",
                   message);
        WriteStatus("fail: waited too long");
        return;
      }
      const bool changed = status()->phase() != "Pending";
      SetPhase(status(), "Pending", now_);
      if (SetCondition(status(), "Admitted", "False", admission.wait_reason, why, now_) ||
          changed) {
        WriteStatus(absl::StrCat("wait: ", why));
      }
      return;
    }
    const kubevirt::VirtualMachineInstance* vmi = view_.FindVmi(ns_, m_.spec().vmi_name());
    if (!HasFinalizer(m_.metadata())) {
      next_.mutable_metadata()->add_finalizers(kFinalizer);
      actions_.push_back(Update(next_, "add finalizer"));
    }
    SetPhase(status(), "Scheduling", now_);
    SetCondition(status(), "Admitted", "True", "Admitted", "every admission rule holds", now_);
    auto* ms = status()->mutable_migration_state();
    ms->set_source_node(vmi->status().node_name());
    ms->set_migration_uid(m_.metadata().uid());
    ms->set_start_timestamp(Timestamp(now_));
    ms->set_mode("PreCopy");
    WriteStatus("admit: phase Scheduling");
  }

  void Preparing(const kubevirt::VirtualMachineInstance& vmi) {
    const k8s::Pod* pod = view_.FindPod(ns_, TargetPodName(m_));
    auto [reason, message] = EarlyFailure(m_, view_, pod, now_, options_);
    if (!reason.empty()) {
      Fail(reason, message);
      return;
    }
    const std::string phase = m_.status().phase();
    if (phase == "Scheduling") {
      if (pod == nullptr) {
        actions_.push_back(Create(BuildTargetPod(m_, vmi), "create the target launcher pod"));
        return;
      }
      if (!pod->spec().node_name().empty()) {
        SetPhase(status(), "Scheduled", now_);
        status()->mutable_migration_state()->set_target_node(pod->spec().node_name());
        status()->mutable_migration_state()->set_target_pod(pod->metadata().name());
        WriteStatus(absl::StrCat("target pod scheduled on ", pod->spec().node_name()));
      }
      return;
    }
    if (phase == "Scheduled" && pod->status().phase() == "Running") {
      SetPhase(status(), "PreparingTarget", now_);
      WriteStatus("target pod running: phase PreparingTarget");
      return;
    }
    const kubevirt::DomainReport* target = FindReport(m_.status(), "Target");
    if (phase == "PreparingTarget" && target != nullptr && target->ready()) {
      // Where each destination's data lives on the target, from its bound PV:
      // the source copies onto exactly what is recorded here.
      google::protobuf::RepeatedPtrField<kubevirt::DestinationVolume> volumes;
      for (const auto& p : m_.spec().local_storage_migration().migrate_non_shared_disks()) {
        std::optional<ports::VolumeSource> v = VolumeSourceOf(view_, ns_, p.destination_pvc());
        if (!v) return;  // not bound yet: the target waits
        kubevirt::DestinationVolume* d = volumes.Add();
        d->set_claim(p.destination_pvc());
        d->set_volume(v->volume);
        d->set_volume_mode(v->block ? "Block" : "Filesystem");
        d->set_capacity_bytes(v->capacity_bytes);
        d->set_path(v->path);
      }
      *status()->mutable_destination_volumes() = std::move(volumes);
      SetPhase(status(), "TargetReady", now_);
      WriteStatus("target agent ready: phase TargetReady");
    }
  }

  void Copying(const kubevirt::VirtualMachineInstance& vmi,
               const kubevirt::DomainReport* source) {
    const Status& st = m_.status();
    const kubevirt::DomainReport* target = FindReport(st, "Target");
    const std::string& source_node = st.migration_state().source_node();
    const std::string& target_node = st.migration_state().target_node();
    bool write = false;
    if (st.phase() == "TargetReady" && source != nullptr && source->job() == "Active") {
      SetPhase(status(), "Running", now_);
      write = true;
    }

    SwitchoverObservation o;
    const std::string side = st.switchover().side();
    o.recorded = side == "Destination" ? Side::kDestination
                 : side == "Source"    ? Side::kSource
                                       : Side::kUndecided;
    o.source = NodeReady(view_, source_node) && source != nullptr
                   ? ParseObservation(source->domain())
                   : DomainObservation::kAbsent;
    o.target = NodeReady(view_, target_node) && target != nullptr
                   ? ParseObservation(target->domain())
                   : DomainObservation::kAbsent;
    std::string job = source == nullptr ? "" : source->job();
    // The end of a copy started in the copy mode before this one: the agent
    // starts the next, as after a start it has recorded but not yet made.
    if ((job == "Cancelled" || job == "Failed") && source->copy_mode() != st.copy_mode()) {
      job = "Starting";
    }
    // The target agent may not have reported the incoming domain yet.
    if ((job == "Starting" || job == "Active") && o.target == DomainObservation::kAbsent &&
        NodeReady(view_, target_node)) {
      o.target = DomainObservation::kPausedAwaitingCopy;
    }
    o.cancel_requested = !m_.metadata().deletion_timestamp().empty();
    // A copy started again with synchronous writes gets the whole budget.
    const absl::Time ready = std::max(PhaseTime(st, "TargetReady"),
                                      st.copy_mode_timestamp().empty()
                                          ? absl::InfinitePast()
                                          : ParseTimestamp(st.copy_mode_timestamp()));
    const absl::Duration limit = options_.completion_timeout_per_gib * SizeGiB(m_, view_, vmi);
    o.timed_out = now_ - ready > limit;
    o.specs_switched = st.switchover().specs_switched();
    if (source != nullptr && target != nullptr && NodeReady(view_, source_node) &&
        NodeReady(view_, target_node)) {
      o.source_report_older = source->sequence() < target->sequence();
      o.target_report_older = target->sequence() < source->sequence();
    }
    const k8s::Pod* pod = view_.FindPod(ns_, TargetPodName(m_));
    const bool launcher_dead = pod == nullptr || pod->status().phase() == "Failed";
    if (o.recorded == Side::kUndecided && launcher_dead) {
      o.target = DomainObservation::kAbsent;  // the launcher died: so did its QEMU
    }

    if (bugs::Enabled(bugs::Bug::kSwitchBeforeCopyDone) && o.recorded == Side::kUndecided &&
        o.target == DomainObservation::kPausedAwaitingCopy && job == "Active") {
      o.source = DomainObservation::kPausedInHandover;  // broken variant: neither is so
      o.target = DomainObservation::kPausedCopyComplete;
    }
    if (o.recorded == Side::kUndecided && !o.cancel_requested && !o.timed_out &&
        o.source == DomainObservation::kRunning &&
        o.target == DomainObservation::kPausedAwaitingCopy && job == "Active" &&
        st.copy_mode().empty() && NotConverging(st.progress())) {
      RestartWithSynchronousWrites();
      return;
    }
    SwitchoverPlan plan = PlanSwitchover(o);
    // A failed or cancelled job says why better than the table.
    if (o.recorded == Side::kUndecided && plan.side != Side::kDestination &&
        (job == "Failed" || job == "Cancelled")) {
      plan = PlanSwitchover(SwitchoverObservation{
          .recorded = Side::kUndecided, .source = o.source,
          .target = DomainObservation::kAbsent, .cancel_requested = o.cancel_requested,
          .timed_out = o.timed_out, .specs_switched = o.specs_switched});
      plan.reason = absl::StrCat("the copy job ended: ", job,
                                 source->error().empty() ? "" : ": ", source->error());
    }
    if (o.timed_out && o.recorded == Side::kUndecided && plan.side == Side::kSource) {
      plan.reason = absl::StrCat("the copy did not complete within ",
                                 absl::FormatDuration(limit), " (",
                                 absl::FormatDuration(options_.completion_timeout_per_gib),
                                 " per GiB)");
    }
    if (std::find(plan.steps.begin(), plan.steps.end(), Step::kRequestReports) ==
        plan.steps.end()) {
      for (const k8s::Condition& c : st.conditions()) {
        if (c.type() == kAwaitingReport && c.status() == "True") {
          SetCondition(status(), kAwaitingReport, "False", "Reported",
                       "the fresh report arrived; the reports are from one side of the handover",
                       now_);
        }
      }
    }
    for (Step step : plan.steps) {
      switch (step) {
        case Step::kRecordSource:
          Fail(o.cancel_requested ? "Cancelled" : "CopyFailed", plan.reason);
          return;
        case Step::kRecordDestination: {
          auto* d = status()->mutable_switchover();
          d->set_side("Destination");
          d->set_decided_timestamp(Timestamp(now_));
          d->set_target_node(target_node);
          d->set_reason(plan.reason);
          WriteStatus("record switchover Destination");
          if (bugs::Enabled(bugs::Bug::kReclaimBeforeRepoint) &&
              m_.spec().local_storage_migration().reclaim_policy_source_pvc() == "Delete") {
            for (const std::string& s : SourceClaims(m_)) {  // broken variant: too early
              actions_.push_back(Delete({"PersistentVolumeClaim", ns_, s}, "reclaim (early)"));
            }
          }
          write = false;
          break;
        }
        case Step::kSwitchSpecs:
          SwitchSpecs(vmi);
          return;  // resume and completion follow the agents' next reports
        case Step::kMarkSucceeded:
          if (target != nullptr && target->domain() == "Running" &&
              st.switchover().specs_switched()) {
            Succeed(vmi);
            return;
          }
          // The target died after the switchover (its launcher pod failed
          // or its node was lost) and the source is gone: the storage has
          // moved and the specs name it, so the migration is done; KubeVirt
          // restarts the VM from the destination claims. Waiting for a
          // domain that will never run would hold the finalizer forever.
          if (st.switchover().specs_switched() && o.source == DomainObservation::kAbsent &&
              (target == nullptr || target->domain() == "Absent" || !NodeReady(view_, target_node)) &&
              (launcher_dead || !NodeReady(view_, target_node))) {
            Succeed(vmi, "the VM's domain on the target stopped after the switchover (its "
                         "launcher pod failed or its node was lost); the VMI and VM name the "
                         "destination claims, from which the VM restarts");
            return;
          }
          break;
        case Step::kMarkFailed:
          if (st.phase() != "Failed") Fail("CopyFailed", plan.reason);
          return;
        case Step::kRequestReports: {
          // Only the older side is asked: its fresh report is then the newer
          // one. Asking both would reorder them the same way again, forever,
          // when the agents always report in the same order.
          const int64_t older = std::min(source->sequence(), target->sequence());
          const kubevirt::DomainReport& asked =
              source->sequence() <= target->sequence() ? *source : *target;
          if (st.reports_requested() < older) {
            status()->set_reports_requested(older);
            AwaitReport(asked, plan.reason, o.cancel_requested, /*asking=*/true);
            WriteStatus(absl::StrCat("ask for fresh reports (", plan.reason, ")"));
          } else if (AwaitReport(asked, plan.reason, o.cancel_requested, /*asking=*/false) ||
                     write) {
            WriteStatus(write ? "copy started: phase Running"
                              : absl::StrCat("still awaiting a fresh report (", plan.reason, ")"));
          }
          return;
        }
        default:
          break;  // the agents' steps
      }
    }
    if (write) WriteStatus("copy started: phase Running");
  }

  // The disks are still being copied (no memory pass yet: libvirt starts
  // those once every mirror is in sync) and have not come closer to in sync
  // for the progress timeout, by the source agent's clock (a silent agent is
  // not a stalled copy). A real mirror the guest keeps busy may show nothing
  // left at the moments it is sampled and still never get in sync: a lowest
  // of 0 long ago in the disk phase is no progress either (KubeVirt's
  // watermark works the same way).
  bool NotConverging(const kubevirt::MigrationProgress& p) const {
    if (p.iteration() != 0 || p.lowest_disk_remaining_timestamp().empty() ||
        p.updated_timestamp().empty()) {
      return false;
    }
    return ParseTimestamp(p.updated_timestamp()) -
               ParseTimestamp(p.lowest_disk_remaining_timestamp()) >=
           options_.progress_timeout;
  }

  void RestartWithSynchronousWrites() {
    const kubevirt::MigrationProgress& p = m_.status().progress();
    status()->set_copy_mode(kWriteBlocking);
    status()->set_copy_mode_timestamp(Timestamp(now_));
    SetCondition(
        status(), kSynchronousWrites, "True", "CopyNotConverging",
        absl::StrCat("the copy came no closer to in sync for ",
                     absl::FormatDuration(options_.progress_timeout), ": ", p.disk_remaining(),
                     " of ", p.disk_total(), " disk bytes left at the last sample, at best ",
                     p.lowest_disk_remaining(), " (", p.lowest_disk_remaining_timestamp(),
                     "), and no memory pass yet: the guest writes faster than the link. The "
                     "copy starts again with synchronous writes: each guest write completes "
                     "once both sides hold it, so the copy converges, and the guest writes at "
                     "the link's pace until the switchover"),
        now_);
    WriteStatus("the copy is not converging: start it again with synchronous writes");
  }

  // Rule 4's wait, surfaced as condition AwaitingReport (True while a fresh
  // report is asked for). The wait itself has no way out but the report:
  // deciding either side on reports that straddle the handover can lose the
  // VM (Source after a handover) or acknowledged writes (Destination after
  // libvirt resumed the source), whatever the silent agent saw. So past
  // `report_wait_timeout` the condition says AgentNotReporting, and a cancel
  // is recorded (the deletion) and carried out once the agent reports.
  // Returns whether the condition changed.
  bool AwaitReport(const kubevirt::DomainReport& asked, const std::string& why, bool cancel,
                   bool asking) {
    const std::string agent = absl::StrCat("the ", asked.role(), " agent on ", asked.node());
    const std::string cancel_note =
        cancel ? "; the cancel is recorded and carried out once the report arrives (on the "
                 "source if the VM was not handed over, else the migration completes)"
               : "";
    const k8s::Condition* c = nullptr;
    for (const k8s::Condition& each : m_.status().conditions()) {
      if (each.type() == kAwaitingReport) c = &each;
    }
    const bool waiting = !asking && c != nullptr && c->status() == "True";
    const absl::Time since = waiting ? ParseTimestamp(c->last_transition_time()) : now_;
    if (now_ - since >= options_.report_wait_timeout) {
      return SetCondition(
          status(), kAwaitingReport, "True", "AgentNotReporting",
          absl::StrCat(agent, " has not reported within ",
                       absl::FormatDuration(options_.report_wait_timeout),
                       " of being asked (report sequence ", asked.sequence(),
                       " or older): the switchover stays undecided, as deciding either side "
                       "on reports from both sides of the handover could lose the VM or its "
                       "writes (", why, ")", cancel_note),
          now_);
    }
    const bool changed = SetCondition(
        status(), kAwaitingReport, "True", "FreshReportRequested",
        absl::StrCat("asked ", agent, " for a report newer than sequence ", asked.sequence(),
                     " (", why, ")", cancel_note),
        now_);
    if (asking) {  // a new wait starts now, whatever an earlier one left
      for (auto& each : *status()->mutable_conditions()) {
        if (each.type() == kAwaitingReport) each.set_last_transition_time(Timestamp(now_));
      }
    }
    return changed;
  }

  void SwitchSpecs(const kubevirt::VirtualMachineInstance& vmi) {
    const auto& pairs = m_.spec().local_storage_migration().migrate_non_shared_disks();
    std::string problem;
    if (NamesAnySource(vmi.spec().volumes(), m_)) {
      absl::StatusOr<kubevirt::VirtualMachineInstanceSpec> spec = SwitchVolumes(vmi.spec(), pairs);
      if (spec.ok()) {
        kubevirt::VirtualMachineInstance next = vmi;
        *next.mutable_spec() = *spec;
        actions_.push_back(Update(next, "switch the VMI's volumes to the destinations"));
      } else {
        problem = absl::StrCat("VMI: ", spec.status().message());
      }
    }
    const kubevirt::VirtualMachine* vm = FindOwningVm(vmi);
    if (vm != nullptr && NamesAnySource(vm->spec().template_().spec().volumes(), m_)) {
      absl::StatusOr<kubevirt::VirtualMachine> next = SwitchVolumes(*vm, pairs);
      if (next.ok()) {
        actions_.push_back(Update(*next, "switch the VM's volumes to the destinations"));
      } else {
        problem = absl::StrCat("VM: ", next.status().message());
      }
    }
    if (!problem.empty()) {
      // Never record what is not so (rule 3): the target stays paused, and
      // the condition says why, until the specs can be switched.
      if (SetCondition(status(), "SpecsSwitched", "False", "SwitchFailed", problem, now_)) {
        WriteStatus(absl::StrCat("cannot switch the specs: ", problem));
      }
      return;
    }
    status()->mutable_switchover()->set_specs_switched(true);
    WriteStatus("record: VMI and VM name the destinations");
  }

  const kubevirt::VirtualMachine* FindOwningVm(const kubevirt::VirtualMachineInstance& vmi) const {
    for (const auto& ref : vmi.metadata().owner_references()) {
      if (ref.kind() == "VirtualMachine") return view_.FindVm(ns_, ref.name());
    }
    return view_.FindVm(ns_, vmi.metadata().name());
  }

  void Succeed(const kubevirt::VirtualMachineInstance& vmi, const std::string& stopped = "") {
    const Status& st = m_.status();
    kubevirt::VirtualMachineInstance next = vmi;
    auto* ms = next.mutable_status()->mutable_migration_state();
    *ms = st.migration_state();
    ms->set_completed(true);
    ms->set_failed(false);
    ms->set_end_timestamp(Timestamp(now_));
    ms->clear_migration_local_disks();
    for (const auto& p : m_.spec().local_storage_migration().migrate_non_shared_disks()) {
      *ms->add_migration_local_disks() = p;
    }
    next.mutable_status()->set_node_name(st.migration_state().target_node());
    actions_.push_back(UpdateStatus(next, "VMI status: migration completed"));
    *status()->mutable_migration_state() = *ms;
    SetPhase(status(), "Succeeded", now_);
    SetCondition(status(), "Succeeded", "True", stopped.empty() ? "Completed" : "CompletedTargetStopped",
                 stopped.empty() ? absl::StrCat("the VM runs on ", st.migration_state().target_node(),
                                                " from the destination claims")
                                 : stopped,
                 now_);
    WriteStatus("phase Succeeded");
  }

  // Terminal: remove what is left, then the finalizer.
  void Cleanup() {
    const Status& st = m_.status();
    const bool has_fin = HasFinalizer(m_.metadata());
    if (!has_fin) return;
    bool done = true;
    if (st.phase() == "Failed") {
      const k8s::Pod* pod = view_.FindPod(ns_, TargetPodName(m_));
      if (pod != nullptr) {
        actions_.push_back(Delete({"Pod", ns_, pod->metadata().name()}, "delete the target pod"));
        done = false;
      }
      const kubevirt::DomainReport* source = FindReport(st, "Source");
      const kubevirt::DomainReport* target = FindReport(st, "Target");
      if (source != nullptr && (source->job() == "Active" || source->job() == "Starting") &&
          source->domain() != "Absent" && NodeReady(view_, st.migration_state().source_node())) {
        done = false;  // the source agent has not aborted yet
      }
      if (target != nullptr && target->domain() != "Absent" &&
          NodeReady(view_, st.migration_state().target_node())) {
        done = false;  // the target agent has not destroyed its domain yet
      }
    } else {
      done = Reclaim();
    }
    if (done) RemoveFinalizer("effects complete");
  }

  // Deletes the sources when asked to, only once VMI and VM name the
  // destinations. True when nothing is left to do.
  bool Reclaim() {
    if (m_.spec().local_storage_migration().reclaim_policy_source_pvc() != "Delete") return true;
    const kubevirt::VirtualMachineInstance* vmi = view_.FindVmi(ns_, m_.spec().vmi_name());
    const std::set<std::string> sources = SourceClaims(m_);
    if (vmi != nullptr && NamesAnySource(vmi->spec().volumes(), m_)) return false;
    // A stopped VM has no VMI; its VM has the VMI's name.
    const kubevirt::VirtualMachine* vm =
        vmi != nullptr ? FindOwningVm(*vmi) : view_.FindVm(ns_, m_.spec().vmi_name());
    if (vm != nullptr && NamesAnySource(vm->spec().template_().spec().volumes(), m_)) {
      return false;
    }
    bool done = true;
    for (const std::string& source : sources) {
      if (view_.FindDataVolume(ns_, source) != nullptr) {
        actions_.push_back(Delete({"DataVolume", ns_, source},
                                  absl::StrCat("reclaim: delete DataVolume ", source)));
        done = false;
      }
      if (view_.FindPvc(ns_, source) != nullptr) {
        actions_.push_back(Delete({"PersistentVolumeClaim", ns_, source},
                                  absl::StrCat("reclaim: delete PersistentVolumeClaim ", source)));
        done = false;
      }
    }
    return done;
  }

  void RemoveFinalizer(const std::string& why) {
    auto* finalizers = next_.mutable_metadata()->mutable_finalizers();
    auto it = std::find(finalizers->begin(), finalizers->end(), kFinalizer);
    if (it == finalizers->end()) return;
    finalizers->erase(it);
    actions_.push_back(Update(next_, absl::StrCat("remove finalizer: ", why)));
  }

  const VMIM& m_;
  const ClusterView& view_;
  absl::Time now_;
  const ControllerOptions& options_;
  std::string ns_;
  VMIM next_;
  std::vector<KubeAction> actions_;
};

}  // namespace

std::string TargetPodName(const VMIM& migration) {
  return absl::StrCat("virt-launcher-", migration.spec().vmi_name(), "-",
                      migration.metadata().name(), "-target");
}

std::string DomainName(absl::string_view ns, absl::string_view vmi) {
  return absl::StrCat(Ns(ns), "_", vmi);
}

const kubevirt::DomainReport* FindReport(const Status& status, absl::string_view role) {
  for (const auto& r : status.domain_reports()) {
    if (r.role() == role) return &r;
  }
  return nullptr;
}

std::optional<ports::VolumeSource> VolumeSourceOf(const ClusterView& view, absl::string_view ns,
                                                  absl::string_view claim) {
  const k8s::PersistentVolumeClaim* pvc = view.FindPvc(ns, claim);
  if (pvc == nullptr || pvc->status().phase() != "Bound" || pvc->spec().volume_name().empty()) {
    return std::nullopt;
  }
  ports::VolumeSource out;
  out.claim = absl::StrCat(ns, "/", claim);
  out.volume = pvc->spec().volume_name();
  const k8s::PersistentVolume* pv = view.FindPv(out.volume);
  if (pv == nullptr) return std::nullopt;
  out.block = pv->spec().volume_mode() == "Block";
  if (std::optional<api::Quantity> size = api::StorageSize(pv->spec().capacity())) {
    out.capacity_bytes = size->Value();
  }
  const std::string& dir = pv->spec().has_local()       ? pv->spec().local().path()
                           : pv->spec().has_host_path() ? pv->spec().host_path().path()
                                                        : std::string();
  if (!dir.empty()) out.path = out.block ? dir : absl::StrCat(absl::StripSuffix(dir, "/"), "/disk.img");
  return out;
}

bool NodeReady(const ClusterView& view, absl::string_view node) {
  if (node.empty()) return true;
  const k8s::Node* n = view.FindNode(node);
  if (n == nullptr) return false;
  for (const auto& c : n->status().conditions()) {
    if (c.type() == "Ready") return c.status() == "True";
  }
  return false;
}

std::vector<KubeAction> ReconcileMigration(const VMIM& migration, const ClusterView& view,
                                           absl::Time now, const ControllerOptions& options) {
  return Reconciler(migration, view, now, options).Run();
}

}  // namespace ferry::storage_migration
