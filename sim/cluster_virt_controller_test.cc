// KubeVirt's virt-controller (sim/cluster_virt_controller.h): a VM that
// should run gets a VMI and a launcher pod mounting its claims, Running
// once the pod runs; a VM stopped loses both.
#include "sim/cluster_virt_controller.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/core.pb.h"
#include "api/kubevirt.pb.h"
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
using ::testing::StartsWith;

// VM default/vm1 with a disk on claim "root".
std::string Vm(bool running) {
  return absl::StrCat("apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: vm1}\n"
                      "spec:\n  running: ",
                      running ? "true" : "false",
                      "\n  template:\n    spec:\n"
                      "      volumes: [{name: disk, persistentVolumeClaim: {claimName: root}}]\n");
}

class VirtControllerTest : public ::testing::Test {
 protected:
  VirtControllerTest() : api_(clock_), reader_(api_), virt_controller_(api_, reader_, clock_) {}

  std::vector<std::string> RunVms() {
    std::vector<std::string> did;
    virt_controller_.RunVms(&did);
    return did;
  }
  std::vector<k8s::Pod> Pods() {
    std::vector<k8s::Pod> pods;
    api_.ForEachObject("Pod", [&](const ports::ObjectPtr& o) {
      pods.push_back(*ports::As<k8s::Pod>(o));
    });
    return pods;
  }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_;
  ClusterReader reader_;
  VirtController virt_controller_;
};

TEST_F(VirtControllerTest, AVmWhoseVolumesWereMovingIsHeldForRecoveryAsKubevirtDoes) {
  ApplyForTest(api_, absl::StrCat(Vm(true), "status:\n  volumeUpdateState:\n"
                                            "    volumeMigrationState:\n"
                                            "      migratedVolumes: [{volumeName: disk}]\n"));
  EXPECT_THAT(RunVms(), ElementsAre("virt-controller: VM default/vm1 ManualRecoveryRequired "
                                    "(volumes were moving)"));
  EXPECT_THAT(RunVms(), IsEmpty());  // said once, and still held
  const auto vm = GetForTest<kubevirt::VirtualMachine>(api_, {"VirtualMachine", "default", "vm1"});
  ASSERT_NE(vm, nullptr);
  EXPECT_TRUE(vm->status().volume_update_state().volume_migration_state().manual_recovery_required());
  ASSERT_EQ(vm->status().conditions_size(), 1);
  EXPECT_EQ(vm->status().conditions(0).type(), "ManualRecoveryRequired");
  EXPECT_FALSE(api_.Get({"VirtualMachineInstance", "default", "vm1"}).ok());
  // Its record cleared (the volumes recovered): it starts.
  kubevirt::VirtualMachine cleared = *vm;
  cleared.mutable_status()->clear_volume_update_state();
  ASSERT_TRUE(api_.UpdateStatus(cleared).ok());
  EXPECT_THAT(RunVms(), ElementsAre(StartsWith("virt-controller: VM default/vm1 starting")));
}

TEST_F(VirtControllerTest, AVmStartedElsewhereIsLeftAlone) {
  ApplyForTest(api_, Vm(true));
  virt_controller_.set_started_elsewhere(
      [](const std::string& ns, const std::string& name) { return ns == "default" && name == "vm1"; });
  EXPECT_THAT(RunVms(), IsEmpty());
}

TEST_F(VirtControllerTest, StartsAVmWithAVmiAndALauncherPodMountingItsClaims) {
  ApplyForTest(api_, Vm(true));
  EXPECT_THAT(RunVms(), ElementsAre(StartsWith("virt-controller: VM default/vm1 starting (pod "
                                               "virt-launcher-vm1-")));
  const auto vmi = GetForTest<kubevirt::VirtualMachineInstance>(
      api_, {"VirtualMachineInstance", "default", "vm1"});
  ASSERT_NE(vmi, nullptr);
  ASSERT_EQ(vmi->metadata().owner_references_size(), 1);
  EXPECT_EQ(vmi->metadata().owner_references(0).kind(), "VirtualMachine");
  const std::vector<k8s::Pod> pods = Pods();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].metadata().labels().at(kLauncherOf), "vm1");
  ASSERT_EQ(pods[0].spec().volumes_size(), 1);
  EXPECT_EQ(pods[0].spec().volumes(0).persistent_volume_claim().claim_name(), "root");
  EXPECT_THAT(RunVms(), IsEmpty());  // its pod does not run yet

  k8s::Pod running = pods[0];
  running.mutable_spec()->set_node_name("node-a");
  running = *ports::As<k8s::Pod>(*api_.Update(running));
  running.mutable_status()->set_phase("Running");
  ASSERT_TRUE(api_.UpdateStatus(running).ok());
  EXPECT_THAT(RunVms(), ElementsAre("virt-handler: VMI default/vm1 Running on node-a"));
  EXPECT_THAT(RunVms(), IsEmpty());
}

TEST_F(VirtControllerTest, DeletesTheLauncherPodAndVmiOfAStoppedVm) {
  ApplyForTest(api_, Vm(true));
  RunVms();
  const std::vector<k8s::Pod> pods = Pods();
  ASSERT_EQ(pods.size(), 1u);
  ApplyForTest(api_, Vm(false));
  EXPECT_THAT(RunVms(),
              ElementsAre(absl::StrCat("virt-controller: deleted launcher default/",
                                       pods[0].metadata().name()),
                          "virt-controller: deleted VMI default/vm1"));
  EXPECT_THAT(Pods(), IsEmpty());
  EXPECT_FALSE(api_.Get({"VirtualMachineInstance", "default", "vm1"}).ok());
}

}  // namespace
}  // namespace ferry::sim::internal
