// The cluster model's work lists (sim/cluster_state.h): each holds what its
// pass would act on, kept current from the API's history.
#include "sim/cluster_state.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "api/manifest/reader.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/api_for_test.h"
#include "sim/cluster.h"

namespace ferry::sim::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class ClusterStateTest : public ::testing::Test {
 protected:
  explicit ClusterStateTest(size_t history = 100000) : api_(clock_, {.watch_history = history}) {}

  // Creates the objects of `yaml`, or writes them over the ones there
  // (status included), then catches the state up.
  void Apply(const std::string& yaml) {
    ApplyForTest(api_, yaml);
    state_.Sync(api_);
  }
  void Delete(const ports::ObjectKey& key) {
    ASSERT_TRUE(api_.Delete(key).ok());
    state_.Sync(api_);
  }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_;
  ClusterState state_;
};

constexpr char kClasses[] = R"(apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local}
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: topolvm.io
volumeBindingMode: Immediate
)";

std::string Claim(const std::string& name, const std::string& cls, const std::string& extra = "") {
  return absl::StrCat("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: ", name,
                      extra, "}\nspec: {accessModes: [ReadWriteOnce], storageClassName: ", cls,
                      ", resources: {requests: {storage: 1Gi}}}\n");
}

std::string Pod(const std::string& name, const std::string& node, const std::string& claim,
                const std::string& phase = "Pending") {
  return absl::StrCat("apiVersion: v1\nkind: Pod\nmetadata: {name: ", name, "}\nspec:\n",
                      node.empty() ? "" : absl::StrCat("  nodeName: ", node, "\n"),
                      "  containers: [{name: c, image: i}]\n"
                      "  volumes: [{name: d, persistentVolumeClaim: {claimName: ", claim,
                      "}}]\nstatus: {phase: ", phase, "}\n");
}

std::string Node(const std::string& name, bool ready) {
  return absl::StrCat("apiVersion: v1\nkind: Node\nmetadata: {name: ", name,
                      "}\nstatus: {conditions: [{type: Ready, status: \"", ready ? "True" : "False",
                      "\"}]}\n");
}

const Key kData{"default", "data"};
const Key kDb{"default", "db"};

TEST_F(ClusterStateTest, AClaimWaitingForItsConsumerIsNotBoundButItsPodSelectsANode) {
  Apply(kClasses);
  Apply(Claim("data", "local") + "---\n" + Claim("now", "fast"));
  EXPECT_THAT(state_.pvcs_to_bind(), ElementsAre(Key{"default", "now"}));  // data waits
  EXPECT_THAT(state_.PodsToSchedule(), IsEmpty());

  Apply(Pod("db", "", "data"));
  EXPECT_THAT(state_.PodsToSchedule(), ElementsAre(kDb));  // to be scheduled
  Apply(Pod("db", "node-a", "data"));
  EXPECT_THAT(state_.PodsToSchedule(), ElementsAre(kDb));  // to select node-a for data

  Apply(Claim("data", "local", absl::StrCat(", annotations: {", kSelectedNode, ": node-a}")));
  EXPECT_THAT(state_.pvcs_to_bind(), ElementsAre(kData, Key{"default", "now"}));
  EXPECT_THAT(state_.PodsToSchedule(), IsEmpty());

  Apply(Claim("data", "local") + "status: {phase: Bound}\n");
  EXPECT_THAT(state_.pvcs_to_bind(), ElementsAre(Key{"default", "now"}));
}

TEST_F(ClusterStateTest, APvIsReleasedWhenItsClaimGoesOrIsAnotherOne) {
  Apply(Claim("data", "fast"));
  const std::string uid = ports::MetadataOf(**api_.Get({"PersistentVolumeClaim", "default", "data"})).uid();
  auto pv = [](const std::string& claim_uid, const std::string& phase) {
    return absl::StrCat(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-1}\nspec:\n"
        "  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n"
        "  persistentVolumeReclaimPolicy: Retain\n  csi: {driver: d, volumeHandle: h}\n"
        "  claimRef: {namespace: default, name: data, uid: ",
        claim_uid, "}\nstatus: {phase: ", phase, "}\n");
  };
  Apply(pv(uid, "Available"));
  EXPECT_THAT(state_.available_pvs(), ElementsAre(Key{"", "pv-1"}));
  EXPECT_THAT(state_.released_pvs(), IsEmpty());
  Apply(pv(uid, "Bound"));
  EXPECT_THAT(state_.available_pvs(), IsEmpty());
  EXPECT_THAT(state_.released_pvs(), IsEmpty());
  Delete({"PersistentVolumeClaim", "default", "data"});
  EXPECT_THAT(state_.released_pvs(), ElementsAre(Key{"", "pv-1"}));
  Apply(Claim("data", "fast"));  // the same name, another claim
  EXPECT_THAT(state_.released_pvs(), ElementsAre(Key{"", "pv-1"}));
  Apply(pv("another", "Released"));
  EXPECT_THAT(state_.released_pvs(), IsEmpty());
}

TEST_F(ClusterStateTest, PodsToRunAreThoseNotRunningAndThoseOnANodeNotReady) {
  Apply(Node("node-a", true) + "---\n" + Node("node-b", true));
  Apply(Pod("db", "node-a", "data", "Running") + "---\n" + Pod("web", "node-b", "data"));
  EXPECT_THAT(state_.PodsToRun(), ElementsAre(Key{"default", "web"}));
  Apply(Node("node-a", false));
  EXPECT_THAT(state_.PodsToRun(), ElementsAre(kDb, Key{"default", "web"}));
  Delete({"Node", "", "node-a"});
  EXPECT_THAT(state_.PodsToRun(), ElementsAre(kDb, Key{"default", "web"}));
  Apply(Node("node-a", true));
  EXPECT_THAT(state_.PodsToRun(), ElementsAre(Key{"default", "web"}));
  Apply(Pod("db", "node-a", "data", "Failed"));  // terminal: nothing to run
  Apply(Node("node-a", false));
  EXPECT_THAT(state_.PodsToRun(), ElementsAre(Key{"default", "web"}));
}

TEST_F(ClusterStateTest, PodsChangedAreTakenOnce) {
  Apply(Pod("db", "node-a", "data"));
  EXPECT_THAT(state_.TakePodsChanged(), ElementsAre(kDb));
  EXPECT_THAT(state_.TakePodsChanged(), IsEmpty());
  Apply(Claim("data", "fast"));
  EXPECT_THAT(state_.TakePodsChanged(), IsEmpty());
  Delete({"Pod", "default", "db"});
  EXPECT_THAT(state_.TakePodsChanged(), ElementsAre(kDb));
  EXPECT_EQ(state_.pods().size(), 0u);
  EXPECT_EQ(state_.PodsOnClaim("default", "data"), nullptr);
}

TEST_F(ClusterStateTest, VmsToStartAndVmisWhoseVmIsGone) {
  constexpr char kVm[] =
      "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: db}\n"
      "spec:\n  running: true\n  template:\n    spec:\n      domain:\n"
      "        devices: {disks: []}\n        resources: {requests: {memory: 1Gi}}\n";
  Apply(kVm);
  EXPECT_THAT(state_.vms_to_start(), ElementsAre(kDb));
  kubevirt::VirtualMachineInstance vmi;
  vmi.mutable_metadata()->set_name("db");
  vmi.mutable_metadata()->set_namespace_("default");
  ports::AddOwnerReference(*state_.vms().at(kDb), vmi.mutable_metadata(), true);
  vmi.mutable_spec()->mutable_domain()->mutable_resources()->mutable_requests()->insert(
      {"memory", "1Gi"});
  ASSERT_TRUE(api_.Create(vmi).ok());
  state_.Sync(api_);
  EXPECT_THAT(state_.vms_to_start(), ElementsAre(kDb));  // not Running yet
  EXPECT_THAT(state_.orphaned_vmis(), IsEmpty());
  Delete({"VirtualMachine", "default", "db"});
  EXPECT_THAT(state_.vms_to_start(), IsEmpty());
  EXPECT_THAT(state_.orphaned_vmis(), ElementsAre(kDb));
}

class CompactedHistory : public ClusterStateTest {
 protected:
  CompactedHistory() : ClusterStateTest(/*history=*/2) {}
};

// A state that fell behind the kept history reads everything afresh, and
// what is gone goes from it too.
TEST_F(CompactedHistory, ASyncPastTheHistoryReadsEverythingAfresh) {
  Apply(kClasses);
  Apply(Claim("a", "fast") + "---\n" + Claim("b", "fast"));
  ASSERT_TRUE(api_.Delete({"PersistentVolumeClaim", "default", "a"}).ok());
  ASSERT_TRUE(api_.Create(*manifest::ParseManifests("t", Claim("c", "fast"))->objects[0].message).ok());
  ASSERT_TRUE(api_.Create(*manifest::ParseManifests("t", Claim("d", "fast"))->objects[0].message).ok());
  state_.Sync(api_);
  std::vector<std::string> names;
  for (const auto& [key, pvc] : state_.pvcs()) names.push_back(key.second);
  EXPECT_THAT(names, ElementsAre("b", "c", "d"));
  EXPECT_THAT(state_.pvcs_to_bind(),
              ElementsAre(Key{"default", "b"}, Key{"default", "c"}, Key{"default", "d"}));
}

}  // namespace
}  // namespace ferry::sim::internal
