#include "api/volumes.h"

#include "gtest/gtest.h"

namespace ferry::api {
namespace {

TEST(ClaimOf, NamesThePvcOrTheDataVolume) {
  kubevirt::Volume pvc;
  pvc.mutable_persistent_volume_claim()->set_claim_name("data");
  EXPECT_EQ(ClaimOf(pvc), "data");
  kubevirt::Volume dv;
  dv.mutable_data_volume()->set_name("alpine-dv");
  EXPECT_EQ(ClaimOf(dv), "alpine-dv");
  kubevirt::Volume disk;
  disk.mutable_container_disk()->set_image("quay.io/x");
  EXPECT_EQ(ClaimOf(disk), std::nullopt);
}

TEST(StorageSize, ReadsOnlyAValidStorageEntry) {
  google::protobuf::Map<std::string, std::string> m;
  EXPECT_EQ(StorageSize(m), std::nullopt);
  m["storage"] = "1Gz";
  EXPECT_EQ(StorageSize(m), std::nullopt);
  m["storage"] = "1Gi";
  ASSERT_TRUE(StorageSize(m).has_value());
  EXPECT_EQ(StorageSize(m)->Value(), int64_t{1} << 30);
}

}  // namespace
}  // namespace ferry::api
