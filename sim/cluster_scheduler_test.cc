// kube-scheduler (sim/cluster_scheduler.h): a pod goes to the first ready
// node its claims can be used on, selecting that node for its
// WaitForFirstConsumer claims; else it stays Pending and says why.
#include "sim/cluster_scheduler.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/core.pb.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/api_for_test.h"
#include "sim/cluster_reader.h"

namespace ferry::sim::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string ReadyNode(const std::string& name, bool ready) {
  return absl::StrCat("apiVersion: v1\nkind: Node\nmetadata: {name: ", name,
                      "}\nstatus: {conditions: [{type: Ready, status: \"", ready ? "True" : "False",
                      "\"}]}\n---\n");
}

// Pod default/`name` (on `node` when given) mounting claim "data".
std::string PodOnData(const std::string& name, const std::string& node = "",
                      const std::string& phase = "Pending") {
  return absl::StrCat("apiVersion: v1\nkind: Pod\nmetadata: {name: ", name, "}\nspec:\n",
                      node.empty() ? "" : absl::StrCat("  nodeName: ", node, "\n"),
                      "  containers: [{name: c, image: i}]\n"
                      "  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]\n"
                      "status: {phase: ", phase, "}\n---\n");
}

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() : api_(clock_), reader_(api_), scheduler_(api_, reader_) {}

  std::vector<std::string> Schedule() {
    std::vector<std::string> did;
    scheduler_.Schedule(&did);
    return did;
  }
  std::shared_ptr<const k8s::Pod> Pod(const std::string& name) {
    return GetForTest<k8s::Pod>(api_, {"Pod", "default", name});
  }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_;
  ClusterReader reader_;
  Scheduler scheduler_;
};

TEST_F(SchedulerTest, PlacesAPodOnTheFirstReadyNode) {
  ApplyForTest(api_, ReadyNode("node-a", false) + ReadyNode("node-b", true) +
                         "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"
                         "spec: {containers: [{name: c, image: i}]}\n");
  EXPECT_THAT(Schedule(), ElementsAre("scheduler: default/web on node-b"));
  EXPECT_EQ(Pod("web")->spec().node_name(), "node-b");
}

TEST_F(SchedulerTest, LeavesAPodPendingUnschedulableWithTheReasonOnce) {
  ApplyForTest(api_, ReadyNode("node-a", false) + PodOnData("web"));
  EXPECT_THAT(Schedule(),
              ElementsAre("scheduler: default/web: 0/1 nodes are available: node(s) not ready"));
  EXPECT_EQ(Pod("web")->status().reason(), "Unschedulable");
  EXPECT_THAT(Schedule(), IsEmpty());  // the same message is not written again
}

TEST_F(SchedulerTest, SelectsTheChosenNodeForAWaitForFirstConsumerClaim) {
  ApplyForTest(api_, ReadyNode("node-a", true) +
                         "apiVersion: storage.k8s.io/v1\nkind: StorageClass\n"
                         "metadata: {name: local}\nprovisioner: rancher.io/local-path\n"
                         "volumeBindingMode: WaitForFirstConsumer\n---\n"
                         "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\n"
                         "spec: {accessModes: [ReadWriteOnce], storageClassName: local, "
                         "resources: {requests: {storage: 1Gi}}}\n---\n" +
                         PodOnData("web"));
  EXPECT_THAT(Schedule(), ElementsAre("scheduler: default/data selected node node-a",
                                      "scheduler: default/web on node-a"));
  const auto claim =
      GetForTest<k8s::PersistentVolumeClaim>(api_, {"PersistentVolumeClaim", "default", "data"});
  EXPECT_EQ(claim->metadata().annotations().at(kSelectedNode), "node-a");
}

TEST_F(SchedulerTest, KeepsAReadWriteOnceClaimOffOtherNodesWhileAPodUsesIt) {
  ApplyForTest(api_, ReadyNode("node-a", false) + ReadyNode("node-b", true) +
                         "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\n"
                         "spec: {accessModes: [ReadWriteOnce], storageClassName: \"\", "
                         "resources: {requests: {storage: 1Gi}}}\nstatus: {phase: Bound}\n---\n" +
                         PodOnData("db", "node-a", "Running") + PodOnData("web"));
  EXPECT_THAT(Schedule(), ElementsAre("scheduler: default/web: 0/2 nodes are available: "
                                      "ReadWriteOnce claim data is in use on node node-a"));
}

}  // namespace
}  // namespace ferry::sim::internal
