// Validation of Kubernetes core/v1 and storage.k8s.io/v1 objects, after the
// API server's own rules (k8s.io/kubernetes/pkg/apis/core/validation).
#ifndef FERRY_API_VALIDATION_CORE_VALIDATION_H_
#define FERRY_API_VALIDATION_CORE_VALIDATION_H_

#include "absl/strings/string_view.h"
#include "api/core.pb.h"
#include "api/validation/field_errors.h"

namespace ferry::validation {

void ValidatePersistentVolumeClaimSpec(const k8s::PersistentVolumeClaimSpec& spec,
                                       absl::string_view path, FieldErrors& errors);
void ValidatePersistentVolumeClaim(const k8s::PersistentVolumeClaim& pvc,
                                   FieldErrors& errors);
void ValidatePersistentVolume(const k8s::PersistentVolume& pv, FieldErrors& errors);
void ValidateStorageClass(const k8s::StorageClass& sc, FieldErrors& errors);
void ValidateNode(const k8s::Node& node, FieldErrors& errors);
void ValidatePod(const k8s::Pod& pod, FieldErrors& errors);
void ValidateSecret(const k8s::Secret& secret, FieldErrors& errors);
void ValidateEvent(const k8s::Event& event, FieldErrors& errors);

}  // namespace ferry::validation

#endif  // FERRY_API_VALIDATION_CORE_VALIDATION_H_
