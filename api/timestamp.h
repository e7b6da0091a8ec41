// Timestamps as the Kubernetes API server writes them (metav1.Time): RFC
// 3339 in UTC, whole seconds, e.g. "2024-05-01T10:00:00Z". The one place
// Ferry formats and parses them.
#ifndef FERRY_API_TIMESTAMP_H_
#define FERRY_API_TIMESTAMP_H_

#include <string>

#include "absl/time/time.h"

namespace ferry::api {

std::string Timestamp(absl::Time time);
// absl::InfinitePast() when `text` is empty or not a timestamp.
absl::Time ParseTimestamp(const std::string& text);

}  // namespace ferry::api

#endif  // FERRY_API_TIMESTAMP_H_
