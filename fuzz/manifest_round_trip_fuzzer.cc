// The manifest reader on any bytes: no crash, no hang, bounded memory; and
// every object `ferry convert` would write (no error finding) survives
// read -> write -> read unchanged, as YAML and as JSON (CheckRoundTrip), and
// writing it twice gives the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/manifest/encoder.h"
#include "api/manifest/reader.h"
#include "api/manifest/round_trip.h"
#include "fuzz/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const absl::Status round_trip = ferry::manifest::CheckRoundTrip(text);
  FUZZ_CHECK(round_trip.ok(), round_trip);
  absl::StatusOr<ferry::manifest::ManifestSet> set = ferry::manifest::ParseManifests("fuzz.yaml", text);
  if (!set.ok()) {
    FUZZ_CHECK(!set.status().message().empty(), "an error without a message");
    return 0;
  }
  for (const ferry::manifest::Object& object : set->objects) {
    FUZZ_CHECK(ferry::manifest::ToYaml(*object.message) == ferry::manifest::ToYaml(*object.message),
               "ToYaml is not deterministic for " << object.Describe());
  }
  return 0;
}
