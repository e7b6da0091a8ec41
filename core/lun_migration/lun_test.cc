#include "core/lun_migration/lun.h"

#include <string>
#include <utility>
#include <vector>

#include "fakes/ovirt/fake_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::lun_migration {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kGiB = int64_t{1} << 30;

// A VM with an image disk between two LUNs, read the way the plan reads it:
// the VM with its attachments, then each disk on its own.
struct Inventory {
  Inventory() : engine(clock) {
    ovirt::Disk image;
    image.set_id("img-1");
    image.set_storage_type("image");
    image.set_status("ok");
    engine.AddDisk(image);
    engine.AddDisk(fakes::IscsiLun("lun-1", "10.0.0.5", "iqn.2024-01.com.example:t1", 3, 10 * kGiB));
    engine.AddDisk(fakes::FcLun("lun-2", "3600a0980383146", 20 * kGiB));
    engine.AddVm({.id = "vm-1", .name = "db", .status = "up"});
    EXPECT_TRUE(engine.AttachForTest("vm-1", {.disk_id = "lun-1", .interface = "virtio_scsi",
                                              .bootable = true, .uses_scsi_reservation = true}).ok());
    EXPECT_TRUE(engine.AttachForTest("vm-1", {.disk_id = "img-1", .interface = "virtio"}).ok());
    EXPECT_TRUE(engine.AttachForTest("vm-1", {.disk_id = "lun-2", .interface = "sata",
                                              .read_only = true}).ok());
    vm = *engine.GetVm("vm-1");
    for (const char* id : {"img-1", "lun-1", "lun-2"}) disks[id] = *engine.GetDisk(id);
  }
  ports::ManualClock clock;
  fakes::FakeEngine engine;
  ovirt::Vm vm;
  std::map<std::string, ovirt::Disk> disks;
};

TEST(DescribeLuns, IscsiDetailsComeFromTheSingleDiskRead) {
  Inventory in;
  const std::vector<Lun> luns = DescribeLuns(in.vm, in.disks);
  ASSERT_EQ(luns.size(), 2u);  // the image disk is not a LUN
  const Lun& l = luns[0];
  EXPECT_EQ(l.index, 0);
  EXPECT_EQ(l.disk_id, "lun-1");
  EXPECT_EQ(l.vm_name, "db");
  EXPECT_EQ(l.transport, Transport::kIscsi);
  EXPECT_EQ(l.portal, "10.0.0.5:3260");
  EXPECT_EQ(l.iqn, "iqn.2024-01.com.example:t1");
  EXPECT_EQ(l.lun_mapping, "3");
  EXPECT_EQ(l.lun_number, 3);
  EXPECT_EQ(l.size_bytes, 10 * kGiB);
  EXPECT_EQ(l.logical_units, 1);
  EXPECT_TRUE(l.bootable);
  EXPECT_TRUE(l.active);
  EXPECT_TRUE(l.uses_scsi_reservation);
  EXPECT_EQ(l.interface, "virtio_scsi");
  EXPECT_EQ(l.attachment.uses_scsi_reservation(), "true");  // kept for re-attach
}

TEST(DescribeLuns, FibreChannelIsKnownByItsWwid) {
  Inventory in;
  const Lun l = DescribeLuns(in.vm, in.disks)[1];
  EXPECT_EQ(l.index, 1);  // counted among LUNs only
  EXPECT_EQ(l.transport, Transport::kFibreChannel);
  EXPECT_EQ(l.lun_id, "3600a0980383146");
  EXPECT_EQ(l.portal, "");
  EXPECT_EQ(l.size_bytes, 20 * kGiB);
  EXPECT_TRUE(l.read_only);
  EXPECT_EQ(l.interface, "sata");
}

// Real engines never send lun_storage.type (nor does the fake): an address
// says iSCSI, none Fibre Channel. A type given is taken as given.
TEST(DescribeLuns, TheTransportIsInferredFromTheAddressWhenTheEngineGivesNoType) {
  Inventory in;
  ASSERT_EQ(in.disks["lun-1"].lun_storage().type(), "");
  std::vector<Lun> luns = DescribeLuns(in.vm, in.disks);
  EXPECT_EQ(luns[0].transport, Transport::kIscsi);
  EXPECT_FALSE(luns[0].transport_reported);
  EXPECT_EQ(luns[1].transport, Transport::kFibreChannel);
  EXPECT_FALSE(luns[1].transport_reported);
  in.disks["lun-2"].mutable_lun_storage()->set_type("fcp");
  in.disks["lun-1"].mutable_lun_storage()->set_type("nvme");
  luns = DescribeLuns(in.vm, in.disks);
  EXPECT_EQ(luns[1].transport, Transport::kFibreChannel);
  EXPECT_TRUE(luns[1].transport_reported);
  EXPECT_EQ(luns[0].transport, Transport::kUnknown);
}

TEST(DescribeLuns, ALunWithoutItsDiskReadHasNoLogicalUnits) {
  Inventory in;
  in.disks.erase("lun-1");
  in.vm.mutable_disk_attachments()->mutable_disk_attachment(0)->mutable_disk()->set_storage_type("lun");
  const std::vector<Lun> luns = DescribeLuns(in.vm, in.disks);
  ASSERT_EQ(luns.size(), 2u);
  EXPECT_EQ(luns[0].logical_units, 0);
  EXPECT_EQ(luns[0].size_bytes, 0);
}

// oVirt writes lun_mapping as a decimal integer in a string. Only that is
// read: anything else could name another LUN than the one the VM used.
TEST(ParseLunNumber, AcceptsPlainDecimalsFrom0To255) {
  for (const auto& [text, lun] : std::vector<std::pair<std::string, int32_t>>{
           {"0", 0}, {"7", 7}, {"10", 10}, {"255", 255}}) {
    const absl::StatusOr<int32_t> parsed = ParseLunNumber(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status();
    EXPECT_EQ(*parsed, lun) << text;
  }
}

TEST(ParseLunNumber, RefusesWhatNamesNoLunSayingWhy) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "lun_mapping is missing"},
      {"abc", "lun_mapping \"abc\" is not a LUN number"},
      {"-1", "lun_mapping \"-1\" is not a LUN number"},
      {"+7", "lun_mapping \"+7\" is not a LUN number"},
      {"1e3", "lun_mapping \"1e3\" is not a LUN number"},
      {" 7", "lun_mapping \" 7\" is not a LUN number"},
      {"7 ", "lun_mapping \"7 \" is not a LUN number"},
      {"3.0", "lun_mapping \"3.0\" is not a LUN number"},
      {"0x10", "lun_mapping \"0x10\" is not a LUN number"},
      {"007", "lun_mapping \"007\" is not a LUN number"},  // octal 7, or decimal 7?
      {"00", "lun_mapping \"00\" is not a LUN number"},
      {std::string("7\0", 2), "lun_mapping \"7\\000\" is not a LUN number"},
      {"256", "lun_mapping 256 is outside 0..255"},
      {"1000", "lun_mapping 1000 is outside 0..255"},
      {"99999999999999999999", "lun_mapping 99999999999999999999 is outside 0..255"},
  };
  for (const auto& [text, message] : cases) {
    const absl::StatusOr<int32_t> parsed = ParseLunNumber(text);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << "\"" << text << "\"";
    EXPECT_THAT(parsed.status().message(), HasSubstr(message)) << "\"" << text << "\"";
  }
}

TEST(DescribeLuns, ALunMappingThatNamesNoLunLeavesNoNumber) {
  Inventory in;
  for (const char* mapping : {"", "abc", "256"}) {
    in.disks["lun-1"]
        .mutable_lun_storage()
        ->mutable_logical_units()
        ->mutable_logical_unit(0)
        ->set_lun_mapping(mapping);
    const Lun l = DescribeLuns(in.vm, in.disks)[0];
    EXPECT_EQ(l.lun_mapping, mapping);
    EXPECT_EQ(l.lun_number, std::nullopt) << mapping;  // never 0
  }
}

}  // namespace
}  // namespace ferry::lun_migration
