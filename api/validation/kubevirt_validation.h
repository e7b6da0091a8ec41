// Validation of KubeVirt VirtualMachines, VirtualMachineInstances and
// VirtualMachineInstanceMigrations (the seed's localStorageMigration included),
// after KubeVirt's admission webhooks.
#ifndef FERRY_API_VALIDATION_KUBEVIRT_VALIDATION_H_
#define FERRY_API_VALIDATION_KUBEVIRT_VALIDATION_H_

#include "absl/strings/string_view.h"
#include "api/kubevirt.pb.h"
#include "api/validation/field_errors.h"

namespace ferry::validation {

void ValidateVirtualMachineInstanceSpec(const kubevirt::VirtualMachineInstanceSpec& spec,
                                        absl::string_view path, FieldErrors& errors);
void ValidateVirtualMachine(const kubevirt::VirtualMachine& vm, FieldErrors& errors);
void ValidateVirtualMachineInstance(const kubevirt::VirtualMachineInstance& vmi,
                                    FieldErrors& errors);
void ValidateVirtualMachineInstanceMigration(
    const kubevirt::VirtualMachineInstanceMigration& migration, FieldErrors& errors);

}  // namespace ferry::validation

#endif  // FERRY_API_VALIDATION_KUBEVIRT_VALIDATION_H_
