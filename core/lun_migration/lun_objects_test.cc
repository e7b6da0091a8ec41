#include "core/lun_migration/lun_objects.h"

#include <set>
#include <string>

#include "api/manifest/encoder.h"
#include "api/names.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::lun_migration {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kVmId[] = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

Lun IscsiLun() {
  Lun l;
  l.vm_id = kVmId;
  l.vm_name = "db";
  l.index = 0;
  l.disk_id = "8d7c5a1e-0b7e-4e0e-9a39-2f5b1c7d0a11";
  l.transport = Transport::kIscsi;
  l.lun_id = "36001405abcdef";
  l.portal = "10.0.0.5:3260";
  l.iqn = "iqn.2024-01.com.example:t1";
  l.lun_mapping = "3";
  l.lun_number = 3;
  l.size_bytes = int64_t{10} << 30;
  l.logical_units = 1;
  l.interface = "virtio_scsi";
  l.bootable = true;
  l.uses_scsi_reservation = true;
  return l;
}

TEST(VolumeLabel, IsTheSeedsFormatWhenItFits) {
  EXPECT_EQ(VolumeLabelValue(kVmId, "db", 2), std::string(kVmId) + "-db-vol-2");
}

TEST(VolumeLabel, LongNamesAreShortenedToAValidUniqueStableValue) {
  const std::string name(60, 'n');  // a 60-character VM name
  std::set<std::string> labels;
  for (int n = 0; n < 4; ++n) {
    const std::string label = VolumeLabelValue(kVmId, name, n);
    EXPECT_THAT(api::IsValidLabelValue(label), IsEmpty()) << label;
    EXPECT_EQ(label, VolumeLabelValue(kVmId, name, n));  // deterministic
    labels.insert(label);
  }
  EXPECT_THAT(labels, SizeIs(4));
  EXPECT_EQ(VolumeLabelValue(kVmId, name, 0).size(), 63u);
}

TEST(VolumeLabel, CharactersALabelCannotHoldAreReplaced) {
  const std::string label = VolumeLabelValue("id", "my vm/prod", 0);
  EXPECT_THAT(api::IsValidLabelValue(label), IsEmpty()) << label;
  EXPECT_NE(label, VolumeLabelValue("id", "my-vm-prod", 0));  // the hash tells them apart
}

TEST(LunObjects, IscsiPvIsPreBoundBlockRetainWithChap) {
  const k8s::PersistentVolume pv =
      BuildPv(IscsiLun(), {.plan_uid = "plan-uid-1", .target_namespace = "prod",
                           .chap_secret = "chap"})
          .value();
  EXPECT_EQ(manifest::ToYaml(pv), R"(apiVersion: v1
kind: PersistentVolume
metadata:
  name: ferry-lun-8d7c5a1e-0b7e-4e0e-9a39-2f5b1c7d0a11
  labels:
    ferry.io/lun-plan-uid: plan-uid-1
    ferry.io/lun-volume: 3f2504e0-4f89-41d3-9a0c-0305e82c3301-db-vol-0
  annotations:
    ferry.io/lun-disk: 8d7c5a1e-0b7e-4e0e-9a39-2f5b1c7d0a11
    ferry.io/source-vm: 3f2504e0-4f89-41d3-9a0c-0305e82c3301
spec:
  capacity:
    storage: "10737418240"
  accessModes:
    - ReadWriteMany
  claimRef:
    kind: PersistentVolumeClaim
    namespace: prod
    name: ferry-lun-8d7c5a1e-0b7e-4e0e-9a39-2f5b1c7d0a11
    apiVersion: v1
  persistentVolumeReclaimPolicy: Retain
  volumeMode: Block
  iscsi:
    targetPortal: 10.0.0.5:3260
    iqn: iqn.2024-01.com.example:t1
    lun: 3
    chapAuthSession: true
    secretRef:
      name: chap
      namespace: prod
)");
}

TEST(LunObjects, FibreChannelPvNamesTheWwid) {
  Lun l = IscsiLun();
  l.transport = Transport::kFibreChannel;
  l.lun_id = "3600a0980383146";
  l.lun_mapping.clear();  // a Fibre Channel PV names the WWID, not a LUN number
  l.lun_number.reset();
  const k8s::PersistentVolume pv =
      BuildPv(l, {.plan_uid = "u", .target_namespace = "prod"}).value();
  EXPECT_FALSE(pv.spec().has_iscsi());
  ASSERT_EQ(pv.spec().fc().wwids_size(), 1);
  EXPECT_EQ(pv.spec().fc().wwids(0), "3600a0980383146");
}

TEST(LunObjects, NoIscsiPvWithoutALunNumber) {
  Lun l = IscsiLun();
  l.lun_mapping = "256";
  l.lun_number.reset();  // as DescribeLuns leaves it
  const absl::StatusOr<k8s::PersistentVolume> pv =
      BuildPv(l, {.plan_uid = "u", .target_namespace = "prod"});
  EXPECT_EQ(pv.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(pv.status().message(), HasSubstr("lun_mapping 256 is outside 0..255"));
}

TEST(LunObjects, PvcBindsToItsPvByNameAndLabel) {
  const Lun l = IscsiLun();
  const k8s::PersistentVolumeClaim pvc = BuildPvc(l, {.plan_uid = "u", .target_namespace = "prod"});
  EXPECT_EQ(pvc.metadata().namespace_(), "prod");
  EXPECT_EQ(pvc.spec().volume_name(), ObjectName(l));
  EXPECT_EQ(pvc.spec().selector().match_labels().at(kVolumeLabel),
            VolumeLabelValue(l.vm_id, l.vm_name, 0));
  EXPECT_EQ(pvc.spec().volume_mode(), "Block");
  EXPECT_EQ(pvc.spec().storage_class_name(), "");
  EXPECT_EQ(pvc.spec().resources().requests().at("storage"), "10737418240");
}

TEST(LunObjects, BusesMapFromOvirtInterfaces) {
  EXPECT_EQ(BusFor("virtio_scsi"), "scsi");
  EXPECT_EQ(BusFor("sata"), "sata");
  EXPECT_EQ(BusFor("ide"), "sata");
  EXPECT_EQ(BusFor("virtio"), "virtio");
  EXPECT_EQ(BusFor("spapr_vscsi"), "virtio");
}

TEST(LunObjects, VmDiskKeepsReservationAndBootOrder) {
  Lun l = IscsiLun();
  const kubevirt::Disk disk = LunDisk(l, 1);
  EXPECT_EQ(disk.lun().bus(), "scsi");
  EXPECT_TRUE(disk.lun().reservation());
  EXPECT_EQ(disk.boot_order(), 1u);
  l.bootable = false;
  l.uses_scsi_reservation = false;
  EXPECT_FALSE(LunDisk(l, 1).has_boot_order());
  EXPECT_FALSE(LunDisk(l, 1).lun().reservation());
  EXPECT_EQ(LunVolume(l).persistent_volume_claim().claim_name(), ObjectName(l));
}

TEST(LunObjects, NamesAreValidForAnyDiskId) {
  Lun l = IscsiLun();
  l.disk_id = std::string(80, 'A') + "_x";
  EXPECT_THAT(api::IsDns1123Label(ObjectName(l)), IsEmpty()) << ObjectName(l);
}

}  // namespace
}  // namespace ferry::lun_migration
