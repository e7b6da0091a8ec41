// Validation shared by every kind: object metadata, names, labels, selectors,
// enumerated values, and the fields every message carries (quantities marked
// `(ferry.api.quantity)`, RFC 3339 timestamps).
#ifndef FERRY_API_VALIDATION_META_VALIDATION_H_
#define FERRY_API_VALIDATION_META_VALIDATION_H_

#include <initializer_list>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "api/core.pb.h"
#include "api/meta.pb.h"
#include "api/quantity.h"
#include "api/validation/field_errors.h"
#include "google/protobuf/message.h"

namespace ferry::validation {

void ValidateObjectMeta(const k8s::ObjectMeta& meta, bool namespaced,
                        absl::string_view path, FieldErrors& errors);

// A name that must be a DNS-1123 subdomain (most object names) or label.
void ValidateSubdomain(absl::string_view path, absl::string_view name,
                       FieldErrors& errors);
void ValidateLabel(absl::string_view path, absl::string_view name,
                   FieldErrors& errors);
// Required and a DNS-1123 subdomain.
void ValidateRequiredName(absl::string_view path, absl::string_view name,
                          FieldErrors& errors);

void ValidateLabels(const google::protobuf::Map<std::string, std::string>& labels,
                    absl::string_view path, FieldErrors& errors);
void ValidateLabelSelector(const k8s::LabelSelector& selector, absl::string_view path,
                           FieldErrors& errors);
void ValidateNodeSelector(const k8s::NodeSelector& selector, absl::string_view path,
                          FieldErrors& errors);

// `value` empty, or one of `allowed`.
void ValidateEnum(absl::string_view path, absl::string_view value,
                  std::initializer_list<absl::string_view> allowed,
                  FieldErrors& errors);

void ValidateAccessModes(const google::protobuf::RepeatedPtrField<std::string>& modes,
                         absl::string_view path, bool required, FieldErrors& errors);

// resources.requests[storage] (or capacity[storage]): present when `required`,
// and positive. Whether it parses is ValidateTypedStrings' concern.
void ValidateStorageSize(
    const google::protobuf::Map<std::string, std::string>& resources,
    absl::string_view path, bool required, FieldErrors& errors);

// Every `(ferry.api.quantity)` field parses and is not negative; every string
// field whose name ends in "Timestamp" or "Time" is RFC 3339.
void ValidateTypedStrings(const google::protobuf::Message& message,
                          absl::string_view path, FieldErrors& errors);

}  // namespace ferry::validation

#endif  // FERRY_API_VALIDATION_META_VALIDATION_H_
