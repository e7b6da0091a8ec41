#include "api/timestamp.h"

namespace ferry::api {

std::string Timestamp(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

absl::Time ParseTimestamp(const std::string& text) {
  absl::Time t;
  std::string error;
  if (text.empty() || !absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InfinitePast();
  }
  return t;
}

}  // namespace ferry::api
