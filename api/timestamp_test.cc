#include "api/timestamp.h"

#include "gtest/gtest.h"

namespace ferry::api {
namespace {

TEST(Timestamp, WritesRfc3339InUtcToTheSecond) {
  EXPECT_EQ(Timestamp(absl::FromUnixSeconds(1714557600) + absl::Milliseconds(999)),
            "2024-05-01T10:00:00Z");
}

TEST(Timestamp, ReadsWhatItWritesAndOtherOffsets) {
  const absl::Time t = absl::FromUnixSeconds(1714557600);
  EXPECT_EQ(ParseTimestamp(Timestamp(t)), t);
  EXPECT_EQ(ParseTimestamp("2024-05-01T12:00:00+02:00"), t);
}

TEST(Timestamp, AnythingElseIsTheInfinitePast) {
  for (const char* text : {"", "yesterday", "2024-05-01", "2024-13-01T00:00:00Z"}) {
    EXPECT_EQ(ParseTimestamp(text), absl::InfinitePast()) << text;
  }
}

}  // namespace
}  // namespace ferry::api
