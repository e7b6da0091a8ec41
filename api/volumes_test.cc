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

TEST(PairMoves, ByClaimOrByContainerDiskVolumeName) {
  kubevirt::Volume pvc;
  pvc.set_name("root");
  pvc.mutable_persistent_volume_claim()->set_claim_name("data");
  kubevirt::Volume disk;
  disk.set_name("root");
  disk.mutable_container_disk()->set_image("quay.io/x");
  kubevirt::MigrateNonSharedDisk by_claim;
  by_claim.set_source_pvc("data");
  by_claim.set_destination_pvc("data-2");
  EXPECT_TRUE(PairMoves(by_claim, pvc));
  EXPECT_FALSE(PairMoves(by_claim, disk));
  EXPECT_EQ(PairSourceName(by_claim), "claim \"data\"");
  kubevirt::MigrateNonSharedDisk by_volume;
  by_volume.set_source_volume("root");
  by_volume.set_destination_pvc("root-pvc");
  EXPECT_TRUE(PairMoves(by_volume, disk));
  // The same volume once switched to a claim is no longer on its source.
  EXPECT_FALSE(PairMoves(by_volume, pvc));
  EXPECT_EQ(PairSourceName(by_volume), "containerDisk volume \"root\"");
  kubevirt::Volume other = disk;
  other.set_name("scratch");
  EXPECT_FALSE(PairMoves(by_volume, other));
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
