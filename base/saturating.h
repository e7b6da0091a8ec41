// Conversions and sums that saturate instead of overflowing. A double cast
// to an integer type it does not fit (Inf, NaN, 1e300) is undefined
// behaviour (on x86 it yields INT64_MIN, so a rate silently turns negative);
// a signed sum past the type's limit is too. Use these where a value comes
// from outside (a scenario, a generator, a Kubernetes quantity):
//
//   int64_t bytes_per_s = SaturatingCast<int64_t>(mib_per_s * kMiB);
//   // NaN -> 0, below the minimum -> min, above the maximum (or +Inf) -> max
//   int64_t total = SaturatingAdd(total, size);  // at most INT64_MAX
#ifndef FERRY_BASE_SATURATING_H_
#define FERRY_BASE_SATURATING_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace ferry {

// `value` truncated toward zero to `Int`, clamped to Int's range; NaN is 0.
template <typename Int>
Int SaturatingCast(double value) {
  static_assert(std::is_integral_v<Int>);
  if (std::isnan(value)) return 0;
  // The limits as doubles: min is a power of two (exact); max + 1 is too,
  // and every double below it converts without overflow.
  constexpr double kMin = static_cast<double>(std::numeric_limits<Int>::min());
  constexpr double kMaxPlusOne =
      (static_cast<double>(std::numeric_limits<Int>::max() / 2 + 1)) * 2.0;
  if (value <= kMin) return std::numeric_limits<Int>::min();
  if (value >= kMaxPlusOne) return std::numeric_limits<Int>::max();
  return static_cast<Int>(value);
}

// a + b, clamped to [INT64_MIN, INT64_MAX].
inline int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return sum;
}

}  // namespace ferry

#endif  // FERRY_BASE_SATURATING_H_
