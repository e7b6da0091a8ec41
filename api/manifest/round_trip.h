// The property `ferry convert` promises: every object it would write (one
// with no error finding) reads back from the YAML it writes, and from the
// JSON, as the same message, with no error. For fuzz targets and tests:
//
//   absl::Status s = CheckRoundTrip(input);  // OK, or what changed and the text written
//   if (!s.ok()) { std::cerr << s; abort(); }
#ifndef FERRY_API_MANIFEST_ROUND_TRIP_H_
#define FERRY_API_MANIFEST_ROUND_TRIP_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ferry::manifest {

// OK when `text` holds no such object (unreadable, or only errors) or every
// one survives; otherwise DataLoss naming the first object and format that
// did not, the difference, and what was written.
absl::Status CheckRoundTrip(absl::string_view text);

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_ROUND_TRIP_H_
