// `ferry lint`'s whole check on any bytes: read, validate every object and
// the set. No crash, no hang; every finding says something and points into
// the file it came from.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "api/manifest/reader.h"
#include "api/validation/validate.h"
#include "fuzz/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<ferry::manifest::ManifestSet> set = ferry::manifest::ParseManifests("fuzz.yaml", text);
  if (!set.ok()) return 0;
  std::vector<const ferry::manifest::Object*> objects;
  for (const ferry::manifest::Object& object : set->objects) {
    objects.push_back(&object);
    for (const ferry::manifest::Finding& f : ferry::validation::ValidateObject(object)) {
      FUZZ_CHECK(!f.message.empty(), "a finding without a message at " << f.path);
      FUZZ_CHECK(f.location.file == "fuzz.yaml", "a finding located in '" << f.location.file << "'");
    }
  }
  const auto about = ferry::validation::ValidateSet(objects);
  FUZZ_CHECK(about.size() == objects.size(), "ValidateSet answered for " << about.size() << " of "
                                                                         << objects.size() << " objects");
  for (const auto& findings : about) {
    for (const ferry::manifest::Finding& f : findings) {
      FUZZ_CHECK(!f.message.empty(), "a set finding without a message at " << f.path);
    }
  }
  return 0;
}
