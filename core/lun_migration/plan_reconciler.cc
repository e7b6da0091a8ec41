#include "core/lun_migration/plan_reconciler.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/names.h"
#include "api/timestamp.h"
#include "core/lun_migration/locks.h"
#include "core/lun_migration/lun_objects.h"
#include "core/lun_migration/lun.h"
#include "core/lun_migration/plan_status.h"
#include "core/lun_migration/target_objects.h"
#include "core/lun_migration/validation.h"
#include "core/lun_migration/wait_memo.h"
#include "core/runtime/executor.h"

namespace ferry::lun_migration {
namespace {

using api::ParseTimestamp;
using api::Timestamp;
using runtime::Effect;

constexpr char kMigrationKind[] = "Migration";
// What may take a LUN claim: a pod mounting it, or a VM or VMI naming it
// (which makes such a pod at any time).
constexpr const char* kClaimUserKinds[] = {"Pod", "VirtualMachine", "VirtualMachineInstance"};
constexpr char kPlanKind[] = "Plan";

std::string NsOf(const k8s::ObjectMeta& meta) {
  return std::string(api::NamespaceOrDefault(meta.namespace_()));
}

std::string KeyOf(const k8s::ObjectMeta& meta) {
  return absl::StrCat(NsOf(meta), "/", meta.name());
}

// What the engine says of one VM: the VM and the single-disk reads of its
// disks (attached now, or recorded as attached before the plan).
struct EngineView {
  std::string id;  // the engine's VM id ("" while only the inventory can tell)
  // The observer's answers, held by it for the reconcile (not copied: a
  // plan reads thousands each time). An empty VM while there is none.
  const ovirt::Vm* vm = &ovirt::Vm::default_instance();
  std::map<std::string, const ovirt::Disk*> disks;
  // The serials of the answers read (Observation::serial), in read order:
  // the same serials, the same answers.
  std::vector<uint64_t> serials;
  std::string error;
  // A read it needs has no result yet: nothing is decided for it.
  bool pending = false;
  // The engine answered that there is no such VM.
  bool gone = false;
};

struct ActiveRun {
  std::shared_ptr<const forklift::Migration> migration;
  std::shared_ptr<const forklift::Plan> plan;
  LunPlanContext context;
};

// A run's VM statuses by VM id, for one MigrationRunStatus and its copies
// (the same positions): looked up, never iterated. The first of an id
// wins, as in a scan.
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

// The errors recorded for pipeline step `step` of a VM.
int ReasonsOf(const forklift::VMStatus& vm, const std::string& step) {
  for (const forklift::Step& s : vm.pipeline()) {
    if (s.name() == step) return s.error().reasons_size();
  }
  return 0;
}

// A step whose decisions hinge on no change in the engine: the VM's read
// is kept, not polled (a source started again meanwhile is seen when the
// next step polls it: CreateVm, which reads it anew before the target VM
// is made, or PowerOff after a warm cutover).
bool EngineQuiet(const std::string& phase) {
  return phase == kPreCopy || phase == kWaitForCutover || phase == kCreateVolumes ||
         phase == kWaitForBinding || phase == kCopyDisks;
}

bool Validated(const forklift::Plan& plan) {
  return plan.status().observed_generation() == plan.metadata().generation();
}

// One reconcile of one plan: the runs of every plan as the cache holds
// them, what the engine showed, and the effects for this plan's run (or,
// with no run, its validation).
class PlanReconcile {
 public:
  PlanReconcile(const runtime::Cache& cache, absl::Time now, const LunPlanOptions& options,
                const runtime::Key& key, std::vector<LunPlanReconciler::Failure>& failures,
                std::map<std::string, LunPlanReconciler::Counted>& counted,
                std::map<std::string, std::vector<std::string>>& disks_of_vm, WaitMemo& memo,
                std::vector<std::string>& stale_waits)
      : disks_of_vm_(disks_of_vm),
        memo_(memo),
        stale_waits_(stale_waits),
        cache_(cache),
        now_(now),
        options_(options),
        key_(key),
        failures_(failures),
        counted_(counted) {}

  runtime::Result Run(absl::Duration period) {
    auto self = cache_.GetAs<forklift::Plan>(kPlanKind, key_);
    if (self == nullptr) return std::move(result_);
    for (const auto& [k, object] : cache_.informer(kMigrationKind).objects()) {
      if (auto m = ports::As<forklift::Migration>(object)) migrations_.push_back(std::move(m));
    }
    for (const auto& [k, object] : cache_.informer("Lease").objects()) {
      if (auto lease = ports::As<k8s::Lease>(object)) leases_[lease->metadata().name()] = lease;
    }
    // Who may use a claim is read as of the oldest of these lists.
    users_rv_ = std::numeric_limits<int64_t>::max();
    for (const char* kind : kClaimUserKinds) {
      int64_t rv = 0;
      users_rv_ = absl::SimpleAtoi(cache_.informer(kind).resource_version(), &rv)
                      ? std::min(users_rv_, rv)
                      : 0;
    }
    // And whether they were read after the last change of a claim (a claim's
    // deletion included; not the claims' bookmarks, which would hold a
    // lagging pod list behind for as long as it lags).
    int64_t claims_rv = 0;
    users_after_claims_ =
        absl::SimpleAtoi(cache_.informer("PersistentVolumeClaim").last_change_version(), &claims_rv) &&
        claims_rv <= users_rv_;
    ObserveInventory();

    // Runs that already started a VM come first: their LUNs are taken
    // whatever the creation times say (which have one-second resolution, so
    // a later Migration can sort before an earlier one by name). Then by
    // creation time, then by name.
    auto order = [](const auto& m) {
      return std::make_tuple(m->status().vms().empty() ? 1 : 0,
                             ParseTimestamp(m->metadata().creation_timestamp()),
                             NsOf(m->metadata()), m->metadata().name());
    };
    std::vector<std::shared_ptr<const forklift::Migration>> sorted = migrations_;
    std::sort(sorted.begin(), sorted.end(),
              [&](const auto& a, const auto& b) { return order(a) < order(b); });
    std::vector<ActiveRun> runs;
    std::set<std::string> running_plans;
    for (const auto& m : sorted) {
      if (!m->status().completed().empty()) continue;
      const std::string plan_key = runtime::ToString(PlanOf(*m));
      const size_t slash = plan_key.find('/');
      auto plan = cache_.GetAs<forklift::Plan>(
          kPlanKind, {plan_key.substr(0, slash), plan_key.substr(slash + 1)});
      if (plan == nullptr) continue;  // waits for its plan
      // One run of a plan at a time: a later Migration waits.
      if (!running_plans.insert(plan_key).second) continue;
      runs.push_back(ActiveRun{m, plan, ContextOf(*plan)});
    }
    const std::string self_key = KeyOf(self->metadata());
    // What the runs before take, for the ones after: LUN disk id (and
    // source VM id, and target VM "namespace/name") -> the run migrating it.
    std::map<std::string, std::string> claimed_luns, claimed_vms, claimed_targets;
    bool ran = false;
    for (const ActiveRun& run : runs) {
      if (KeyOf(run.plan->metadata()) == self_key) {
        PlanRun(run, runs, claimed_luns, claimed_vms, claimed_targets);
        ran = true;
        break;  // the runs after it do not bind it
      }
      Claim(run, claimed_luns, claimed_vms, claimed_targets);
    }
    // With no run, every run binds it (all were claimed above), and its
    // spec is validated once per change.
    if (!ran) {
      failures_.clear();  // no run to count them in
      memo_.Clear();
    }
    if (!ran && !Validated(*self)) ValidateIdle(*self, claimed_luns, claimed_vms, claimed_targets);
    if (need_inventory_) Observed(runtime::OvirtInventoryRead{});
    for (auto& [name, wanted] : wanted_) {
      (wanted.second ? result_.observe : result_.keep).push_back(std::move(wanted.first));
    }
    // Decisions wait on time too (power-off, bind and copy timeouts, a
    // warm cutover): a run in flight is looked at again each period.
    if (ran) result_.requeue_after = period;
    return std::move(result_);
  }

 private:
  // ------------------------------------------------------------ observing

  template <typename T>
  std::shared_ptr<const T> Get(absl::string_view kind, const std::string& ns,
                               const std::string& name) const {
    return cache_.GetAs<T>(kind, {ns, name});
  }

  // `polled`: the read is polled while wanted; else read once and kept
  // (Result::keep). A read some decision wants polled is polled.
  const runtime::Observation* Observed(const runtime::Read& read, bool polled = true) {
    auto [it, added] = wanted_.try_emplace(runtime::Describe(read), read, polled);
    it->second.second = it->second.second || polled;
    return cache_.observer().Get(it->first);
  }

  // The engine's version and VMs, when this reconcile has wanted them
  // (any earlier reconcile of this plan, or this one: Find and Validate
  // ask for them when they need them).
  void ObserveInventory() {
    const runtime::Observation* seen = cache_.observer().Get(runtime::OvirtInventoryRead{});
    if (seen == nullptr) return;
    if (!seen->status.ok()) {
      engine_error_ = seen->status.ToString();
      return;
    }
    const auto* inventory = seen->As<runtime::OvirtInventory>();
    if (inventory == nullptr) return;
    inventory_ = inventory;
    for (size_t i = 0; i < inventory->vms.size(); ++i) {
      vm_by_id_.emplace(inventory->vms[i].id(), i);
      vm_by_name_.emplace(inventory->vms[i].name(), i);  // the first of a name wins
    }
  }

  // The engine's id of the VM a plan entry names: by id, else the first
  // VM of that name (from the inventory, or from the run's status once it
  // started it). "" when the engine has no such VM; nullopt while only the
  // inventory can tell (it is then asked for).
  std::optional<std::string> IdOf(const forklift::PlanVM& ref,
                                  const forklift::MigrationRunStatus* status) {
    if (inventory_ != nullptr) {
      const std::map<std::string, size_t>& index = ref.id().empty() ? vm_by_name_ : vm_by_id_;
      const std::string& wanted = ref.id().empty() ? ref.name() : ref.id();
      auto at = wanted.empty() ? index.end() : index.find(wanted);
      return at == index.end() ? "" : inventory_->vms[at->second].id();
    }
    if (!ref.id().empty()) return ref.id();
    if (ref.name().empty()) return "";
    if (status != nullptr) {
      for (const forklift::VMStatus& v : status->vms()) {
        if (v.name() == ref.name() && !v.id().empty()) return v.id();
      }
    }
    need_inventory_ = true;
    return std::nullopt;
  }

  // What the engine shows of the VM a plan entry names: nullptr when it
  // has no such VM; pending while a read it needs has not answered.
  // `polled`: see Observed (false for a VM in a step that hinges on no
  // change in the engine).
  EngineView* Find(const forklift::PlanVM& ref, const forklift::MigrationRunStatus* status,
                   bool polled = true) {
    const std::optional<std::string> id = IdOf(ref, status);
    if (!id.has_value()) {
      EngineView& unknown = views_[absl::StrCat("name:", ref.name())];
      unknown.pending = true;
      return &unknown;
    }
    if (id->empty()) return nullptr;
    auto [it, inserted] = views_.try_emplace(*id);
    if (inserted) {
      it->second.id = *id;
      Read(*id, &it->second, polled);
    }
    return it->second.gone ? nullptr : &it->second;
  }

  void Read(const std::string& vm_id, EngineView* view, bool polled) {
    const runtime::Observation* seen = Observed(runtime::OvirtVmRead{vm_id}, polled);
    if (seen == nullptr) {
      view->pending = true;
      // Read again after a call on it: its disks stay wanted meanwhile.
      if (auto it = disks_of_vm_.find(vm_id); it != disks_of_vm_.end()) {
        for (const std::string& disk : it->second) Observed(runtime::OvirtDiskRead{disk});
      }
      return;
    }
    if (!seen->status.ok()) {
      if (seen->status.code() == absl::StatusCode::kNotFound && inventory_ == nullptr) {
        view->gone = true;
      } else {
        view->error = seen->status.ToString();
      }
      return;
    }
    view->vm = seen->As<ovirt::Vm>();
    view->serials.push_back(seen->serial);
    std::vector<std::string>& disks = disks_of_vm_[vm_id];
    disks.clear();
    for (const ovirt::DiskAttachment& a : view->vm->disk_attachments().disk_attachment()) {
      disks.push_back(a.id());
      ReadDisk(a.id(), view);
    }
  }

  void ReadDisk(const std::string& disk_id, EngineView* view) {
    if (view->disks.count(disk_id) > 0 || !view->error.empty()) return;
    const runtime::Observation* seen = Observed(runtime::OvirtDiskRead{disk_id});
    if (seen == nullptr) {
      view->pending = true;
      return;
    }
    if (!seen->status.ok()) {
      view->error = seen->status.ToString();
      return;
    }
    view->disks[disk_id] = seen->As<ovirt::Disk>();
    view->serials.push_back(seen->serial);
  }

  static std::vector<std::string> LunDiskIds(const EngineView& view,
                                             const forklift::VMStatus* status) {
    std::vector<std::string> ids;
    if (status != nullptr && !status->id().empty() && status->phase() != kFailed) {
      for (const ovirt::DiskAttachment& a : status->lun_attachments()) ids.push_back(a.id());
      return ids;
    }
    for (const auto& [id, disk] : view.disks) {
      if (disk->storage_type() == "lun") ids.push_back(id);
    }
    return ids;
  }

  // What an earlier run takes, for the runs after it: a started VM's from
  // its status, an unstarted one's from the engine.
  void Claim(const ActiveRun& run, std::map<std::string, std::string>& claimed_luns,
             std::map<std::string, std::string>& claimed_vms,
             std::map<std::string, std::string>& claimed_targets) {
    const std::string by = absl::StrCat("plan ", KeyOf(run.plan->metadata()), " (Migration ",
                                        KeyOf(run.migration->metadata()), ")");
    const forklift::MigrationRunStatus& run_status = run.migration->status();
    const VmStatusIndex statuses(run_status);
    for (const forklift::PlanVM& ref : run.plan->spec().vms()) {
      const std::optional<std::string> id = IdOf(ref, &run_status);
      if (!id.has_value() || id->empty()) continue;
      const forklift::VMStatus* status = statuses.Find(run_status, *id);
      if (status != nullptr && VmEnded(*status)) continue;
      std::string name;
      std::vector<std::string> luns;
      if (status != nullptr && status->phase() != kFailed) {
        name = status->name();
        for (const ovirt::DiskAttachment& a : status->lun_attachments()) luns.push_back(a.id());
      } else {
        const EngineView* view = Find(ref, &run_status);
        if (view == nullptr || view->pending) continue;
        name = view->vm->name();
        luns = LunDiskIds(*view, status);
      }
      claimed_vms.emplace(*id, by);
      claimed_targets.emplace(
          absl::StrCat(run.context.target_namespace, "/", TargetVmName(name)), by);
      for (const std::string& lun : luns) claimed_luns.emplace(lun, by);
    }
  }

  // ------------------------------------------------------------ the run

  // `runs` are every plan's runs, in order (`run` among them).
  void PlanRun(const ActiveRun& run, const std::vector<ActiveRun>& runs,
               const std::map<std::string, std::string>& other_luns,
               const std::map<std::string, std::string>& other_vms,
               const std::map<std::string, std::string>& other_targets) {
    const forklift::Plan& plan = *run.plan;
    // Engine calls that failed since the last reconcile count first, so
    // the planner sees them (max_call_failures).
    std::optional<forklift::MigrationRunStatus> next;
    auto edit = [&]() -> forklift::MigrationRunStatus& {
      if (!next.has_value()) next = run.migration->status();
      return *next;
    };
    bool record = false;
    VmStatusIndex statuses(run.migration->status());
    std::vector<LunPlanReconciler::Failure> still;
    for (LunPlanReconciler::Failure& f : failures_) {
      const forklift::VMStatus* vm = statuses.Find(run.migration->status(), f.call.vm_id);
      // Written already (the status read shows it), or its VM is gone.
      if (vm == nullptr || ReasonsOf(*vm, f.call.step) != f.call.reasons_before) continue;
      statuses.Put(&edit(), RecordFailure(*vm, f.call.step, f.message));
      record = true;
      // The count is written before anything is tried again: the next
      // reconcile decides from it (the write wakes it).
      counting_ = true;
      Note(absl::StrCat(KeyOf(run.migration->metadata()), " VM ", vm->name(), ": ", f.call.step,
                        " failed: ", f.message));
      still.push_back(std::move(f));
    }
    failures_ = std::move(still);
    forklift::Migration counted_migration;
    if (next.has_value()) {
      counted_migration = *run.migration;
      *counted_migration.mutable_status() = *next;
    }
    const forklift::Migration& migration = next.has_value() ? counted_migration : *run.migration;
    // The version the statuses were read at ("" when failures were just
    // counted into them: not as read).
    const std::string run_version =
        next.has_value() ? "" : run.migration->metadata().resource_version();
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
    // validated only while one has not started.
    std::map<std::string, std::vector<Finding>> findings;  // by VM name
    bool unstarted = false;
    for (const forklift::PlanVM& ref : plan.spec().vms()) {
      const std::optional<std::string> id = IdOf(ref, &migration.status());
      if (!id.has_value() || (!id->empty() && statuses.Find(migration.status(), *id) == nullptr)) {
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
      const std::string label = ref.id().empty() ? ref.name() : ref.id();
      // A VM that ended needs nothing of the engine: its locks go back.
      bool polled = true;
      if (const std::optional<std::string> id = IdOf(ref, &migration.status());
          id.has_value() && !id->empty()) {
        const forklift::VMStatus* s = statuses.Find(migration.status(), *id);
        if (s != nullptr && VmEnded(*s)) {
          for (std::string& name : LocksOf(*s)) ended_locks.insert(std::move(name));
          continue;
        }
        polled = s == nullptr || !EngineQuiet(s->phase());
      }
      EngineView* view = Find(ref, &migration.status(), polled);
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
      if (view->pending) {
        all_ended = false;
        // Its recorded LUNs' reads stay wanted while it is read again.
        if (const forklift::VMStatus* st = statuses.Find(migration.status(), view->id)) {
          for (const ovirt::DiskAttachment& a : st->lun_attachments()) {
            Observed(runtime::OvirtDiskRead{a.id()});
          }
        }
        continue;  // decided once the engine's answers are in
      }
      const forklift::VMStatus* recorded = statuses.Find(migration.status(), view->vm->id());
      all_ended = false;
      // Recorded LUNs no longer attached: their single-disk reads too.
      if (recorded != nullptr) {
        for (const ovirt::DiskAttachment& a : recorded->lun_attachments()) ReadDisk(a.id(), view);
      }
      if (view->pending) continue;
      o.engine_error = !engine_error_.empty() ? engine_error_ : view->error;
      o.cancel_requested = cancel_ids.count(view->vm->id()) > 0 ||
                           cancel_names.count(view->vm->name()) > 0;
      // A started VM decided to wait from the same inputs waits still.
      std::string inputs;
      bool remembered = false;
      if (recorded != nullptr && recorded->phase() != kFailed) {
        inputs = Inputs(ns, *view, *recorded, *run.migration, o, plan);
        remembered = memo_.Holds(view->vm->id(), inputs, *recorded, run_version, now_);
        if (remembered && !options_.verify_waits) continue;
      }
      if (recorded != nullptr) o.status = *recorded;
      o.cancel_by = KeyOf(migration.metadata());
      if (auto f = findings.find(view->vm->name()); f != findings.end()) o.findings = f->second;
      o.validation_error = validation_error;
      o.source = *view->vm;
      for (const auto& [id, disk] : view->disks) o.disks[id] = *disk;
      FillCluster(ns, *run.migration, &o);

      std::vector<LunStep> steps = Together(o, PlanLunVm(o, options_));
      const bool waits = steps.size() == 1 && steps.front().kind == LunStep::Kind::kWait;
      if (remembered && !waits && stale_waits_.size() < 10) {
        stale_waits_.push_back(absl::StrCat(KeyOf(migration.metadata()), " VM ",
                                            view->vm->name(), " at ", Timestamp(now_),
                                            ": remembered a wait, decided: ",
                                            steps.front().what));
      }
      if (!inputs.empty() && waits) {
        memo_.Keep(view->vm->id(), std::move(inputs), *recorded, run_version,
                   WaitHoldsUntil(o, options_));
      } else {
        memo_.Drop(view->vm->id());
      }
      const std::string who = absl::StrCat(KeyOf(migration.metadata()), " VM ", view->vm->name());
      if (steps.size() > 1) {
        for (LunStep& together : steps) Act(run.migration, o.status, std::move(together), who);
        continue;
      }
      LunStep& step = steps.front();
      if (step.kind == LunStep::Kind::kWait) continue;
      if (step.kind == LunStep::Kind::kRecord) {
        // Every VM's record goes into the one status write of this reconcile.
        statuses.Put(&edit(), step.status);
        record = true;
        if (o.status.id().empty() && !VmEnded(step.status)) {
          starts = true;
          for (std::string& name : LocksOf(step.status)) locks.push_back(std::move(name));
        }
        Note(absl::StrCat(who, ": ", step.what));
        continue;
      }
      Act(run.migration, o.status, std::move(step), who);
    }
    if (record) {
      // The run as read with the new status (its old status not copied).
      forklift::Migration updated;
      updated.set_api_version(run.migration->api_version());
      updated.set_kind(run.migration->kind());
      *updated.mutable_metadata() = run.migration->metadata();
      *updated.mutable_spec() = run.migration->spec();
      if (run.migration->status().started().empty()) edit().set_started(Timestamp(now_));
      *updated.mutable_status() = std::move(edit());
      // Which run may start a VM was decided from the other runs' statuses
      // as read; a read that lags could miss that one of them started it.
      // So a start is fenced by writing each other run back as read: a
      // no-op that fails with Conflict unless that read was current.
      std::vector<ports::ObjectPtr> fence;
      if (starts) {
        for (const ActiveRun& other : runs) {
          if (other.migration != run.migration) fence.push_back(other.migration);
        }
      }
      std::shared_ptr<const forklift::Migration> holder = locks.empty() ? nullptr : run.migration;
      AddStatusWrite(updated, "record", std::move(fence), locks, std::move(holder));
      return;
    }
    // A VM that ended gives its locks back (all of them once every VM
    // ended: the run ends only when it holds none).
    bool held = false;
    for (const auto& [name, lease] : leases_) {
      if (lease->spec().holder_identity() != migration.metadata().uid()) continue;
      held = true;
      if (all_ended || ended_locks.count(name) > 0) ReleaseLock(migration, *lease);
    }
    if (all_ended && !held) Finish(migration, plan);
  }

  // One VM's steps that do not depend on each other go together: `step`,
  // and the ones the planner decides after it as if it were done, while
  // each is a detach of a LUN (the VM is down; detaching one changes
  // nothing the next is decided on) or the create of a LUN volume, claim
  // or image copy (each its own object), all of one kind. So the engine is
  // read again once, not once per LUN, and a plan's VM is not a reconcile
  // per object. Just `step` unless it is one of those; `o`'s source is as
  // it was on return.
  std::vector<LunStep> Together(VmObservation& o, LunStep step) const {
    std::vector<LunStep> steps;
    const ovirt::DiskAttachments attached = o.source.disk_attachments();
    steps.push_back(std::move(step));
    while (steps.size() < 64 && AsIfDone(o, steps.back())) {
      LunStep next = PlanLunVm(o, options_);
      if (next.kind != steps.front().kind) break;  // engine calls and writes never mix
      steps.push_back(std::move(next));
    }
    *o.source.mutable_disk_attachments() = attached;
    return steps;
  }

  // `o` as if `step` were done; false when it is not a step that goes with
  // others (Together).
  static bool AsIfDone(VmObservation& o, const LunStep& step) {
    if (step.kind == LunStep::Kind::kDetach) {
      auto* list = o.source.mutable_disk_attachments()->mutable_disk_attachment();
      auto it = std::find_if(list->begin(), list->end(), [&](const ovirt::DiskAttachment& a) {
        return a.id() == step.attachment.id();
      });
      if (it == list->end()) return false;
      list->erase(it);
      return true;
    }
    if (step.kind != LunStep::Kind::kCreate || step.object == nullptr) return false;
    const std::string& name = ports::MetadataOf(*step.object).name();
    if (auto* pv = dynamic_cast<const k8s::PersistentVolume*>(step.object.get())) {
      return o.pvs.emplace(name, *pv).second;
    }
    if (auto* pvc = dynamic_cast<const k8s::PersistentVolumeClaim*>(step.object.get())) {
      return o.pvcs.emplace(name, *pvc).second;
    }
    if (auto* dv = dynamic_cast<const cdi::DataVolume*>(step.object.get())) {
      return o.data_volumes.emplace(name, *dv).second;
    }
    return false;
  }

  // The plan's findings: `self` is its running Migration (null for a plan
  // validated before it runs). An error: validation cannot run now.
  absl::StatusOr<std::vector<Finding>> Validate(
      const forklift::Plan& plan, const LunPlanContext& context, const forklift::Migration* self,
      const std::map<std::string, std::string>& other_luns,
      const std::map<std::string, std::string>& other_vms,
      const std::map<std::string, std::string>& other_targets) {
    need_inventory_ = true;
    if (!engine_error_.empty()) return absl::UnavailableError(engine_error_);
    if (inventory_ == nullptr) {
      return absl::UnavailableError("waiting for the engine's inventory (version and VMs)");
    }
    PlanInventory inventory;
    inventory.plan_uid = context.plan_uid;
    inventory.target_namespace = context.target_namespace;
    inventory.engine_version = inventory_->version;
    inventory.all_vms = inventory_->vms;
    for (const auto& [k, object] : cache_.informer("PersistentVolume").objects()) {
      if (auto pv = ports::As<k8s::PersistentVolume>(object)) inventory.cluster_pvs.push_back(*pv);
    }
    absl::StatusOr<ChapSecret> chap = ReadChapSecret(context);
    if (!chap.ok()) return chap.status();
    inventory.chap_secret = *std::move(chap);
    inventory.luns_in_other_plans = other_luns;
    inventory.vms_in_other_plans = other_vms;
    inventory.targets_of_other_plans = other_targets;
    const std::string self_uid = self != nullptr ? self->metadata().uid() : "";
    for (const forklift::PlanVM& ref : plan.spec().vms()) {
      const EngineView* view = Find(ref, self != nullptr ? &self->status() : nullptr);
      if (view == nullptr || !view->error.empty()) continue;
      if (view->pending) {
        return absl::UnavailableError(absl::StrCat(
            "waiting for the engine's answers about VM ", ref.id().empty() ? ref.name() : ref.id()));
      }
      VmInventory vm{*view->vm, {}};
      for (const auto& [id, disk] : view->disks) vm.disks[id] = *disk;
      inventory.vms.push_back(std::move(vm));
      // Locks another run holds: it may have started the VM or its LUNs
      // while a lagging read does not even list that run.
      const std::string& vm_id = view->vm->id();
      if (auto by = LockHolder(VmLockName(vm_id), self_uid)) {
        inventory.vms_in_other_plans.emplace(vm_id, *by);
      }
      for (const auto& [id, disk] : view->disks) {
        if (disk->storage_type() != "lun") continue;
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
      const runtime::Key key{kind == "PersistentVolume" ? "" : ns, name};
      ports::ObjectPtr object = cache_.Get(kind, key);
      if (object == nullptr) return nullptr;
      held_.push_back(object);  // the metadata lives as long as this reconcile
      return &ports::MetadataOf(*object);
    };
    return ValidatePlan(inventory);
  }

  // What validation needs of the plan's CHAP Secret (never the password),
  // read while validating only (a controller has no business holding every
  // Secret of the cluster).
  absl::StatusOr<ChapSecret> ReadChapSecret(const LunPlanContext& context) {
    ChapSecret secret;
    secret.name = context.chap_secret;
    if (secret.name.empty()) return secret;
    const runtime::Observation* seen =
        Observed(runtime::ObjectRead{{"Secret", context.target_namespace, secret.name}});
    if (seen == nullptr) {
      return absl::UnavailableError(absl::StrCat("waiting to read CHAP Secret ",
                                                 context.target_namespace, "/", secret.name));
    }
    if (!seen->status.ok()) {
      return absl::Status(seen->status.code(),
                          absl::StrCat("reading CHAP Secret ", context.target_namespace, "/",
                                       secret.name, ": ", seen->status.message()));
    }
    const ports::ObjectPtr* object = seen->As<ports::ObjectPtr>();
    const auto typed = object != nullptr ? ports::As<k8s::Secret>(*object) : nullptr;
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
  // (HolderDone) does; nullopt when it is free or `self_uid`'s.
  std::optional<std::string> LockHolder(const std::string& name,
                                        const std::string& self_uid) const {
    auto it = leases_.find(name);
    if (it == leases_.end()) return std::nullopt;
    const std::string& holder = it->second->spec().holder_identity();
    if (holder == self_uid) return std::nullopt;
    const std::string lease = absl::StrCat("Lease ", options_.lock_namespace, "/", name);
    const forklift::Migration* m = MigrationByUid(holder);
    if (m == nullptr) {
      return absl::StrCat("a run this read does not list (", lease, ", holder uid ", holder,
                          "; if that Migration was deleted mid-run, restore the VM in oVirt, "
                          "then delete the Lease)");
    }
    // The holder is done with it: the lock is taken over at the start.
    if (HolderDone(*m, name)) return std::nullopt;
    return absl::StrCat("Migration ", KeyOf(m->metadata()), " (", lease, ")");
  }

  const forklift::Migration* MigrationByUid(const std::string& uid) const {
    const std::set<runtime::Key>& keys = cache_.informer(kMigrationKind).ByIndex("uid", uid);
    if (keys.empty()) return nullptr;
    auto m = cache_.GetAs<forklift::Migration>(kMigrationKind, *keys.begin());
    return m.get();  // held by the cache for this reconcile
  }

  // A plan with no run: its findings become its conditions, once per spec
  // change (observedGeneration), so warnings show before it runs.
  void ValidateIdle(const forklift::Plan& plan,
                    const std::map<std::string, std::string>& other_luns,
                    const std::map<std::string, std::string>& other_vms,
                    const std::map<std::string, std::string>& other_targets) {
    if (!engine_error_.empty()) {
      need_inventory_ = true;
      return;  // validated once the engine answers
    }
    absl::StatusOr<std::vector<Finding>> findings =
        Validate(plan, ContextOf(plan), nullptr, other_luns, other_vms, other_targets);
    if (!findings.ok()) return;
    std::map<std::string, k8s::Condition> by_type;
    for (const forklift::PlanVM& ref : plan.spec().vms()) {
      if (Find(ref, nullptr) != nullptr) continue;
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
    ReplaceValidationConditions(p.mutable_status()->mutable_conditions(), std::move(by_type),
                                Timestamp(now_));
    p.mutable_status()->set_observed_generation(plan.metadata().generation());
    AddStatusWrite(p, absl::StrCat("plan ", KeyOf(plan.metadata()), " validated: ",
                                   findings->size(), " finding(s)"));
  }

  // ------------------------------------------------------------ effects

  // Gives a lock back (the Lease as read: a precondition on its
  // resourceVersion, so a lock another run took since is never deleted).
  void ReleaseLock(const forklift::Migration& migration, const k8s::Lease& lease) {
    const ports::ObjectKey key{"Lease", options_.lock_namespace, lease.metadata().name()};
    result_.effects.push_back(Effect::Delete(
        key,
        absl::StrCat(KeyOf(migration.metadata()), ": release lock Lease ", key.namespace_, "/",
                     key.name),
        lease.metadata().resource_version()));
  }

  // A fingerprint of what the planner reads of one started VM besides its
  // status (WaitMemo): the plan's spec and the run's cutover, the
  // engine's answers (by serial), and the resourceVersions of every object
  // FillCluster gives it. Kept in step with FillCluster: a read missing
  // here would let a remembered wait outlive a change.
  std::string Inputs(const std::string& ns, const EngineView& view,
                     const forklift::VMStatus& recorded, const forklift::Migration& run,
                     const VmObservation& o, const forklift::Plan& plan) const {
    std::string in = absl::StrCat(plan.metadata().generation(), "|", run.spec().cutover(), "|",
                                  o.cancel_requested, "|", o.engine_error, "|",
                                  absl::StrJoin(view.serials, ","));
    auto version = [&](absl::string_view kind, const runtime::Key& key) {
      ports::ObjectPtr object = cache_.Get(kind, key);
      absl::StrAppend(&in, "|", object == nullptr ? "-"
                                                  : ports::MetadataOf(*object).resource_version());
    };
    bool pods_ok = ClaimUsersReadAfter(run);
    const runtime::Informer& pods = cache_.informer("Pod");
    for (const ovirt::DiskAttachment& a : recorded.lun_attachments()) {
      const std::string name = LunObjectName(a.id());
      version("PersistentVolume", {"", name});
      version("PersistentVolumeClaim", {ns, name});
      if (auto pvc = cache_.Get("PersistentVolumeClaim", {ns, name})) {
        pods_ok = pods_ok && ClaimUsersReadAfter(*pvc);
      }
      for (const runtime::Key& k : pods.ByIndex("claim", absl::StrCat(ns, "/", name))) {
        absl::StrAppend(&in, "|pod ", k.name);
        version("Pod", k);
      }
      ForEachClaimVm(ns, TargetVmName(view.vm->name()), {name},
                     [&](const std::string& holder, const runtime::Key& k, const std::string&) {
                       absl::StrAppend(&in, "|", holder);
                       version(holder.substr(0, holder.find(' ')), k);
                     });
    }
    // Image copies: by the names any of its disks would give one (a
    // superset of FillCluster's), and those made for it.
    for (const ovirt::DiskAttachment& a : view.vm->disk_attachments().disk_attachment()) {
      version("DataVolume", {ns, DataVolumeName(a.id())});
      if (!a.disk().id().empty()) version("DataVolume", {ns, DataVolumeName(a.disk().id())});
    }
    for (const runtime::Key& k : cache_.informer("DataVolume").ByIndex(
             "source-vm", absl::StrCat(ns, "/", view.vm->id()))) {
      absl::StrAppend(&in, "|dv ", k.name);
      version("DataVolume", k);
    }
    const std::string target = TargetVmName(view.vm->name());
    version("VirtualMachine", {ns, target});
    absl::StrAppend(&in, "|", cache_.Get("VirtualMachineInstance", {ns, target}) != nullptr,
                    "|", pods_ok, "|", users_after_claims_);
    return in;
  }

  // False when `object` was written after the pods, VMs or VMIs were read
  // (its resourceVersion above theirs): one that took it since may be
  // missing from them.
  bool ClaimUsersReadAfter(const google::protobuf::Message& object) const {
    int64_t rv = 0;
    return !absl::SimpleAtoi(ports::MetadataOf(object).resource_version(), &rv) ||
           rv <= users_rv_;
  }

  // Calls `fn(holder, claims)` for each VirtualMachine and VMI of `ns`
  // but `target` that names one of `claims` ("<kind> <name>", the claims it
  // names of them).
  void ForEachClaimVm(const std::string& ns, const std::string& target,
                      const std::vector<std::string>& claims,
                      const std::function<void(const std::string&, const runtime::Key&,
                                               const std::string&)>& fn) const {
    for (const char* kind : {"VirtualMachine", "VirtualMachineInstance"}) {
      const runtime::Informer& informer = cache_.informer(kind);
      for (const std::string& claim : claims) {
        for (const runtime::Key& k : informer.ByIndex("claim", absl::StrCat(ns, "/", claim))) {
          if (k.name != target) fn(absl::StrCat(kind, " ", k.name), k, claim);
        }
      }
    }
  }

  // What the planner of one VM needs of the cluster: its own LUN objects (by
  // the names of its recorded LUN disks), its image copies, its
  // target VM, and the pods mounting one of its LUN claims.
  void FillCluster(const std::string& ns, const forklift::Migration& run, VmObservation* o) {
    if (!ClaimUsersReadAfter(run)) o->pods_read_after_claims = false;
    o->users_read_after_claims_gone = users_after_claims_;
    for (const ovirt::DiskAttachment& a : o->status.lun_attachments()) {
      const std::string name = LunObjectName(a.id());
      if (auto pv = Get<k8s::PersistentVolume>("PersistentVolume", "", name)) o->pvs[name] = *pv;
      if (auto pvc = Get<k8s::PersistentVolumeClaim>("PersistentVolumeClaim", ns, name)) {
        o->pvcs[name] = *pvc;
        if (!ClaimUsersReadAfter(*pvc)) o->pods_read_after_claims = false;
      }
      const runtime::Informer& pods = cache_.informer("Pod");
      for (const runtime::Key& k : pods.ByIndex("claim", absl::StrCat(ns, "/", name))) {
        auto pod = pods.GetAs<k8s::Pod>(k);
        if (pod == nullptr) continue;
        std::vector<std::string>& claims = o->pods[pod->metadata().name()];
        if (!claims.empty()) continue;  // mounts two of this VM's claims
        for (const auto& v : pod->spec().volumes()) {
          if (v.has_persistent_volume_claim()) {
            claims.push_back(v.persistent_volume_claim().claim_name());
          }
        }
      }
    }
    // The image copies the planner looks at: by the names its image disks
    // give them, and every one made for this VM (rollback deletes those).
    const runtime::Informer& dvs = cache_.informer("DataVolume");
    auto add_dv = [&](const runtime::Key& k) {
      if (auto dv = dvs.GetAs<cdi::DataVolume>(k)) o->data_volumes[k.name] = *dv;
    };
    for (const ImageDisk& image : ImageDisks(o->source, o->disks)) {
      add_dv({ns, DataVolumeName(image.disk_id)});
    }
    for (const runtime::Key& k : dvs.ByIndex("source-vm", absl::StrCat(ns, "/", o->source.id()))) {
      add_dv(k);
    }
    const std::string target = TargetVmName(o->source.name());
    std::vector<std::string> claims;
    for (const ovirt::DiskAttachment& a : o->status.lun_attachments()) {
      claims.push_back(LunObjectName(a.id()));
    }
    ForEachClaimVm(ns, target, claims,
                   [&](const std::string& holder, const runtime::Key&, const std::string& claim) {
                     o->claim_vms[holder].push_back(claim);
                   });
    if (auto vm = Get<kubevirt::VirtualMachine>("VirtualMachine", ns, target)) o->target_vm = *vm;
    o->target_vmi_exists = cache_.Get("VirtualMachineInstance", {ns, target}) != nullptr;
  }

  // An engine call or a create/delete of one VM's step, fenced by the run
  // as read: the step was decided from a read that may lag, and acting on
  // an old state undoes later work (a rollback's re-attach detached again,
  // a claim created after its rollback was judged). The fence writes the
  // Migration back exactly as it was read: a no-op unless that read is no
  // longer current, when it fails with Conflict and the step is not taken.
  void Act(const std::shared_ptr<const forklift::Migration>& migration,
           const forklift::VMStatus& vm, LunStep step, const std::string& who) {
    if (counting_) return;
    const std::string what = absl::StrCat(who, ": ", step.what);
    using Op = runtime::OvirtCall::Op;
    std::optional<Effect> effect;
    switch (step.kind) {
      case LunStep::Kind::kStop:
        effect = Effect::Ovirt({.op = Op::kStop, .vm_id = step.vm_id}, what);
        break;
      case LunStep::Kind::kStart:
        effect = Effect::Ovirt({.op = Op::kStart, .vm_id = step.vm_id}, what);
        break;
      case LunStep::Kind::kDetach:
        effect = Effect::Ovirt(
            {.op = Op::kDetachDisk, .vm_id = step.vm_id, .attachment_id = step.attachment.id()},
            what);
        break;
      case LunStep::Kind::kAttach:
        effect = Effect::Ovirt({.op = Op::kAttachDisk, .vm_id = step.vm_id,
                                .attachment = step.attachment},
                               what);
        break;
      case LunStep::Kind::kCreate:
        // Made before a crash by this very step: check, then act.
        effect = Effect::Create(*step.object, what).ExistsOk();
        break;
      case LunStep::Kind::kDelete:
        effect = Effect::Delete(step.key, what);
        break;
      default: return;
    }
    if (std::holds_alternative<runtime::OvirtCall>(effect->call)) {
      // Only this VM's read is made old by a call on it.
      *effect = std::move(*effect).Invalidating({runtime::OvirtVmRead{step.vm_id}});
      if (!step.failure_step.empty()) {
        counted_[what] = LunPlanReconciler::Counted{vm.id(), step.failure_step,
                                                    ReasonsOf(vm, step.failure_step)};
      }
    }
    result_.effects.push_back(std::move(*effect).FencedBy({migration}));
  }

  // Every VM ended: the Plan's status gets the run, then the Migration ends.
  void Finish(const forklift::Migration& migration, const forklift::Plan& plan) {
    const RunOutcome outcome = OutcomeOf(migration);
    forklift::Plan p = plan;
    p.mutable_status()->mutable_migration()->set_started(migration.status().started());
    p.mutable_status()->mutable_migration()->set_completed(Timestamp(now_));
    *p.mutable_status()->mutable_migration()->mutable_vms() = migration.status().vms();
    SetOutcome(p.mutable_status()->mutable_conditions(), migration, outcome, Timestamp(now_));
    p.mutable_status()->set_observed_generation(plan.metadata().generation());
    AddStatusWrite(p, absl::StrCat("plan ", outcome.type, ": ", outcome.message));
    forklift::Migration m = migration;
    m.mutable_status()->set_completed(Timestamp(now_));
    SetOutcome(m.mutable_status()->mutable_conditions(), migration, outcome, Timestamp(now_));
    AddStatusWrite(m, absl::StrCat("migration ", outcome.type, ": ", outcome.message));
  }

  // The write, after taking each lock in `locks` for `holder` (the Migration
  // as read), fenced by `fence` (see Act). The locks are taken only once
  // the holder's read is known current (the first lock effect is fenced by
  // it): a start decided from an old read would otherwise take a lock the
  // run's status never records. A lock held by another run that is not
  // done with it fails its create (AlreadyExists): the VM is that run's,
  // and the next reconcile reads who holds it.
  void AddStatusWrite(const google::protobuf::Message& object, const std::string& what,
                      std::vector<ports::ObjectPtr> fence = {},
                      const std::vector<std::string>& locks = {},
                      std::shared_ptr<const forklift::Migration> holder = nullptr) {
    const std::string line = notes_.empty() ? what : absl::StrJoin(notes_, "; ");
    notes_.clear();
    std::vector<ports::ObjectPtr> holder_fence;
    if (holder != nullptr) holder_fence.push_back(holder);
    for (const std::string& name : locks) {
      for (Effect& e : TakeLock(name, *holder)) {
        result_.effects.push_back(std::move(e).FencedBy(std::exchange(holder_fence, {})));
      }
    }
    for (ports::ObjectPtr& f : holder_fence) fence.push_back(std::move(f));
    result_.effects.push_back(Effect::UpdateStatus(object, line).FencedBy(std::move(fence)));
  }

  // The effects that take lock `name` for `holder`, decided from the
  // locks as read: none when it holds it already; a delete of the Lease of
  // a run done with it (its resourceVersion a precondition), then the
  // create.
  std::vector<Effect> TakeLock(const std::string& name, const forklift::Migration& holder) {
    std::vector<Effect> effects;
    const std::string holder_key = KeyOf(holder.metadata());
    const ports::ObjectKey key{"Lease", options_.lock_namespace, name};
    auto held = leases_.find(name);
    if (held != leases_.end()) {
      const k8s::Lease& lease = *held->second;
      if (lease.spec().holder_identity() == holder.metadata().uid()) return effects;
      const forklift::Migration* other = MigrationByUid(lease.spec().holder_identity());
      if (other != nullptr && HolderDone(*other, name)) {
        effects.push_back(Effect::Delete(
            key,
            absl::StrCat(holder_key, ": take over lock Lease ", key.namespace_, "/", name,
                         " from ", KeyOf(other->metadata()), " (done with it)"),
            lease.metadata().resource_version()));
      }
    }
    effects.push_back(Effect::Create(LockLease(key, holder.metadata().uid(), holder_key,
                                               Timestamp(now_)),
                                     absl::StrCat(holder_key, ": take lock Lease ",
                                                  key.namespace_, "/", name)));
    return effects;
  }

  void Note(std::string line) { notes_.push_back(std::move(line)); }

  std::map<std::string, std::vector<std::string>>& disks_of_vm_;
  WaitMemo& memo_;  // this plan's
  std::vector<std::string>& stale_waits_;  // LunPlanReconciler::stale_waits
  const runtime::Cache& cache_;
  const absl::Time now_;
  const LunPlanOptions& options_;
  const runtime::Key key_;
  // Failed calls to count; each is dropped once the status read shows it.
  std::vector<LunPlanReconciler::Failure>& failures_;
  std::map<std::string, LunPlanReconciler::Counted>& counted_;
  runtime::Result result_;
  // The reads wanted, by name: polled (else kept).
  std::map<std::string, std::pair<runtime::Read, bool>> wanted_;
  bool need_inventory_ = false;
  bool counting_ = false;  // failed calls are recorded: nothing else is tried
  std::vector<std::shared_ptr<const forklift::Migration>> migrations_;
  std::map<std::string, std::shared_ptr<const k8s::Lease>> leases_;  // by name
  std::vector<ports::ObjectPtr> held_;
  // The resourceVersion the pods, VMs and VMIs were read at (the oldest).
  int64_t users_rv_ = 0;
  // True when they were read no earlier than the last claim change seen.
  bool users_after_claims_ = false;
  const runtime::OvirtInventory* inventory_ = nullptr;
  std::string engine_error_;
  std::map<std::string, size_t> vm_by_id_, vm_by_name_;  // into inventory_->vms
  std::map<std::string, EngineView> views_;  // by VM id
  std::vector<std::string> notes_;
};

}  // namespace

std::vector<std::string> LunPlanReconciler::Kinds() const {
  return {kMigrationKind,          "Plan",           "PersistentVolume",
          "PersistentVolumeClaim", "DataVolume",     "VirtualMachine",
          "VirtualMachineInstance", "Pod",           "Lease"};
}

ports::Selector LunPlanReconciler::SelectorFor(absl::string_view kind) const {
  ports::Selector selector;
  if (kind == "Lease") selector.fields["metadata.namespace"] = options_.lock_namespace;
  return selector;
}

void LunPlanReconciler::AddIndexes(runtime::Cache& cache) const {
  cache.informer(kMigrationKind).AddIndex("uid", [](const google::protobuf::Message& m) {
    return std::vector<std::string>{ports::MetadataOf(m).uid()};
  });
  // Image copies by the VM they were made for, "namespace/vm id".
  cache.informer("DataVolume").AddIndex("source-vm", [](const google::protobuf::Message& m) {
    const k8s::ObjectMeta& meta = ports::MetadataOf(m);
    auto vm = meta.annotations().find(kSourceVmAnnotation);
    if (vm == meta.annotations().end()) return std::vector<std::string>{};
    return std::vector<std::string>{absl::StrCat(NsOf(meta), "/", vm->second)};
  });
  // VMs and VMIs by the claims their volumes name, "namespace/claim".
  auto claims_of = [](const k8s::ObjectMeta& meta,
                      const google::protobuf::RepeatedPtrField<kubevirt::Volume>& volumes) {
    std::vector<std::string> claims;
    const std::string ns = NsOf(meta);
    for (const kubevirt::Volume& v : volumes) {
      std::string claim = v.persistent_volume_claim().claim_name();
      if (claim.empty()) claim = v.data_volume().name();
      if (claim.empty()) claim = v.ephemeral().persistent_volume_claim().claim_name();
      if (!claim.empty()) claims.push_back(absl::StrCat(ns, "/", claim));
    }
    return claims;
  };
  cache.informer("VirtualMachine").AddIndex("claim", [claims_of](const google::protobuf::Message& m) {
    const auto& vm = static_cast<const kubevirt::VirtualMachine&>(m);
    return claims_of(vm.metadata(), vm.spec().template_().spec().volumes());
  });
  cache.informer("VirtualMachineInstance")
      .AddIndex("claim", [claims_of](const google::protobuf::Message& m) {
        const auto& vmi = static_cast<const kubevirt::VirtualMachineInstance&>(m);
        return claims_of(vmi.metadata(), vmi.spec().volumes());
      });
  // Live pods by the claims they mount, "namespace/claim".
  cache.informer("Pod").AddIndex("claim", [](const google::protobuf::Message& m) {
    const auto& pod = static_cast<const k8s::Pod&>(m);
    std::vector<std::string> claims;
    const std::string& phase = pod.status().phase();
    if (phase == "Succeeded" || phase == "Failed") return claims;
    const std::string ns = NsOf(pod.metadata());
    for (const auto& v : pod.spec().volumes()) {
      if (v.has_persistent_volume_claim()) {
        claims.push_back(absl::StrCat(ns, "/", v.persistent_volume_claim().claim_name()));
      }
    }
    return claims;
  });
}

void LunPlanReconciler::Wake(const runtime::Change& /*change*/, const runtime::Cache& cache,
                             std::vector<runtime::Key>& keys) const {
  std::set<std::string> running;
  for (const auto& [key, object] : cache.informer(kMigrationKind).objects()) {
    auto m = ports::As<forklift::Migration>(object);
    if (m != nullptr && m->status().completed().empty()) {
      running.insert(runtime::ToString(PlanOf(*m)));
    }
  }
  for (const auto& [key, object] : cache.informer(kPlanKind).objects()) {
    auto plan = ports::As<forklift::Plan>(object);
    if (plan == nullptr || !FromSourceProvider(*plan, options_.source_provider)) continue;
    if (!Validated(*plan) || running.count(KeyOf(plan->metadata())) > 0) keys.push_back(key);
  }
}

runtime::Result LunPlanReconciler::Reconcile(const runtime::Key& plan, const runtime::Cache& cache,
                                             absl::Time now) {
  // Another controller's plan (the simulator runs one engine: never).
  if (!options_.source_provider.empty()) {
    auto p = ports::As<forklift::Plan>(cache.Get(kPlanKind, plan));
    if (p != nullptr && !FromSourceProvider(*p, options_.source_provider)) return {};
  }
  std::vector<Failure>& failures = failed_[plan];
  std::map<std::string, Counted>& counted = counted_[plan];
  counted.clear();
  return PlanReconcile(cache, now, options_, plan, failures, counted, disks_of_vm_, memos_[plan],
                       stale_waits_)
      .Run(period_);
}

void LunPlanReconciler::EffectFailed(const runtime::Key& plan, const runtime::Effect& effect,
                                     const absl::Status& status) {
  auto calls = counted_.find(plan);
  if (calls == counted_.end()) return;
  auto call = calls->second.find(effect.what);
  if (call == calls->second.end()) return;
  // A call refused at its fence (the read was old) was not made: not counted.
  if (runtime::FencedOut(status)) return;
  failed_[plan].push_back(Failure{call->second, std::string(status.message())});
}

}  // namespace ferry::lun_migration
