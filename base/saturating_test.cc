#include "base/saturating.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace ferry {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(SaturatingCast, KeepsWhatFitsTruncatedTowardZero) {
  EXPECT_EQ(SaturatingCast<int64_t>(0.0), 0);
  EXPECT_EQ(SaturatingCast<int64_t>(20.0 * 1048576), 20971520);
  EXPECT_EQ(SaturatingCast<int64_t>(2.9), 2);
  EXPECT_EQ(SaturatingCast<int64_t>(-2.9), -2);
  // The largest double below 2^63 fits.
  EXPECT_EQ(SaturatingCast<int64_t>(std::nextafter(0x1p63, 0.0)), kMax - 1023);
  EXPECT_EQ(SaturatingCast<int64_t>(-0x1p63), kMin);
}

TEST(SaturatingCast, ClampsWhatDoesNotFit) {
  EXPECT_EQ(SaturatingCast<int64_t>(0x1p63), kMax);
  EXPECT_EQ(SaturatingCast<int64_t>(1e300), kMax);
  EXPECT_EQ(SaturatingCast<int64_t>(kInf), kMax);
  EXPECT_EQ(SaturatingCast<int64_t>(-1e300), kMin);
  EXPECT_EQ(SaturatingCast<int64_t>(-kInf), kMin);
  EXPECT_EQ(SaturatingCast<int32_t>(3e9), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(SaturatingCast<uint64_t>(-1.0), 0u);
  EXPECT_EQ(SaturatingCast<uint64_t>(1e30), std::numeric_limits<uint64_t>::max());
}

TEST(SaturatingCast, NanIsZero) {
  EXPECT_EQ(SaturatingCast<int64_t>(std::nan("")), 0);
  EXPECT_EQ(SaturatingCast<int32_t>(-std::nan("")), 0);
}

TEST(SaturatingAdd, ClampsAtTheLimits) {
  EXPECT_EQ(SaturatingAdd(2, 3), 5);
  EXPECT_EQ(SaturatingAdd(kMax, 1), kMax);
  EXPECT_EQ(SaturatingAdd(kMax - 5, kMax - 5), kMax);
  EXPECT_EQ(SaturatingAdd(kMin, -1), kMin);
  EXPECT_EQ(SaturatingAdd(kMax, kMin), -1);
}

}  // namespace
}  // namespace ferry
