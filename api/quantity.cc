#include "api/quantity.h"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ferry::api {
namespace {

using int128 = __int128;
using uint128 = unsigned __int128;

// The largest magnitude held, in nano-units: 2^127 - 1. Keeping the range
// symmetric means negation never overflows.
constexpr uint128 kMaxNanos = (uint128{1} << 127) - 1;
constexpr uint128 kNanosPerUnit = 1000000000;
// Go's ParseQuantity caps binary SI values at 2^63 - 1 units.
constexpr uint128 kBinaryCapNanos = uint128{INT64_MAX} * kNanosPerUnit;
// 10^39 > kMaxNanos: a decimal with more digits than this cannot fit.
constexpr int kMaxNanosDigits = 39;

constexpr absl::string_view kExpectedSuffixes =
    "expected one of n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an "
    "exponent like e3";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

std::string Quote(absl::string_view text) {
  return absl::StrCat("\"", absl::CHexEscape(text), "\"");
}

absl::Status ParseError(absl::string_view text, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("quantity ", Quote(text), ": ", problem));
}

// What a suffix means: the value is multiplied by base^power.
struct Suffix {
  Quantity::Format format;
  int base;       // 10 or 2
  int64_t power;  // n is -9, Ki is 10, e-3 is -3
};

// The fixed suffixes of Go's suffixer (suffix.go).
bool LookupFixedSuffix(absl::string_view text, Suffix* suffix) {
  struct Entry {
    absl::string_view text;
    Suffix suffix;
  };
  static constexpr Entry kSuffixes[] = {
      {"", {Quantity::Format::kDecimalSI, 10, 0}},
      {"n", {Quantity::Format::kDecimalSI, 10, -9}},
      {"u", {Quantity::Format::kDecimalSI, 10, -6}},
      {"m", {Quantity::Format::kDecimalSI, 10, -3}},
      {"k", {Quantity::Format::kDecimalSI, 10, 3}},
      {"M", {Quantity::Format::kDecimalSI, 10, 6}},
      {"G", {Quantity::Format::kDecimalSI, 10, 9}},
      {"T", {Quantity::Format::kDecimalSI, 10, 12}},
      {"P", {Quantity::Format::kDecimalSI, 10, 15}},
      {"E", {Quantity::Format::kDecimalSI, 10, 18}},
      {"Ki", {Quantity::Format::kBinarySI, 2, 10}},
      {"Mi", {Quantity::Format::kBinarySI, 2, 20}},
      {"Gi", {Quantity::Format::kBinarySI, 2, 30}},
      {"Ti", {Quantity::Format::kBinarySI, 2, 40}},
      {"Pi", {Quantity::Format::kBinarySI, 2, 50}},
      {"Ei", {Quantity::Format::kBinarySI, 2, 60}},
  };
  for (const Entry& entry : kSuffixes) {
    if (entry.text == text) {
      *suffix = entry.suffix;
      return true;
    }
  }
  return false;
}

// Interprets the text after the number, as Go's suffixer.interpret does:
// a fixed suffix, or e/E followed by a base-10 int64 (strconv.ParseInt syntax:
// an optional sign, then digits). The error explains what is wrong.
absl::StatusOr<Suffix> ParseSuffix(absl::string_view quantity,
                                   absl::string_view text) {
  Suffix suffix;
  if (LookupFixedSuffix(text, &suffix)) return suffix;

  // e or E alone, or followed by a sign or a digit: meant as an exponent.
  const bool exponent_like =
      (text[0] == 'e' || text[0] == 'E') &&
      (text.size() == 1 || text[1] == '+' || text[1] == '-' ||
       IsDigit(text[1]));
  if (exponent_like) {
    absl::string_view rest = text.substr(1);
    bool negative = false;
    if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
      negative = rest[0] == '-';
      rest.remove_prefix(1);
    }
    if (rest.empty() || rest.find_first_not_of("0123456789") !=
                            absl::string_view::npos) {
      return ParseError(
          quantity,
          absl::StrCat("invalid exponent ", Quote(text),
                       " (expected e or E followed by an integer, like e3 or "
                       "e-3)"));
    }
    // Accumulate towards the sign so that INT64_MIN parses.
    int64_t power = 0;
    for (const char c : rest) {
      const int digit = c - '0';
      if (negative ? power < (INT64_MIN + digit) / 10
                   : power > (INT64_MAX - digit) / 10) {
        return ParseError(quantity, absl::StrCat("exponent ", Quote(text),
                                                 " is out of range"));
      }
      power = power * 10 + (negative ? -digit : digit);
    }
    return Suffix{Quantity::Format::kDecimalExponent, 10, power};
  }

  for (const char c : text) {
    if (IsSpace(c)) {
      return ParseError(quantity, "whitespace is not allowed inside a quantity");
    }
  }
  if (text[0] == '.') return ParseError(quantity, "more than one decimal point");
  if (text[0] == '+' || text[0] == '-') {
    return ParseError(quantity, "a sign is only allowed at the start");
  }
  return ParseError(quantity, absl::StrCat("unknown suffix ", Quote(text), " (",
                                           kExpectedSuffixes, ")"));
}

// Multiplies the decimal number `digits` (most significant digit first) by
// `factor`, in place.
void MultiplyDecimal(std::string& digits, uint32_t factor) {
  uint64_t carry = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    const uint64_t product = uint64_t(*it - '0') * factor + carry;
    *it = static_cast<char>('0' + product % 10);
    carry = product / 10;
  }
  std::string head;
  for (; carry != 0; carry /= 10) {
    head.insert(head.begin(), static_cast<char>('0' + carry % 10));
  }
  digits.insert(0, head);
}

// Sets *nanos to digits x 10^power rounded up (away from zero) to an integer,
// where `digits` is a decimal number without leading zeros. Returns false when
// the result exceeds kMaxNanos.
bool DecimalToNanos(absl::string_view digits, int128 power, uint128* nanos) {
  *nanos = 0;
  if (digits.empty()) return true;
  absl::string_view whole = digits;
  int128 zeros = 0;
  bool round_up = false;
  if (power >= 0) {
    if (int128(digits.size()) + power > kMaxNanosDigits) return false;
    zeros = power;
  } else if (-power >= int128(digits.size())) {
    // Only a fraction of a nano-unit, and not zero: digits has no leading zero.
    whole = absl::string_view();
    round_up = true;
  } else {
    const size_t keep = digits.size() - static_cast<size_t>(-power);
    whole = digits.substr(0, keep);
    round_up = digits.substr(keep).find_first_not_of('0') !=
               absl::string_view::npos;
  }
  uint128 value = 0;
  for (const char c : whole) {
    const unsigned digit = static_cast<unsigned>(c - '0');
    if (value > (kMaxNanos - digit) / 10) return false;
    value = value * 10 + digit;
  }
  for (; zeros > 0; --zeros) {
    if (value > kMaxNanos / 10) return false;
    value *= 10;
  }
  if (round_up) {
    if (value == kMaxNanos) return false;
    ++value;
  }
  *nanos = value;
  return true;
}

std::string ToDecimalString(uint128 value) {
  if (value == 0) return "0";
  std::string reversed;
  for (; value != 0; value /= 10) {
    reversed.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
  }
  return std::string(reversed.rbegin(), reversed.rend());
}

uint128 Magnitude(int128 value) {
  return value < 0 ? uint128(0) - uint128(value) : uint128(value);
}

// magnitude / divisor, rounded away from zero, with the sign applied and
// saturated to int64.
int64_t ScaledValue(int128 nanos, uint128 divisor) {
  const uint128 magnitude = Magnitude(nanos);
  uint128 scaled = magnitude / divisor;
  if (magnitude % divisor != 0) ++scaled;
  if (nanos >= 0) {
    return scaled > uint128{INT64_MAX} ? INT64_MAX : int64_t(scaled);
  }
  if (scaled > uint128{INT64_MAX}) return INT64_MIN;
  return -int64_t(scaled);
}

}  // namespace

absl::StatusOr<Quantity> Quantity::Parse(absl::string_view text) {
  if (text.empty()) {
    return ParseError(text,
                      "empty string (expected a number with an optional "
                      "suffix, like 500m, 2Gi or 1e3)");
  }
  if (IsSpace(text.front()) || IsSpace(text.back())) {
    return ParseError(text, "leading or trailing whitespace is not allowed");
  }

  // <sign>? <digits>? ("." <digits>?)? <suffix>, as Go's parseQuantityString.
  size_t pos = 0;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    pos = 1;
  }
  const size_t whole_begin = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  const absl::string_view whole = text.substr(whole_begin, pos - whole_begin);
  absl::string_view fraction;
  if (pos < text.size() && text[pos] == '.') {
    const size_t fraction_begin = ++pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    fraction = text.substr(fraction_begin, pos - fraction_begin);
  }
  const absl::StatusOr<Suffix> suffix = ParseSuffix(text, text.substr(pos));
  if (!suffix.ok()) return suffix.status();

  // A number without digits ("", "+", ".") is zero in Go only on its int64
  // fast path. Below nano, and for Pi and Ei (whose precision estimate in
  // ParseQuantity goes negative), Go takes the inf.Dec path instead, which
  // cannot read an empty number, and fails.
  if (whole.empty() && fraction.empty() &&
      (suffix->base == 10 ? suffix->power < -9 : suffix->power >= 50)) {
    return ParseError(
        text, absl::StrCat("no digits before ", Quote(text.substr(pos)),
                           " (Kubernetes reads a missing number as zero, "
                           "except before Pi, Ei or an exponent below -9)"));
  }

  std::string digits = absl::StrCat(whole, fraction);
  digits.erase(0, digits.find_first_not_of('0'));  // all of it if all zeros

  // The value in nano-units is digits x 10^(power + 9 - |fraction|), times
  // 2^power instead of 10^power for a binary suffix.
  int128 decimal_power = 9 - int128(fraction.size());
  if (suffix->base == 10) {
    decimal_power += suffix->power;
  } else {
    for (int64_t i = 0; i < suffix->power && !digits.empty(); i += 10) {
      MultiplyDecimal(digits, 1024);
    }
  }
  uint128 magnitude = 0;
  const bool fits = DecimalToNanos(digits, decimal_power, &magnitude);
  Format format = suffix->format;
  if (format == Format::kBinarySI) {
    // Go caps binary SI at 2^63-1 units (and anything too large for us is
    // above that cap), then writes values under one unit as decimal SI.
    if (!fits || magnitude > kBinaryCapNanos) magnitude = kBinaryCapNanos;
    if (magnitude > 0 && magnitude < kNanosPerUnit) format = Format::kDecimalSI;
  } else if (!fits) {
    return ParseError(text,
                      "too large (magnitudes up to about 1.7e29 are supported)");
  }
  const int128 nanos = negative ? -int128(magnitude) : int128(magnitude);
  return Quantity(nanos, format);
}

Quantity Quantity::FromInt64(int64_t value, Format format) {
  return Quantity(int128(value) * int128(kNanosPerUnit), format);
}

std::string Quantity::ToString() const {
  if (nanos_ == 0) return "0";
  const std::string sign = nanos_ < 0 ? "-" : "";
  uint128 magnitude = Magnitude(nanos_);

  // As Go's CanonicalizeBytes: binary SI only for whole values of at least
  // 1024, with the largest power of 1024 that divides them.
  if (format_ == Format::kBinarySI &&
      magnitude >= 1024 * kNanosPerUnit && magnitude % kNanosPerUnit == 0) {
    static constexpr absl::string_view kBinarySuffixes[] = {
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    uint128 units = magnitude / kNanosPerUnit;
    size_t power = 0;
    // Go would go on past Ei and then print no suffix at all; such values
    // only arise from Add (parsing caps at 2^63-1), and stay at Ei here.
    while (power + 1 < std::size(kBinarySuffixes) && units % 1024 == 0) {
      units /= 1024;
      ++power;
    }
    return absl::StrCat(sign, ToDecimalString(units), kBinarySuffixes[power]);
  }

  // Decimal: mantissa x 10^exponent, with the exponent a multiple of 3 and as
  // large as possible without a fractional mantissa.
  int exponent = -9;
  while (magnitude % 10 == 0) {
    magnitude /= 10;
    ++exponent;
  }
  // These never overflow: each multiplication undoes divisions just made.
  switch (exponent % 3) {
    case 1:
    case -2:
      magnitude *= 10;
      exponent -= 1;
      break;
    case 2:
    case -1:
      magnitude *= 100;
      exponent -= 2;
      break;
    default:
      break;
  }
  std::string suffix;
  if (format_ != Format::kDecimalExponent && exponent <= 18) {
    static constexpr absl::string_view kDecimalSuffixes[] = {
        "n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    suffix = std::string(kDecimalSuffixes[(exponent + 9) / 3]);
  } else if (exponent != 0) {
    // Decimal exponent, and decimal SI past E (10^18): Go writes "1000E" as
    // "1e21" rather than drop the exponent.
    suffix = absl::StrCat("e", exponent);
  }
  return absl::StrCat(sign, ToDecimalString(magnitude), suffix);
}

int Quantity::Sign() const { return (nanos_ > 0) - (nanos_ < 0); }

int64_t Quantity::Value() const { return ScaledValue(nanos_, kNanosPerUnit); }

int64_t Quantity::MilliValue() const {
  return ScaledValue(nanos_, kNanosPerUnit / 1000);
}

absl::StatusOr<Quantity> Quantity::Add(const Quantity& other) const {
  int128 sum = 0;
  if (__builtin_add_overflow(nanos_, other.nanos_, &sum) ||
      Magnitude(sum) > kMaxNanos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sum of quantities ", ToString(), " and ", other.ToString(),
        " is too large (magnitudes up to about 1.7e29 are supported)"));
  }
  return Quantity(sum, nanos_ == 0 ? other.format_ : format_);
}

}  // namespace ferry::api
