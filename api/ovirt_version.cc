#include "api/ovirt_version.h"

#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ferry::api {
namespace {

// The dotted numbers of a package version's version part (before the RPM
// release), up to four; stops at the first part that is not a number.
std::vector<int> VersionParts(absl::string_view full_version) {
  const absl::string_view version = full_version.substr(0, full_version.find('-'));
  std::vector<int> parts;
  for (absl::string_view p : absl::StrSplit(version, '.')) {
    int n;
    if (parts.size() == 4 || !absl::SimpleAtoi(p, &n) || n < 0) break;
    parts.push_back(n);
  }
  return parts;
}

// An empty field is 0; anything else must be a whole number.
absl::Status ReadPart(const std::string& text, const char* field, int* out) {
  if (text.empty()) return absl::OkStatus();
  if (!absl::SimpleAtoi(text, out) || *out < 0) {
    return absl::InvalidArgumentError(absl::StrCat("product_info.version.", field, ": \"", text,
                                                   "\" is not a version number"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<OvirtVersion> ParseOvirtVersion(const ovirt::Version& reported) {
  OvirtVersion v;
  const std::vector<int> parts = VersionParts(reported.full_version());
  // The engine fills major, minor and build from its package version and
  // always reports revision "0": only full_version carries the fourth part
  // (4.5.2.1-1.el8). The fields are read when full_version lacks a build.
  if (parts.size() >= 3 || (reported.major().empty() && !parts.empty())) {
    int* fields[] = {&v.major, &v.minor, &v.build, &v.revision};
    for (size_t i = 0; i < parts.size(); ++i) *fields[i] = parts[i];
    return v;
  }
  if (reported.major().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "product_info.version: neither major nor a readable full_version (\"",
        reported.full_version(), "\")"));
  }
  for (const auto& [text, field, out] :
       {std::tuple{&reported.major(), "major", &v.major},
        std::tuple{&reported.minor(), "minor", &v.minor},
        std::tuple{&reported.build(), "build", &v.build},
        std::tuple{&reported.revision(), "revision", &v.revision}}) {
    if (absl::Status s = ReadPart(*text, field, out); !s.ok()) return s;
  }
  return v;
}

std::string OvirtVersionString(const OvirtVersion& v) {
  return absl::StrCat(v.major, ".", v.minor, ".", v.build, ".", v.revision);
}

ovirt::Version ReportedOvirtVersion(absl::string_view full_version) {
  ovirt::Version reported;
  reported.set_full_version(std::string(full_version));
  const std::vector<int> parts = VersionParts(full_version);
  if (parts.empty()) return reported;
  std::string* fields[] = {reported.mutable_major(), reported.mutable_minor(),
                           reported.mutable_build(), reported.mutable_revision()};
  // As the engine does: major, minor and build from the package version,
  // revision always "0" (full_version keeps the fourth part).
  for (size_t i = 0; i < 4; ++i) {
    *fields[i] = absl::StrCat(i < 3 && i < parts.size() ? parts[i] : 0);
  }
  return reported;
}

}  // namespace ferry::api
