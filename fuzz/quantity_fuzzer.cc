// Quantity::Parse on any text: no crash, and what parses prints in a form
// that parses back to the same value. Printing is not idempotent in one step,
// in Go either: "62.5Ki" prints "64000" (binary SI, not a whole Ki), which
// parses as decimal SI and prints "64k"; from the second print on it is.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/quantity.h"
#include "fuzz/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<ferry::api::Quantity> q = ferry::api::Quantity::Parse(text);
  if (!q.ok()) {
    FUZZ_CHECK(!q.status().message().empty(), "an error without a message for '" << text << "'");
    return 0;
  }
  const std::string canonical = q->ToString();
  absl::StatusOr<ferry::api::Quantity> again = ferry::api::Quantity::Parse(canonical);
  FUZZ_CHECK(again.ok(), "'" << text << "' printed as '" << canonical << "', which does not parse: "
                             << again.status());
  FUZZ_CHECK(*again == *q, "'" << text << "' -> '" << canonical << "' changed the value");
  const std::string second = again->ToString();
  absl::StatusOr<ferry::api::Quantity> third = ferry::api::Quantity::Parse(second);
  FUZZ_CHECK(third.ok() && *third == *q && third->ToString() == second,
             "'" << text << "' -> '" << canonical << "' -> '" << second << "' is not stable");
  (void)q->Value();
  (void)q->MilliValue();
  return 0;
}
