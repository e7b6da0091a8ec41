#include "api/manifest/yaml_scalar.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "absl/types/span.h"

namespace ferry::manifest {
namespace {

constexpr absl::string_view kTrue[] = {"y",    "Y",    "yes", "Yes", "YES",
                                       "true", "True", "TRUE", "on",  "On",
                                       "ON"};
constexpr absl::string_view kFalse[] = {"n",     "N",     "no",  "No",
                                        "NO",    "false", "False", "FALSE",
                                        "off",   "Off",   "OFF"};

bool OneOf(absl::string_view text, absl::Span<const absl::string_view> set) {
  for (absl::string_view s : set) {
    if (s == text) return true;
  }
  return false;
}

bool AllDigits(absl::string_view s, int base) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c == '_') continue;
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      return false;
    }
    if (v >= base) return false;
  }
  return true;
}

// Splits an optional sign, then returns the base and the digits of an integer
// literal, or base 0 when `text` is not one.
int IntegerBase(absl::string_view text, absl::string_view* digits) {
  absl::string_view s = text;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    *digits = s.substr(2);
    return AllDigits(*digits, 16) ? 16 : 0;
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
    *digits = s.substr(2);
    return AllDigits(*digits, 8) ? 8 : 0;
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    *digits = s.substr(2);
    return AllDigits(*digits, 2) ? 2 : 0;
  }
  if (s.size() > 1 && s[0] == '0') {
    *digits = s.substr(1);
    return AllDigits(*digits, 8) ? 8 : 0;
  }
  *digits = s;
  return AllDigits(s, 10) && s[0] != '_' ? 10 : 0;
}

bool IsFloat(absl::string_view s) {
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" ||
      s == "-.inf" || s == "+.Inf" || s == "-.Inf" || s == ".nan" ||
      s == ".NaN" || s == ".NAN") {
    return true;
  }
  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

}  // namespace

PlainScalar ResolvePlainScalar(absl::string_view text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" ||
      text == "NULL") {
    return PlainScalar::kNull;
  }
  if (OneOf(text, kTrue) || OneOf(text, kFalse)) return PlainScalar::kBool;
  absl::string_view digits;
  if (IntegerBase(text, &digits) != 0) return PlainScalar::kInt;
  if (IsFloat(text)) return PlainScalar::kFloat;
  return PlainScalar::kString;
}

bool PlainBoolValue(absl::string_view text) { return OneOf(text, kTrue); }

std::optional<int64_t> PlainIntValue(absl::string_view text) {
  absl::string_view digits;
  const int base = IntegerBase(text, &digits);
  if (base == 0) return std::nullopt;
  const std::string clean = absl::StrReplaceAll(digits, {{"_", ""}});
  const bool negative = !text.empty() && text[0] == '-';
  // Parse the magnitude unsigned so INT64_MIN fits.
  uint64_t magnitude = 0;
  for (char c : clean) {
    const int v = absl::ascii_isdigit(c) ? c - '0'
                                        : absl::ascii_tolower(c) - 'a' + 10;
    if (magnitude > (UINT64_MAX - v) / base) return std::nullopt;
    magnitude = magnitude * base + v;
  }
  if (negative) {
    if (magnitude > uint64_t{1} << 63) return std::nullopt;
    return static_cast<int64_t>(~magnitude + 1);
  }
  if (magnitude > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(magnitude);
}

absl::string_view DescribePlainScalar(PlainScalar kind) {
  switch (kind) {
    case PlainScalar::kNull:
      return "null";
    case PlainScalar::kBool:
      return "a boolean";
    case PlainScalar::kInt:
      return "an integer";
    case PlainScalar::kFloat:
      return "a number";
    case PlainScalar::kString:
      return "a string";
  }
  return "a value";
}

}  // namespace ferry::manifest
