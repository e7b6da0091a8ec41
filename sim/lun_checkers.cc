#include "sim/lun_checkers.h"

#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/cdi.pb.h"
#include "api/core.pb.h"
#include "api/forklift.pb.h"
#include "api/kubevirt.pb.h"
#include "api/names.h"
#include "core/lun_migration/lun_objects.h"
#include "core/ports/kube_api.h"
#include "fakes/san/fake_san.h"

namespace ferry::sim {
namespace {

// The API's contract, shared with the core: what marks an object a plan made.
using lun_migration::kPlanUidLabel;
using lun_migration::kSourceVmAnnotation;

// Forklift's phases of a VM that has ended.
constexpr char kFailed[] = "Failed";
constexpr char kCanceled[] = "Canceled";
bool Ended(const forklift::VMStatus& vm) {
  return vm.phase() == "Completed" || vm.phase() == kFailed || vm.phase() == kCanceled;
}

// KubeVirt's label on a launcher pod naming its VM.
constexpr char kLauncherOf[] = "kubevirt.io/vm";

std::string Ns(absl::string_view ns) { return std::string(api::NamespaceOrDefault(ns)); }

std::optional<std::string> InvalidMeta(absl::string_view kind, const k8s::ObjectMeta& meta) {
  std::vector<std::string> errors = kind == "VirtualMachine" || kind == "PersistentVolumeClaim"
                                        ? api::IsDns1123Label(meta.name())
                                        : api::IsDns1123Subdomain(meta.name());
  if (!errors.empty()) {
    return absl::StrCat(kind, " name \"", meta.name(), "\": ", absl::StrJoin(errors, "; "));
  }
  for (const auto& [key, value] : meta.labels()) {
    std::vector<std::string> k = api::IsQualifiedName(key);
    std::vector<std::string> v = api::IsValidLabelValue(value);
    if (!k.empty() || !v.empty()) {
      k.insert(k.end(), v.begin(), v.end());
      return absl::StrCat(kind, " ", meta.name(), " label ", key, "=\"", value,
                          "\": ", absl::StrJoin(k, "; "));
    }
  }
  return std::nullopt;
}

bool SameAttachment(const ovirt::DiskAttachment& a, const ovirt::DiskAttachment& b) {
  return a.interface() == b.interface() && a.bootable() == b.bootable() &&
         a.active() == b.active() && a.read_only() == b.read_only() &&
         a.uses_scsi_reservation() == b.uses_scsi_reservation();
}

// The kinds the plan makes for a VM, in the order lun-plan-cleanup names them.
constexpr const char* kMadeKinds[] = {"PersistentVolume", "PersistentVolumeClaim", "DataVolume",
                                      "VirtualMachine"};

// The object a mirror lookup found, typed; null when there is none. The
// mirror keeps the object alive.
template <typename T>
const T* Typed(const ports::ObjectPtr* object) {
  return object == nullptr ? nullptr : ports::As<T>(*object).get();
}

// "namespace/name" with the namespace defaulted, from an ApiMirror key.
std::string DefaultedKey(const std::string& key) {
  const size_t slash = key.find('/');
  return absl::StrCat(Ns(key.substr(0, slash)), "/", key.substr(slash + 1));
}

// Moves `key` from the set under `from` to the one under `to` in `index`.
void Move(std::map<std::string, std::set<std::string>>& index, const std::string& from,
          const std::string& to, const std::string& key) {
  if (from == to) return;
  if (!from.empty()) {
    auto it = index.find(from);
    if (it != index.end() && it->second.erase(key) > 0 && it->second.empty()) index.erase(it);
  }
  if (!to.empty()) index[to].insert(key);
}

}  // namespace

LunCheckers::LunCheckers(World& world)
    : world_(world),
      mirror_(world.api(), {"PersistentVolume", "PersistentVolumeClaim", "Pod", "DataVolume",
                            "VirtualMachine", "Migration", "Plan"}) {}

std::string LunCheckers::LunOfPv(const k8s::PersistentVolume& pv) const {
  const fakes::FakeSan& san = world_.san();
  if (pv.spec().has_fc()) {
    for (const std::string& wwid : pv.spec().fc().wwids()) {
      if (const fakes::FakeSan::Lun* lun = san.FindFc(wwid)) return lun->options.id;
    }
    return "";
  }
  if (pv.spec().has_iscsi()) {
    const k8s::ISCSIPersistentVolumeSource& iscsi = pv.spec().iscsi();
    const fakes::FakeSan::Lun* lun = san.FindIscsi(iscsi.target_portal(), iscsi.iqn(), iscsi.lun());
    return lun == nullptr ? "" : lun->options.id;
  }
  return "";
}

const std::vector<std::string>& LunCheckers::Names() {
  static const auto* names = new std::vector<std::string>{
      "lun-single-writer", "lun-plan-cleanup", "lun-source-restored", "lun-pv-claim",
      "lun-names-valid", "lun-one-run-per-vm"};
  return *names;
}

std::optional<Violation> LunCheckers::Check() {
  if (!world_.lun_world()) return std::nullopt;
  const int64_t rv = world_.api().resource_version();
  const uint64_t engine = world_.engine().changes();
  const size_t san = world_.san().journal().size();
  const size_t refused = world_.refused_as_invalid().size();
  if (rv == checked_rv_ && engine == checked_engine_ && san == checked_san_ &&
      refused == checked_refused_) {
    return std::nullopt;
  }
  checked_rv_ = rv;
  checked_engine_ = engine;
  checked_refused_ = refused;

  // lun-names-valid
  if (!world_.refused_as_invalid().empty()) {
    return Violation{"lun-names-valid", absl::StrCat("refused as invalid: ",
                                                     world_.refused_as_invalid().front())};
  }
  if (absl::Status synced = mirror_.Sync(); !synced.ok()) {
    return Violation{"harness", absl::StrCat("LUN checkers: ", synced.ToString())};
  }
  if (auto v = CheckNames()) return v;
  // The indexes follow the changed objects; the PVs and LUNs they touch, and
  // the LUNs whose holders changed on the SAN, are judged again.
  Dirty dirty;
  Reindex(&dirty);
  if (auto v = CheckPvClaims(dirty.pvs)) return v;
  if (auto v = CheckSingleWriter(dirty.luns)) return v;
  if (auto v = CheckOneRunPerVm()) return v;
  return CheckEndedVms();
}

// lun-names-valid, for the objects that changed.
std::optional<Violation> LunCheckers::CheckNames() const {
  for (const char* kind : kMadeKinds) {
    for (const std::string& key : mirror_.Changed(kind)) {
      const ports::ObjectPtr* object = mirror_.Find(kind, key);
      if (object == nullptr) continue;
      const k8s::ObjectMeta& meta = ports::MetadataOf(**object);
      if (!meta.labels().contains(kPlanUidLabel)) continue;
      if (auto bad = InvalidMeta(kind, meta)) return Violation{"lun-names-valid", *bad};
    }
  }

  return std::nullopt;
}

void LunCheckers::Reindex(Dirty* dirty) {
  for (int k = 0; k < 4; ++k) {
    for (const std::string& key : mirror_.Changed(kMadeKinds[k])) {
      const ports::ObjectPtr* object = mirror_.Find(kMadeKinds[k], key);
      std::string owner;
      if (object != nullptr) {
        const k8s::ObjectMeta& meta = ports::MetadataOf(**object);
        auto plan = meta.labels().find(kPlanUidLabel);
        auto vm = meta.annotations().find(kSourceVmAnnotation);
        if (plan != meta.labels().end() && vm != meta.annotations().end()) {
          owner = absl::StrCat(plan->second, " ", vm->second);
        }
      }
      const std::string entry = absl::StrCat(k, " ", key);  // sorts by kind, then key
      std::string& was = owner_of_[entry];
      Move(made_by_, was, owner, entry);
      was = owner;
    }
  }
  for (const std::string& key : mirror_.Changed("PersistentVolume")) {
    const auto* pv = Typed<k8s::PersistentVolume>(mirror_.Find("PersistentVolume", key));
    const std::string name = key.substr(key.find('/') + 1);
    const std::string lun = pv != nullptr ? LunOfPv(*pv) : "";
    std::string& was = lun_of_pv_[name];
    if (!was.empty()) dirty->luns.insert(was);
    if (!lun.empty()) dirty->luns.insert(lun);
    Move(pvs_of_lun_, was, lun, name);
    was = lun;
    dirty->pvs.insert(name);
  }
  for (const std::string& key : mirror_.Changed("PersistentVolumeClaim")) {
    const auto* pvc = Typed<k8s::PersistentVolumeClaim>(mirror_.Find("PersistentVolumeClaim", key));
    const std::string bound =
        pvc != nullptr && pvc->status().phase() == "Bound" ? pvc->spec().volume_name() : "";
    const std::string claim = DefaultedKey(key);
    std::string& was = pv_of_claim_[claim];
    if (!was.empty()) dirty->pvs.insert(was);
    if (!bound.empty()) dirty->pvs.insert(bound);
    Move(claims_of_pv_, was, bound, claim);
    was = bound;
  }
  // The LUNs someone opened or closed since the last check.
  const std::vector<std::string>& journal = world_.san().journal();
  dirty->luns.insert(journal.begin() + static_cast<std::ptrdiff_t>(checked_san_), journal.end());
  checked_san_ = journal.size();
}

// lun-pv-claim, for the PVs touched.
std::optional<Violation> LunCheckers::CheckPvClaims(const std::set<std::string>& dirty_pvs) const {
  for (const std::string& name : dirty_pvs) {
    const auto* pv = Typed<k8s::PersistentVolume>(mirror_.Find("PersistentVolume", absl::StrCat("/", name)));
    if (pv == nullptr || (!pv->spec().has_iscsi() && !pv->spec().has_fc())) continue;
    auto claims = claims_of_pv_.find(name);
    if (claims == claims_of_pv_.end()) continue;
    const auto& ref = pv->spec().claim_ref();
    for (const std::string& claim : claims->second) {
      const size_t slash = claim.find('/');
      const std::string ns = claim.substr(0, slash), claim_name = claim.substr(slash + 1);
      const auto* pvc = Typed<k8s::PersistentVolumeClaim>(
          FindNamespaced("PersistentVolumeClaim", ns, claim_name));
      const std::string uid = pvc != nullptr ? pvc->metadata().uid() : "";
      const bool intended = !ref.name().empty() && ref.name() == claim_name &&
                            Ns(ref.namespace_()) == ns && (ref.uid().empty() || ref.uid() == uid);
      if (!intended) {
        return Violation{"lun-pv-claim",
                         absl::StrCat("LUN PersistentVolume ", name, " is bound to claim ", claim,
                                      " but its claimRef names ",
                                      ref.name().empty() ? "no claim"
                                                         : absl::StrCat(Ns(ref.namespace_()), "/", ref.name()))};
      }
    }
  }

  return std::nullopt;
}

// lun-single-writer, for the LUNs touched.
std::optional<Violation> LunCheckers::CheckSingleWriter(const std::set<std::string>& dirty_luns) {
  const fakes::FakeSan& san = world_.san();
  const std::map<std::string, Cluster::Mounted>& mounted = world_.cluster().mounted();
  for (const std::string& lun : dirty_luns) {
    if (auto served = pvs_of_lun_.find(lun);
        served != pvs_of_lun_.end() && served->second.size() > 1) {
      return Violation{"lun-single-writer",
                       absl::StrCat("LUN ", lun, " is served by ", served->second.size(),
                                    " PersistentVolumes: ", absl::StrJoin(served->second, ", "))};
    }
    std::vector<std::string> vms;   // oVirt VMs holding it, with their power state
    std::map<std::string, std::string> pods;  // pods logged in: which VM's -> "pod on node"
    for (const fakes::FakeSan::Opener& o : san.OpenersOf(lun)) {
      if (o.kind == "ovirt-vm") {
        std::optional<ovirt::Vm> vm = world_.engine().VmForTest(o.id);
        vms.push_back(absl::StrCat(o.id, " (", vm.has_value() ? vm->status() : "gone", ")"));
        continue;
      }
      // Pods of one VM (its launchers) are one user; any other pod is its own.
      std::string user = o.id;
      const size_t slash = o.id.find('/');
      if (const auto* pod = Typed<k8s::Pod>(mirror_.Find("Pod", o.id))) {
        auto vm = pod->metadata().labels().find(kLauncherOf);
        if (vm != pod->metadata().labels().end()) {
          user = absl::StrCat("VM ", o.id.substr(0, slash), "/", vm->second);
        }
      }
      std::string via;
      if (auto m = mounted.find(o.id); m != mounted.end()) {
        via = absl::StrCat(" (claims ", absl::StrJoin(m->second.claims, ", "), ")");
      }
      pods.emplace(user, absl::StrCat("pod ", o.id, " on node ", o.node, via));
    }
    if (pods.size() > 1) {
      std::vector<std::string> users;
      for (const auto& [user, pod] : pods) users.push_back(pod);
      return Violation{"lun-single-writer", absl::StrCat("LUN ", lun, " is held by ",
                                                         absl::StrJoin(users, " and "), " at once")};
    }
    // A pod's node holds it: no oVirt VM may hold it, running or not (a
    // down VM that still has it attached is one start away from a second
    // writer; the plan detaches before it makes any PV).
    if (!pods.empty() && !vms.empty()) {
      return Violation{"lun-single-writer",
                       absl::StrCat("LUN ", lun, " is held by ", pods.begin()->second,
                                    " while attached to oVirt VM(s) ", absl::StrJoin(vms, ", "))};
    }
  }

  return std::nullopt;
}

// lun-one-run-per-vm, for the runs that changed.
std::optional<Violation> LunCheckers::CheckOneRunPerVm() {
  std::set<std::string> touched_vms;
  for (const std::string& key : mirror_.Changed("Migration")) {
    const auto* m = Typed<forklift::Migration>(mirror_.Find("Migration", key));
    const std::string run = DefaultedKey(key);
    std::set<std::string> active;
    if (m != nullptr) {
      for (const forklift::VMStatus& vm : m->status().vms()) {
        if (!vm.phase().empty() && !Ended(vm)) active.insert(vm.id());
      }
    }
    std::set<std::string>& was = vms_of_run_[run];
    for (const std::string& vm : was) Move(runs_of_vm_, vm, "", run);
    for (const std::string& vm : active) Move(runs_of_vm_, "", vm, run);
    touched_vms.insert(active.begin(), active.end());
    was = std::move(active);
  }
  for (const std::string& vm : touched_vms) {
    auto runs = runs_of_vm_.find(vm);
    if (runs == runs_of_vm_.end() || runs->second.size() < 2) continue;
    const std::string& first = *runs->second.begin();
    const std::string& second = *std::next(runs->second.begin());
    std::string phase;
    const size_t slash = second.find('/');
    if (const auto* m = Typed<forklift::Migration>(
            FindNamespaced("Migration", second.substr(0, slash), second.substr(slash + 1)))) {
      for (const forklift::VMStatus& s : m->status().vms()) {
        if (s.id() == vm) phase = s.phase();
      }
    }
    return Violation{"lun-one-run-per-vm",
                     absl::StrCat("VM ", vm, " is being migrated by migration ", first,
                                  " and by migration ", second, " (", phase, ")")};
  }

  return std::nullopt;
}

// lun-plan-cleanup and lun-source-restored, judged when a VM's part ends.
std::optional<Violation> LunCheckers::CheckEndedVms() {
  for (const std::string& key : mirror_.Changed("Migration")) {
    const auto* m = Typed<forklift::Migration>(mirror_.Find("Migration", key));
    if (m == nullptr) continue;
    const std::string ns = Ns(m->metadata().namespace_());
    const std::string plan_ns =
        m->spec().plan().namespace_().empty() ? ns : m->spec().plan().namespace_();
    const auto* plan = Typed<forklift::Plan>(FindNamespaced("Plan", plan_ns, m->spec().plan().name()));
    const std::string uid = plan != nullptr ? plan->metadata().uid() : "";
    for (const forklift::VMStatus& vm : m->status().vms()) {
      if (vm.phase() != kFailed && vm.phase() != kCanceled) continue;
      const std::string ended = absl::StrCat(ns, "/", m->metadata().name(), " VM ", vm.id());
      if (!ended_.insert(ended).second) continue;
      const std::string who = absl::StrCat("migration ", ended, " ended ", vm.phase());
      if (!uid.empty()) {
        auto left = made_by_.find(absl::StrCat(uid, " ", vm.id()));
        if (left != made_by_.end() && !left->second.empty()) {
          const std::string& entry = *left->second.begin();  // "<kind index> ns/name"
          const int kind = entry[0] - '0';
          return Violation{"lun-plan-cleanup",
                           absl::StrCat(who, " but its ", kMadeKinds[kind], " ",
                                        entry.substr(entry.find('/') + 1), " is left")};
        }
      }

      if (vm.lun_attachments().empty() && vm.restore_power_state().empty()) continue;
      std::optional<ovirt::Vm> source = world_.engine().VmForTest(vm.id());
      if (!source.has_value()) continue;
      for (const ovirt::DiskAttachment& want : vm.lun_attachments()) {
        const ovirt::DiskAttachment* have = nullptr;
        for (const auto& a : source->disk_attachments().disk_attachment()) {
          if (a.id() == want.id()) have = &a;
        }
        if (have == nullptr || !SameAttachment(*have, want)) {
          return Violation{"lun-source-restored",
                           absl::StrCat(who, " but LUN disk ", want.id(), " is ",
                                        have == nullptr ? "not attached to" : "attached differently to",
                                        " VM ", source->name(), " (recorded: ", want.ShortDebugString(),
                                        ")")};
        }
      }
      if (!vm.restore_power_state().empty() && source->status() != vm.restore_power_state()) {
        return Violation{"lun-source-restored",
                         absl::StrCat(who, " but VM ", source->name(), " is ", source->status(),
                                      ", recorded ", vm.restore_power_state())};
      }
    }
  }
  return std::nullopt;
}

// An object by namespace (defaulted as Ns does) and name.
const ports::ObjectPtr* LunCheckers::FindNamespaced(absl::string_view kind, const std::string& ns,
                                                   const std::string& name) const {
  if (const ports::ObjectPtr* o = mirror_.Find(kind, absl::StrCat(ns, "/", name))) return o;
  return ns == Ns("") ? mirror_.Find(kind, absl::StrCat("/", name)) : nullptr;
}

}  // namespace ferry::sim
