// World::StartVm sets a guest up as KubeVirt would, from the VM manifest and
// the storage's own records alone (never through the core's helpers), and
// records what the checkers judge by.
#include "sim/world.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "api/manifest/reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::sim {
namespace {

using ::testing::HasSubstr;
using Disks = std::map<std::string, std::string>;

constexpr char kWorld[] = R"(apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: standard}
provisioner: csi.example.com
volumeBindingMode: Immediate
reclaimPolicy: Delete
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: static-disk}
spec: {capacity: {storage: 10Gi}, accessModes: [ReadWriteOnce], storageClassName: standard, volumeMode: Filesystem, claimRef: {namespace: default, name: root}, hostPath: {path: /mnt/static}}
---
{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: root}, spec: {accessModes: [ReadWriteOnce], volumeMode: Filesystem, storageClassName: standard, resources: {requests: {storage: 10Gi}}}}
---
{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], volumeMode: Filesystem, storageClassName: standard, resources: {requests: {storage: 5Gi}}}}
---
{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: scratch}, spec: {accessModes: [ReadWriteOnce], volumeMode: Filesystem, storageClassName: standard, resources: {requests: {storage: 1Gi}}}}
---
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: vm}
spec:
  runStrategy: Always
  template:
    spec:
      domain:
        devices:
          disks:
          - {name: root, disk: {bus: virtio}}
          - {name: scratch, disk: {bus: sata}}
          - {name: data, disk: {}}
        resources: {requests: {memory: 1Gi}}
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: data}}
      - {name: root, persistentVolumeClaim: {claimName: root}}
      - {name: scratch, persistentVolumeClaim: {claimName: scratch}}
)";

class WorldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(world_.AddNode("node-a").ok());
    absl::StatusOr<manifest::ManifestSet> set = manifest::ParseManifests("world", kWorld);
    ASSERT_TRUE(set.ok()) << set.status();
    ASSERT_THAT(set->findings, ::testing::IsEmpty());
    for (const manifest::Object& o : set->objects) {
      EXPECT_THAT(o.findings, ::testing::IsEmpty());
      const absl::Status applied = world_.Apply(*o.message);
      ASSERT_TRUE(applied.ok()) << applied;
    }
    scenario::RunningVm vm;
    vm.set_name("vm");
    vm.set_node("node-a");
    const absl::Status started = world_.StartVm(vm);
    ASSERT_TRUE(started.ok()) << started;
  }

  World world_{World::Options{}};
};

TEST_F(WorldTest, GuestDevicesFollowTheDiskListPerBusNotTheVolumeList) {
  EXPECT_EQ(World::DomainNameOf("", "vm"), "default_vm");
  ASSERT_TRUE(world_.guest_disks().contains("default_vm"));
  EXPECT_EQ(world_.guest_disks().at("default_vm"),
            (Disks{{"root", "vda"}, {"data", "vdb"}, {"scratch", "sda"}}));
}

TEST_F(WorldTest, EachDeviceIsOpenOnTheVolumeRecordedForItsClaimsPv) {
  const Disks* open = world_.fabric().OpenDisks("node-a", "default_vm");
  ASSERT_NE(open, nullptr);
  // A manifest PV is its own volume; a provisioned one the provisioner's.
  ASSERT_NE(world_.cluster().VolumeOf("static-disk"), nullptr);
  EXPECT_EQ(world_.ClaimVolume("default", "root"), *world_.cluster().VolumeOf("static-disk"));
  for (const std::string claim : {"root", "data", "scratch"}) {
    EXPECT_FALSE(world_.ClaimVolume("default", claim).empty()) << claim;
    EXPECT_NE(world_.fabric().volume(world_.ClaimVolume("default", claim)), nullptr) << claim;
  }
  EXPECT_EQ(*open, (Disks{{"vda", world_.ClaimVolume("default", "root")},
                          {"vdb", world_.ClaimVolume("default", "data")},
                          {"sda", world_.ClaimVolume("default", "scratch")}}));
}

TEST_F(WorldTest, AClaimThatIsNotBoundHasNoVolume) {
  EXPECT_EQ(world_.ClaimVolume("default", "no-such-claim"), "");
  EXPECT_EQ(world_.cluster().VolumeOf("no-such-pv"), nullptr);
}

// The world of kWorld with `replace` applied to its manifests, VM not started.
void Build(World& world, const std::vector<std::pair<std::string, std::string>>& replace = {}) {
  ASSERT_TRUE(world.AddNode("node-a").ok());
  absl::StatusOr<manifest::ManifestSet> set =
      manifest::ParseManifests("world", absl::StrReplaceAll(kWorld, replace));
  ASSERT_TRUE(set.ok()) << set.status();
  for (const manifest::Object& o : set->objects) {
    const absl::Status applied = world.Apply(*o.message);
    ASSERT_TRUE(applied.ok()) << applied;
  }
}

constexpr double kInf = std::numeric_limits<double>::infinity();

// Each was cast to int64 (undefined: on x86 INT64_MIN, and the guest's
// writes silently stopped); now the world refuses it before building anything.
TEST(WorldLimits, StartVmRefusesRatesAndSizesThatAreNotFiniteOrOutOfRange) {
  using Set = void (scenario::RunningVm::*)(double);
  const std::pair<std::string, Set> fields[] = {
      {"write_mib_per_s", &scenario::RunningVm::set_write_mib_per_s},
      {"memory_mib", &scenario::RunningVm::set_memory_mib},
      {"working_set_mib", &scenario::RunningVm::set_working_set_mib},
      {"memory_dirty_mib_per_s", &scenario::RunningVm::set_memory_dirty_mib_per_s},
  };
  for (const auto& [field, set] : fields) {
    for (double bad : {kInf, -kInf, std::nan(""), 1e300, -1.0}) {
      World world({});
      Build(world);
      scenario::RunningVm vm;
      vm.set_name("vm");
      vm.set_node("node-a");
      (vm.*set)(bad);
      const absl::Status st = world.StartVm(vm);
      EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << field << " " << bad;
      EXPECT_THAT(std::string(st.message()),
                  HasSubstr("running_vm default/vm: " + field + ": "));
      EXPECT_THAT(std::string(st.message()), HasSubstr("is out of range"));
      EXPECT_TRUE(world.guests().empty());
      EXPECT_EQ(world.fabric().HostsRunning("default_vm").size(), 0u);
    }
  }
}

// The link's bandwidth converts without overflow whatever the double
// (--copt=-fsanitize=float-cast-overflow caught the old cast), and a run goes on.
TEST(WorldLimits, AnyLinkBandwidthBuildsAWorld) {
  for (double link : {kInf, -kInf, std::nan(""), 1e300, -1e300, 0.0}) {
    World::Options options;
    options.link_mib_per_s = link;
    World world(options);
    Build(world);
    scenario::RunningVm vm;
    vm.set_name("vm");
    vm.set_node("node-a");
    vm.set_write_mib_per_s(20);
    ASSERT_TRUE(world.StartVm(vm).ok()) << link;
    world.Start();
    world.sim().RunFor(absl::Seconds(5));
    EXPECT_GT(world.fabric().acknowledged_writes("default_vm"), 0) << link;
  }
}

// A claim of 8Ei: the provisioner's volume would have a block count past
// int64 (it wrapped negative, and the checkers then reported lost writes of
// the core). The storage refuses it, and the world says which claim.
TEST(WorldLimits, AClaimOfEightExbibytesIsRefusedNamingTheClaim) {
  World world({});
  Build(world, {{"storage: 5Gi", "storage: 8Ei"}});
  scenario::RunningVm vm;
  vm.set_name("vm");
  vm.set_node("node-a");
  const absl::Status st = world.StartVm(vm);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("running_vm default/vm: claim data of volume data cannot be provisioned: "
                        "volume pvc-default-data: 9223372036854775807 bytes is larger than the "
                        "simulator's largest volume"));
  ASSERT_NE(world.cluster().ProvisioningFailure("default", "data"), nullptr);
  absl::StatusOr<ports::ObjectPtr> event =
      world.api().Get({"Event", "default", "data.provisioning-failed"});
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(ports::As<k8s::Event>(*event)->reason(), "ProvisioningFailed");
}

TEST(WorldLimits, APersistentVolumeOfEightExbibytesIsRefused) {
  World world({});
  ASSERT_TRUE(world.AddNode("node-a").ok());
  absl::StatusOr<manifest::ManifestSet> set = manifest::ParseManifests(
      "pv", "{apiVersion: v1, kind: PersistentVolume, metadata: {name: huge}, spec: {capacity: "
            "{storage: 9Ei}, accessModes: [ReadWriteOnce], hostPath: {path: /mnt/huge}}}");
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->objects.size(), 1u);
  const absl::Status st = world.Apply(*set->objects[0].message);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr("volume huge: 9223372036854775807 bytes"));
  EXPECT_EQ(world.fabric().volume("huge"), nullptr);
}

// Ferry's API calls in a world with `nodes` nodes and nothing to migrate:
// in its first 3 simulated seconds, and in the 10 after.
std::pair<int64_t, int64_t> IdleCalls(int nodes) {
  World world(World::Options{});
  for (int n = 1; n <= nodes; ++n) EXPECT_TRUE(world.AddNode(absl::StrCat("node-", n)).ok());
  world.Start();
  world.sim().RunFor(absl::Seconds(3));
  const int64_t start = world.ferry_api_calls();
  world.sim().RunFor(absl::Seconds(10));
  return {start, world.ferry_api_calls() - start};
}

// Each process lists and watches the kinds it reads once, at its start
// (the controller 8, each agent 4, its pods only those on its node), and
// then asks nothing while nothing changes: its watches stay open. (A pass
// listing every kind each second asked 8 + 1 per agent every second.) The
// controller's volume-update front-end lists and watches its 4 kinds too,
// on its own client (as `ferry controller` runs it).
TEST(IdleWorld, AnIdleWorldAsksNothingAfterItsListsAndWatches) {
  const std::pair<int64_t, int64_t> one = IdleCalls(1), four = IdleCalls(4);
  EXPECT_EQ(one.first, 2 * (8 + 4 + 4));
  EXPECT_EQ(one.second, 0);
  EXPECT_EQ(four.first, 2 * (8 + 4 + 4 * 4));
  EXPECT_EQ(four.second, 0);
}

}  // namespace
}  // namespace ferry::sim
