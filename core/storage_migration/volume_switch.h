// The spec change of a successful storage migration (rule 3 of
// docs/storage-migration.md): every volume standing on a source claim of the
// migration now stands on its destination claim. A `dataVolume` volume
// becomes a `persistentVolumeClaim` volume, and the VM's `dataVolumeTemplates`
// entry of a replaced DataVolume goes away, so nothing re-creates it.
//
// Idempotent: applying it to an already switched spec changes nothing, so a
// controller restarted half-way simply applies it again.
//
//   ASSIGN_OR_RETURN(kubevirt::VirtualMachine vm2, SwitchVolumes(vm, pairs));
#ifndef FERRY_CORE_STORAGE_MIGRATION_VOLUME_SWITCH_H_
#define FERRY_CORE_STORAGE_MIGRATION_VOLUME_SWITCH_H_

#include "absl/status/statusor.h"
#include "api/kubevirt.pb.h"
#include "google/protobuf/repeated_field.h"

namespace ferry::storage_migration {

using DiskPairs = google::protobuf::RepeatedPtrField<kubevirt::MigrateNonSharedDisk>;

// FailedPrecondition when a pair's source is in the spec neither as the
// source nor, already switched, as the destination.
absl::StatusOr<kubevirt::VirtualMachineInstanceSpec> SwitchVolumes(
    const kubevirt::VirtualMachineInstanceSpec& spec, const DiskPairs& pairs);

// The VM template may lack a pair's volume (hot-plugged into the VMI only):
// a template that never named the source has nothing to switch for it.
absl::StatusOr<kubevirt::VirtualMachine> SwitchVolumes(const kubevirt::VirtualMachine& vm,
                                                       const DiskPairs& pairs);

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_VOLUME_SWITCH_H_
