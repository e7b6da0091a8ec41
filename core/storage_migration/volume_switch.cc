#include "core/storage_migration/volume_switch.h"

#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "api/volumes.h"

namespace ferry::storage_migration {

namespace {

absl::StatusOr<kubevirt::VirtualMachineInstanceSpec> Switch(
    const kubevirt::VirtualMachineInstanceSpec& spec, const DiskPairs& pairs, bool require_all) {
  kubevirt::VirtualMachineInstanceSpec out = spec;
  for (const kubevirt::MigrateNonSharedDisk& pair : pairs) {
    bool found = false;
    for (kubevirt::Volume& v : *out.mutable_volumes()) {
      if (!pair.source_volume().empty()) {
        // A container disk: the volume of that name, on its destination claim.
        if (v.name() != pair.source_volume()) continue;
        if (v.has_container_disk()) {
          v.clear_container_disk();
          v.mutable_persistent_volume_claim()->set_claim_name(pair.destination_pvc());
          found = true;
        } else if (v.has_persistent_volume_claim() &&
                   v.persistent_volume_claim().claim_name() == pair.destination_pvc()) {
          found = true;  // switched already
        }
        continue;
      }
      const bool on_pvc = v.has_persistent_volume_claim() &&
                          v.persistent_volume_claim().claim_name() == pair.source_pvc();
      const bool on_dv = v.has_data_volume() && v.data_volume().name() == pair.source_pvc();
      if (on_pvc || on_dv) {
        const bool hotpluggable = on_pvc ? v.persistent_volume_claim().hotpluggable()
                                         : v.data_volume().hotpluggable();
        v.clear_data_volume();
        kubevirt::PersistentVolumeClaimVolume* claim = v.mutable_persistent_volume_claim();
        claim->set_claim_name(pair.destination_pvc());
        claim->set_hotpluggable(hotpluggable);
        found = true;
      } else if (v.has_persistent_volume_claim() &&
                 v.persistent_volume_claim().claim_name() == pair.destination_pvc()) {
        found = true;  // switched already
      }
    }
    if (!found && require_all) {
      return absl::FailedPreconditionError(absl::StrCat(
          "no volume stands on ", api::PairSourceName(pair), " or on its destination \"",
          pair.destination_pvc(), "\""));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<kubevirt::VirtualMachineInstanceSpec> SwitchVolumes(
    const kubevirt::VirtualMachineInstanceSpec& spec, const DiskPairs& pairs) {
  return Switch(spec, pairs, /*require_all=*/true);
}

absl::StatusOr<kubevirt::VirtualMachine> SwitchVolumes(const kubevirt::VirtualMachine& vm,
                                                       const DiskPairs& pairs) {
  absl::StatusOr<kubevirt::VirtualMachineInstanceSpec> spec =
      Switch(vm.spec().template_().spec(), pairs, /*require_all=*/false);
  if (!spec.ok()) return spec.status();
  kubevirt::VirtualMachine out = vm;
  *out.mutable_spec()->mutable_template_()->mutable_spec() = *std::move(spec);
  std::set<std::string> replaced;
  for (const kubevirt::MigrateNonSharedDisk& pair : pairs) {
    if (!pair.source_pvc().empty()) replaced.insert(pair.source_pvc());
  }
  auto* templates = out.mutable_spec()->mutable_data_volume_templates();
  templates->erase(std::remove_if(templates->begin(), templates->end(),
                                  [&](const kubevirt::DataVolumeTemplateSpec& t) {
                                    return replaced.contains(t.metadata().name());
                                  }),
                   templates->end());
  return out;
}

}  // namespace ferry::storage_migration
