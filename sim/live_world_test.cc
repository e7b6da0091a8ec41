// LiveWorld runs a world by the wall clock and brings up the VMs a user
// applies, so the seed's manifests applied as kubectl would migrate the VM.
#include "sim/live_world.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "api/kubevirt.pb.h"
#include "api/manifest/reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/scenario_loader.h"
#include "sim/world_builder.h"

namespace ferry::sim {
namespace {

using ::testing::HasSubstr;

constexpr char kWorld[] = R"pb(
  world {
    node: "node-a"
    node: "node-b"
    manifest: "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: local\n  annotations: {storageclass.kubernetes.io/is-default-class: \"true\"}\nprovisioner: rancher.io/local-path\nvolumeBindingMode: WaitForFirstConsumer\n"
  }
)pb";

const absl::Time kWall = absl::FromUnixSeconds(1'800'000'000);

class LiveWorldTest : public ::testing::Test {
 protected:
  void Build(double speed) {
    absl::StatusOr<LoadedScenario> loaded = LoadScenarioText("test world", kWorld);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    World::Options options = WorldOptionsOf(loaded->scenario);
    options.start = kWall;
    world_ = std::make_unique<World>(options);
    ASSERT_TRUE(BuildWorld(loaded->scenario, loaded->files, *world_).ok());
    world_->Start();
    live_ = std::make_unique<LiveWorld>(
        *world_, mu_, kWall,
        LiveWorld::Options{.speed = speed,
                           .log = [this](const std::string& line) { log_.push_back(line); }});
  }
  // Creates a file's objects as kubectl would (in "default").
  void Create(const std::string& file) {
    absl::StatusOr<manifest::ManifestSet> set = manifest::ReadManifestFile(file);
    ASSERT_TRUE(set.ok()) << set.status();
    for (const manifest::Object& o : set->objects) {
      std::unique_ptr<google::protobuf::Message> m(o.message->New());
      m->CopyFrom(*o.message);
      ports::MutableMetadataOf(m.get())->set_namespace_("default");
      absl::MutexLock lock(&mu_);
      ASSERT_TRUE(world_->api().Create(*m).ok()) << file;
    }
  }
  std::shared_ptr<const kubevirt::VirtualMachineInstance> Vmi(const std::string& name) {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<ports::ObjectPtr> got =
        world_->api().Get({"VirtualMachineInstance", "default", name});
    return got.ok() ? ports::As<kubevirt::VirtualMachineInstance>(*got) : nullptr;
  }

  absl::Mutex mu_;
  std::unique_ptr<World> world_;
  std::unique_ptr<LiveWorld> live_;
  std::vector<std::string> log_;
};

TEST_F(LiveWorldTest, VirtualTimeFollowsTheWallClockTimesTheSpeed) {
  Build(/*speed=*/10);
  live_->Advance(kWall + absl::Seconds(3));
  EXPECT_EQ(world_->sim().now(), kWall + absl::Seconds(30));
  live_->Advance(kWall + absl::Seconds(2));  // a clock that steps back changes nothing
  EXPECT_EQ(world_->sim().now(), kWall + absl::Seconds(30));
}

TEST_F(LiveWorldTest, TheSeedsManifestsAppliedAsAUserWouldMigrateTheVm) {
  Build(/*speed=*/1);
  Create("examples/storage-migration/vm.yaml");
  live_->Advance(kWall + absl::Seconds(1));
  auto vmi = Vmi("vm-alpine-datavolume");
  ASSERT_NE(vmi, nullptr);
  EXPECT_EQ(vmi->status().phase(), "Running");
  EXPECT_EQ(vmi->status().node_name(), "node-a");  // the first of two idle nodes
  EXPECT_THAT(log_, testing::Contains("VirtualMachine default/vm-alpine-datavolume started on node-a"));

  Create("examples/storage-migration/destination-pvc.yaml");
  Create("examples/storage-migration/migration.yaml");
  for (int s = 2; s <= 120; ++s) live_->Advance(kWall + absl::Seconds(s));
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<ports::ObjectPtr> m = world_->api().Get(
        {"VirtualMachineInstanceMigration", "default", "migration-local-storage"});
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(ports::As<kubevirt::VirtualMachineInstanceMigration>(*m)->status().phase(),
              "Succeeded");
  }
  vmi = Vmi("vm-alpine-datavolume");
  ASSERT_NE(vmi, nullptr);
  EXPECT_EQ(vmi->status().node_name(), "node-b");
  EXPECT_EQ(vmi->spec().volumes(0).persistent_volume_claim().claim_name(), "pvc-dest");
}

// `kubectl delete vmi` of a running VM: KubeVirt's VM controller starts a
// new VMI; the guest keeps what it wrote (its disk is a claim).
TEST_F(LiveWorldTest, ADeletedVmiIsStartedAgain) {
  Build(/*speed=*/1);
  Create("examples/storage-migration/vm.yaml");
  live_->Advance(kWall + absl::Seconds(1));
  auto before = Vmi("vm-alpine-datavolume");
  ASSERT_NE(before, nullptr);
  {
    absl::MutexLock lock(&mu_);
    ASSERT_TRUE(world_->api().Delete({"VirtualMachineInstance", "default", "vm-alpine-datavolume"}).ok());
  }
  for (int s = 2; s <= 30; ++s) live_->Advance(kWall + absl::Seconds(s));
  auto after = Vmi("vm-alpine-datavolume");
  ASSERT_NE(after, nullptr);
  EXPECT_NE(after->metadata().uid(), before->metadata().uid());
  EXPECT_EQ(after->status().phase(), "Running");
  EXPECT_EQ(after->status().node_name(), "node-a");  // where its local volume is
  EXPECT_THAT(log_, testing::Contains(HasSubstr(
                        "VirtualMachineInstance default/vm-alpine-datavolume was deleted: its "
                        "guest stops and the VM starts again")));
}

TEST_F(LiveWorldTest, AVmThatCannotStartIsReportedOnceWithWhatToDo) {
  Build(/*speed=*/1);
  {
    absl::MutexLock lock(&mu_);
    kubevirt::VirtualMachine vm;
    vm.set_api_version("kubevirt.io/v1");
    vm.set_kind("VirtualMachine");
    vm.mutable_metadata()->set_name("orphan");
    vm.mutable_metadata()->set_namespace_("default");
    vm.mutable_spec()->set_running(true);
    auto* volume = vm.mutable_spec()->mutable_template_()->mutable_spec()->add_volumes();
    volume->set_name("root");
    volume->mutable_persistent_volume_claim()->set_claim_name("no-such-claim");
    ASSERT_TRUE(world_->api().Create(vm).ok());
  }
  live_->Advance(kWall + absl::Seconds(1));
  live_->Advance(kWall + absl::Seconds(2));
  int reports = 0;
  for (const std::string& line : log_) {
    if (absl::StrContains(line, "orphan cannot start")) {
      ++reports;
      EXPECT_THAT(line, HasSubstr("delete the VM and apply it again"));
    }
  }
  EXPECT_EQ(reports, 1);
}

}  // namespace
}  // namespace ferry::sim
