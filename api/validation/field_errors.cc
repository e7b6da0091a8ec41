#include "api/validation/field_errors.h"

#include "absl/strings/str_cat.h"

namespace ferry::validation {

std::string Child(absl::string_view path, absl::string_view field) {
  return path.empty() ? std::string(field) : absl::StrCat(path, ".", field);
}

std::string Index(absl::string_view path, size_t index) {
  return absl::StrCat(path, "[", index, "]");
}

std::string Key(absl::string_view path, absl::string_view key) {
  return absl::StrCat(path, "[", key, "]");
}

FieldErrors::FieldErrors(const manifest::Object& object,
                         std::vector<manifest::Finding>* out)
    : object_(object), out_(out) {}

void FieldErrors::Add(manifest::Severity severity, absl::string_view path,
                      std::string message) {
  manifest::Finding finding;
  finding.severity = severity;
  finding.location = object_.LocationOf(path);
  finding.path = std::string(path);
  finding.message = std::move(message);
  out_->push_back(std::move(finding));
}

void FieldErrors::Invalid(absl::string_view path, std::string message) {
  Add(manifest::Severity::kError, path, std::move(message));
}

void FieldErrors::Required(absl::string_view path, std::string why) {
  Add(manifest::Severity::kError, path,
      why.empty() ? "required" : absl::StrCat("required: ", why));
}

void FieldErrors::Warning(absl::string_view path, std::string message) {
  Add(manifest::Severity::kWarning, path, std::move(message));
}

void FieldErrors::AddAll(absl::string_view path, absl::string_view value,
                         const std::vector<std::string>& problems) {
  for (const std::string& problem : problems) {
    Invalid(path, absl::StrCat("\"", value, "\": ", problem));
  }
}

}  // namespace ferry::validation
