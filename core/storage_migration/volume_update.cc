#include "core/storage_migration/volume_update.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "api/conditions.h"
#include "api/names.h"
#include "api/volumes.h"
#include "base/fnv.h"

namespace ferry::storage_migration {
namespace {

using VMIM = kubevirt::VirtualMachineInstanceMigration;

bool Terminal(absl::string_view phase) { return phase == "Succeeded" || phase == "Failed"; }

std::vector<VolumeChange> PairsOf(const VMIM& m) {
  std::vector<VolumeChange> out;
  for (const auto& p : m.spec().local_storage_migration().migrate_non_shared_disks()) {
    out.push_back({"", p.source_pvc(), p.destination_pvc()});
  }
  return out;
}

// The same claims moved, whatever the volumes' names.
bool SamePairs(const std::vector<VolumeChange>& a, const std::vector<VolumeChange>& b) {
  auto key = [](const std::vector<VolumeChange>& v) {
    std::set<std::pair<std::string, std::string>> s;
    for (const VolumeChange& c : v) s.emplace(c.source, c.destination);
    return s;
  };
  return a.size() == b.size() && key(a) == key(b);
}

kubevirt::PersistentVolumeClaimInfo ClaimInfo(const ClusterView& view, absl::string_view ns,
                                              const std::string& claim) {
  kubevirt::PersistentVolumeClaimInfo info;
  info.set_claim_name(claim);
  const k8s::PersistentVolumeClaim* pvc = view.FindPvc(ns, claim);
  if (pvc == nullptr) return info;
  *info.mutable_access_modes() = pvc->spec().access_modes();
  info.set_volume_mode(pvc->spec().has_volume_mode() ? pvc->spec().volume_mode() : "Filesystem");
  for (const auto& [k, v] : pvc->status().capacity()) (*info.mutable_capacity())[k] = v;
  for (const auto& [k, v] : pvc->spec().resources().requests()) (*info.mutable_requests())[k] = v;
  return info;
}

std::string Describe(const std::vector<VolumeChange>& changes) {
  return absl::StrJoin(changes, ", ", [](std::string* out, const VolumeChange& c) {
    absl::StrAppend(out, c.volume, " (", c.source, " -> ", c.destination, ")");
  });
}

class Decision {
 public:
  Decision(const kubevirt::VirtualMachine& vm, const kubevirt::VirtualMachineInstance& vmi,
           const ClusterView& view, absl::Time now)
      : vm_(vm), vmi_(vmi), view_(view), now_(now),
        ns_(api::NamespaceOrDefault(vm.metadata().namespace_())), status_(vmi.status()) {}

  std::vector<KubeAction> Run() {
    changes_ = ChangedVolumes(vmi_.spec(), vm_.spec().template_().spec());
    const std::vector<VolumeChange>& changes = changes_;
    const std::string label = VolumeUpdateLabelValue(vmi_);
    std::vector<const VMIM*> mine;
    for (const auto& m : view_.migrations) {
      if (api::NamespaceOrDefault(m->metadata().namespace_()) != ns_) continue;
      auto it = m->metadata().labels().find(kVolumeUpdateLabel);
      if (it != m->metadata().labels().end() && it->second == label) mine.push_back(m.get());
    }
    const VMIM* active = nullptr;
    for (const VMIM* m : mine) {
      if (!Terminal(m->status().phase()) && m->metadata().deletion_timestamp().empty()) active = m;
    }
    const std::vector<std::string> container_disks = ContainerDisksEdited();
    if (active != nullptr) {
      InFlight(*active, changes);
    } else if (!container_disks.empty()) {
      refused_ = true;
      RefuseContainerDisks(container_disks);
    } else if (!changes.empty()) {
      Start(mine, changes);
    } else if (const k8s::Condition* c = api::FindCondition(status_.conditions(), kVolumesChange);
               c != nullptr && (c->status() == "True" || c->reason() == kVolumesChangeFailed)) {
      // Nothing is changing any more: the VMI runs on what the VM names (a
      // move completed, or the user reverted after a failure).
      if (c->reason() == kVolumesChangeFailed) status_.clear_migrated_volumes();
      api::RemoveCondition(status_.mutable_conditions(), kVolumesChange);
      what_ = "settled";
    }
    std::vector<KubeAction> out;
    if (status_.SerializeAsString() != vmi_.status().SerializeAsString()) {
      kubevirt::VirtualMachineInstance vmi = vmi_;
      *vmi.mutable_status() = status_;
      out.push_back(UpdateStatus(vmi, absl::StrCat("volume update: ", what_)));
    }
    // A create goes before the status that reports it (a restart finds the
    // migration by its name); a cancel's status before the delete (a restart
    // finds the migration still there and deletes it again).
    out.insert(status_first_ ? out.end() : out.begin(), actions_.begin(), actions_.end());
    // The VM's record before all: armed before a copy can begin, so a VMI
    // that disappears from then on is never restarted from a template
    // naming claims without the guest's data.
    if (std::optional<KubeAction> record = Record(refused_ ? std::vector<VolumeChange>{} : changes)) {
      out.insert(out.begin(), *record);
    }
    return out;
  }

 private:
  // "volume (claim)" of the template's volumes standing on a claim where
  // the VMI's volume of that name is a containerDisk.
  std::vector<std::string> ContainerDisksEdited() const {
    std::vector<std::string> out;
    for (const kubevirt::Volume& v : vm_.spec().template_().spec().volumes()) {
      const std::optional<std::string> claim = api::ClaimOf(v);
      if (!claim) continue;
      for (const kubevirt::Volume& running : vmi_.spec().volumes()) {
        if (running.name() == v.name() && running.has_container_disk()) {
          out.push_back(absl::StrCat("{sourceVolume: ", v.name(), ", destinationPvc: ", *claim, "}"));
        }
      }
    }
    return out;
  }

  // KubeVirt's volume update moves claims only; a container disk edited to
  // a claim is refused as a whole, with the migration that does move it.
  void RefuseContainerDisks(const std::vector<std::string>& pairs) {
    Set("False", kVolumesChangeFailed,
        absl::StrCat("refused: a volume update moves claims only, and the VMI runs on a "
                     "containerDisk where the VM now names a claim; move it live with a "
                     "VirtualMachineInstanceMigration naming ",
                     absl::StrJoin(pairs, ", "),
                     " (or revert the VM's volumes); until then a restart of the VM boots "
                     "from the claim"),
        "refused a containerDisk edited to a claim");
  }

  void InFlight(const VMIM& m, const std::vector<VolumeChange>& changes) {
    const std::vector<VolumeChange> pairs = PairsOf(m);
    const std::string name = m.metadata().name();
    if (m.status().switchover().side() == "Destination") {
      // A recorded decision is carried out, never reversed (a revert that
      // lost the race with it has its delete refused: reported again here).
      SetMigrated(Moving(pairs));
      Set("True", "", absl::StrCat("migration ", name,
                                   " recorded the switchover to the destinations: the VM moves "
                                   "to them; a change of its volumes since is a new change "
                                   "once it completes"),
          "switchover recorded");
      return;
    }
    if (SamePairs(changes, pairs)) {
      SetMigrated(changes);
      Set("True", "", absl::StrCat("migrating ", Describe(changes), " with migration ", name),
          "migrating");
      return;
    }
    if (changes.empty()) {  // every volume names the claim the VMI runs on: reverted
      // Only as read: a switchover recorded since refuses the delete.
      actions_.push_back(Delete({"VirtualMachineInstanceMigration", ns_, name},
                                absl::StrCat("volume update reverted: cancel ", name),
                                m.metadata().resource_version()));
      status_first_ = true;
      status_.clear_migrated_volumes();
      Set("False", kVolumesChangeCancellation,
          absl::StrCat("the VM's volumes were reverted: migration ", name, " cancelled"),
          "cancelled");
      return;
    }
    Set("True", "",
        absl::StrCat("migrating with migration ", name,
                     "; refused: the VM's volumes changed again (", Describe(changes),
                     "): during a volume migration they can only be reverted to the previous "
                     "claims, all of them"),
        "refused a new target set");
  }

  void Start(const std::vector<const VMIM*>& mine, const std::vector<VolumeChange>& changes) {
    const std::string name =
        VolumeUpdateMigrationName(vmi_, changes, vm_.metadata().generation());
    for (const VMIM* m : mine) {
      // A cancelled one still stopping its copy: admission would refuse a
      // second migration of the VMI now, and a refusal is never retried.
      if (!m->metadata().deletion_timestamp().empty() && !Terminal(m->status().phase())) return;
    }
    for (const VMIM* m : mine) {
      if (m->metadata().name() != name) continue;
      if (!m->metadata().deletion_timestamp().empty()) return;  // gone soon: then again
      if (m->status().phase() == "Failed") {
        SetMigrated(changes);
        std::string why = m->status().migration_state().failure_reason();
        for (const k8s::Condition& c : m->status().conditions()) {
          if (c.type() == "Failed" && c.status() == "True") {
            why = absl::StrCat(c.reason(), ": ", c.message());
          }
        }
        Set("False", kVolumesChangeFailed,
            absl::StrCat("migration ", name, " failed (", why,
                         "); revert the VM's volumes, or delete ", name, " to try again"),
            "failed");
      }
      return;
    }
    if (vmi_.status().phase() != "Running" || vmi_.status().node_name().empty() ||
        !vmi_.metadata().deletion_timestamp().empty()) {
      return;  // a VMI not running takes the template when it starts
    }
    VMIM m;
    m.set_api_version("kubevirt.io/v1");
    m.set_kind("VirtualMachineInstanceMigration");
    m.mutable_metadata()->set_name(name);
    m.mutable_metadata()->set_namespace_(ns_);
    (*m.mutable_metadata()->mutable_labels())[kVolumeUpdateLabel] = VolumeUpdateLabelValue(vmi_);
    (*m.mutable_metadata()->mutable_annotations())[kWorkloadUpdateAnnotation] = "";
    m.mutable_spec()->set_vmi_name(vmi_.metadata().name());
    for (const VolumeChange& c : changes) {
      auto* pair = m.mutable_spec()->mutable_local_storage_migration()->add_migrate_non_shared_disks();
      pair->set_source_pvc(c.source);
      pair->set_destination_pvc(c.destination);
    }
    actions_.push_back(Create(m, absl::StrCat("volume update: migrate ", Describe(changes))));
    SetMigrated(changes);
    Set("True", "", absl::StrCat("migrating ", Describe(changes), " with migration ", name),
        "migrating");
  }

  // KubeVirt's status.volumeUpdateState on the VM: what moves while the
  // VolumesChange condition is True, else the volumes whose template claim
  // the VMI does not run on (a failed move, one not started yet); none once
  // the VMI runs on what the template names.
  std::optional<KubeAction> Record(const std::vector<VolumeChange>& changes) const {
    kubevirt::VirtualMachineStatus status = vm_.status();
    status.clear_volume_update_state();
    const k8s::Condition* c = api::FindCondition(status_.conditions(), kVolumesChange);
    kubevirt::VolumeMigrationState* state =
        status.mutable_volume_update_state()->mutable_volume_migration_state();
    if (c != nullptr && c->status() == "True") {
      *state->mutable_migrated_volumes() = status_.migrated_volumes();
    } else {
      for (const VolumeChange& change : changes) {
        kubevirt::StorageMigratedVolumeInfo* info = state->add_migrated_volumes();
        info->set_volume_name(change.volume);
        *info->mutable_source_pvc_info() = ClaimInfo(view_, ns_, change.source);
        *info->mutable_destination_pvc_info() = ClaimInfo(view_, ns_, change.destination);
      }
    }
    if (state->migrated_volumes().empty()) status.clear_volume_update_state();
    if (status.SerializeAsString() == vm_.status().SerializeAsString()) return std::nullopt;
    kubevirt::VirtualMachine vm = vm_;
    *vm.mutable_status() = status;
    return UpdateStatus(vm, status.has_volume_update_state()
                                ? "volume update: record what moves on the VM"
                                : "volume update: the VMI runs on what the VM names");
  }

  // `pairs` with the names of the VMI's volumes standing on their source or
  // (switched) destination.
  std::vector<VolumeChange> Moving(const std::vector<VolumeChange>& pairs) const {
    std::vector<VolumeChange> out;
    for (const VolumeChange& p : pairs) {
      for (const kubevirt::Volume& v : vmi_.spec().volumes()) {
        const std::optional<std::string> claim = api::ClaimOf(v);
        if (claim == p.source || claim == p.destination) {
          out.push_back({v.name(), p.source, p.destination});
          break;
        }
      }
    }
    return out;
  }

  void SetMigrated(const std::vector<VolumeChange>& changes) {
    status_.clear_migrated_volumes();
    for (const VolumeChange& c : changes) {
      kubevirt::StorageMigratedVolumeInfo* info = status_.add_migrated_volumes();
      info->set_volume_name(c.volume);
      *info->mutable_source_pvc_info() = ClaimInfo(view_, ns_, c.source);
      *info->mutable_destination_pvc_info() = ClaimInfo(view_, ns_, c.destination);
    }
  }

  void Set(const std::string& value, const std::string& reason, const std::string& message,
           const std::string& what) {
    api::SetCondition(status_.mutable_conditions(), kVolumesChange, value, reason, message, now_);
    what_ = what;
  }

  const kubevirt::VirtualMachine& vm_;
  const kubevirt::VirtualMachineInstance& vmi_;
  const ClusterView& view_;
  const absl::Time now_;
  const std::string ns_;
  kubevirt::VirtualMachineInstanceStatus status_;
  std::vector<KubeAction> actions_;
  std::vector<VolumeChange> changes_;
  bool refused_ = false;  // a containerDisk edited to a claim
  bool status_first_ = false;
  std::string what_ = "settled";
};

// The VMI is gone while the VM's record says volumes were moving: KubeVirt
// would require manual recovery. The migration's own record says where the
// guest's data is: on the destinations once the switchover to them was
// recorded, else still on the sources. The template is made to name that
// (one write), then the record is cleared (a second pass), and the VM
// starts on complete disks.
class Recovery {
 public:
  Recovery(const kubevirt::VirtualMachine& vm, const ClusterView& view, absl::Time now)
      : vm_(vm), view_(view), now_(now), ns_(api::NamespaceOrDefault(vm.metadata().namespace_())) {}

  std::vector<KubeAction> Run() {
    const kubevirt::VolumeMigrationState& state =
        vm_.status().volume_update_state().volume_migration_state();
    kubevirt::VirtualMachine vm = vm_;
    std::vector<std::string> rolled_back, kept;
    std::set<std::string> left;  // destinations the VM no longer names
    for (const kubevirt::StorageMigratedVolumeInfo& info : state.migrated_volumes()) {
      const std::string& source = info.source_pvc_info().claim_name();
      const std::string& destination = info.destination_pvc_info().claim_name();
      std::string why;
      const VMIM* m = Newest(source, destination, &why);
      if (m == nullptr) return ManualRecovery(absl::StrCat("volume ", info.volume_name(), ": ", why));
      const bool moved = m->status().switchover().side() == "Destination";
      (moved ? kept : rolled_back).push_back(info.volume_name());
      Name(vm, info.volume_name(), moved ? destination : source);
      if (!moved) left.insert(destination);
    }
    // A destination's DataVolume template goes with the volume that named
    // it (the API refuses a template no dataVolume volume uses); its
    // DataVolume stays, as KubeVirt leaves one.
    std::set<std::string> used;
    for (const kubevirt::Volume& v : vm.spec().template_().spec().volumes()) {
      if (v.has_data_volume()) used.insert(v.data_volume().name());
    }
    auto* templates = vm.mutable_spec()->mutable_data_volume_templates();
    templates->erase(std::remove_if(templates->begin(), templates->end(),
                                    [&](const kubevirt::DataVolumeTemplateSpec& t) {
                                      return left.contains(t.metadata().name()) &&
                                             !used.contains(t.metadata().name());
                                    }),
                     templates->end());
    if (vm.spec().SerializeAsString() != vm_.spec().SerializeAsString()) {
      return {Update(vm, absl::StrCat("volume update: the VMI stopped before the copy of ",
                                      absl::StrJoin(rolled_back, ", "),
                                      " completed; the VM names its sources again (apply the "
                                      "change again once it runs)"))};
    }
    kubevirt::VirtualMachine cleared = vm_;
    cleared.mutable_status()->clear_volume_update_state();
    api::RemoveCondition(cleared.mutable_status()->mutable_conditions(), kManualRecoveryRequired);
    if (cleared.status().SerializeAsString() == vm_.status().SerializeAsString()) return {};
    return {UpdateStatus(
        cleared, absl::StrCat("volume update: the VMI stopped mid-move; the VM starts on ",
                              kept.empty() ? "its sources" : "its destinations",
                              rolled_back.empty() || kept.empty() ? "" : " and sources",
                              ", which hold every write"))};
  }

 private:
  // The newest volume-update migration of this VM moving `source` to
  // `destination`; nullptr (with why) when there is none or two are
  // equally new.
  const VMIM* Newest(const std::string& source, const std::string& destination,
                     std::string* why) const {
    const VMIM* newest = nullptr;
    bool tie = false;
    for (const auto& m : view_.migrations) {
      if (api::NamespaceOrDefault(m->metadata().namespace_()) != ns_ ||
          !m->metadata().labels().contains(kVolumeUpdateLabel) ||
          m->spec().vmi_name() != vm_.metadata().name()) {
        continue;
      }
      bool moves = false;
      for (const VolumeChange& p : PairsOf(*m)) moves |= p.source == source && p.destination == destination;
      if (!moves) continue;
      // RFC 3339 in UTC: the string order is the time order.
      const std::string& at = m->metadata().creation_timestamp();
      if (newest == nullptr || at > newest->metadata().creation_timestamp()) {
        newest = m.get();
        tie = false;
      } else if (at == newest->metadata().creation_timestamp()) {
        tie = true;
      }
    }
    if (newest == nullptr) {
      *why = absl::StrCat("no migration of ", source, " to ", destination,
                          " is left to say whether its copy completed");
      return nullptr;
    }
    if (tie) {
      *why = absl::StrCat("two migrations of ", source, " to ", destination,
                          " were created in the same second; which one ran last is unknown");
      return nullptr;
    }
    return newest;
  }

  // The template's volume `volume` names `claim` (a DataVolume's when one
  // of that name exists, as KubeVirt's dataVolume volumes do).
  void Name(kubevirt::VirtualMachine& vm, const std::string& volume, const std::string& claim) const {
    for (kubevirt::Volume& v : *vm.mutable_spec()->mutable_template_()->mutable_spec()->mutable_volumes()) {
      if (v.name() != volume || api::ClaimOf(v) == claim) continue;
      const std::string name = v.name();
      const bool hotpluggable = v.has_persistent_volume_claim()
                                    ? v.persistent_volume_claim().hotpluggable()
                                    : v.data_volume().hotpluggable();
      v.Clear();
      v.set_name(name);
      if (view_.FindDataVolume(ns_, claim) != nullptr) {
        v.mutable_data_volume()->set_name(claim);
        if (hotpluggable) v.mutable_data_volume()->set_hotpluggable(true);
      } else {
        v.mutable_persistent_volume_claim()->set_claim_name(claim);
        if (hotpluggable) v.mutable_persistent_volume_claim()->set_hotpluggable(true);
      }
    }
  }

  // What KubeVirt does every time: the VM is not started until the user
  // reverts or confirms its volumes.
  std::vector<KubeAction> ManualRecovery(const std::string& why) const {
    kubevirt::VirtualMachine vm = vm_;
    vm.mutable_status()
        ->mutable_volume_update_state()
        ->mutable_volume_migration_state()
        ->set_manual_recovery_required(true);
    api::SetCondition(vm.mutable_status()->mutable_conditions(), kManualRecoveryRequired, "True",
                      "VolumeMigrationUnknown",
                      absl::StrCat("the VMI stopped during a volume migration and ", why,
                                   ": check the data, set the VM's volumes to the claims that "
                                   "hold it and clear status.volumeUpdateState"),
                      now_);
    if (vm.status().SerializeAsString() == vm_.status().SerializeAsString()) return {};
    return {UpdateStatus(vm, "volume update: manual recovery required")};
  }

  const kubevirt::VirtualMachine& vm_;
  const ClusterView& view_;
  const absl::Time now_;
  const std::string ns_;
};

}  // namespace

std::vector<VolumeChange> ChangedVolumes(const kubevirt::VirtualMachineInstanceSpec& running,
                                         const kubevirt::VirtualMachineInstanceSpec& wanted) {
  std::map<std::string, std::string> wanted_claims;
  for (const kubevirt::Volume& v : wanted.volumes()) {
    if (std::optional<std::string> claim = api::ClaimOf(v)) wanted_claims[v.name()] = *claim;
  }
  std::vector<VolumeChange> out;
  for (const kubevirt::Volume& v : running.volumes()) {
    std::optional<std::string> claim = api::ClaimOf(v);
    if (!claim) continue;
    auto it = wanted_claims.find(v.name());
    if (it != wanted_claims.end() && it->second != *claim) out.push_back({v.name(), *claim, it->second});
  }
  return out;
}

std::string VolumeUpdateLabelValue(const kubevirt::VirtualMachineInstance& vmi) {
  const std::string& name = vmi.metadata().name();
  return name.size() > 63 ? vmi.metadata().uid() : name;
}

std::string VolumeUpdateMigrationName(const kubevirt::VirtualMachineInstance& vmi,
                                      const std::vector<VolumeChange>& changes,
                                      int64_t vm_generation) {
  uint64_t h = Fnv1a64(absl::StrCat(vmi.metadata().uid(), "@", vm_generation));
  for (const VolumeChange& c : changes) {
    h = Fnv1a64(absl::StrCat("|", c.volume, ":", c.source, ">", c.destination), h);
  }
  const std::string suffix = absl::StrFormat("%08x", static_cast<uint32_t>(h ^ (h >> 32)));
  std::string name = absl::StrCat(kVolumeUpdatePrefix, vmi.metadata().name(), "-", suffix);
  // A DNS label where it fits (a pod's name is derived from it).
  if (name.size() > 63) name = absl::StrCat(kVolumeUpdatePrefix, suffix);
  return name;
}

std::vector<KubeAction> ReconcileVolumeUpdate(const kubevirt::VirtualMachine& vm,
                                              const ClusterView& view, absl::Time now) {
  if (!vm.spec().has_update_volumes_strategy() ||
      vm.spec().update_volumes_strategy() != kUpdateVolumesMigration) {
    return {};
  }
  const kubevirt::VirtualMachineInstance* vmi =
      view.FindVmi(vm.metadata().namespace_(), vm.metadata().name());
  if (vmi == nullptr) {
    // A stopped VM takes its template when it starts: unless volumes were
    // moving when its VMI went.
    if (!vm.status().volume_update_state().has_volume_migration_state()) return {};
    return Recovery(vm, view, now).Run();
  }
  return Decision(vm, *vmi, view, now).Run();
}

}  // namespace ferry::storage_migration
