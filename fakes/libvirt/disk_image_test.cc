#include "fakes/libvirt/disk_image.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::fakes {
namespace {

TEST(DiskImageTest, BlocksForRoundsUpAndNeverOverflows) {
  EXPECT_EQ(DiskImage::BlocksFor(0), 0);
  EXPECT_EQ(DiskImage::BlocksFor(-5), 0);
  EXPECT_EQ(DiskImage::BlocksFor(1), 1);
  EXPECT_EQ(DiskImage::BlocksFor(kBlockSize), 1);
  EXPECT_EQ(DiskImage::BlocksFor(kBlockSize + 1), 2);
  // A claim of 8Ei saturates to INT64_MAX bytes: (bytes + kBlockSize - 1)
  // would overflow into a negative block count.
  EXPECT_EQ(DiskImage::BlocksFor(INT64_MAX), int64_t{1} << 43);
}

TEST(DiskImageTest, BulkCopyOfAHundredGibIsEqualWithoutTouchingBlocks) {
  DiskImage source(DiskImage::BlocksFor(100 * kGiB), /*base=*/7);
  source.Write(5, 100);
  source.Write(90000, 101);
  DiskImage copy(source.blocks(), 0);
  EXPECT_EQ(copy.FirstDifference(source), 0);
  copy.CopyRange(source, 0, 50000);
  EXPECT_EQ(copy.FirstDifference(source), 50000);
  copy.CopyRange(source, 50000, source.blocks());
  EXPECT_EQ(copy.FirstDifference(source), std::nullopt);
  EXPECT_EQ(copy.Content(5), 100u);
  EXPECT_EQ(copy.Content(90000), 101u);
  EXPECT_EQ(copy.Content(6), 7u);
  EXPECT_EQ(copy.written_blocks(), 2);  // cost follows writes, not size
}

TEST(DiskImageTest, AWriteBehindTheCopyIsADifferenceUntilCopiedAgain) {
  DiskImage source(1000, 3);
  DiskImage copy(1000, 0);
  copy.CopyRange(source, 0, 1000);
  source.Write(10, 55);
  EXPECT_EQ(copy.FirstDifference(source), 10);
  copy.CopyBlock(source, 10);
  EXPECT_EQ(copy.FirstDifference(source), std::nullopt);
}

TEST(DiskImageTest, ForgetOneWriteDropsTheHighestWrittenBlock) {
  DiskImage disk(10, 1);
  EXPECT_FALSE(disk.ForgetOneWrite());
  disk.Write(2, 9);
  disk.Write(4, 8);
  EXPECT_TRUE(disk.ForgetOneWrite());
  EXPECT_EQ(disk.Content(4), 1u);
  EXPECT_EQ(disk.Content(2), 9u);
}

TEST(DiskImageTest, DifferentBasesDiffer) {
  DiskImage a(10, 1), b(10, 2);
  EXPECT_EQ(a.FirstDifference(b), 0);
  DiskImage blank(10, 0);
  EXPECT_EQ(blank.FirstDifference(DiskImage(10, 0)), std::nullopt);
}

TEST(DiskImageTest, FirstBlockNotHoldingSkipsWrittenBlocksAndCostsNoSize) {
  DiskImage image(DiskImage::BlocksFor(100 * kGiB), 9);
  EXPECT_EQ(image.FirstBlockNotHolding(9, image.blocks(), {}), std::nullopt);
  image.Write(70, 1);
  EXPECT_EQ(image.FirstBlockNotHolding(9, image.blocks(), {}), 70);
  EXPECT_EQ(image.FirstBlockNotHolding(9, image.blocks(), {{70, 1}}), std::nullopt);
  // A blank disk holds the base nowhere; skipped blocks aside.
  DiskImage blank(8, 0);
  EXPECT_EQ(blank.FirstBlockNotHolding(9, 8, {{0, 1}, {1, 2}}), 2);
  // Only the overlay's own writes: the base is not copied.
  DiskImage top(8, 0);
  top.CopyWrittenRange(image, 0, 8);
  EXPECT_EQ(top.written_blocks(), 0);
  DiskImage overlay(8, 9);
  overlay.Write(3, 4);
  top.CopyWrittenRange(overlay, 0, 8);
  EXPECT_EQ(top.Content(3), 4u);
  EXPECT_EQ(top.Content(2), 0u);
  EXPECT_EQ(top.FirstBlockNotHolding(9, 8, {{3, 4}}), 0);
}

}  // namespace
}  // namespace ferry::fakes
