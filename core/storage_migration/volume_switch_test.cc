#include "core/storage_migration/volume_switch.h"

#include <string>

#include "api/manifest/reader.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace ferry::storage_migration {
namespace {

using ::testing::HasSubstr;

template <typename T>
T Load(const std::string& path) {
  absl::StatusOr<manifest::ManifestSet> set = manifest::ReadManifestFile(path);
  EXPECT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->objects.size(), 1u) << path;
  return *set->objects[0].As<T>();
}

const DiskPairs& SeedPairs() {
  static const kubevirt::VirtualMachineInstanceMigration migration =
      Load<kubevirt::VirtualMachineInstanceMigration>(
          "examples/storage-migration/migration.yaml");
  return migration.spec().local_storage_migration().migrate_non_shared_disks();
}

TEST(VolumeSwitch, TurnsTheSeedVmIntoTheSeedsExpectedVm) {
  const auto vm = Load<kubevirt::VirtualMachine>("examples/storage-migration/vm.yaml");
  const auto expected =
      Load<kubevirt::VirtualMachine>("examples/storage-migration/expected/vm.yaml");
  absl::StatusOr<kubevirt::VirtualMachine> switched = SwitchVolumes(vm, SeedPairs());
  ASSERT_TRUE(switched.ok()) << switched.status();
  std::string diff;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differ.Compare(expected, *switched)) << diff;
}

TEST(VolumeSwitch, TurnsTheVmiSpecIntoTheSeedsExpectedVmiSpec) {
  const auto vm = Load<kubevirt::VirtualMachine>("examples/storage-migration/vm.yaml");
  const auto expected = Load<kubevirt::VirtualMachineInstance>(
      "examples/storage-migration/expected/vmi.yaml");
  absl::StatusOr<kubevirt::VirtualMachineInstanceSpec> switched =
      SwitchVolumes(vm.spec().template_().spec(), SeedPairs());
  ASSERT_TRUE(switched.ok()) << switched.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(expected.spec(), *switched));
}

TEST(VolumeSwitch, IsIdempotent) {
  const auto vm = Load<kubevirt::VirtualMachine>("examples/storage-migration/vm.yaml");
  const kubevirt::VirtualMachine once = *SwitchVolumes(vm, SeedPairs());
  absl::StatusOr<kubevirt::VirtualMachine> twice = SwitchVolumes(once, SeedPairs());
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(once, *twice));
}

TEST(VolumeSwitch, LeavesOtherVolumesAndTemplatesAlone) {
  auto vm = Load<kubevirt::VirtualMachine>("examples/storage-migration/vm.yaml");
  auto* other = vm.mutable_spec()->mutable_template_()->mutable_spec()->add_volumes();
  other->set_name("scratch");
  other->mutable_data_volume()->set_name("scratch-dv");
  auto* t = vm.mutable_spec()->add_data_volume_templates();
  t->mutable_metadata()->set_name("scratch-dv");
  const kubevirt::VirtualMachine switched = *SwitchVolumes(vm, SeedPairs());
  ASSERT_EQ(switched.spec().data_volume_templates_size(), 1);
  EXPECT_EQ(switched.spec().data_volume_templates(0).metadata().name(), "scratch-dv");
  EXPECT_EQ(switched.spec().template_().spec().volumes(1).data_volume().name(), "scratch-dv");
}

TEST(VolumeSwitch, RefusesAVmiPairWhoseSourceIsNowhere) {
  const auto vm = Load<kubevirt::VirtualMachine>("examples/storage-migration/vm.yaml");
  DiskPairs pairs;
  auto* pair = pairs.Add();
  pair->set_source_pvc("other");
  pair->set_destination_pvc("other-dest");
  absl::StatusOr<kubevirt::VirtualMachineInstanceSpec> switched = SwitchVolumes(vm.spec().template_().spec(), pairs);
  EXPECT_EQ(switched.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(switched.status().message()), HasSubstr("\"other\""));
}

// A volume hot-plugged into the VMI alone is not in the VM template: the
// template has nothing to switch for it and keeps the rest switched.
TEST(VolumeSwitch, AVmTemplateWithoutThePairsVolumeIsLeftAsItIs) {
  const auto vm = Load<kubevirt::VirtualMachine>("examples/storage-migration/vm.yaml");
  DiskPairs pairs;
  auto* pair = pairs.Add();
  pair->set_source_pvc("other");
  pair->set_destination_pvc("other-dest");
  absl::StatusOr<kubevirt::VirtualMachine> switched = SwitchVolumes(vm, pairs);
  ASSERT_TRUE(switched.ok()) << switched.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*switched, vm));
}

TEST(VolumeSwitch, PutsAContainerDiskOnItsDestinationClaim) {
  const auto vm = Load<kubevirt::VirtualMachine>("examples/container-disk/vm.yaml");
  const auto migration = Load<kubevirt::VirtualMachineInstanceMigration>(
      "examples/container-disk/migration.yaml");
  const auto expected = Load<kubevirt::VirtualMachine>("examples/container-disk/expected/vm.yaml");
  const DiskPairs& pairs = migration.spec().local_storage_migration().migrate_non_shared_disks();
  absl::StatusOr<kubevirt::VirtualMachine> switched = SwitchVolumes(vm, pairs);
  ASSERT_TRUE(switched.ok()) << switched.status();
  std::string diff;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differ.Compare(expected, *switched)) << diff;
  // Switched already: the same again; a VMI without the volume: refused.
  absl::StatusOr<kubevirt::VirtualMachineInstanceSpec> again =
      SwitchVolumes(switched->spec().template_().spec(), pairs);
  ASSERT_TRUE(again.ok()) << again.status();
  kubevirt::VirtualMachineInstanceSpec other = vm.spec().template_().spec();
  other.mutable_volumes(0)->set_name("boot");
  EXPECT_THAT(std::string(SwitchVolumes(other, pairs).status().message()),
              HasSubstr("no volume stands on containerDisk volume \"containerdisk\""));
}

}  // namespace
}  // namespace ferry::storage_migration
