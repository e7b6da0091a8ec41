// ParseOvirtVersion on any product_info.version: the input's lines are the
// fields (full_version, major, minor, build, revision). No crash; what parses
// prints as "major.minor.build.revision" with no negative part.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "api/ovirt_version.h"
#include "fuzz/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  lines.resize(5);
  ferry::ovirt::Version reported;
  reported.set_full_version(lines[0]);
  reported.set_major(lines[1]);
  reported.set_minor(lines[2]);
  reported.set_build(lines[3]);
  reported.set_revision(lines[4]);
  absl::StatusOr<ferry::api::OvirtVersion> v = ferry::api::ParseOvirtVersion(reported);
  if (v.ok()) {
    FUZZ_CHECK(v->major >= 0 && v->minor >= 0 && v->build >= 0 && v->revision >= 0,
               "a negative part in " << ferry::api::OvirtVersionString(*v));
  }
  // What a full_version alone reports parses, or fails with a message.
  absl::StatusOr<ferry::api::OvirtVersion> alone =
      ferry::api::ParseOvirtVersion(ferry::api::ReportedOvirtVersion(lines[0]));
  FUZZ_CHECK(alone.ok() || !alone.status().message().empty(), "an error without a message");
  return 0;
}
