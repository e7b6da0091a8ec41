// Validation of CDI DataVolumes and of the DataVolume templates of a VM.
#ifndef FERRY_API_VALIDATION_CDI_VALIDATION_H_
#define FERRY_API_VALIDATION_CDI_VALIDATION_H_

#include "absl/strings/string_view.h"
#include "api/cdi.pb.h"
#include "api/validation/field_errors.h"

namespace ferry::validation {

void ValidateDataVolumeSpec(const cdi::DataVolumeSpec& spec, absl::string_view path,
                            FieldErrors& errors);
void ValidateDataVolume(const cdi::DataVolume& dv, FieldErrors& errors);

}  // namespace ferry::validation

#endif  // FERRY_API_VALIDATION_CDI_VALIDATION_H_
