// The manifest reader on any bytes: no crash, no hang, bounded memory; and
// every object `ferry convert` would write (no error finding) survives
// read -> write -> read unchanged, as YAML and as JSON, and writing it again
// gives the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/manifest/encoder.h"
#include "api/manifest/reader.h"
#include "fuzz/check.h"
#include "google/protobuf/util/message_differencer.h"

namespace {

using ferry::manifest::ManifestSet;

bool HasError(const ferry::manifest::Object& o) {
  for (const ferry::manifest::Finding& f : o.findings) {
    if (f.severity == ferry::manifest::Severity::kError) return true;
  }
  return false;
}

void CheckRereads(const ferry::manifest::Object& object, const std::string& written,
                  const char* format) {
  absl::StatusOr<ManifestSet> again = ferry::manifest::ParseManifests("written", written);
  FUZZ_CHECK(again.ok(), format << " written does not read back: " << again.status() << "\n"
                                << written);
  FUZZ_CHECK(again->objects.size() == 1,
             format << " written reads back as " << again->objects.size() << " objects\n" << written);
  FUZZ_CHECK(!HasError(again->objects[0]),
             format << " written reads back with an error: "
                    << ferry::manifest::FormatFinding(again->objects[0].findings[0]) << "\n" << written);
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*object.message,
                                                                *again->objects[0].message),
             format << " round trip changed the object:\nbefore: " << object.message->ShortDebugString()
                    << "\nafter:  " << again->objects[0].message->ShortDebugString() << "\nwritten:\n"
                    << written);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<ManifestSet> set = ferry::manifest::ParseManifests("fuzz.yaml", text);
  if (!set.ok()) {
    FUZZ_CHECK(!set.status().message().empty(), "an error without a message");
    return 0;
  }
  for (const ferry::manifest::Object& object : set->objects) {
    if (HasError(object)) continue;
    const std::string yaml = ferry::manifest::ToYaml(*object.message);
    CheckRereads(object, yaml, "YAML");
    FUZZ_CHECK(ferry::manifest::ToYaml(*object.message) == yaml, "ToYaml is not deterministic");
    CheckRereads(object, ferry::manifest::ToJson(*object.message), "JSON");
  }
  return 0;
}
