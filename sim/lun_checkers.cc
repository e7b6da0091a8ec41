#include "sim/lun_checkers.h"

#include <map>
#include <memory>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/cdi.pb.h"
#include "api/core.pb.h"
#include "api/forklift.pb.h"
#include "api/kubevirt.pb.h"
#include "api/names.h"
#include "core/lun_migration/lun_objects.h"
#include "core/lun_migration/plan_step.h"
#include "core/ports/kube_api.h"

namespace ferry::sim {
namespace {

using lun_migration::kPlanUidLabel;

std::string Ns(absl::string_view ns) { return std::string(api::NamespaceOrDefault(ns)); }

template <typename T>
std::vector<std::shared_ptr<const T>> All(World& world, absl::string_view kind) {
  absl::StatusOr<std::vector<std::shared_ptr<const T>>> list = ports::ListAll<T>(world.api(), kind);
  return list.ok() ? *list : std::vector<std::shared_ptr<const T>>{};
}

std::string UnitLun(const ovirt::Disk& disk, const ovirt::LogicalUnit& lu) {
  if (disk.lun_storage().type() == "fcp") return absl::StrCat("fc:", lu.id());
  return absl::StrCat("iscsi:", lu.target(), "/", lu.lun_mapping());
}

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

}  // namespace

const std::map<std::string, LunCheckers::EngineLun>& LunCheckers::EngineLuns() {
  const auto& disks = world_.engine().disks_for_test();
  if (engine_luns_disks_ != disks.size()) {  // disks are only ever added
    engine_luns_.clear();
    for (const auto& [disk_id, disk] : disks) {
      for (const auto& lu : disk.lun_storage().logical_units().logical_unit()) {
        engine_luns_.emplace(UnitLun(disk, lu), EngineLun{disk_id, lu.id()});
      }
    }
    engine_luns_disks_ = disks.size();
  }
  return engine_luns_;
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
  const size_t refused = world_.refused_as_invalid().size();
  if (rv == checked_rv_ && engine == checked_engine_ && refused == checked_refused_) {
    return std::nullopt;
  }
  checked_rv_ = rv;
  checked_engine_ = engine;
  checked_refused_ = refused;
  const auto pvs = All<k8s::PersistentVolume>(world_, "PersistentVolume");
  const auto pvcs = All<k8s::PersistentVolumeClaim>(world_, "PersistentVolumeClaim");
  const auto pods = All<k8s::Pod>(world_, "Pod");
  const auto dvs = All<cdi::DataVolume>(world_, "DataVolume");
  const auto vms = All<kubevirt::VirtualMachine>(world_, "VirtualMachine");

  // lun-names-valid
  if (!world_.refused_as_invalid().empty()) {
    return Violation{"lun-names-valid", absl::StrCat("refused as invalid: ",
                                                     world_.refused_as_invalid().front())};
  }
  // An object is judged once per version: those unchanged since the last
  // check were judged then.
  const int64_t names_from = names_checked_rv_;
  names_checked_rv_ = rv;
  auto check_meta = [&](absl::string_view kind,
                        const k8s::ObjectMeta& meta) -> std::optional<std::string> {
    int64_t version = 0;
    if (absl::SimpleAtoi(meta.resource_version(), &version) && version <= names_from) {
      return std::nullopt;
    }
    return meta.labels().contains(kPlanUidLabel) ? InvalidMeta(kind, meta) : std::nullopt;
  };
  for (const auto& o : pvs) {
    if (auto bad = check_meta("PersistentVolume", o->metadata())) return Violation{"lun-names-valid", *bad};
  }
  for (const auto& o : pvcs) {
    if (auto bad = check_meta("PersistentVolumeClaim", o->metadata())) return Violation{"lun-names-valid", *bad};
  }
  for (const auto& o : dvs) {
    if (auto bad = check_meta("DataVolume", o->metadata())) return Violation{"lun-names-valid", *bad};
  }
  for (const auto& o : vms) {
    if (auto bad = check_meta("VirtualMachine", o->metadata())) return Violation{"lun-names-valid", *bad};
  }

  // lun-pv-claim
  std::map<std::string, std::vector<std::string>> pvs_of_lun;  // LUN -> PV names
  std::map<std::string, std::vector<const k8s::PersistentVolumeClaim*>> bound_to;  // PV -> claims
  for (const auto& pvc : pvcs) {
    if (pvc->status().phase() == "Bound") bound_to[pvc->spec().volume_name()].push_back(pvc.get());
  }
  std::map<std::string, std::string> pv_lun;  // PV name -> its LUN ("" for none)
  for (const auto& pv : pvs) {
    const std::string& lun = pv_lun[pv->metadata().name()] = lun_migration::PvLunKey(*pv);
    if (lun.empty()) continue;
    pvs_of_lun[lun].push_back(pv->metadata().name());
    const auto& ref = pv->spec().claim_ref();
    auto claims = bound_to.find(pv->metadata().name());
    if (claims == bound_to.end()) continue;
    for (const k8s::PersistentVolumeClaim* pvc : claims->second) {
      const bool intended = !ref.name().empty() && ref.name() == pvc->metadata().name() &&
                            Ns(ref.namespace_()) == Ns(pvc->metadata().namespace_()) &&
                            (ref.uid().empty() || ref.uid() == pvc->metadata().uid());
      if (!intended) {
        return Violation{"lun-pv-claim",
                         absl::StrCat("LUN PersistentVolume ", pv->metadata().name(),
                                      " is bound to claim ", Ns(pvc->metadata().namespace_()), "/",
                                      pvc->metadata().name(), " but its claimRef names ",
                                      ref.name().empty() ? "no claim"
                                                         : absl::StrCat(Ns(ref.namespace_()), "/", ref.name()))};
      }
    }
  }

  // lun-single-writer
  std::map<std::string, std::string> claim_pv;  // "ns/claim" -> bound PV
  for (const auto& pvc : pvcs) {
    if (pvc->status().phase() == "Bound") {
      claim_pv[absl::StrCat(Ns(pvc->metadata().namespace_()), "/", pvc->metadata().name())] =
          pvc->spec().volume_name();
    }
  }
  std::map<std::string, std::set<std::string>> pod_users;  // LUN -> running pods
  for (const auto& pod : pods) {
    if (pod->status().phase() != "Running") continue;
    const std::string ns = Ns(pod->metadata().namespace_());
    for (const auto& v : pod->spec().volumes()) {
      if (!v.has_persistent_volume_claim()) continue;
      auto pv = claim_pv.find(absl::StrCat(ns, "/", v.persistent_volume_claim().claim_name()));
      if (pv == claim_pv.end()) continue;
      auto lun = pv_lun.find(pv->second);
      if (lun != pv_lun.end() && !lun->second.empty()) {
        pod_users[lun->second].insert(absl::StrCat(ns, "/", pod->metadata().name()));
      }
    }
  }
  // Only LUNs served by two PVs or used by a running pod can break it.
  const std::map<std::string, EngineLun>& engine_luns = EngineLuns();
  for (const auto& [lun, served] : pvs_of_lun) {
    if (served.size() < 2) continue;
    auto at = engine_luns.find(lun);
    if (at == engine_luns.end()) continue;  // not a LUN of the engine
    return Violation{"lun-single-writer",
                     absl::StrCat("LUN ", lun, " (disk ", at->second.disk_id, ") is served by ",
                                  served.size(), " PersistentVolumes: ",
                                  absl::StrJoin(served, ", "))};
  }
  // The engine's holders of each LUN, read once and only when a pod runs on one.
  std::optional<std::map<std::string, std::vector<fakes::FakeEngine::LunHolder>>> holders_of;
  for (const auto& [lun, k8s_users] : pod_users) {
    auto at = engine_luns.find(lun);
    if (at == engine_luns.end()) continue;  // not a LUN of the engine
    const EngineLun& unit = at->second;
    if (k8s_users.size() > 1) {
      return Violation{"lun-single-writer",
                       absl::StrCat("LUN ", lun, " (disk ", unit.disk_id, ") is in use by pods [",
                                    absl::StrJoin(k8s_users, ", "), "] at once")};
    }
    // A pod runs on the LUN: no oVirt VM may hold it, running or not (a
    // down VM that still has it attached is one start away from a second
    // writer; the plan detaches before it makes any PV).
    std::vector<std::string> holders;
    if (!holders_of.has_value()) holders_of = world_.engine().LunHolders();
    if (auto held = holders_of->find(unit.unit_id); held != holders_of->end()) {
      for (const fakes::FakeEngine::LunHolder& h : held->second) {
        holders.push_back(absl::StrCat(h.vm_id, " (", h.status, ")"));
      }
    }
    if (!holders.empty()) {
      return Violation{"lun-single-writer",
                       absl::StrCat("LUN ", lun, " (disk ", unit.disk_id, ") is in use by pod ",
                                    *k8s_users.begin(), " while still attached to oVirt VM(s) ",
                                    absl::StrJoin(holders, ", "))};
    }
  }

  // lun-one-run-per-vm
  const auto migrations = All<forklift::Migration>(world_, "Migration");
  std::map<std::string, std::string> run_of_vm;  // source VM id -> the run migrating it
  for (const auto& m : migrations) {
    const std::string run = absl::StrCat(Ns(m->metadata().namespace_()), "/", m->metadata().name());
    for (const forklift::VMStatus& vm : m->status().vms()) {
      if (vm.phase().empty() || lun_migration::VmEnded(vm)) continue;
      auto [at, inserted] = run_of_vm.emplace(vm.id(), run);
      if (!inserted) {
        return Violation{"lun-one-run-per-vm",
                         absl::StrCat("VM ", vm.id(), " is being migrated by migration ", at->second,
                                      " and by migration ", run, " (", vm.phase(), ")")};
      }
    }
  }

  // lun-plan-cleanup and lun-source-restored, judged when a VM's part ends.
  std::map<std::string, std::string> plan_uid;  // "ns/plan" -> uid
  for (const auto& p : All<forklift::Plan>(world_, "Plan")) {
    plan_uid[absl::StrCat(Ns(p->metadata().namespace_()), "/", p->metadata().name())] =
        p->metadata().uid();
  }
  for (const auto& m : migrations) {
    const std::string ns = Ns(m->metadata().namespace_());
    const std::string plan_ns =
        m->spec().plan().namespace_().empty() ? ns : m->spec().plan().namespace_();
    const std::string uid = plan_uid[absl::StrCat(plan_ns, "/", m->spec().plan().name())];
    for (const forklift::VMStatus& vm : m->status().vms()) {
      if (vm.phase() != lun_migration::kFailed && vm.phase() != lun_migration::kCanceled) continue;
      const std::string key = absl::StrCat(ns, "/", m->metadata().name(), " VM ", vm.id());
      if (!ended_.insert(key).second) continue;
      const std::string who = absl::StrCat("migration ", key, " ended ", vm.phase());
      auto left = [&](absl::string_view kind, const k8s::ObjectMeta& meta) -> std::optional<Violation> {
        if (uid.empty() || !lun_migration::MadeByPlan(meta, uid, vm.id())) return std::nullopt;
        return Violation{"lun-plan-cleanup",
                         absl::StrCat(who, " but its ", kind, " ", meta.name(), " is left")};
      };
      for (const auto& o : pvs) if (auto v = left("PersistentVolume", o->metadata())) return v;
      for (const auto& o : pvcs) if (auto v = left("PersistentVolumeClaim", o->metadata())) return v;
      for (const auto& o : dvs) if (auto v = left("DataVolume", o->metadata())) return v;
      for (const auto& o : vms) if (auto v = left("VirtualMachine", o->metadata())) return v;

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

}  // namespace ferry::sim
