// FieldErrors: collects the findings of one object's validation, locating each
// field path in the manifest it came from.
//
//   FieldErrors errors(object, &findings);
//   if (spec.vmi_name().empty()) errors.Required("spec.vmiName");
//   errors.Invalid(Index("spec.volumes", 2) + ".name", "must be unique");
#ifndef FERRY_API_VALIDATION_FIELD_ERRORS_H_
#define FERRY_API_VALIDATION_FIELD_ERRORS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "api/manifest/finding.h"
#include "api/manifest/object.h"

namespace ferry::validation {

// Kubernetes field paths: Child("spec", "vmiName") == "spec.vmiName".
std::string Child(absl::string_view path, absl::string_view field);
std::string Index(absl::string_view path, size_t index);
std::string Key(absl::string_view path, absl::string_view key);

class FieldErrors {
 public:
  FieldErrors(const manifest::Object& object, std::vector<manifest::Finding>* out);

  void Invalid(absl::string_view path, std::string message);
  void Required(absl::string_view path, std::string why = "");
  void Warning(absl::string_view path, std::string message);
  // `problems` as returned by the api/names.h checks, each an error.
  void AddAll(absl::string_view path, absl::string_view value,
              const std::vector<std::string>& problems);

  const manifest::Object& object() const { return object_; }

 private:
  void Add(manifest::Severity severity, absl::string_view path, std::string message);

  const manifest::Object& object_;
  std::vector<manifest::Finding>* out_;
};

}  // namespace ferry::validation

#endif  // FERRY_API_VALIDATION_FIELD_ERRORS_H_
