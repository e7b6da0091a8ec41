// Validation of KubeVirt VirtualMachines, VirtualMachineInstances and
// VirtualMachineInstanceMigrations (the seed's localStorageMigration included),
// after KubeVirt's admission webhooks.
#ifndef FERRY_API_VALIDATION_KUBEVIRT_VALIDATION_H_
#define FERRY_API_VALIDATION_KUBEVIRT_VALIDATION_H_

#include "absl/strings/string_view.h"
#include "api/kubevirt.pb.h"
#include "api/validation/field_errors.h"

namespace ferry::validation {

// An explicit localStorageMigration with no disk pair: a storage migration
// that names no disk. Lint warns with it; storage-migration admission
// refuses the migration with it.
inline constexpr char kNoDiskPairs[] =
    "empty: a storage migration must name at least one {sourcePvc, destinationPvc} pair; "
    "the storage-migration controller refuses it (Rejected)";

void ValidateVirtualMachineInstanceSpec(const kubevirt::VirtualMachineInstanceSpec& spec,
                                        absl::string_view path, FieldErrors& errors);
void ValidateVirtualMachine(const kubevirt::VirtualMachine& vm, FieldErrors& errors);
void ValidateVirtualMachineInstance(const kubevirt::VirtualMachineInstance& vmi,
                                    FieldErrors& errors);
void ValidateVirtualMachineInstanceMigration(
    const kubevirt::VirtualMachineInstanceMigration& migration, FieldErrors& errors);

}  // namespace ferry::validation

#endif  // FERRY_API_VALIDATION_KUBEVIRT_VALIDATION_H_
