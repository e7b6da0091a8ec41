// Quantity: Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource),
// with the same grammar, rounding and canonical form as the Go type.
//
//   ASSIGN_OR_RETURN(const Quantity memory, Quantity::Parse("1.5Gi"));
//   memory.ToString();                  // "1536Mi" (Go's canonical form)
//   memory.Value();                     // 1610612736
//   memory > *Quantity::Parse("1G");    // true: compared by value
//   Quantity::FromInt64(2048, Quantity::Format::kBinarySI).ToString();  // "2Ki"
//
// Grammar: <sign>? <digits>? ("." <digits>?)? <suffix>, where the suffix is one
// of n u m "" k M G T P E (decimal SI), Ki Mi Gi Ti Pi Ei (binary SI) or an
// exponent e<int> / E<int>. No whitespace is allowed anywhere. As in Go, the
// number itself may be empty: "Gi", "m", "+" and "." parse as zero, while
// "Pi", "Ei" and "e-10" (an exponent below -9) are rejected.
//
// Values are exact: they are held as a count of nano-units, and parsing rounds
// finer values away from zero to the next nano-unit, as Go does ("0.1n" is
// "1n"). Binary SI values are capped at 2^63-1 when parsed, as Go does. A value
// whose magnitude reaches 2^127 nano-units (about 1.7e29) is rejected as too
// large; Go would keep it in an arbitrary-precision decimal.
//
// The format (decimal SI, binary SI, decimal exponent) is remembered from the
// parsed suffix and decides the suffix ToString() uses. Comparison ignores it.
#ifndef FERRY_API_QUANTITY_H_
#define FERRY_API_QUANTITY_H_

#include <compare>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ferry::api {

class Quantity {
 public:
  // How the quantity is written back out (Go's resource.Format).
  enum class Format {
    kDecimalSI,        // 1500m, 1k, 12M
    kBinarySI,         // 1Ki, 1536Mi
    kDecimalExponent,  // 1e3, 1200e-3
  };

  // Zero, in decimal SI.
  Quantity() = default;

  // Parses `text` exactly as Go's resource.ParseQuantity does. InvalidArgument
  // names the input and what is wrong with it.
  static absl::StatusOr<Quantity> Parse(absl::string_view text);

  // `value` whole units in `format` (Go's NewQuantity).
  static Quantity FromInt64(int64_t value, Format format);

  // The canonical form, as Go's Quantity.CanonicalizeBytes: no fractional
  // digits, the largest suffix that loses no precision ("1.5Gi" -> "1536Mi",
  // "1.5" -> "1500m", "12e-1" -> "1200e-3"). A binary SI value that is under
  // 1024 in magnitude or fractional is written in decimal SI ("0.5Ki" -> "512").
  std::string ToString() const;

  Format format() const { return format_; }

  // -1, 0 or 1.
  int Sign() const;
  bool IsZero() const { return nanos_ == 0; }

  // The value in whole units, rounded away from zero ("1.1" -> 2, "-1.1" -> -2),
  // saturating at the int64 limits (Go's Value()).
  int64_t Value() const;
  // The value in thousandths, rounded away from zero and saturating (Go's
  // MilliValue()).
  int64_t MilliValue() const;

  // The exact sum. Like Go's Add, the result keeps this quantity's format
  // unless this quantity is zero, in which case it takes `other`'s; unlike
  // parsing, it is not capped. InvalidArgument when the sum is too large.
  absl::StatusOr<Quantity> Add(const Quantity& other) const;

  // By value, whatever the formats: "1Gi" > "1G", "1000m" == "1".
  friend bool operator==(const Quantity& a, const Quantity& b) {
    return a.nanos_ == b.nanos_;
  }
  friend std::strong_ordering operator<=>(const Quantity& a,
                                          const Quantity& b) {
    if (a.nanos_ < b.nanos_) return std::strong_ordering::less;
    if (a.nanos_ > b.nanos_) return std::strong_ordering::greater;
    return std::strong_ordering::equal;
  }

 private:
  Quantity(__int128 nanos, Format format) : nanos_(nanos), format_(format) {}

  // The value in units of 10^-9; |nanos_| < 2^127.
  __int128 nanos_ = 0;
  Format format_ = Format::kDecimalSI;
};

}  // namespace ferry::api

#endif  // FERRY_API_QUANTITY_H_
