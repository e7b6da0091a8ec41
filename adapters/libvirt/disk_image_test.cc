#include "adapters/libvirt/disk_image.h"

#include <libvirt/libvirt.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::adapters {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kGiB = int64_t{1} << 30;

// libvirt's test driver keeps pools and volumes in memory (nothing on disk):
// what EnsureDiskImage asks of libvirt, and what it leaves behind.
class DiskImage : public ::testing::Test {
 protected:
  void SetUp() override {
    connection_ = virConnectOpen("test:///default");
    ASSERT_NE(connection_, nullptr);
  }
  void TearDown() override { virConnectClose(connection_); }

  int Pools() { return virConnectNumOfStoragePools(connection_); }

  virStoragePoolPtr DefinePool(const std::string& name, const std::string& dir, bool start) {
    const std::string xml = absl::StrCat("<pool type='dir'><name>", name,
                                         "</name><target><path>", dir, "</path></target></pool>");
    virStoragePoolPtr pool = virStoragePoolDefineXML(connection_, xml.c_str(), 0);
    if (pool != nullptr && start) virStoragePoolCreate(pool, 0);
    return pool;
  }

  // (capacity, allocation) of `name` in `pool`, or (-1, -1).
  std::pair<int64_t, int64_t> Volume(virStoragePoolPtr pool, const char* name) {
    virStorageVolPtr vol = virStorageVolLookupByName(pool, name);
    if (vol == nullptr) return {-1, -1};
    virStorageVolInfo info;
    virStorageVolGetInfo(vol, &info);
    virStorageVolFree(vol);
    return {static_cast<int64_t>(info.capacity), static_cast<int64_t>(info.allocation)};
  }

  virConnectPtr connection_ = nullptr;
};

TEST_F(DiskImage, CreatesASparseRawImageInThePoolOverItsDirectory) {
  virStoragePoolPtr pool = DefinePool("pv-b", "/srv/node-b/pv-b", /*start=*/true);
  ASSERT_NE(pool, nullptr);
  absl::StatusOr<bool> created = EnsureDiskImage(connection_, "/srv/node-b/pv-b/disk.img", kGiB);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(*created);
  EXPECT_EQ(Volume(pool, "disk.img"), (std::pair<int64_t, int64_t>{kGiB, 0}));
  // There now: left as it is, even asked for another size.
  created = EnsureDiskImage(connection_, "/srv/node-b/pv-b/disk.img", 2 * kGiB);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(*created);
  EXPECT_EQ(Volume(pool, "disk.img").first, kGiB);
  EXPECT_EQ(virStoragePoolIsActive(pool), 1);
  virStoragePoolDestroy(pool);
  virStoragePoolUndefine(pool);
  virStoragePoolFree(pool);
}

TEST_F(DiskImage, AStoppedPoolIsStartedForTheCallAndStoppedAgain) {
  virStoragePoolPtr pool = DefinePool("pv-c", "/srv/node-b/pv-c", /*start=*/false);
  ASSERT_NE(pool, nullptr);
  ASSERT_EQ(virStoragePoolIsActive(pool), 0);
  absl::StatusOr<bool> created = EnsureDiskImage(connection_, "/srv/node-b/pv-c/disk.img", kGiB);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(*created);
  EXPECT_EQ(virStoragePoolIsActive(pool), 0);
  virStoragePoolUndefine(pool);
  virStoragePoolFree(pool);
}

TEST_F(DiskImage, NoPoolOverTheDirectoryLeavesNoneBehind) {
  const int before = Pools();
  absl::StatusOr<bool> created = EnsureDiskImage(connection_, "/srv/node-b/pv-d/disk.img", kGiB);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(*created);
  EXPECT_EQ(Pools(), before);  // the transient pool went with the call
  virStoragePoolPtr left = virStoragePoolLookupByTargetPath(connection_, "/srv/node-b/pv-d");
  EXPECT_EQ(left, nullptr);
  if (left != nullptr) virStoragePoolFree(left);
}

TEST_F(DiskImage, RefusesWhatIsNotAFileOrHasNoSize) {
  const int before = Pools();
  absl::Status relative = EnsureDiskImage(connection_, "pv-b/disk.img", kGiB).status();
  EXPECT_EQ(relative.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(relative.message(), HasSubstr("\"pv-b/disk.img\": not an absolute path to a file"));
  EXPECT_EQ(EnsureDiskImage(connection_, "/srv/pv-b/", kGiB).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status empty = EnsureDiskImage(connection_, "/srv/pv-b/disk.img", 0).status();
  EXPECT_EQ(empty.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.message(), HasSubstr("/srv/pv-b/disk.img: capacity 0 is not positive"));
  EXPECT_EQ(Pools(), before);
}

}  // namespace
}  // namespace ferry::adapters
