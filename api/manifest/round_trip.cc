#include "api/manifest/round_trip.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "api/manifest/encoder.h"
#include "api/manifest/reader.h"
#include "google/protobuf/util/message_differencer.h"

namespace ferry::manifest {
namespace {

// Reads `written` back and compares it with `object`; `format` names it.
absl::Status Reread(const Object& object, absl::string_view format, const std::string& written) {
  auto lost = [&](absl::string_view what) {
    return absl::DataLossError(absl::StrCat(object.Describe(), " written as ", format, " ", what,
                                            "\nwritten:\n", written));
  };
  absl::StatusOr<ManifestSet> again = ParseManifests("written", written);
  if (!again.ok()) return lost(absl::StrCat("does not read back: ", again.status().message()));
  if (again->objects.size() != 1) {
    return lost(absl::StrCat("reads back as ", again->objects.size(), " objects"));
  }
  const Object& reread = again->objects[0];
  for (const Finding& f : reread.findings) {
    if (f.severity == Severity::kError) {
      return lost(absl::StrCat("reads back with an error: ", FormatFinding(f)));
    }
  }
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  if (!differencer.Compare(*object.message, *reread.message)) {
    return lost(absl::StrCat("reads back different:\n", difference));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckRoundTrip(absl::string_view text) {
  absl::StatusOr<ManifestSet> set = ParseManifests("input", text);
  if (!set.ok()) return absl::OkStatus();
  for (const Object& object : set->objects) {
    if (HasErrors(object.findings)) continue;
    absl::Status yaml = Reread(object, "YAML", ToYaml(*object.message));
    if (!yaml.ok()) return yaml;
    absl::Status json = Reread(object, "JSON", ToJson(*object.message));
    if (!json.ok()) return json;
  }
  return absl::OkStatus();
}

}  // namespace ferry::manifest
