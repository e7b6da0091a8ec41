// The PV controller and provisioners (sim/cluster_binder.h): a claim binds
// to the smallest static PV that fits or to a volume made for it, and a PV
// whose claim is gone is deleted or released.
#include "sim/cluster_binder.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/core.pb.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "fakes/libvirt/fake_fabric.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/api_for_test.h"
#include "sim/cluster_reader.h"
#include "sim/cluster_volume_binding.h"

namespace ferry::sim::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr char kProvisioned[] = "pvc-default-data";

// Classes "fast" (provisions at once) and "local" (WaitForFirstConsumer).
constexpr char kClasses[] = R"(apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: topolvm.io
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local}
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
)";

// Claim default/data; `metadata` adds to its metadata.
std::string Data(const std::string& cls, const std::string& size,
                 const std::string& metadata = "") {
  return absl::StrCat("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data",
                      metadata, "}\nspec: {accessModes: [ReadWriteOnce], storageClassName: \"",
                      cls, "\", resources: {requests: {storage: ", size, "}}}\n");
}

std::string StaticPv(const std::string& name, const std::string& size,
                     const std::string& policy = "Retain") {
  return absl::StrCat("apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: ", name,
                      "}\nspec: {capacity: {storage: ", size, "}, accessModes: [ReadWriteOnce], ",
                      "storageClassName: \"\", persistentVolumeReclaimPolicy: ", policy,
                      ", hostPath: {path: /disks/", name, "}}\n---\n");
}

class BinderTest : public ::testing::Test {
 protected:
  BinderTest()
      : api_(clock_),
        reader_(api_),
        binder_(api_, fabric_, clock_, reader_,
                [this](const std::string& pv, const std::string& path) { recorded_[pv] = path; }) {
    ApplyForTest(api_, kClasses);
  }

  std::vector<std::string> Bind() {
    std::vector<std::string> did;
    binder_.Bind(&did);
    return did;
  }
  std::vector<std::string> Release() {
    std::vector<std::string> did;
    binder_.Release(&did);
    return did;
  }
  std::shared_ptr<const k8s::PersistentVolumeClaim> Claim() {
    return GetForTest<k8s::PersistentVolumeClaim>(api_,
                                                  {"PersistentVolumeClaim", "default", "data"});
  }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_;
  fakes::FakeFabric fabric_;
  ClusterReader reader_;
  std::map<std::string, std::string> recorded_;  // by the provisioner: PV -> volume
  Binder binder_;
};

TEST_F(BinderTest, ProvisionsAVolumeForAClaimOfAProvisioningClassAndBindsBothWays) {
  ApplyForTest(api_, Data("fast", "1Gi"));
  EXPECT_THAT(Bind(), ElementsAre("provisioner: created PersistentVolume pvc-default-data for "
                                  "default/data",
                                  "pv-controller: bound default/data to pvc-default-data"));
  EXPECT_THAT(recorded_, ElementsAre(Pair(kProvisioned, kProvisioned)));
  EXPECT_NE(fabric_.volume(kProvisioned), nullptr);
  const auto pv = GetForTest<k8s::PersistentVolume>(api_, {"PersistentVolume", "", kProvisioned});
  ASSERT_NE(pv, nullptr);
  EXPECT_EQ(pv->status().phase(), "Bound");
  EXPECT_EQ(pv->spec().claim_ref().name(), "data");
  EXPECT_EQ(pv->spec().persistent_volume_reclaim_policy(), "Delete");
  EXPECT_EQ(Claim()->status().phase(), "Bound");
  EXPECT_EQ(Claim()->spec().volume_name(), kProvisioned);
  EXPECT_THAT(Bind(), IsEmpty());
}

TEST_F(BinderTest, BindsTheSmallestStaticPvThatFits) {
  ApplyForTest(api_, StaticPv("big", "10Gi") + StaticPv("small", "2Gi") +
                         StaticPv("tiny", "512Mi") + Data("", "1Gi"));
  EXPECT_THAT(Bind(), ElementsAre("pv-controller: bound default/data to small"));
  EXPECT_THAT(recorded_, IsEmpty());
}

TEST_F(BinderTest, ProvisionsAWaitForFirstConsumerClaimOnTheNodeSelectedForIt) {
  ApplyForTest(api_, Data("local", "1Gi"));
  EXPECT_THAT(Bind(), IsEmpty());  // no consumer yet
  ApplyForTest(api_,
               Data("local", "1Gi", absl::StrCat(", annotations: {", kSelectedNode, ": node-a}")));
  EXPECT_THAT(Bind(), ElementsAre(HasSubstr("created PersistentVolume pvc-default-data"),
                                  HasSubstr("bound default/data")));
  const auto pv = GetForTest<k8s::PersistentVolume>(api_, {"PersistentVolume", "", kProvisioned});
  ASSERT_NE(pv, nullptr);
  EXPECT_TRUE(NodeAllowed(*pv, "node-a"));
  EXPECT_FALSE(NodeAllowed(*pv, "node-b"));
}

TEST_F(BinderTest, ReportsAVolumeTheStorageRefusesOnceAndLeavesTheClaimPending) {
  ApplyForTest(api_, Data("fast", "8Ei"));
  EXPECT_THAT(Bind(), ElementsAre(HasSubstr("provisioner: default/data: volume pvc-default-data")));
  const std::string* why = binder_.ProvisioningFailure("default", "data");
  ASSERT_NE(why, nullptr);
  const auto event = GetForTest<k8s::Event>(api_, {"Event", "default", "data.provisioning-failed"});
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->reason(), "ProvisioningFailed");
  EXPECT_EQ(event->message(), *why);
  EXPECT_THAT(Bind(), IsEmpty());
  EXPECT_NE(Claim()->status().phase(), "Bound");
  EXPECT_EQ(binder_.ProvisioningFailure("default", "other"), nullptr);
}

TEST_F(BinderTest, DeletesThePvAndVolumeOfAGoneClaimUnderReclaimPolicyDelete) {
  ApplyForTest(api_, Data("fast", "1Gi"));
  Bind();
  EXPECT_THAT(Release(), IsEmpty());  // its claim is there
  ASSERT_TRUE(api_.Delete({"PersistentVolumeClaim", "default", "data"}).ok());
  EXPECT_THAT(Release(),
              ElementsAre("pv-controller: deleted released PersistentVolume pvc-default-data"));
  EXPECT_FALSE(api_.Get({"PersistentVolume", "", kProvisioned}).ok());
  EXPECT_EQ(fabric_.volume(kProvisioned), nullptr);
}

TEST_F(BinderTest, MarksThePvOfAGoneClaimReleasedUnderReclaimPolicyRetain) {
  ApplyForTest(api_, StaticPv("disk", "1Gi") + Data("", "1Gi"));
  Bind();
  ASSERT_TRUE(api_.Delete({"PersistentVolumeClaim", "default", "data"}).ok());
  EXPECT_THAT(Release(), ElementsAre("pv-controller: PersistentVolume disk Released"));
  EXPECT_THAT(Release(), IsEmpty());
}

}  // namespace
}  // namespace ferry::sim::internal
