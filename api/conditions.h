// Conditions of an object's status (metav1.Condition's shape, as KubeVirt
// and Kubernetes keep them): one entry per type, its lastTransitionTime
// changed only when its status does.
//
//   bool changed = api::SetCondition(status.mutable_conditions(), "VolumesChange", "True",
//                                    "", "migrating volume disk0", now);
#ifndef FERRY_API_CONDITIONS_H_
#define FERRY_API_CONDITIONS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/meta.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace ferry::api {

using Conditions = google::protobuf::RepeatedPtrField<k8s::Condition>;

// Sets condition `type`; returns whether anything changed.
bool SetCondition(Conditions* conditions, const std::string& type, const std::string& status,
                  const std::string& reason, const std::string& message, absl::Time now);
// Removes condition `type`; returns whether there was one.
bool RemoveCondition(Conditions* conditions, absl::string_view type);
// Condition `type`, or nullptr.
const k8s::Condition* FindCondition(const Conditions& conditions, absl::string_view type);

}  // namespace ferry::api

#endif  // FERRY_API_CONDITIONS_H_
