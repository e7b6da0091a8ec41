#include "api/manifest/utf8.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::manifest {
namespace {

using ::testing::HasSubstr;

struct Case {
  const char* name;
  std::string bytes;
  int length;              // Utf8SequenceLength of `bytes`
  const char* reason = ""; // part of FindUtf8Error's reason when length is 0
};

// Every row of Unicode Table 3-7 at both ends, and every way out of it.
const Case kCases[] = {
    {"Ascii", "A", 1},
    {"Nul", std::string("\0", 1), 1},
    {"Del", "\x7f", 1},
    {"TwoByteLowest", "\xc2\x80", 2},
    {"TwoByteHighest", "\xdf\xbf", 2},
    {"E0Lowest", "\xe0\xa0\x80", 3},
    {"E1ToEc", "\xe1\x80\x80", 3},
    {"EcHighest", "\xec\xbf\xbf", 3},
    {"EdBelowSurrogates", "\xed\x9f\xbf", 3},
    {"EeAfterSurrogates", "\xee\x80\x80", 3},
    {"Bom", "\xef\xbb\xbf", 3},
    {"Noncharacter", "\xef\xbf\xbf", 3},  // U+FFFF: well-formed, a scalar value
    {"F0Lowest", "\xf0\x90\x80\x80", 4},
    {"F1ToF3", "\xf3\xbf\xbf\xbf", 4},
    {"LastCodePoint", "\xf4\x8f\xbf\xbf", 4},
    {"LoneContinuation", "\x80", 0, "continuation byte with no lead"},
    {"LoneContinuationBf", "\xbf", 0, "continuation byte with no lead"},
    {"C0Overlong", "\xc0\xaf", 0, "overlong"},
    {"C1Overlong", "\xc1\xbf", 0, "overlong"},
    {"E0Overlong", "\xe0\x80\x80", 0, "overlong"},
    {"E0OverlongHighest", "\xe0\x9f\xbf", 0, "overlong"},
    {"SurrogateLow", "\xed\xa0\x80", 0, "surrogate"},
    {"SurrogateHigh", "\xed\xbf\xbf", 0, "surrogate"},
    {"F0Overlong", "\xf0\x80\x80\x80", 0, "overlong"},
    {"F0OverlongHighest", "\xf0\x8f\xbf\xbf", 0, "overlong"},
    {"F4AboveMax", "\xf4\x90\x80\x80", 0, "above U+10FFFF"},
    {"F5", "\xf5\x80\x80\x80", 0, "not a UTF-8 lead byte"},
    {"F7", "\xf7\xbf\xbf\xbf", 0, "not a UTF-8 lead byte"},
    {"F8", "\xf8\x88\x80\x80", 0, "not a UTF-8 lead byte"},
    {"Ff", "\xff", 0, "not a UTF-8 lead byte"},
    {"TwoByteTruncated", "\xc3", 0, "cut short by the end of the file"},
    {"ThreeByteTruncated", "\xe2\x82", 0, "cut short by the end of the file"},
    {"FourByteTruncated", "\xf0\x9f\x98", 0, "cut short by the end of the file"},
    {"TwoByteBadContinuation", "\xc3(", 0, "cut short"},
    {"ThreeByteBadThird", "\xe2\x82(", 0, "cut short"},
    {"FourByteBadFourth", "\xf0\x9f\x98(", 0, "cut short"},
};

class Utf8 : public testing::TestWithParam<Case> {};

TEST_P(Utf8, FollowsTable3_7) {
  const Case& c = GetParam();
  EXPECT_EQ(Utf8SequenceLength(c.bytes), c.length);
  const std::optional<Utf8Error> error = FindUtf8Error("ok " + c.bytes + (c.length ? " ok" : ""));
  if (c.length > 0) {
    EXPECT_FALSE(error.has_value()) << error->reason;
    return;
  }
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->offset, 3u);
  EXPECT_THAT(error->reason, HasSubstr(c.reason));
}

INSTANTIATE_TEST_SUITE_P(Table, Utf8, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

TEST(Utf8Error, ShowsTheLeadByteAndTheContinuationBytesAfterIt) {
  EXPECT_EQ(FindUtf8Error("a\xed\xa0\x80z")->length, 3u);
  EXPECT_EQ(FindUtf8Error("a\xc3(")->length, 1u);
  EXPECT_EQ(FindUtf8Error("a\x80\x80")->length, 1u);
}

TEST(Utf8Error, NoneInWellFormedText) {
  EXPECT_FALSE(FindUtf8Error("").has_value());
  EXPECT_FALSE(FindUtf8Error("naïve café ☕ 😀").has_value());
}

}  // namespace
}  // namespace ferry::manifest
