// World::StartVm sets a guest up as KubeVirt would, from the VM manifest and
// the storage's own records alone (never through the core's helpers), and
// records what the checkers judge by.
#include "sim/world.h"

#include "api/manifest/reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::sim {
namespace {

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

}  // namespace
}  // namespace ferry::sim
