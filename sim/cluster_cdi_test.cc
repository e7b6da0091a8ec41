// CDI's DataVolume controller and importer (sim/cluster_cdi.h): a
// DataVolume gets its claim, waits for it to bind, then fills its volume.
#include "sim/cluster_cdi.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/cdi.pb.h"
#include "api/core.pb.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "fakes/libvirt/fake_fabric.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/api_for_test.h"
#include "sim/cluster_reader.h"

namespace ferry::sim::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// DataVolume default/root, imported over HTTP, its claim on class `cls`.
std::string Root(const std::string& cls) {
  return absl::StrCat(
      "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: local}\n"
      "provisioner: rancher.io/local-path\nvolumeBindingMode: WaitForFirstConsumer\n---\n"
      "apiVersion: cdi.kubevirt.io/v1beta1\nkind: DataVolume\nmetadata: {name: root}\n"
      "spec:\n  source: {http: {url: 'http://images.example/root.img'}}\n"
      "  storage: {storageClassName: ",
      cls, ", resources: {requests: {storage: 1Gi}}}\n");
}

class CdiTest : public ::testing::Test {
 protected:
  CdiTest() : api_(clock_), reader_(api_), cdi_(api_, fabric_, reader_) {}

  std::vector<std::string> Import() {
    std::vector<std::string> did;
    cdi_.Import(&did);
    return did;
  }
  std::shared_ptr<const cdi::DataVolume> Dv() {
    return GetForTest<cdi::DataVolume>(api_, {"DataVolume", "default", "root"});
  }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_;
  fakes::FakeFabric fabric_;
  ClusterReader reader_;
  Cdi cdi_;
};

TEST_F(CdiTest, CreatesTheClaimOfADataVolumeOwnedByItAndReportsItPending) {
  ApplyForTest(api_, Root("fast"));
  EXPECT_THAT(Import(), ElementsAre("cdi: created claim default/root",
                                    "cdi: DataVolume default/root Pending"));
  const auto claim =
      GetForTest<k8s::PersistentVolumeClaim>(api_, {"PersistentVolumeClaim", "default", "root"});
  ASSERT_NE(claim, nullptr);
  EXPECT_THAT(claim->spec().access_modes(), ElementsAre("ReadWriteOnce"));
  EXPECT_EQ(claim->spec().storage_class_name(), "fast");
  ASSERT_EQ(claim->metadata().owner_references_size(), 1);
  EXPECT_EQ(claim->metadata().owner_references(0).kind(), "DataVolume");
  EXPECT_THAT(Import(), IsEmpty());  // the claim is not Bound yet
}

TEST_F(CdiTest, ReportsWaitForFirstConsumerOnSuchAClass) {
  ApplyForTest(api_, Root("local"));
  EXPECT_THAT(Import(), ElementsAre("cdi: created claim default/root",
                                    "cdi: DataVolume default/root WaitForFirstConsumer"));
}

TEST_F(CdiTest, FillsTheVolumeOfTheBoundClaimAndSucceeds) {
  ApplyForTest(api_, Root("fast"));
  Import();
  ASSERT_TRUE(fabric_.CreateVolume("disk", 1 << 30, 0).ok());
  ApplyForTest(api_,
               "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: root}\n"
               "spec: {accessModes: [ReadWriteOnce], storageClassName: fast, volumeName: disk, "
               "resources: {requests: {storage: 1Gi}}}\nstatus: {phase: Bound}\n");
  EXPECT_THAT(Import(), ElementsAre("cdi: DataVolume default/root Succeeded"));
  EXPECT_NE(fabric_.volume("disk")->Content(0), 0u);  // the image, not a blank disk
  EXPECT_EQ(Dv()->status().progress(), "100.0%");
  EXPECT_EQ(Dv()->status().claim_name(), "root");
  EXPECT_THAT(Import(), IsEmpty());
}

}  // namespace
}  // namespace ferry::sim::internal
