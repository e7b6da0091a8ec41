#include "core/lun_migration/plan_process.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/names.h"
#include "base/status_macros.h"
#include "core/lun_migration/locks.h"
#include "core/lun_migration/lun.h"
#include "api/timestamp.h"

namespace ferry::lun_migration {
namespace {

using api::ParseTimestamp;
using runtime::PlannedStep;
using api::Timestamp;

std::string NsOf(const k8s::ObjectMeta& meta) {
  return std::string(api::NamespaceOrDefault(meta.namespace_()));
}

std::string KeyOf(const k8s::ObjectMeta& meta) {
  return absl::StrCat(NsOf(meta), "/", meta.name());
}

// What the engine says of one VM: the VM and the single-disk reads of its
// disks (attached now, or recorded as attached before the plan).
struct EngineView {
  ovirt::Vm vm;
  std::map<std::string, ovirt::Disk> disks;
  std::string error;
};

struct ActiveRun {
  std::shared_ptr<const forklift::Migration> migration;
  std::shared_ptr<const forklift::Plan> plan;
  LunPlanContext context;
};

// A run's VM statuses by VM id, for one MigrationRunStatus and its copies
// (the same positions): looked up, never iterated. A scan per VM made every
// pass quadratic in the plan's size. The first of an id wins, as in a scan.
class VmStatusIndex {
 public:
  explicit VmStatusIndex(const forklift::MigrationRunStatus& status) {
    for (int i = 0; i < status.vms_size(); ++i) at_.emplace(status.vms(i).id(), i);
  }

  const forklift::VMStatus* Find(const forklift::MigrationRunStatus& status,
                                 const std::string& id) const {
    auto it = at_.find(id);
    // Past the end: added to a copy since, so not in this status.
    if (it == at_.end() || it->second >= status.vms_size()) return nullptr;
    return &status.vms(it->second);
  }

  void Put(forklift::MigrationRunStatus* status, const forklift::VMStatus& vm) {
    auto [it, added] = at_.emplace(vm.id(), status->vms_size());
    if (added) {
      *status->add_vms() = vm;
    } else {
      *status->mutable_vms(it->second) = vm;
    }
  }

 private:
  absl::flat_hash_map<std::string, int> at_;
};

// The fence (see PlanPass::Act): each Migration written back exactly as it
// was read, a no-op that fails with Conflict unless that read is current.
absl::Status WriteBackAsRead(ports::KubeApi& api,
                             const std::vector<std::shared_ptr<const forklift::Migration>>& read) {
  for (const auto& m : read) RETURN_IF_ERROR(api.UpdateStatus(*m).status());
  return absl::OkStatus();
}

LunPlanContext ContextOf(const forklift::Plan& plan) {
  LunPlanContext context;
  context.plan_uid = plan.metadata().uid();
  context.target_namespace = plan.spec().target_namespace().empty()
                                 ? NsOf(plan.metadata())
                                 : plan.spec().target_namespace();
  auto chap = plan.metadata().annotations().find(kChapSecretAnnotation);
  if (chap != plan.metadata().annotations().end()) context.chap_secret = chap->second;
  return context;
}

// Validation findings as a Plan's conditions, Forklift-style: one per
// finding id, category Warn or Critical, an item per VM and disk.
bool IsValidationCondition(const k8s::Condition& c) {
  return c.category() == "Warn" || c.category() == "Critical";
}

void MergeFinding(std::map<std::string, k8s::Condition>& by_type, const std::string& type,
                  const std::string& category, const std::string& item) {
  k8s::Condition& c = by_type[type];
  if (c.type().empty()) {
    c.set_type(type);
    c.set_status("True");
    c.set_category(category);
    c.set_reason(category == "Warn" ? "Warning" : "Critical");
  }
  if (std::find(c.items().begin(), c.items().end(), item) != c.items().end()) return;
  c.add_items(item);
  c.set_message(absl::StrJoin(c.items(), "; "));
}

class PlanPass {
 public:
  PlanPass(ports::KubeApi& api, ports::Ovirt& engine, absl::Time now, const LunPlanOptions& options)
      : api_(api), engine_(engine), now_(now), options_(options) {}

  absl::StatusOr<std::vector<PlannedStep>> Plan() {
    ASSIGN_OR_RETURN(auto migrations, ports::ListAll<forklift::Migration>(api_, "Migration"));
    for (const auto& m : migrations) migration_by_uid_[m->metadata().uid()] = m.get();
    std::vector<ActiveRun> runs;
    std::vector<std::shared_ptr<const forklift::Plan>> idle;  // to validate before a run
    {
      ASSIGN_OR_RETURN(auto plans, ports::ListAll<forklift::Plan>(api_, "Plan"));
      std::map<std::string, std::shared_ptr<const forklift::Plan>> by_key;
      for (const auto& p : plans) by_key[KeyOf(p->metadata())] = p;
      // Runs that already started a VM come first: their LUNs are taken
      // whatever the creation times say (which have one-second resolution,
      // so a later Migration can sort before an earlier one by name). Then
      // by creation time, then by name.
      auto order = [](const auto& m) {
        return std::make_tuple(m->status().vms().empty() ? 1 : 0,
                               ParseTimestamp(m->metadata().creation_timestamp()),
                               NsOf(m->metadata()), m->metadata().name());
      };
      std::sort(migrations.begin(), migrations.end(),
                [&](const auto& a, const auto& b) { return order(a) < order(b); });
      std::set<std::string> running_plans;
      for (const auto& m : migrations) {
        if (!m->status().completed().empty()) continue;
        const std::string plan_ns = m->spec().plan().namespace_().empty()
                                        ? NsOf(m->metadata())
                                        : m->spec().plan().namespace_();
        auto plan = by_key.find(absl::StrCat(plan_ns, "/", m->spec().plan().name()));
        if (plan == by_key.end()) continue;  // waits for its plan
        // One run of a plan at a time: a later Migration waits.
        if (!running_plans.insert(plan->first).second) continue;
        ActiveRun run;
        run.migration = m;
        run.plan = plan->second;
        run.context = ContextOf(*plan->second);
        runs.push_back(std::move(run));
      }
      // A plan with no run is validated once per change of its spec, so
      // its warnings (and what would block it) show before it runs.
      for (const auto& [key, plan] : by_key) {
        if (running_plans.count(key) == 0 &&
            plan->status().observed_generation() != plan->metadata().generation()) {
          idle.push_back(plan);
        }
      }
    }
    if (runs.empty() && idle.empty()) return std::vector<PlannedStep>{};
    RETURN_IF_ERROR(ObserveCluster());
    ObserveEngine();
    // What the runs before take, for the ones after: LUN disk id (and
    // source VM id, and target VM "namespace/name") -> the run migrating it.
    std::map<std::string, std::string> claimed_luns, claimed_vms, claimed_targets;
    for (const ActiveRun& run : runs) {
      PlanRun(run, runs, claimed_luns, claimed_vms, claimed_targets);
      const std::string by = absl::StrCat("plan ", KeyOf(run.plan->metadata()), " (Migration ",
                                          KeyOf(run.migration->metadata()), ")");
      const VmStatusIndex statuses(run.migration->status());
      for (const forklift::PlanVM& ref : run.plan->spec().vms()) {
        const EngineView* view = Find(ref);
        if (view == nullptr) continue;
        const forklift::VMStatus* status = statuses.Find(run.migration->status(), view->vm.id());
        if (status != nullptr && VmEnded(*status)) continue;
        claimed_vms.emplace(view->vm.id(), by);
        claimed_targets.emplace(
            absl::StrCat(run.context.target_namespace, "/", TargetVmName(view->vm.name())), by);
        for (const std::string& id : LunDiskIds(*view, status)) claimed_luns.emplace(id, by);
      }
    }
    for (const auto& plan : idle) {
      ValidateIdle(*plan, claimed_luns, claimed_vms, claimed_targets);
    }
    return std::move(steps_);
  }

 private:
  absl::Status ObserveCluster() {
    ASSIGN_OR_RETURN(pvs_, ports::ListAll<k8s::PersistentVolume>(api_, "PersistentVolume"));
    ASSIGN_OR_RETURN(pvcs_,
                     ports::ListAll<k8s::PersistentVolumeClaim>(api_, "PersistentVolumeClaim"));
    ASSIGN_OR_RETURN(dvs_, ports::ListAll<cdi::DataVolume>(api_, "DataVolume"));
    ASSIGN_OR_RETURN(vms_, ports::ListAll<kubevirt::VirtualMachine>(api_, "VirtualMachine"));
    ASSIGN_OR_RETURN(vmis_, ports::ListAll<kubevirt::VirtualMachineInstance>(
                                api_, "VirtualMachineInstance"));
    ASSIGN_OR_RETURN(ports::ObjectList pods, api_.List("Pod", "", k8s::LabelSelector()));
    for (const ports::ObjectPtr& item : pods.items) {
      if (auto pod = ports::As<k8s::Pod>(item)) pods_.push_back(std::move(pod));
    }
    // resourceVersions are etcd revisions: compared as numbers, a list's
    // tells how current it is (an informer's lags on its own).
    if (!absl::SimpleAtoi(pods.resource_version, &pods_rv_)) pods_rv_ = 0;
    ASSIGN_OR_RETURN(ports::ObjectList leases,
                     api_.List("Lease", options_.lock_namespace, k8s::LabelSelector()));
    for (const ports::ObjectPtr& item : leases.items) {
      if (auto lease = ports::As<k8s::Lease>(item)) leases_[lease->metadata().name()] = lease;
    }
    IndexCluster();
    return absl::OkStatus();
  }

  // The engine's version and VMs; one GetVm and the disk reads per VM.
  void ObserveEngine() {
    absl::StatusOr<ovirt::Version> version = engine_.EngineVersion();
    absl::StatusOr<std::vector<ovirt::Vm>> all = engine_.ListVms();
    if (!version.ok() || !all.ok()) {
      engine_error_ = (!version.ok() ? version.status() : all.status()).ToString();
      return;
    }
    version_ = *version;
    all_vms_ = std::move(*all);
    for (size_t i = 0; i < all_vms_.size(); ++i) {
      vm_by_id_.emplace(all_vms_[i].id(), i);
      vm_by_name_.emplace(all_vms_[i].name(), i);  // the first of a name wins, as in a scan
    }
  }

  // The engine VM a plan entry names: by id, else the first VM of that name.
  EngineView* Find(const forklift::PlanVM& ref) {
    const std::map<std::string, size_t>& index = ref.id().empty() ? vm_by_name_ : vm_by_id_;
    const std::string& wanted = ref.id().empty() ? ref.name() : ref.id();
    if (wanted.empty()) return nullptr;
    auto at = index.find(wanted);
    if (at == index.end()) return nullptr;
    const ovirt::Vm& vm = all_vms_[at->second];
    auto [it, inserted] = views_.try_emplace(vm.id());
    if (inserted) Read(vm.id(), &it->second);
    return &it->second;
  }

  void Read(const std::string& vm_id, EngineView* view) {
    absl::StatusOr<ovirt::Vm> vm = engine_.GetVm(vm_id);
    if (!vm.ok()) {
      view->error = vm.status().ToString();
      return;
    }
    view->vm = std::move(*vm);
    for (const ovirt::DiskAttachment& a : view->vm.disk_attachments().disk_attachment()) {
      ReadDisk(a.id(), view);
    }
  }

  void ReadDisk(const std::string& disk_id, EngineView* view) {
    if (view->disks.count(disk_id) > 0 || !view->error.empty()) return;
    absl::StatusOr<ovirt::Disk> disk = engine_.GetDisk(disk_id);
    if (!disk.ok()) {
      view->error = disk.status().ToString();
      return;
    }
    view->disks[disk_id] = std::move(*disk);
  }

  static std::vector<std::string> LunDiskIds(const EngineView& view,
                                             const forklift::VMStatus* status) {
    std::vector<std::string> ids;
    if (status != nullptr && !status->id().empty() && status->phase() != kFailed) {
      for (const ovirt::DiskAttachment& a : status->lun_attachments()) ids.push_back(a.id());
      return ids;
    }
    for (const auto& [id, disk] : view.disks) {
      if (disk.storage_type() == "lun") ids.push_back(id);
    }
    return ids;
  }

  // `runs` are this pass's runs, in order (`run` among them).
  void PlanRun(const ActiveRun& run, const std::vector<ActiveRun>& runs,
               const std::map<std::string, std::string>& other_luns,
               const std::map<std::string, std::string>& other_vms,
               const std::map<std::string, std::string>& other_targets) {
    const forklift::Migration& migration = *run.migration;
    const forklift::Plan& plan = *run.plan;
    const std::string& ns = run.context.target_namespace;
    std::set<std::string> cancel_ids, cancel_names;
    for (const forklift::PlanVM& c : migration.spec().cancel()) {
      if (!c.id().empty()) cancel_ids.insert(c.id());
      if (!c.name().empty()) cancel_names.insert(c.name());
    }
    const absl::Time cutover = migration.spec().cutover().empty()
                                   ? absl::InfiniteFuture()
                                   : ParseTimestamp(migration.spec().cutover());

    // Validation findings feed only the first step of a VM (Initialize: a
    // VM the engine has with no status yet, readable or not), so the plan is
    // validated only while one has not started: validating every pass
    // re-indexed every engine VM and PV each second.
    std::map<std::string, std::vector<Finding>> findings;  // by VM name
    VmStatusIndex statuses(migration.status());
    bool unstarted = false;
    for (const forklift::PlanVM& ref : plan.spec().vms()) {
      const EngineView* view = Find(ref);
      if (view != nullptr && statuses.Find(migration.status(), view->vm.id()) == nullptr) {
        unstarted = true;
      }
    }
    std::string validation_error;
    if (unstarted) {
      absl::StatusOr<std::vector<Finding>> found =
          Validate(plan, run.context, &migration, other_luns, other_vms, other_targets);
      if (found.ok()) {
        for (Finding& f : *found) findings[f.vm].push_back(std::move(f));
      } else {
        validation_error = found.status().ToString();
      }
    }

    // The run's status, copied only once a VM's record changes it.
    std::optional<forklift::MigrationRunStatus> next;
    auto edit = [&]() -> forklift::MigrationRunStatus& {
      if (!next.has_value()) next = migration.status();
      return *next;
    };
    bool record = false;
    bool starts = false;  // a VM of this run starts: the other runs were read as not having it
    std::vector<std::string> locks;  // to take before the write: the starting VMs' and LUNs'
    std::set<std::string> ended_locks;  // the locks of VMs of this run that ended
    bool all_ended = !plan.spec().vms().empty();
    for (const forklift::PlanVM& ref : plan.spec().vms()) {
      VmObservation o;
      o.plan = run.context;
      o.warm = plan.spec().warm();
      o.now = now_;
      o.cutover = cutover;
      EngineView* view = Find(ref);
      const std::string label = ref.id().empty() ? ref.name() : ref.id();
      if (view == nullptr) {
        if (!engine_error_.empty()) {
          all_ended = false;
          continue;  // the engine is down: nothing to decide
        }
        // No such VM: the plan cannot start it.
        forklift::VMStatus failed;
        failed.set_id(ref.id().empty() ? ref.name() : ref.id());
        failed.set_name(ref.name());
        if (statuses.Find(next.has_value() ? *next : migration.status(), failed.id()) ==
            nullptr) {
          failed.set_phase(kFailed);
          failed.set_started(Timestamp(now_));
          failed.set_completed(Timestamp(now_));
          failed.mutable_error()->set_phase(kInitialize);
          failed.mutable_error()->add_reasons(absl::StrCat(
              "Critical vm.not_found ", label, ": no VM with that id or name in the engine"));
          statuses.Put(&edit(), failed);
          record = true;
          Note(absl::StrCat("VM ", label, ": not found in the engine"));
        }
        continue;
      }
      if (const forklift::VMStatus* s = statuses.Find(migration.status(), view->vm.id())) {
        o.status = *s;
      }
      if (VmEnded(o.status)) {
        for (std::string& name : LocksOf(o.status)) ended_locks.insert(std::move(name));
        continue;
      }
      all_ended = false;
      // Recorded LUNs no longer attached: their single-disk reads too.
      for (const ovirt::DiskAttachment& a : o.status.lun_attachments()) ReadDisk(a.id(), view);
      o.engine_error = !engine_error_.empty() ? engine_error_ : view->error;
      o.cancel_requested = cancel_ids.count(view->vm.id()) > 0 ||
                           cancel_names.count(view->vm.name()) > 0;
      o.cancel_by = KeyOf(migration.metadata());
      if (auto f = findings.find(view->vm.name()); f != findings.end()) o.findings = f->second;
      o.validation_error = validation_error;
      FillCluster(ns, view->vm.name(), &o);

      // The engine view is lent to the planner, not copied (a VM and its
      // disks per VM and pass was a fifth of a 1,000-VM plan's time), and
      // taken back at once: another run may name the same VM.
      o.source.Swap(&view->vm);
      o.disks.swap(view->disks);
      LunStep step = PlanLunVm(o, options_);
      view->vm.Swap(&o.source);
      view->disks.swap(o.disks);
      const std::string who = absl::StrCat(KeyOf(migration.metadata()), " VM ", view->vm.name());
      if (step.kind == LunStep::Kind::kWait) continue;
      if (step.kind == LunStep::Kind::kRecord) {
        // Every VM's record goes into the one status write of this pass (a
        // write per VM and pass made a plan of n VMs take n passes a step).
        statuses.Put(&edit(), step.status);
        record = true;
        if (o.status.id().empty() && !VmEnded(step.status)) {
          starts = true;
          for (std::string& name : LocksOf(step.status)) locks.push_back(std::move(name));
        }
        Note(absl::StrCat(who, ": ", step.what));
        continue;
      }
      Act(run.migration, view->vm.id(), std::move(step), who);
    }
    if (record) {
      forklift::Migration updated = migration;
      if (updated.status().started().empty()) edit().set_started(Timestamp(now_));
      *updated.mutable_status() = std::move(edit());
      // Which run may start a VM was decided from the other runs' statuses
      // as read; a read that lags could miss that one of them started it
      // (found by the sweep: mixed seed 4798). So a start is fenced by
      // writing each other run back as read: a no-op that fails with
      // Conflict unless that read was current.
      std::vector<std::shared_ptr<const forklift::Migration>> fence;
      if (starts) {
        for (const ActiveRun& other : runs) {
          if (other.migration != run.migration) fence.push_back(other.migration);
        }
      }
      std::shared_ptr<const forklift::Migration> holder =
          locks.empty() ? nullptr : run.migration;
      AddStatusWrite(updated, "record", std::move(fence), std::move(locks), std::move(holder));
      return;
    }
    // A VM that ended gives its locks back (all of them once every VM
    // ended: the run ends only when it holds none).
    bool held = false;
    for (const auto& [name, lease] : leases_) {
      if (lease->spec().holder_identity() != migration.metadata().uid()) continue;
      held = true;
      if (all_ended || ended_locks.count(name) > 0) ReleaseLock(migration, name);
    }
    if (all_ended && !held) Finish(migration, plan);
  }

  // The plan's findings: `self` is its running Migration (null for a plan
  // validated before it runs). An error: validation could not run now.
  absl::StatusOr<std::vector<Finding>> Validate(
      const forklift::Plan& plan, const LunPlanContext& context, const forklift::Migration* self,
      const std::map<std::string, std::string>& other_luns,
      const std::map<std::string, std::string>& other_vms,
      const std::map<std::string, std::string>& other_targets) {
    PlanInventory inventory;
    inventory.plan_uid = context.plan_uid;
    inventory.target_namespace = context.target_namespace;
    inventory.engine_version = version_;
    inventory.all_vms = all_vms_;
    for (const auto& pv : pvs_) inventory.cluster_pvs.push_back(*pv);
    ASSIGN_OR_RETURN(inventory.chap_secret, ReadChapSecret(context));
    inventory.luns_in_other_plans = other_luns;
    inventory.vms_in_other_plans = other_vms;
    inventory.targets_of_other_plans = other_targets;
    const std::string self_uid = self != nullptr ? self->metadata().uid() : "";
    for (const forklift::PlanVM& ref : plan.spec().vms()) {
      const EngineView* view = Find(ref);
      if (view == nullptr || !view->error.empty()) continue;
      inventory.vms.push_back(VmInventory{view->vm, view->disks});
      // Locks another run holds: it may have started the VM or its LUNs
      // while a lagging read does not even list that run.
      const std::string& vm_id = view->vm.id();
      if (auto by = LockHolder(VmLockName(vm_id), self_uid)) {
        inventory.vms_in_other_plans.emplace(vm_id, *by);
      }
      for (const auto& [id, disk] : view->disks) {
        if (disk.storage_type() != "lun") continue;
        if (auto by = LockHolder(LunLockName(id), self_uid)) {
          inventory.luns_in_other_plans.emplace(id, *by);
        }
      }
    }
    if (self != nullptr) {
      for (const forklift::VMStatus& v : self->status().vms()) {
        if (v.phase() == kFailed || v.phase() == kCanceled) continue;
        for (const ovirt::DiskAttachment& a : v.lun_attachments()) {
          inventory.luns_started_in_this_run.emplace(a.id(), v.name());
        }
      }
    }
    inventory.find_object = [this](const std::string& kind, const std::string& ns,
                                   const std::string& name) -> const k8s::ObjectMeta* {
      const std::string key = absl::StrCat(ns, "/", name);
      if (kind == "PersistentVolume") {
        auto it = pv_by_name_.find(name);
        return it == pv_by_name_.end() ? nullptr : &it->second->metadata();
      }
      if (kind == "PersistentVolumeClaim") {
        auto it = pvc_by_key_.find(key);
        return it == pvc_by_key_.end() ? nullptr : &it->second->metadata();
      }
      if (kind == "DataVolume") {
        auto it = dv_by_key_.find(key);
        return it == dv_by_key_.end() ? nullptr : &it->second->metadata();
      }
      auto it = vm_by_key_.find(key);
      return it == vm_by_key_.end() ? nullptr : &it->second->metadata();
    };
    return ValidatePlan(inventory);
  }

  // What validation needs of the plan's CHAP Secret (never the password).
  absl::StatusOr<ChapSecret> ReadChapSecret(const LunPlanContext& context) {
    ChapSecret secret;
    secret.name = context.chap_secret;
    if (secret.name.empty()) return secret;
    absl::StatusOr<ports::ObjectPtr> got =
        api_.Get({"Secret", context.target_namespace, secret.name});
    if (got.status().code() == absl::StatusCode::kNotFound) return secret;
    if (!got.ok()) {
      return absl::Status(got.status().code(),
                          absl::StrCat("reading CHAP Secret ", context.target_namespace, "/",
                                       secret.name, ": ", got.status().message()));
    }
    const auto typed = ports::As<k8s::Secret>(*got);
    secret.found = typed != nullptr;
    if (typed == nullptr) return secret;
    auto user = typed->data().find(kChapUsernameKey);
    auto password = typed->data().find(kChapPasswordKey);
    secret.has_username = user != typed->data().end();
    if (secret.has_username) secret.username = user->second;
    secret.has_password = password != typed->data().end() && !password->second.empty();
    return secret;
  }

  // Who holds lock `name`, as read, if another run not done with it
  // (HolderDone) does; nullopt when it is free or `self_uid`'s. A holder this
  // read does not list (a lagging read, or a Migration deleted mid-run)
  // still holds it.
  std::optional<std::string> LockHolder(const std::string& name,
                                        const std::string& self_uid) const {
    auto it = leases_.find(name);
    if (it == leases_.end()) return std::nullopt;
    const std::string& holder = it->second->spec().holder_identity();
    if (holder == self_uid) return std::nullopt;
    const std::string lease = absl::StrCat("Lease ", options_.lock_namespace, "/", name);
    auto m = migration_by_uid_.find(holder);
    if (m == migration_by_uid_.end()) {
      return absl::StrCat("a run this read does not list (", lease, ", holder uid ", holder,
                          "; if that Migration was deleted mid-run, restore the VM in oVirt, "
                          "then delete the Lease)");
    }
    // The holder is done with it: the lock is taken over at the start.
    if (HolderDone(*m->second, name)) return std::nullopt;
    return absl::StrCat("Migration ", KeyOf(m->second->metadata()), " (", lease, ")");
  }

  // A plan with no run: its findings become its conditions, once per spec
  // change (observedGeneration), so warnings show before it runs.
  void ValidateIdle(const forklift::Plan& plan,
                    const std::map<std::string, std::string>& other_luns,
                    const std::map<std::string, std::string>& other_vms,
                    const std::map<std::string, std::string>& other_targets) {
    if (!engine_error_.empty()) return;  // validated once the engine answers
    absl::StatusOr<std::vector<Finding>> findings =
        Validate(plan, ContextOf(plan), nullptr, other_luns, other_vms, other_targets);
    if (!findings.ok()) return;
    std::map<std::string, k8s::Condition> by_type;
    for (const forklift::PlanVM& ref : plan.spec().vms()) {
      if (Find(ref) != nullptr) continue;
      const std::string label = ref.id().empty() ? ref.name() : ref.id();
      MergeFinding(by_type, "vm.not_found", "Critical",
                   absl::StrCat("VM ", label, ": no VM with that id or name in the engine"));
    }
    for (const Finding& f : *findings) {
      MergeFinding(by_type, f.id, f.category == Category::kCritical ? "Critical" : "Warn",
                   absl::StrCat("VM ", f.vm, f.disk.empty() ? "" : " disk ", f.disk, ": ",
                                f.message));
    }
    forklift::Plan p = plan;
    auto* conditions = p.mutable_status()->mutable_conditions();
    for (int i = conditions->size() - 1; i >= 0; --i) {
      if (IsValidationCondition(conditions->Get(i))) conditions->DeleteSubrange(i, 1);
    }
    for (auto& [type, c] : by_type) {
      c.set_last_transition_time(Timestamp(now_));
      *conditions->Add() = std::move(c);
    }
    p.mutable_status()->set_observed_generation(plan.metadata().generation());
    AddStatusWrite(p, absl::StrCat("plan ", KeyOf(plan.metadata()), " validated: ",
                                   findings->size(), " finding(s)"));
  }

  // Gives lock `name` back (the Lease as read: a precondition on its
  // resourceVersion, so a lock another run took since is never deleted).
  void ReleaseLock(const forklift::Migration& migration, const std::string& name) {
    ports::KubeApi& api = api_;
    const ports::ObjectKey key{"Lease", options_.lock_namespace, name};
    const std::string version = leases_.at(name)->metadata().resource_version();
    PlannedStep planned;
    planned.what = absl::StrCat(KeyOf(migration.metadata()), ": release lock Lease ", key.namespace_,
                                "/", name);
    planned.run = [&api, key, version]() -> absl::Status {
      absl::Status status = api.Delete(key, version);
      return status.code() == absl::StatusCode::kNotFound ? absl::OkStatus() : status;
    };
    steps_.push_back(std::move(planned));
  }

  // What the planner of one VM needs of the cluster: its own LUN objects (by
  // the names of its recorded LUN disks), the namespace's image copies, its
  // target VM, and the pods mounting one of its LUN claims. Looked up in the
  // pass's indexes: copying every PV and claim for every VM made a pass
  // quadratic in the plan's size.
  void FillCluster(const std::string& ns, const std::string& vm_name, VmObservation* o) {
    for (const ovirt::DiskAttachment& a : o->status.lun_attachments()) {
      const std::string name = LunObjectName(a.id());
      if (auto pv = pv_by_name_.find(name); pv != pv_by_name_.end()) o->pvs[name] = *pv->second;
      const std::string key = absl::StrCat(ns, "/", name);
      if (auto pvc = pvc_by_key_.find(key); pvc != pvc_by_key_.end()) {
        o->pvcs[name] = *pvc->second;
        int64_t claim_rv = 0;
        if (absl::SimpleAtoi(pvc->second->metadata().resource_version(), &claim_rv) &&
            claim_rv > pods_rv_) {
          o->pods_read_after_claims = false;
        }
      }
      if (auto users = pods_by_claim_.find(key); users != pods_by_claim_.end()) {
        for (const k8s::Pod* pod : users->second) {
          std::vector<std::string>& claims = o->pods[pod->metadata().name()];
          if (!claims.empty()) continue;  // mounts two of this VM's claims
          for (const auto& v : pod->spec().volumes()) {
            if (v.has_persistent_volume_claim()) {
              claims.push_back(v.persistent_volume_claim().claim_name());
            }
          }
        }
      }
    }
    for (const auto& dv : dvs_) {
      if (NsOf(dv->metadata()) == ns) o->data_volumes[dv->metadata().name()] = *dv;
    }
    const std::string target = absl::StrCat(ns, "/", TargetVmName(vm_name));
    if (auto vm = vm_by_key_.find(target); vm != vm_by_key_.end()) o->target_vm = *vm->second;
    o->target_vmi_exists = vmi_keys_.count(target) > 0;
  }

  void IndexCluster() {
    pv_by_name_.clear();
    pvc_by_key_.clear();
    pods_by_claim_.clear();
    vm_by_key_.clear();
    vmi_keys_.clear();
    for (const auto& pv : pvs_) pv_by_name_[pv->metadata().name()] = pv.get();
    for (const auto& pvc : pvcs_) pvc_by_key_[KeyOf(pvc->metadata())] = pvc.get();
    for (const auto& vm : vms_) vm_by_key_[KeyOf(vm->metadata())] = vm.get();
    for (const auto& dv : dvs_) dv_by_key_[KeyOf(dv->metadata())] = dv.get();
    for (const auto& vmi : vmis_) vmi_keys_.insert(KeyOf(vmi->metadata()));
    for (const auto& pod : pods_) {
      const std::string& phase = pod->status().phase();
      if (phase == "Succeeded" || phase == "Failed") continue;
      const std::string ns = NsOf(pod->metadata());
      for (const auto& v : pod->spec().volumes()) {
        if (v.has_persistent_volume_claim()) {
          pods_by_claim_[absl::StrCat(ns, "/", v.persistent_volume_claim().claim_name())]
              .push_back(pod.get());
        }
      }
    }
  }

  // An engine call or a create/delete; a failed engine call of a pipeline
  // step is counted in the Migration's status.
  //
  // The step was decided from a read that may lag (an informer cache), and
  // acting on an old state undoes later work: a rollback's re-attach
  // detached again, a claim created after its rollback was judged. So the
  // step is fenced: it first writes the Migration back exactly as it was
  // read. That write changes nothing (the API server answers a no-op update
  // without storing it), but it carries the resourceVersion read, so it
  // fails with Conflict unless the read was current, and the step is not
  // taken. The process observes again (see World: a Conflict retries soon).
  void Act(const std::shared_ptr<const forklift::Migration>& migration, const std::string& vm_id,
           LunStep step, const std::string& who) {
    ports::KubeApi& api = api_;
    ports::Ovirt& engine = engine_;
    const ports::ObjectKey key{"Migration", NsOf(migration->metadata()),
                               migration->metadata().name()};
    auto s = std::make_shared<LunStep>(std::move(step));
    PlannedStep planned;
    planned.what = absl::StrCat(who, ": ", s->what);
    planned.run = [&api, &engine, key, vm_id, s, migration]() -> absl::Status {
      RETURN_IF_ERROR(WriteBackAsRead(api, {migration}));
      absl::Status status;
      switch (s->kind) {
        case LunStep::Kind::kStop: status = engine.Stop(s->vm_id); break;
        case LunStep::Kind::kStart: status = engine.Start(s->vm_id); break;
        case LunStep::Kind::kDetach:
          status = engine.DetachDisk(s->vm_id, s->attachment.id());
          break;
        case LunStep::Kind::kAttach: status = engine.AttachDisk(s->vm_id, s->attachment).status(); break;
        case LunStep::Kind::kCreate: {
          status = api.Create(*s->object).status();
          // Made before a crash by this very step: check, then act.
          if (status.code() == absl::StatusCode::kAlreadyExists) status = absl::OkStatus();
          return status;
        }
        case LunStep::Kind::kDelete: {
          status = api.Delete(s->key);
          if (status.code() == absl::StatusCode::kNotFound) status = absl::OkStatus();
          return status;
        }
        default: return absl::OkStatus();
      }
      if (status.ok() || s->failure_step.empty()) return status;
      // Count the failure where a restart sees it.
      absl::StatusOr<ports::ObjectPtr> got = api.Get(key);
      if (got.ok()) {
        forklift::Migration m = *ports::As<forklift::Migration>(*got);
        VmStatusIndex statuses(m.status());
        if (const forklift::VMStatus* vm = statuses.Find(m.status(), vm_id)) {
          statuses.Put(m.mutable_status(),
                       RecordFailure(*vm, s->failure_step, std::string(status.message())));
          (void)api.UpdateStatus(m);
        }
      }
      return status;
    };
    steps_.push_back(std::move(planned));
  }

  // Every VM ended: the Plan's status gets the run, then the Migration ends.
  void Finish(const forklift::Migration& migration, const forklift::Plan& plan) {
    int completed = 0, canceled = 0, failed = 0;
    for (const forklift::VMStatus& v : migration.status().vms()) {
      if (v.phase() == kCompleted) ++completed;
      else if (v.phase() == kCanceled) ++canceled;
      else ++failed;
    }
    const std::string type = failed > 0 ? "Failed" : canceled > 0 ? "Canceled" : "Succeeded";
    const std::string message = absl::StrCat(completed, " VM(s) migrated, ", failed,
                                             " failed, ", canceled, " canceled");
    // The run's outcome replaces the last one; the validation conditions
    // (warnings and criticals) stay, with the run's own warnings added.
    // The run's outcome comes first and replaces the last one; the
    // validation conditions (warnings and criticals) stay after it, with
    // the run's own warnings added.
    auto set_condition = [&](google::protobuf::RepeatedPtrField<k8s::Condition>* conditions) {
      std::map<std::string, k8s::Condition> by_type;
      for (const k8s::Condition& c : *conditions) {
        if (IsValidationCondition(c)) by_type[c.type()] = c;
      }
      for (const forklift::VMStatus& v : migration.status().vms()) {
        for (const k8s::Condition& c : v.conditions()) {
          if (c.category() != "Warn") continue;
          MergeFinding(by_type, c.type(), "Warn", absl::StrCat("VM ", v.name(), ": ", c.message()));
        }
      }
      conditions->Clear();
      k8s::Condition* c = conditions->Add();
      c->set_type(type);
      c->set_status("True");
      c->set_reason(type);
      c->set_message(message);
      c->set_last_transition_time(Timestamp(now_));
      for (auto& [t, kept] : by_type) {
        if (kept.last_transition_time().empty()) kept.set_last_transition_time(Timestamp(now_));
        *conditions->Add() = std::move(kept);
      }
    };
    forklift::Plan p = plan;
    p.mutable_status()->mutable_migration()->set_started(migration.status().started());
    p.mutable_status()->mutable_migration()->set_completed(Timestamp(now_));
    *p.mutable_status()->mutable_migration()->mutable_vms() = migration.status().vms();
    set_condition(p.mutable_status()->mutable_conditions());
    p.mutable_status()->set_observed_generation(plan.metadata().generation());
    AddStatusWrite(p, absl::StrCat("plan ", type, ": ", message));
    forklift::Migration m = migration;
    m.mutable_status()->set_completed(Timestamp(now_));
    set_condition(m.mutable_status()->mutable_conditions());
    AddStatusWrite(m, absl::StrCat("migration ", type, ": ", message));
  }

  // The write, after taking each lock in `locks` for `holder` (the Migration
  // as read) and the no-op write-back of each object in `fence` (see Act). A
  // lock another run holds fails the write (Aborted): the VM is that run's.
  // The locks are taken only once the holder's read is known current (its
  // own write-back): a start decided from an old read would otherwise take
  // a lock the run's status never records.
  void AddStatusWrite(const google::protobuf::Message& object, const std::string& what,
                      std::vector<std::shared_ptr<const forklift::Migration>> fence = {},
                      std::vector<std::string> locks = {},
                      std::shared_ptr<const forklift::Migration> holder = nullptr) {
    ports::KubeApi& api = api_;
    auto copy = std::shared_ptr<google::protobuf::Message>(object.New());
    copy->CopyFrom(object);
    PlannedStep planned;
    planned.what = notes_.empty() ? what : absl::StrJoin(notes_, "; ");
    notes_.clear();
    const std::string lock_ns = options_.lock_namespace;
    const std::string stamp = Timestamp(now_);
    const std::string holder_key = KeyOf(ports::MetadataOf(object));
    planned.run = [&api, copy, fence = std::move(fence), locks = std::move(locks),
                   holder = std::move(holder), lock_ns, stamp, holder_key]() -> absl::Status {
      if (holder != nullptr) {
        RETURN_IF_ERROR(WriteBackAsRead(api, {holder}));
        for (const std::string& name : locks) {
          RETURN_IF_ERROR(TakeLock(api, {"Lease", lock_ns, name}, holder->metadata().uid(),
                                   holder_key, stamp));
        }
      }
      RETURN_IF_ERROR(WriteBackAsRead(api, fence));
      return api.UpdateStatus(*copy).status();
    };
    steps_.push_back(std::move(planned));
  }

  void Note(std::string line) { notes_.push_back(std::move(line)); }

  ports::KubeApi& api_;
  ports::Ovirt& engine_;
  absl::Time now_;
  const LunPlanOptions& options_;
  std::vector<std::shared_ptr<const k8s::PersistentVolume>> pvs_;
  std::vector<std::shared_ptr<const k8s::PersistentVolumeClaim>> pvcs_;
  std::vector<std::shared_ptr<const cdi::DataVolume>> dvs_;
  std::vector<std::shared_ptr<const kubevirt::VirtualMachine>> vms_;
  std::vector<std::shared_ptr<const kubevirt::VirtualMachineInstance>> vmis_;
  std::vector<std::shared_ptr<const k8s::Pod>> pods_;
  int64_t pods_rv_ = 0;  // the resourceVersion of the pod list read
  // Indexes of the lists above, by name or "namespace/name" (lookups only).
  std::map<std::string, const k8s::PersistentVolume*> pv_by_name_;
  std::map<std::string, const k8s::PersistentVolumeClaim*> pvc_by_key_;
  std::map<std::string, std::vector<const k8s::Pod*>> pods_by_claim_;  // "ns/claim"
  std::map<std::string, const kubevirt::VirtualMachine*> vm_by_key_;
  std::map<std::string, const cdi::DataVolume*> dv_by_key_;
  std::set<std::string> vmi_keys_;
  // The locks as read (name -> Lease) and every Migration read, by uid.
  std::map<std::string, std::shared_ptr<const k8s::Lease>> leases_;
  std::map<std::string, const forklift::Migration*> migration_by_uid_;
  ovirt::Version version_;
  std::string engine_error_;
  std::vector<ovirt::Vm> all_vms_;
  std::map<std::string, size_t> vm_by_id_, vm_by_name_;  // into all_vms_
  std::map<std::string, EngineView> views_;  // by VM id
  std::vector<std::string> notes_;
  std::vector<PlannedStep> steps_;
};

}  // namespace

absl::StatusOr<std::vector<PlannedStep>> LunPlanProcess::Pass() {
  return PlanPass(api_, engine_, clock_.Now(), options_).Plan();
}

}  // namespace ferry::lun_migration
