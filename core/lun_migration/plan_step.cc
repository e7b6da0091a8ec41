#include "core/lun_migration/plan_step.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/bugs/bugs.h"
#include "core/lun_migration/lun.h"
#include "core/lun_migration/lun_objects.h"
#include "core/lun_migration/target_objects.h"
#include "api/names.h"
#include "api/timestamp.h"

namespace ferry::lun_migration {
namespace {

using api::ParseTimestamp;
using api::Timestamp;

constexpr char kWaitingCondition[] = "Waiting";
constexpr char kCanceledCondition[] = "Canceled";

std::vector<std::string> Pipeline(bool warm) {
  if (warm) {
    return {kInitialize, kPreCopy,       kWaitForCutover, kPowerOff, kDetachLuns,
            kCreateVolumes, kWaitForBinding, kCopyDisks, kCreateVm};
  }
  return {kInitialize,    kPowerOff,  kDetachLuns, kCreateVolumes,
          kWaitForBinding, kCopyDisks, kCreateVm};
}

forklift::Step* FindStep(forklift::VMStatus& status, const std::string& name) {
  for (forklift::Step& s : *status.mutable_pipeline()) {
    if (s.name() == name) return &s;
  }
  return nullptr;
}

const forklift::Step* FindStep(const forklift::VMStatus& status, const std::string& name) {
  for (const forklift::Step& s : status.pipeline()) {
    if (s.name() == name) return &s;
  }
  return nullptr;
}


bool Attached(const ovirt::Vm& vm, const std::string& disk_id) {
  for (const ovirt::DiskAttachment& a : vm.disk_attachments().disk_attachment()) {
    if (a.id() == disk_id) return true;
  }
  return false;
}

const k8s::Condition* FindCondition(const forklift::VMStatus& status, const std::string& type) {
  for (const k8s::Condition& c : status.conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

void ClearWaiting(forklift::VMStatus& status) {
  for (int i = status.conditions_size() - 1; i >= 0; --i) {
    if (status.conditions(i).type() == kWaitingCondition) {
      status.mutable_conditions()->DeleteSubrange(i, 1);
    }
  }
}

LunStep Wait(std::string why) {
  LunStep step;
  step.what = std::move(why);
  return step;
}

LunStep Record(forklift::VMStatus status, std::string what) {
  LunStep step;
  step.kind = LunStep::Kind::kRecord;
  step.status = std::move(status);
  step.what = std::move(what);
  return step;
}

class VmPlanner {
 public:
  VmPlanner(const VmObservation& o, const LunPlanOptions& options) : o_(o), options_(options) {
    ovirt::Vm recorded = o.source;
    recorded.mutable_disk_attachments()->clear_disk_attachment();
    for (const ovirt::DiskAttachment& a : o.status.lun_attachments()) {
      *recorded.mutable_disk_attachments()->add_disk_attachment() = a;
    }
    luns_ = DescribeLuns(recorded, o.disks);
    images_ = ImageDisks(o.source, o.disks);
  }

  LunStep Next() {
    if (o_.status.id().empty()) return Initialize();
    if (VmEnded(o_.status)) return Wait("ended");
    if (o_.status.phase() == kRollingBack) return RollBack();
    if (o_.cancel_requested) {
      return StartRollback(absl::StrCat("Canceled by Migration ", o_.cancel_by), true);
    }
    if (!o_.engine_error.empty()) return Wait(absl::StrCat("engine: ", o_.engine_error));
    return Forward();
  }

 private:
  // ------------------------------------------------------------ Initialize

  LunStep Initialize() {
    if (!o_.validation_error.empty()) {
      return Wait(absl::StrCat("validation: ", o_.validation_error));
    }
    forklift::VMStatus status;
    status.set_id(o_.source.id());
    status.set_name(o_.source.name());
    status.set_started(Timestamp(o_.now));
    std::vector<std::string> critical;
    if (o_.target_vm.has_value() && !Ours(o_.target_vm->metadata())) {
      critical.push_back(FormatFinding(Finding{
          "vm.target_exists", Category::kCritical, o_.source.name(), "",
          absl::StrCat("VirtualMachine ", o_.plan.target_namespace, "/",
                       o_.target_vm->metadata().name(),
                       " already exists and was not made by this plan; rename or delete it")}));
    }
    for (const Finding& f : o_.findings) {
      if (f.category == Category::kCritical) {
        critical.push_back(FormatFinding(f));
        continue;
      }
      *status.add_conditions() = WarningCondition(f);
    }
    if (!critical.empty()) {  // nothing was touched
      status.set_phase(kFailed);
      status.set_completed(Timestamp(o_.now));
      status.mutable_error()->set_phase(kInitialize);
      for (std::string& r : critical) status.mutable_error()->add_reasons(std::move(r));
      return Record(std::move(status), "validation failed: nothing touched");
    }
    if (!o_.engine_error.empty()) return Wait(absl::StrCat("engine: ", o_.engine_error));
    status.set_restore_power_state(o_.source.status() == "down" ? "down" : "up");
    for (const ovirt::DiskAttachment& a : o_.source.disk_attachments().disk_attachment()) {
      status.add_disk_order(a.id());
      auto disk = o_.disks.find(a.id());
      if (disk != o_.disks.end() && disk->second.storage_type() == "lun") {
        *status.add_lun_attachments() = a;
      }
    }
    for (const std::string& name : Pipeline(o_.warm)) {
      forklift::Step* s = status.add_pipeline();
      s->set_name(name);
      s->set_phase("Pending");
    }
    Enter(status, o_.warm ? kPreCopy : kPowerOff);
    return Record(std::move(status), "record power state and LUN attachments");
  }

  // --------------------------------------------------------------- forward

  LunStep Forward() {
    if (o_.warm) {
      if (std::optional<LunStep> s = CopyImages(kPreCopy)) return *s;
      if (o_.now < o_.cutover) return At(kWaitForCutover, Wait("waiting for the cutover time"));
    }
    if (std::optional<LunStep> s = PowerOff()) return *s;
    if (!bugs::Enabled(bugs::Bug::kDetachAfterTargetStarts)) {
      if (std::optional<LunStep> s = Detach()) return *s;
    }
    if (std::optional<LunStep> s = CreateVolumes()) return *s;
    if (std::optional<LunStep> s = WaitBound()) return *s;
    if (std::optional<LunStep> s = CopyImages(kCopyDisks)) return *s;
    return CreateVm();
  }

  // Runs `step` of pipeline step `name`: first records entering it.
  LunStep At(const std::string& name, LunStep step) {
    if (o_.status.phase() != name && Behind(name)) {
      // A step of the cluster side the run is already past: the reads of
      // the cluster (informer caches, each lagging on its own) show less
      // than was made. The recorded progress is the truth: wait for them
      // rather than step back (found by the sweep: lun seed 6578).
      return Waiting(Wait(absl::StrCat("the cluster reads lag behind the recorded progress (",
                                       o_.status.phase(), "): waiting for them")));
    }
    if (o_.status.phase() != name) {
      forklift::VMStatus status = o_.status;
      Enter(status, name);
      return Record(std::move(status), absl::StrCat("enter ", name));
    }
    if (step.kind == LunStep::Kind::kWait) return Waiting(std::move(step));
    step.failure_step = name;
    return step;
  }

  // True when `name` is a step driven by cluster objects (volumes, claims,
  // copies) that comes before the recorded phase. The engine-driven steps
  // (PowerOff, DetachLuns) may be entered again: the engine's reads are
  // current, and a user may start the source again.
  bool Behind(const std::string& name) const {
    if (name != kPreCopy && name != kCreateVolumes && name != kWaitForBinding &&
        name != kCopyDisks) {
      return false;
    }
    const std::vector<std::string> pipeline = Pipeline(o_.warm);
    auto at = [&](const std::string& step) {
      return std::find(pipeline.begin(), pipeline.end(), step) - pipeline.begin();
    };
    const auto current = at(o_.status.phase());
    return current < static_cast<long>(pipeline.size()) && at(name) < current;
  }

  // A wait the user should see: recorded once as the Waiting condition.
  LunStep Waiting(LunStep wait) {
    const k8s::Condition* c = FindCondition(o_.status, kWaitingCondition);
    if (c != nullptr && c->message() == wait.what) return wait;
    forklift::VMStatus status = o_.status;
    SetWaiting(status, wait.what);
    return Record(std::move(status), absl::StrCat("waiting: ", wait.what));
  }

  absl::Duration InStep(const std::string& name) const {
    const forklift::Step* s = FindStep(o_.status, name);
    if (s == nullptr) return absl::ZeroDuration();
    const absl::Time started = ParseTimestamp(s->started());
    return started == absl::InfinitePast() ? absl::ZeroDuration() : o_.now - started;
  }

  int Failures(const std::string& name) const {
    const forklift::Step* s = FindStep(o_.status, name);
    return s == nullptr ? 0 : s->error().reasons_size();
  }

  std::optional<LunStep> PowerOff() {
    const std::string& state = o_.source.status();
    if (state == "down") return std::nullopt;
    if (Failures(kPowerOff) >= options_.max_call_failures) {
      return StartRollback(absl::StrCat("the engine refused to power off VM ", o_.source.name(),
                                        " ", Failures(kPowerOff), " times"));
    }
    if (o_.status.phase() == kPowerOff && InStep(kPowerOff) > options_.power_off_timeout) {
      return StartRollback(absl::StrCat("VM ", o_.source.name(), " did not power off within ",
                                        absl::FormatDuration(options_.power_off_timeout),
                                        " (still ", state, ")"));
    }
    if (state == "up") {
      LunStep stop;
      stop.kind = LunStep::Kind::kStop;
      stop.vm_id = o_.source.id();
      stop.what = absl::StrCat("power off VM ", o_.source.name());
      return At(kPowerOff, std::move(stop));
    }
    return At(kPowerOff, Wait(absl::StrCat("waiting for VM ", o_.source.name(), " to be down (",
                                           state, ")")));
  }

  std::optional<LunStep> Detach() {
    for (const Lun& lun : luns_) {
      if (!Attached(o_.source, lun.disk_id)) continue;
      if (Failures(kDetachLuns) >= options_.max_call_failures) {
        return StartRollback(absl::StrCat("detaching LUN disk ", lun.disk_id, " from VM ",
                                          o_.source.name(), " failed ", Failures(kDetachLuns),
                                          " times"));
      }
      LunStep detach;
      detach.kind = LunStep::Kind::kDetach;
      detach.vm_id = o_.source.id();
      detach.attachment = lun.attachment;
      detach.what = absl::StrCat("detach LUN disk ", lun.disk_id, " from VM ", o_.source.name());
      return At(kDetachLuns, std::move(detach));
    }
    return std::nullopt;
  }

  std::optional<LunStep> CreateVolumes() {
    for (int pass = 0; pass < 2; ++pass) {
      for (const Lun& lun : luns_) {
        const std::string name = ObjectName(lun);
        const k8s::ObjectMeta* meta = nullptr;
        const bool blind = pass == 0 && bugs::Enabled(bugs::Bug::kCreateWithoutCheck);
        if (pass == 0 && !blind) {
          auto it = o_.pvs.find(name);
          if (it != o_.pvs.end()) meta = &it->second.metadata();
        } else {
          auto it = o_.pvcs.find(name);
          if (it != o_.pvcs.end()) meta = &it->second.metadata();
        }
        const char* kind = pass == 0 ? "PersistentVolume" : "PersistentVolumeClaim";
        if (meta != nullptr) {
          if (Ours(*meta)) continue;
          return StartRollback(absl::StrCat(kind, " ", name,
                                            " exists and was not created by this plan"));
        }
        LunStep create;
        create.kind = LunStep::Kind::kCreate;
        if (pass == 0) {
          // Validation refused a LUN without a number; one whose lun_mapping
          // went bad since is not guessed either.
          absl::StatusOr<k8s::PersistentVolume> built = BuildPv(lun, o_.plan);
          if (!built.ok()) return StartRollback(std::string(built.status().message()));
          auto pv = std::make_shared<k8s::PersistentVolume>(*std::move(built));
          if (blind) {  // broken variant
            pv->mutable_metadata()->set_generate_name(absl::StrCat(name, "-"));
            pv->mutable_metadata()->clear_name();
          }
          create.object = std::move(pv);
        } else {
          create.object = std::make_shared<k8s::PersistentVolumeClaim>(BuildPvc(lun, o_.plan));
        }
        create.what = absl::StrCat("create ", kind, " ", name);
        return At(kCreateVolumes, std::move(create));
      }
    }
    return std::nullopt;
  }

  std::optional<LunStep> WaitBound() {
    std::vector<std::string> unbound;
    for (const Lun& lun : luns_) {
      const std::string name = ObjectName(lun);
      const k8s::PersistentVolumeClaim& pvc = o_.pvcs.at(name);
      const k8s::PersistentVolume& pv = o_.pvs.at(name);
      const bool bound = pvc.status().phase() == "Bound" && pvc.spec().volume_name() == name &&
                         pv.spec().claim_ref().name() == name &&
                         pv.spec().claim_ref().namespace_() == o_.plan.target_namespace &&
                         pv.spec().claim_ref().uid() == pvc.metadata().uid();
      if (!bound) unbound.push_back(name);
    }
    if (unbound.empty()) return std::nullopt;
    if (o_.status.phase() == kWaitForBinding && InStep(kWaitForBinding) > options_.bind_timeout) {
      return StartRollback(absl::StrCat("claim(s) ", absl::StrJoin(unbound, ", "),
                                        " did not bind within ",
                                        absl::FormatDuration(options_.bind_timeout)));
    }
    return At(kWaitForBinding,
              Wait(absl::StrCat("waiting for claim(s) ", absl::StrJoin(unbound, ", "),
                                " to bind to their LUN volumes")));
  }

  std::optional<LunStep> CopyImages(const std::string& step_name) {
    for (const ImageDisk& image : images_) {
      const std::string name = DataVolumeName(image.disk_id);
      auto it = o_.data_volumes.find(name);
      if (it == o_.data_volumes.end()) {
        LunStep create;
        create.kind = LunStep::Kind::kCreate;
        create.object = std::make_shared<cdi::DataVolume>(BuildImageDataVolume(image, o_.plan));
        create.what = absl::StrCat("create DataVolume ", name, " (copy of image disk ",
                                   image.disk_id, ")");
        return At(step_name, std::move(create));
      }
      if (!Ours(it->second.metadata())) {
        return StartRollback(absl::StrCat("DataVolume ", name,
                                          " exists and was not created by this plan"));
      }
    }
    std::vector<std::string> copying;
    for (const ImageDisk& image : images_) {
      const std::string name = DataVolumeName(image.disk_id);
      const cdi::DataVolume& dv = o_.data_volumes.at(name);
      if (dv.status().phase() == "Failed") {
        return StartRollback(absl::StrCat("copy of image disk ", image.disk_id, " failed"));
      }
      if (dv.status().phase() != "Succeeded") copying.push_back(name);
    }
    if (copying.empty()) return std::nullopt;
    if (o_.status.phase() == step_name && InStep(step_name) > options_.copy_timeout) {
      return StartRollback(absl::StrCat("image copies ", absl::StrJoin(copying, ", "),
                                        " did not finish within ",
                                        absl::FormatDuration(options_.copy_timeout)));
    }
    return At(step_name,
              Wait(absl::StrCat("waiting for image copies ", absl::StrJoin(copying, ", "))));
  }

  LunStep CreateVm() {
    const std::string name = TargetVmName(o_.source.name());
    if (o_.target_vm.has_value()) {
      if (!Ours(o_.target_vm->metadata())) {
        return StartRollback(absl::StrCat("VirtualMachine ", o_.plan.target_namespace, "/", name,
                                          " exists and was not created by this plan"));
      }
      if (bugs::Enabled(bugs::Bug::kDetachAfterTargetStarts)) {  // broken variant
        if (std::optional<LunStep> s = Detach()) return *s;
      }
      forklift::VMStatus status = o_.status;
      Enter(status, kCompleted);
      status.set_phase(kCompleted);
      status.set_completed(Timestamp(o_.now));
      ClearWaiting(status);  // the warnings stay for the plan's whole life
      return Record(std::move(status), "VM migrated");
    }
    // Single writer on the target side: nothing else may hold a LUN's claim,
    // judged from a pod list no older than the claims (found by the sweep:
    // mixed seed 5253, a Pod list lagging 14 s hid a user's pod).
    if (!o_.pods_read_after_claims) {
      return At(kCreateVm, Wait("the pod and VM lists read predate the LUN claims: waiting for "
                                "current ones before the VM is created"));
    }
    for (const std::string& user : ClaimUsers(/*with_vms=*/true)) {
      return At(kCreateVm, Wait(absl::StrCat(user,
                                             " uses a LUN claim of this VM; a LUN must have a "
                                             "single writer: the VM is created when it is gone")));
    }
    LunStep create;
    create.kind = LunStep::Kind::kCreate;
    create.object = std::make_shared<kubevirt::VirtualMachine>(BuildTargetVm(
        o_.source, luns_, images_, o_.plan, o_.status.restore_power_state() == "up",
        {o_.status.disk_order().begin(), o_.status.disk_order().end()}));
    create.what = absl::StrCat("create VirtualMachine ", o_.plan.target_namespace, "/", name);
    return At(kCreateVm, std::move(create));
  }

  // Pods mounting a LUN claim of this VM, then (`with_vms`) VMs and VMIs
  // (other than the target VM's own) naming one.
  std::vector<std::string> ClaimUsers(bool with_vms) const {
    std::set<std::string> claims;
    for (const Lun& lun : luns_) claims.insert(ObjectName(lun));
    std::vector<std::string> users;
    // `holders` by "<kind> <name>".
    auto add = [&](const std::map<std::string, std::vector<std::string>>& holders) {
      for (const auto& [holder, named] : holders) {
        for (const std::string& c : named) {
          if (claims.count(c) == 0) continue;
          const size_t space = holder.find(' ');
          users.push_back(absl::StrCat(holder.substr(0, space + 1), o_.plan.target_namespace, "/",
                                       holder.substr(space + 1), " (claim ", c, ")"));
          break;
        }
      }
    };
    std::map<std::string, std::vector<std::string>> pods;
    for (const auto& [pod, mounted] : o_.pods) pods[absl::StrCat("pod ", pod)] = mounted;
    add(pods);
    if (with_vms) add(o_.claim_vms);
    return users;
  }

  // -------------------------------------------------------------- rollback

  LunStep StartRollback(const std::string& reason, bool canceled = false) {
    forklift::VMStatus status = o_.status;
    status.mutable_error()->set_phase(status.phase());
    status.mutable_error()->add_reasons(reason);
    status.set_phase(kRollingBack);
    if (canceled) {
      k8s::Condition* c = status.add_conditions();
      c->set_type(kCanceledCondition);
      c->set_status("True");
      c->set_reason("UserRequested");
      c->set_message(reason);
    }
    return Record(std::move(status), absl::StrCat("roll back: ", reason));
  }

  LunStep RollBack() {
    const std::string vm_name = TargetVmName(o_.source.name());
    const std::string& ns = o_.plan.target_namespace;
    // 1. The target VM this plan made goes first, and with it every user of
    //    the LUNs on the cluster side.
    if (o_.target_vm.has_value() && Ours(o_.target_vm->metadata())) {
      return Delete({"VirtualMachine", ns, vm_name}, "delete the target VirtualMachine");
    }
    const bool foreign_vm = o_.target_vm.has_value() && !Ours(o_.target_vm->metadata());
    if (o_.target_vmi_exists && !foreign_vm) {
      return Wait("waiting for the target VM instance to stop");
    }
    // 2. Its image copies, claims and volumes (only those carrying its uid).
    for (const auto& [name, dv] : o_.data_volumes) {
      if (Ours(dv.metadata())) {
        return Delete({"DataVolume", ns, name}, "delete the image copy");
      }
    }
    for (const Lun& lun : luns_) {
      const std::string name = ObjectName(lun);
      auto it = o_.pvcs.find(name);
      if (it != o_.pvcs.end() && Ours(it->second.metadata())) {
        return Delete({"PersistentVolumeClaim", ns, name}, "delete the LUN claim");
      }
    }
    // (Pods only: the claims are gone, so no VM can mount them any more;
    // but a pod may have mounted one before it went, so only a pod list as
    // new as the claims' deletion says none did.)
    if (!luns_.empty() && !o_.users_read_after_claims_gone) {
      return Waiting(Wait("the pod lists read predate the LUN claims' deletion: waiting for "
                          "current ones before the LUNs go back to the source VM"));
    }
    std::vector<std::string> users = ClaimUsers(/*with_vms=*/false);
    if (!users.empty()) {
      return Waiting(Wait(absl::StrCat(users.front(),
                                       " still uses a LUN; the LUN goes back to the source VM "
                                       "when it is gone")));
    }
    for (const Lun& lun : luns_) {
      const std::string name = ObjectName(lun);
      auto it = o_.pvs.find(name);
      if (it != o_.pvs.end() && Ours(it->second.metadata())) {
        return Delete({"PersistentVolume", "", name}, "delete the LUN volume");
      }
    }
    // 3. Every recorded LUN back on the source, as it was.
    if (!o_.engine_error.empty()) return Wait(absl::StrCat("engine: ", o_.engine_error));
    for (const Lun& lun : luns_) {
      if (Attached(o_.source, lun.disk_id)) continue;
      if (bugs::Enabled(bugs::Bug::kRollbackForgetsReattach)) continue;  // broken variant
      LunStep attach;
      attach.kind = LunStep::Kind::kAttach;
      attach.vm_id = o_.source.id();
      attach.attachment = lun.attachment;
      attach.what = absl::StrCat("re-attach LUN disk ", lun.disk_id, " to VM ", o_.source.name());
      return attach;
    }
    // 4. The power state it had.
    const std::string& state = o_.source.status();
    if (o_.status.restore_power_state() == "up" && state != "up") {
      if (state == "down") {
        LunStep start;
        start.kind = LunStep::Kind::kStart;
        start.vm_id = o_.source.id();
        start.what = absl::StrCat("start VM ", o_.source.name(), " again");
        return start;
      }
      return Wait(absl::StrCat("waiting for VM ", o_.source.name(), " to be up (", state, ")"));
    }
    if (o_.status.restore_power_state() == "down" && state != "down") {
      return Wait(absl::StrCat("waiting for VM ", o_.source.name(), " to be down (", state, ")"));
    }
    forklift::VMStatus status = o_.status;
    const bool canceled = FindCondition(status, kCanceledCondition) != nullptr;
    status.set_phase(canceled ? kCanceled : kFailed);
    status.set_completed(Timestamp(o_.now));
    ClearWaiting(status);
    return Record(std::move(status), "rolled back: source VM restored");
  }

  LunStep Delete(ports::ObjectKey key, const std::string& what) {
    LunStep step;
    step.kind = LunStep::Kind::kDelete;
    step.what = absl::StrCat(what, " ", key.kind, " ", key.name);
    step.key = std::move(key);
    return step;
  }

  // ------------------------------------------------------------- helpers

  bool Ours(const k8s::ObjectMeta& meta) const {
    return MadeByPlan(meta, o_.plan.plan_uid, o_.source.id());
  }

  void Enter(forklift::VMStatus& status, const std::string& name) const {
    const std::string stamp = Timestamp(o_.now);
    bool before = true;
    for (forklift::Step& s : *status.mutable_pipeline()) {
      if (s.name() == name) before = false;
      if (before || name == kCompleted) {
        s.set_phase("Completed");
        if (s.started().empty()) s.set_started(stamp);
        if (s.completed().empty()) s.set_completed(stamp);
      } else if (s.name() == name) {
        s.set_phase("Running");
        s.set_started(stamp);
      }
    }
    if (name != kCompleted) status.set_phase(name);
    ClearWaiting(status);
  }

  void SetWaiting(forklift::VMStatus& status, const std::string& message) const {
    k8s::Condition* c = nullptr;
    for (k8s::Condition& existing : *status.mutable_conditions()) {
      if (existing.type() == kWaitingCondition) c = &existing;
    }
    if (c == nullptr) c = status.add_conditions();
    c->set_type(kWaitingCondition);
    c->set_status("True");
    c->set_reason(status.phase());
    c->set_message(message);
  }

  const VmObservation& o_;
  const LunPlanOptions& options_;
  std::vector<Lun> luns_;
  std::vector<ImageDisk> images_;
};

}  // namespace

k8s::Condition WarningCondition(const Finding& finding) {
  k8s::Condition c;
  c.set_type(finding.id);
  c.set_status("True");
  c.set_category("Warn");
  c.set_reason("Warning");
  c.set_message(finding.message);
  return c;
}

LunStep PlanLunVm(const VmObservation& observed, const LunPlanOptions& options) {
  return VmPlanner(observed, options).Next();
}

absl::Time WaitHoldsUntil(const VmObservation& o, const LunPlanOptions& options) {
  absl::Time until = absl::InfiniteFuture();
  if (o.warm && o.now < o.cutover) until = o.cutover;
  const std::string& phase = o.status.phase();
  std::optional<absl::Duration> timeout;
  if (phase == kPowerOff) timeout = options.power_off_timeout;
  if (phase == kWaitForBinding) timeout = options.bind_timeout;
  if (phase == kCopyDisks || phase == kPreCopy) timeout = options.copy_timeout;
  const forklift::Step* step = FindStep(o.status, phase);
  if (timeout.has_value() && step != nullptr) {
    const absl::Time started = ParseTimestamp(step->started());
    if (started != absl::InfinitePast()) until = std::min(until, started + *timeout);
  }
  return until;
}

forklift::VMStatus RecordFailure(const forklift::VMStatus& status, const std::string& step,
                                 const std::string& message) {
  forklift::VMStatus next = status;
  forklift::Step* s = FindStep(next, step);
  if (s == nullptr) return next;
  s->mutable_error()->set_phase(step);
  s->mutable_error()->add_reasons(message);
  return next;
}

std::string TargetVmName(const std::string& source_name) { return ToDnsLabel(source_name); }

bool VmEnded(const forklift::VMStatus& status) {
  return status.phase() == kCompleted || status.phase() == kFailed ||
         status.phase() == kCanceled;
}

runtime::Key PlanOf(const forklift::Migration& m) {
  const std::string& ns = m.spec().plan().namespace_().empty() ? m.metadata().namespace_()
                                                               : m.spec().plan().namespace_();
  return {std::string(api::NamespaceOrDefault(ns)), m.spec().plan().name()};
}

bool FromSourceProvider(const forklift::Plan& plan, const std::string& source_provider) {
  if (source_provider.empty()) return true;
  const k8s::ObjectReference& source = plan.spec().provider().source();
  const std::string& ns =
      source.namespace_().empty() ? plan.metadata().namespace_() : source.namespace_();
  return absl::StrCat(api::NamespaceOrDefault(ns), "/", source.name()) == source_provider;
}

}  // namespace ferry::lun_migration
