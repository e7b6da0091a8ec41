#include "api/quantity.h"

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::api {

// Failure messages show the canonical form rather than bytes.
void PrintTo(const Quantity& quantity, std::ostream* os) {
  *os << quantity.ToString();
}

namespace {

using F = Quantity::Format;
using ::testing::HasSubstr;

struct ValidCase {
  absl::string_view input;
  absl::string_view canonical;  // Go's CanonicalizeBytes
  Quantity::Format format;      // Go's Quantity.Format after parsing
};

// Every expectation below was produced by Go's own parser and canonicalizer
// (kubernetes/apimachinery pkg/api/resource quantity.go, suffix.go, amount.go,
// math.go). The inputs are those of quantity_test.go (TestQuantityParse,
// TestQuantityParseEmit, the alternates of TestQuantityString), then the
// behaviours this port must keep: rounding up to nano, the 2^63-1 cap on
// binary SI, decimal SI past E written as an exponent, and Go's acceptance of
// a number without digits as zero.
constexpr ValidCase kValidCases[] = {
    {"0", "0", F::kDecimalSI},
    {"0n", "0", F::kDecimalSI},
    {"0u", "0", F::kDecimalSI},
    {"0m", "0", F::kDecimalSI},
    {"0Ki", "0", F::kBinarySI},
    {"0k", "0", F::kDecimalSI},
    {"0Mi", "0", F::kBinarySI},
    {"0M", "0", F::kDecimalSI},
    {"0Gi", "0", F::kBinarySI},
    {"0G", "0", F::kDecimalSI},
    {"0Ti", "0", F::kBinarySI},
    {"0T", "0", F::kDecimalSI},
    {"1", "1", F::kDecimalSI},
    {"1Ki", "1Ki", F::kBinarySI},
    {"8Ki", "8Ki", F::kBinarySI},
    {"7Mi", "7Mi", F::kBinarySI},
    {"6Gi", "6Gi", F::kBinarySI},
    {"5Ti", "5Ti", F::kBinarySI},
    {"4Pi", "4Pi", F::kBinarySI},
    {"3Ei", "3Ei", F::kBinarySI},
    {"10Ti", "10Ti", F::kBinarySI},
    {"100Ti", "100Ti", F::kBinarySI},
    {"5n", "5n", F::kDecimalSI},
    {"4u", "4u", F::kDecimalSI},
    {"3m", "3m", F::kDecimalSI},
    {"9", "9", F::kDecimalSI},
    {"8k", "8k", F::kDecimalSI},
    {"50k", "50k", F::kDecimalSI},
    {"7M", "7M", F::kDecimalSI},
    {"6G", "6G", F::kDecimalSI},
    {"5T", "5T", F::kDecimalSI},
    {"40T", "40T", F::kDecimalSI},
    {"300T", "300T", F::kDecimalSI},
    {"2P", "2P", F::kDecimalSI},
    {"1E", "1E", F::kDecimalSI},
    {"1E-3", "1e-3", F::kDecimalExponent},
    {"1e3", "1e3", F::kDecimalExponent},
    {"1E6", "1e6", F::kDecimalExponent},
    {"1e9", "1e9", F::kDecimalExponent},
    {"1E12", "1e12", F::kDecimalExponent},
    {"1e15", "1e15", F::kDecimalExponent},
    {"1E18", "1e18", F::kDecimalExponent},
    {"1e14", "100e12", F::kDecimalExponent},
    {"1e13", "10e12", F::kDecimalExponent},
    {"100.035k", "100035", F::kDecimalSI},
    {"0.001", "1m", F::kDecimalSI},
    {"0.0005k", "500m", F::kDecimalSI},
    {"0.005", "5m", F::kDecimalSI},
    {"0.05", "50m", F::kDecimalSI},
    {"0.5", "500m", F::kDecimalSI},
    {"0.00050k", "500m", F::kDecimalSI},
    {"0.00500", "5m", F::kDecimalSI},
    {"0.05000", "50m", F::kDecimalSI},
    {"0.50000", "500m", F::kDecimalSI},
    {"0.5e0", "500e-3", F::kDecimalExponent},
    {"0.5e-1", "50e-3", F::kDecimalExponent},
    {"0.5e-2", "5e-3", F::kDecimalExponent},
    {"10.035M", "10035k", F::kDecimalSI},
    {"1.2e3", "1200", F::kDecimalExponent},
    {"1.3E+6", "1300e3", F::kDecimalExponent},
    {"1.40e9", "1400e6", F::kDecimalExponent},
    {"1.53E12", "1530e9", F::kDecimalExponent},
    {"1.6e15", "1600e12", F::kDecimalExponent},
    {"1.7E18", "1700e15", F::kDecimalExponent},
    {"9.01", "9010m", F::kDecimalSI},
    {"8.1k", "8100", F::kDecimalSI},
    {"7.123456M", "7123456", F::kDecimalSI},
    {"6.987654321G", "6987654321", F::kDecimalSI},
    {"5.444T", "5444G", F::kDecimalSI},
    {"40.1T", "40100G", F::kDecimalSI},
    {"300.2T", "300200G", F::kDecimalSI},
    {"2.5P", "2500T", F::kDecimalSI},
    {"1.01E", "1010P", F::kDecimalSI},
    {"3.001n", "4n", F::kDecimalSI},
    {"1.1E-9", "2e-9", F::kDecimalExponent},
    {"0.0000000001", "1n", F::kDecimalSI},
    {"0.0000000005", "1n", F::kDecimalSI},
    {"0.00000000050", "1n", F::kDecimalSI},
    {"0.5e-9", "1e-9", F::kDecimalExponent},
    {"0.9n", "1n", F::kDecimalSI},
    {"0.00000012345", "124n", F::kDecimalSI},
    {"0.00000012354", "124n", F::kDecimalSI},
    {"9Ei", "9223372036854775807", F::kBinarySI},
    {"9223372036854775807Ki", "9223372036854775807", F::kBinarySI},
    {"12E", "12E", F::kDecimalSI},
    {"100.035Ki", "102435840m", F::kBinarySI},
    {"0.5Mi", "512Ki", F::kBinarySI},
    {"0.05Gi", "53687091200m", F::kBinarySI},
    {"0.025Ti", "27487790694400m", F::kBinarySI},
    {"0.000000000001Ki", "2n", F::kDecimalSI},
    {".001", "1m", F::kDecimalSI},
    {".0001k", "100m", F::kDecimalSI},
    {"1.", "1", F::kDecimalSI},
    {"1.G", "1G", F::kDecimalSI},
    {"1Mi", "1Mi", F::kBinarySI},
    {"1Gi", "1Gi", F::kBinarySI},
    {"1024Mi", "1Gi", F::kBinarySI},
    {"1000M", "1G", F::kDecimalSI},
    {".001Ki", "1024m", F::kBinarySI},
    {".000001Ki", "1024u", F::kDecimalSI},
    {".000000001Ki", "1024n", F::kDecimalSI},
    {".000000000001Ki", "2n", F::kDecimalSI},
    {"307200Ki", "300Mi", F::kBinarySI},
    {"5000m", "5", F::kDecimalSI},
    {"0.001T", "1G", F::kDecimalSI},
    {"1000u", "1m", F::kDecimalSI},
    {"1.08", "1080m", F::kDecimalSI},
    {"1080000000n", "1080m", F::kDecimalSI},
    {".001e12", "1e9", F::kDecimalExponent},
    {"0.001e0", "1e-3", F::kDecimalExponent},
    {"1000e-12", "1e-9", F::kDecimalExponent},
    {"00", "0", F::kDecimalSI},
    {"1.5Gi", "1536Mi", F::kBinarySI},
    {"0.5Gi", "512Mi", F::kBinarySI},
    {"1000", "1k", F::kDecimalSI},
    {"1.5", "1500m", F::kDecimalSI},
    {"0.1", "100m", F::kDecimalSI},
    {"1024", "1024", F::kDecimalSI},
    {"100Mi", "100Mi", F::kBinarySI},
    {"-1.5Gi", "-1536Mi", F::kBinarySI},
    {"1.5e3", "1500", F::kDecimalExponent},
    {"12e-1", "1200e-3", F::kDecimalExponent},
    {"1000E", "1e21", F::kDecimalSI},
    {"5000E", "5e21", F::kDecimalSI},
    {"1000000E", "1e24", F::kDecimalSI},
    {"1e21", "1e21", F::kDecimalExponent},
    {"10000Ei", "9223372036854775807", F::kBinarySI},
    {"8Ei", "9223372036854775807", F::kBinarySI},
    {"1.0001Ki", "1024102400u", F::kBinarySI},
    {"0.3Ki", "307200m", F::kBinarySI},
    {"0.5Ki", "512", F::kBinarySI},
    {"1023Ki", "1023Ki", F::kBinarySI},
    {"1025Ki", "1025Ki", F::kBinarySI},
    {"1025", "1025", F::kDecimalSI},
    {"-0.0000000015", "-2n", F::kDecimalSI},
    {"18446744073709551616", "18446744073709551616", F::kDecimalSI},
    {"9999999999999999999", "9999999999999999999", F::kDecimalSI},
    {"99999999999999999999", "99999999999999999999", F::kDecimalSI},
    {"1e29", "100e27", F::kDecimalExponent},
    {"1.100", "1100m", F::kDecimalSI},
    {"+1k", "1k", F::kDecimalSI},
    {"1E3", "1e3", F::kDecimalExponent},
    {"01Ki", "1Ki", F::kBinarySI},
    {"1.Ki", "1Ki", F::kBinarySI},
    {"1e+3", "1e3", F::kDecimalExponent},
    {"1e-10", "1e-9", F::kDecimalExponent},
    {"Gi", "0", F::kBinarySI},
    {"m", "0", F::kDecimalSI},
    {"+", "0", F::kDecimalSI},
    {"-", "0", F::kDecimalSI},
    {".", "0", F::kDecimalSI},
    {"-.", "0", F::kDecimalSI},
    {"e3", "0", F::kDecimalExponent},
    {"E", "0", F::kDecimalSI},
    {"e-9", "0", F::kDecimalExponent},
    {"Ki", "0", F::kBinarySI},
};

absl::StatusOr<Quantity> Parse(absl::string_view text) {
  return Quantity::Parse(text);
}

Quantity MustParse(absl::string_view text) {
  absl::StatusOr<Quantity> quantity = Quantity::Parse(text);
  EXPECT_TRUE(quantity.ok()) << quantity.status();
  return quantity.ok() ? *quantity : Quantity();
}

TEST(Quantity, ParsesAndCanonicalizesLikeGo) {
  for (const ValidCase& c : kValidCases) {
    SCOPED_TRACE(c.input);
    const absl::StatusOr<Quantity> quantity = Parse(c.input);
    ASSERT_TRUE(quantity.ok()) << quantity.status();
    EXPECT_EQ(quantity->ToString(), c.canonical);
    EXPECT_EQ(quantity->format(), c.format);
  }
}

TEST(Quantity, SignedInputsCanonicalizeWithTheirSign) {
  for (const ValidCase& c : kValidCases) {
    if (c.input[0] == '+' || c.input[0] == '-') continue;
    SCOPED_TRACE(c.input);
    const Quantity positive = MustParse(c.input);
    const Quantity plus = MustParse(absl::StrCat("+", c.input));
    const Quantity minus = MustParse(absl::StrCat("-", c.input));
    EXPECT_EQ(plus.ToString(), c.canonical);
    EXPECT_EQ(plus.format(), c.format);
    EXPECT_EQ(minus.ToString(),
              positive.IsZero() ? "0" : absl::StrCat("-", c.canonical));
    EXPECT_EQ(minus.format(), c.format);
    EXPECT_EQ(minus.Sign(), -positive.Sign());
  }
}

TEST(Quantity, RoundTripsThroughCanonicalForm) {
  for (const ValidCase& c : kValidCases) {
    SCOPED_TRACE(c.input);
    const Quantity quantity = MustParse(c.input);
    const absl::StatusOr<Quantity> again = Parse(quantity.ToString());
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, quantity);
    EXPECT_EQ(again->ToString(), quantity.ToString());
  }
}

struct InvalidCase {
  absl::string_view input;
  absl::string_view problem;  // part of the message after the quoted input
};

// All rejected by Go's ParseQuantity too.
constexpr InvalidCase kInvalidCases[] = {
    {"", "empty string"},
    {"1Gz", "unknown suffix \"Gz\""},
    {"1 Gi", "whitespace is not allowed inside a quantity"},
    {"1.5 Ki", "whitespace is not allowed inside a quantity"},
    {" 1", "leading or trailing whitespace"},
    {"1 ", "leading or trailing whitespace"},
    {"\t1", "leading or trailing whitespace"},
    {"1\n", "leading or trailing whitespace"},
    {"1.2.3", "more than one decimal point"},
    {"1.1.M", "more than one decimal point"},
    {"1.5.", "more than one decimal point"},
    {"--1", "a sign is only allowed at the start"},
    {"++1", "a sign is only allowed at the start"},
    {"1+1.0M", "a sign is only allowed at the start"},
    {"1-", "a sign is only allowed at the start"},
    {"1e", "invalid exponent \"e\""},
    {"1e+", "invalid exponent \"e+\""},
    {"1e+-3", "invalid exponent \"e+-3\""},
    {"-3.01e-", "invalid exponent \"e-\""},
    {"1e3.5", "invalid exponent \"e3.5\""},
    {"1e3e3", "invalid exponent \"e3e3\""},
    {"1e9223372036854775808", "exponent \"e9223372036854775808\" is out of range"},
    {"0.1mi", "unknown suffix \"mi\""},
    {"0.1am", "unknown suffix \"am\""},
    {"aoeu", "unknown suffix \"aoeu\""},
    {"Non-Numeric", "unknown suffix \"Non-Numeric\""},
    {".5i", "unknown suffix \"i\""},
    {"1i", "unknown suffix \"i\""},
    {"-3.01i", "unknown suffix \"i\""},
    {"1K", "unknown suffix \"K\""},
    {"1ki", "unknown suffix \"ki\""},
    {"1gi", "unknown suffix \"gi\""},
    {"1KiB", "unknown suffix \"KiB\""},
    {"1EE", "unknown suffix \"EE\""},
    {"1Mi2", "unknown suffix \"Mi2\""},
    {"1_000", "unknown suffix \"_000\""},
    {"0x10", "unknown suffix \"x10\""},
    {"1,5", "unknown suffix \",5\""},
    {"\xef\xbc\x91", "unknown suffix \"\\xef\\xbc\\x91\""},  // fullwidth 1
    // Go reads a missing number as zero only on its int64 fast path.
    {"e-10", "no digits before \"e-10\""},
    {".e-10", "no digits before \"e-10\""},
    {"+e-10", "no digits before \"e-10\""},
    {"Pi", "no digits before \"Pi\""},
    {"-.Ei", "no digits before \"Ei\""},
};

TEST(Quantity, RejectsWhatGoRejects) {
  for (const InvalidCase& c : kInvalidCases) {
    SCOPED_TRACE(absl::CHexEscape(c.input));
    const absl::StatusOr<Quantity> quantity = Parse(c.input);
    ASSERT_FALSE(quantity.ok()) << quantity->ToString();
    EXPECT_EQ(quantity.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(quantity.status().message(),
                HasSubstr(absl::StrCat("quantity \"", absl::CHexEscape(c.input),
                                       "\": ", c.problem)));
  }
}

TEST(Quantity, ExplainsAnUnknownSuffix) {
  EXPECT_EQ(Parse("1Gz").status().message(),
            "quantity \"1Gz\": unknown suffix \"Gz\" (expected one of n, u, m, "
            "k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent like e3)");
}

TEST(Quantity, RejectsValuesTooLargeToHold) {
  for (const absl::string_view input :
       {"1e30", "-1e30", "200000000000000000000000000000", "1e2147483648",
        "1e9223372036854775807",
        "170141183460469231731687303715.884105728"}) {
    SCOPED_TRACE(input);
    const absl::StatusOr<Quantity> quantity = Parse(input);
    ASSERT_FALSE(quantity.ok());
    EXPECT_EQ(quantity.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(quantity.status().message(), HasSubstr("too large"));
    EXPECT_THAT(quantity.status().message(), HasSubstr(input));
  }
  // The largest value held: (2^127 - 1) nano-units.
  EXPECT_EQ(MustParse("170141183460469231731687303715.884105727").ToString(),
            "170141183460469231731687303715884105727n");
  EXPECT_EQ(MustParse("-170141183460469231731687303715.884105727").ToString(),
            "-170141183460469231731687303715884105727n");
}

TEST(Quantity, CapsBinaryValuesAtMaxInt64LikeGo) {
  const Quantity max = Quantity::FromInt64(INT64_MAX, F::kDecimalSI);
  for (const absl::string_view input :
       {"8Ei", "9Ei", "10000Ei", "9223372036854775807Ki",
        "99999999999999999999999999999999999999999999999999Ki"}) {
    SCOPED_TRACE(input);
    EXPECT_EQ(MustParse(input), max);
    EXPECT_EQ(MustParse(input).format(), F::kBinarySI);
    EXPECT_EQ(MustParse(absl::StrCat("-", input)),
              Quantity::FromInt64(-INT64_MAX, F::kBinarySI));
  }
  // Decimal values are not capped.
  EXPECT_GT(MustParse("10E"), max);
  EXPECT_GT(MustParse("9223372036854775808"), max);
}

TEST(Quantity, RoundsFinerThanNanoAwayFromZero) {
  EXPECT_EQ(MustParse("0.1n").ToString(), "1n");
  EXPECT_EQ(MustParse("-0.1n").ToString(), "-1n");
  EXPECT_EQ(MustParse("1.000000001").ToString(), "1000000001n");
  EXPECT_EQ(MustParse("1.0000000001").ToString(), "1000000001n");
  EXPECT_EQ(MustParse("1.0000000000").ToString(), "1");
  EXPECT_EQ(MustParse("0.000000000000000000000000000000000000001Ki").ToString(),
            "1n");
  EXPECT_EQ(MustParse("1e-9223372036854775808").ToString(), "1e-9");
}

struct ComparisonCase {
  absl::string_view a;
  absl::string_view b;
  int order;  // sign of a - b
};

constexpr ComparisonCase kComparisonCases[] = {
    {"1Gi", "1G", 1},         {"1000m", "1", 0},       {"1Ki", "1024", 0},
    {"1Ki", "1k", 1},         {"1e3", "1k", 0},        {"0.5Gi", "512Mi", 0},
    {"1.5Gi", "1536Mi", 0},   {"100m", "50m", 1},      {"10000T", "100Gi", 1},
    {"0", "0Ki", 0},          {"0", "-0", 0},          {"-1", "0", -1},
    {"-1Gi", "-1G", -1},      {"1n", "0", 1},          {"1n", "0.9n", 0},
    {"1E", "1Ei", -1},        {"1000E", "1e21", 0},    {"12e-1", "1.2", 0},
    {"8Ei", "9223372036854775807", 0},                 {"8E", "8Ei", -1},
    {"999999999999999999999", "1e21", -1},
};

TEST(Quantity, ComparesByValueAcrossFormats) {
  for (const ComparisonCase& c : kComparisonCases) {
    SCOPED_TRACE(absl::StrCat(c.a, " vs ", c.b));
    const Quantity a = MustParse(c.a);
    const Quantity b = MustParse(c.b);
    EXPECT_EQ(a == b, c.order == 0);
    EXPECT_EQ(a != b, c.order != 0);
    EXPECT_EQ(a < b, c.order < 0);
    EXPECT_EQ(a <= b, c.order <= 0);
    EXPECT_EQ(a > b, c.order > 0);
    EXPECT_EQ(a >= b, c.order >= 0);
    EXPECT_EQ(b < a, c.order > 0);
  }
}

struct ValueCase {
  absl::string_view input;
  int64_t value;
  int64_t milli_value;
};

constexpr ValueCase kValueCases[] = {
    {"0", 0, 0},
    {"1", 1, 1000},
    {"1.1", 2, 1100},
    {"-1.1", -2, -1100},
    {"1.5", 2, 1500},
    {"-1.5", -2, -1500},
    {"0.1", 1, 100},
    {"100m", 1, 100},
    {"2047m", 3, 2047},
    {"1n", 1, 1},
    {"-1n", -1, -1},
    {"1.0001m", 1, 2},
    {"1Ki", 1024, 1024000},
    {"1.5Gi", 1610612736, 1610612736000},
    {"1.0001Ki", 1025, 1024103},
    {"0.3Ki", 308, 307200},
    {"-0.0000000015", -1, -1},
    {"9223372036854775807", INT64_MAX, INT64_MAX},
    {"9223372036854775808", INT64_MAX, INT64_MAX},
    {"-9223372036854775808", INT64_MIN, INT64_MIN},
    {"-9223372036854775809", INT64_MIN, INT64_MIN},
    {"9223372036854775.807", 9223372036854776, INT64_MAX},
    {"9223372036854775.808", 9223372036854776, INT64_MAX},
    {"9Ei", INT64_MAX, INT64_MAX},
    {"-9Ei", -INT64_MAX, INT64_MIN},
    {"1e21", INT64_MAX, INT64_MAX},
    {"-1e21", INT64_MIN, INT64_MIN},
};

TEST(Quantity, ValueRoundsAwayFromZeroAndSaturates) {
  for (const ValueCase& c : kValueCases) {
    SCOPED_TRACE(c.input);
    const Quantity quantity = MustParse(c.input);
    EXPECT_EQ(quantity.Value(), c.value);
    EXPECT_EQ(quantity.MilliValue(), c.milli_value);
  }
}

TEST(Quantity, SignAndIsZero) {
  EXPECT_EQ(MustParse("1m").Sign(), 1);
  EXPECT_EQ(MustParse("-1m").Sign(), -1);
  EXPECT_EQ(MustParse("-0").Sign(), 0);
  EXPECT_TRUE(MustParse("-0.0Ki").IsZero());
  EXPECT_FALSE(MustParse("0.0000000001").IsZero());
  EXPECT_TRUE(Quantity().IsZero());
  EXPECT_EQ(Quantity().format(), F::kDecimalSI);
  EXPECT_EQ(Quantity().ToString(), "0");
}

struct FromInt64Case {
  int64_t value;
  Quantity::Format format;
  absl::string_view canonical;
  // False where parsing caps the canonical form at 2^63-1, as in Go
  // (kubernetes#140674: "-8Ei" is -2^63 but parses as -(2^63-1)).
  bool parses_back = true;
};

// TestNewSet of quantity_test.go, and the extremes.
constexpr FromInt64Case kFromInt64Cases[] = {
    {1, F::kDecimalSI, "1"},
    {1000, F::kDecimalSI, "1k"},
    {1234000, F::kDecimalSI, "1234k"},
    {1024, F::kBinarySI, "1Ki"},
    {1000000, F::kDecimalExponent, "1e6"},
    {1024 * 1024, F::kBinarySI, "1Mi"},
    {5, F::kBinarySI, "5"},
    {1536, F::kBinarySI, "1536"},
    {-2048, F::kBinarySI, "-2Ki"},
    {0, F::kBinarySI, "0"},
    {INT64_MAX, F::kDecimalSI, "9223372036854775807"},
    {INT64_MIN, F::kBinarySI, "-8Ei", /*parses_back=*/false},
    {INT64_MIN, F::kDecimalExponent, "-9223372036854775808"},
};

TEST(Quantity, FromInt64KeepsTheFormat) {
  for (const FromInt64Case& c : kFromInt64Cases) {
    SCOPED_TRACE(c.value);
    const Quantity quantity = Quantity::FromInt64(c.value, c.format);
    EXPECT_EQ(quantity.ToString(), c.canonical);
    EXPECT_EQ(quantity.format(), c.format);
    EXPECT_EQ(quantity.Value(), c.value);
    EXPECT_EQ(MustParse(c.canonical) == quantity, c.parses_back);
  }
}

TEST(Quantity, AddIsExactAndKeepsTheFormatLikeGo) {
  // TestAdd and TestQuantityAddZeroPreservesSuffix of quantity_test.go.
  EXPECT_EQ(MustParse("10").Add(MustParse("1e1"))->ToString(), "20");
  const Quantity decimal_plus_binary =
      *Quantity::FromInt64(10, F::kDecimalSI)
           .Add(Quantity::FromInt64(1, F::kBinarySI));
  EXPECT_EQ(decimal_plus_binary, Quantity::FromInt64(11, F::kDecimalSI));
  EXPECT_EQ(decimal_plus_binary.format(), F::kDecimalSI);
  const Quantity binary_plus_decimal =
      *Quantity::FromInt64(10, F::kBinarySI)
           .Add(Quantity::FromInt64(1, F::kDecimalSI));
  EXPECT_EQ(binary_plus_decimal.format(), F::kBinarySI);
  for (const absl::string_view text : {"100m", "1Gi"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(MustParse(text).Add(MustParse("0"))->ToString(), text);
    EXPECT_EQ(MustParse("0").Add(MustParse(text))->ToString(), text);
  }
  EXPECT_EQ(MustParse("1.5Gi").Add(MustParse("-512Mi"))->ToString(), "1Gi");
  EXPECT_EQ(MustParse("0.1n").Add(MustParse("-1n"))->IsZero(), true);
  // Sums are not capped, unlike parsed binary values.
  EXPECT_EQ(MustParse("4Ei").Add(MustParse("4Ei"))->ToString(), "8Ei");
}

TEST(Quantity, AddRejectsSumsTooLargeToHold) {
  const Quantity big = MustParse("1e29");
  const absl::StatusOr<Quantity> sum = big.Add(big);
  ASSERT_FALSE(sum.ok());
  EXPECT_EQ(sum.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(sum.status().message(), HasSubstr("too large"));
  EXPECT_TRUE(big.Add(MustParse("-1e29")).ok());
}

}  // namespace
}  // namespace ferry::api
