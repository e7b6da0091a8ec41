#include "fakes/ovirt/fake_engine.h"

#include <cstdint>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::fakes {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kGiB = int64_t{1} << 30;

struct Engine {
  explicit Engine(std::string version = "4.5.5-1.el8")
      : engine(clock, {.version = std::move(version)}) {
    engine.AddDisk(IscsiLun("lun-1", "10.0.0.5", "iqn.2024-01.com.example:t1", 3, 10 * kGiB));
    engine.AddDisk(FcLun("lun-2", "3600a0980383146", 20 * kGiB));
    engine.AddVm({.id = "vm-1", .name = "db", .status = "up"});
    engine.AddVm({.id = "vm-2", .name = "web", .status = "down"});
    EXPECT_TRUE(engine.AttachForTest("vm-1", {.disk_id = "lun-1", .bootable = true,
                                              .uses_scsi_reservation = true}).ok());
  }
  ports::ManualClock clock;
  FakeEngine engine;
};

TEST(FakeEngine, OnlyTheSingleDiskReadOfANewEngineCarriesConnectionDetails) {
  Engine e;
  const ovirt::Vm vm = e.engine.ListVms()->at(0);
  ASSERT_EQ(vm.disk_attachments().disk_attachment_size(), 1);
  const ovirt::DiskAttachment& a = vm.disk_attachments().disk_attachment(0);
  EXPECT_EQ(a.id(), "lun-1");
  EXPECT_EQ(a.uses_scsi_reservation(), "true");
  EXPECT_FALSE(a.disk().has_lun_storage());  // a link, not the disk

  const ovirt::Disk disk = *e.engine.GetDisk("lun-1");
  const ovirt::LogicalUnit& lu = disk.lun_storage().logical_units().logical_unit(0);
  EXPECT_EQ(lu.address(), "10.0.0.5");
  EXPECT_EQ(lu.port(), "3260");
  EXPECT_EQ(lu.target(), "iqn.2024-01.com.example:t1");
  EXPECT_EQ(lu.lun_mapping(), "3");
}

TEST(FakeEngine, AnEngineOlderThan4521OmitsAddressPortAndTarget) {
  // 4.5.2-1.el8 is 4.5.2 revision 0: the "-1" is the RPM release.
  for (const std::string version : {"4.5.1-1.el8", "4.5.2-1.el8"}) {
    Engine old(version);
    const ovirt::LogicalUnit lu =
        old.engine.GetDisk("lun-1")->lun_storage().logical_units().logical_unit(0);
    EXPECT_EQ(lu.address(), "") << version;
    EXPECT_EQ(lu.port(), "");
    EXPECT_EQ(lu.target(), "");
    EXPECT_EQ(lu.lun_mapping(), "3");  // the rest is there
  }
  for (const std::string version : {"4.5.2.1-1.el8", "4.5.3-1.el8"}) {
    Engine recent(version);
    EXPECT_EQ(
        recent.engine.GetDisk("lun-1")->lun_storage().logical_units().logical_unit(0).address(),
        "10.0.0.5")
        << version;
  }
}

// GET /ovirt-engine/api as the engine answers it: every part a string.
TEST(FakeEngine, ReportsItsVersionFieldByField) {
  Engine e("4.5.2-1.el8");
  const ovirt::Version v = *e.engine.EngineVersion();
  EXPECT_EQ(v.major(), "4");
  EXPECT_EQ(v.minor(), "5");
  EXPECT_EQ(v.build(), "2");
  EXPECT_EQ(v.revision(), "0");
  EXPECT_EQ(v.full_version(), "4.5.2-1.el8");
}

TEST(FakeEngine, PowerTransitionsTakeTime) {
  Engine e;
  ASSERT_TRUE(e.engine.Stop("vm-1").ok());
  EXPECT_EQ(e.engine.GetVm("vm-1")->status(), "powering_down");
  EXPECT_TRUE(e.engine.Stop("vm-1").ok());  // already on its way down
  e.clock.Advance(absl::Seconds(4));
  EXPECT_EQ(e.engine.GetVm("vm-1")->status(), "powering_down");
  e.clock.Advance(absl::Seconds(1));
  EXPECT_EQ(e.engine.GetVm("vm-1")->status(), "down");
  const absl::Status again = e.engine.Stop("vm-1");  // the engine refuses: not running
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.message(), HasSubstr("VM db is down"));
  ASSERT_TRUE(e.engine.Start("vm-1").ok());
  EXPECT_EQ(e.engine.GetVm("vm-1")->status(), "powering_up");
  e.clock.Advance(absl::Seconds(10));
  EXPECT_EQ(e.engine.GetVm("vm-1")->status(), "up");
}

TEST(FakeEngine, ChangesCountsEveryChangeAndEachSettledTransitionButNoRead) {
  Engine e;
  uint64_t last = e.engine.changes();
  auto changed = [&] {
    const uint64_t now = e.engine.changes();
    return std::exchange(last, now) != now;
  };
  (void)e.engine.ListVms();
  (void)e.engine.GetVm("vm-1");
  (void)e.engine.GetDisk("lun-1");
  EXPECT_FALSE(changed()) << "reads change nothing";
  EXPECT_FALSE(e.engine.Start("vm-1").ok());  // refused: it is up
  EXPECT_FALSE(changed()) << "a refused call changes nothing";
  ASSERT_TRUE(e.engine.Stop("vm-1").ok());
  EXPECT_TRUE(changed()) << "up -> powering_down";
  e.clock.Advance(absl::Seconds(4));
  EXPECT_FALSE(changed()) << "still powering down";
  e.clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(changed()) << "settled to down, though nobody read the VM";
  EXPECT_FALSE(changed());
  ASSERT_TRUE(e.engine.DetachDisk("vm-1", "lun-1").ok());
  EXPECT_TRUE(changed()) << "detach";
  ASSERT_TRUE(e.engine.AttachForTest("vm-1", {.disk_id = "lun-1"}).ok());
  EXPECT_TRUE(changed()) << "attach";
  ASSERT_TRUE(e.engine.DeactivateDisk("vm-1", "lun-1").ok());
  EXPECT_TRUE(changed()) << "deactivate";
}

TEST(FakeEngine, ASlowdownLengthensLaterTransitions) {
  Engine e;
  e.engine.set_power_slowdown(absl::Seconds(20));
  ASSERT_TRUE(e.engine.Stop("vm-1").ok());
  e.clock.Advance(absl::Seconds(24));
  EXPECT_EQ(e.engine.GetVm("vm-1")->status(), "powering_down");
  e.clock.Advance(absl::Seconds(1));
  EXPECT_EQ(e.engine.GetVm("vm-1")->status(), "down");
}

TEST(FakeEngine, DetachNeedsUpOrDownAndAnAttachedDisk) {
  Engine e;
  ASSERT_TRUE(e.engine.Shutdown("vm-1").ok());
  absl::Status st = e.engine.DetachDisk("vm-1", "lun-1");
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(st.message(), HasSubstr("powering_down"));
  e.clock.Advance(absl::Seconds(30));
  ASSERT_TRUE(e.engine.DetachDisk("vm-1", "lun-1").ok());
  st = e.engine.DetachDisk("vm-1", "lun-1");
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(st.message(), HasSubstr("is not attached"));
  EXPECT_EQ(e.engine.DetachDisk("vm-9", "lun-1").code(), absl::StatusCode::kNotFound);
}

TEST(FakeEngine, AttachKeepsTheAttributesAndRefusesASecondAttach) {
  Engine e;
  ovirt::DiskAttachment request;
  request.mutable_disk()->set_id("lun-1");
  request.set_interface("virtio_scsi");
  EXPECT_THAT(e.engine.AttachDisk("vm-2", request).status().message(),
              HasSubstr("not shareable and is attached to VM db"));
  ASSERT_TRUE(e.engine.Stop("vm-1").ok());
  e.clock.Advance(absl::Seconds(5));
  ASSERT_TRUE(e.engine.DetachDisk("vm-1", "lun-1").ok());
  request.set_bootable("true");
  request.set_uses_scsi_reservation("true");
  const ovirt::DiskAttachment stored = *e.engine.AttachDisk("vm-1", request);
  EXPECT_EQ(stored.id(), "lun-1");
  EXPECT_EQ(stored.active(), "true");
  EXPECT_EQ(stored.bootable(), "true");
  EXPECT_EQ(stored.read_only(), "false");
  EXPECT_EQ(stored.uses_scsi_reservation(), "true");
  EXPECT_EQ(e.engine.AttachDisk("vm-1", request).status().code(),
            absl::StatusCode::kFailedPrecondition);
  request.clear_interface();
  EXPECT_EQ(e.engine.AttachDisk("vm-2", request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FakeEngine, TestReadsSeeTheSettledStateAndNoFaults) {
  Engine e;
  e.engine.SetFaultHook([](absl::string_view, absl::string_view) {
    return absl::UnavailableError("down");
  });
  e.engine.SetDelayHook([](absl::string_view, absl::string_view) { return absl::Seconds(9); });
  std::optional<ovirt::Vm> vm = e.engine.VmForTest("vm-1");
  ASSERT_TRUE(vm.has_value());
  EXPECT_EQ(vm->status(), "up");
  ASSERT_EQ(vm->disk_attachments().disk_attachment_size(), 1);
  EXPECT_EQ(vm->disk_attachments().disk_attachment(0).uses_scsi_reservation(), "true");
  EXPECT_FALSE(e.engine.VmForTest("vm-9").has_value());
  EXPECT_EQ(e.engine.disks_for_test().size(), 2u);
  EXPECT_EQ(e.engine.TakeLatency(), absl::ZeroDuration());
  EXPECT_FALSE(e.engine.Stop("vm-1").ok());  // the hook still fails real calls
}

TEST(FakeEngine, FaultsFailOrDelayACallAndChangeNothing) {
  Engine e;
  e.engine.SetFaultHook([](absl::string_view verb, absl::string_view) {
    return verb == "stop" ? absl::InternalError("Internal Engine Error") : absl::OkStatus();
  });
  e.engine.SetDelayHook([](absl::string_view verb, absl::string_view) {
    return verb == "get_vm" ? absl::Seconds(2) : absl::ZeroDuration();
  });
  EXPECT_EQ(e.engine.Stop("vm-1").code(), absl::StatusCode::kInternal);
  EXPECT_EQ(e.engine.GetVm("vm-1")->status(), "up");
  EXPECT_EQ(e.engine.TakeLatency(), absl::Seconds(2));
  e.engine.set_available(false);
  EXPECT_EQ(e.engine.ListVms().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(e.engine.EngineVersion().status().code(), absl::StatusCode::kUnavailable);
}

TEST(FakeEngine, AVmHoldsItsActiveLunDisksOnTheSanUntilDetachedOrDeactivated) {
  ports::ManualClock clock;
  FakeEngine engine(clock);
  FakeSan san;
  ASSERT_TRUE(san.AddLun({.id = "wwid-a", .portal = "10.0.0.5:3260",
                          .iqn = "iqn.2024-01.com.example:t1", .lun = 3})
                  .ok());
  ASSERT_TRUE(san.AddLun({.id = "3600a0980383146", .fibre_channel = true}).ok());
  engine.ConnectSan(&san);
  engine.AddDisk(IscsiLun("lun-1", "10.0.0.5", "iqn.2024-01.com.example:t1", 3, kGiB));
  engine.AddDisk(FcLun("lun-2", "3600a0980383146", kGiB));
  engine.AddDisk(IscsiLun("lun-3", "10.0.0.5", "iqn.2024-01.com.example:t1", 4, kGiB));  // not on the SAN
  engine.AddVm({.id = "vm-1", .name = "db", .status = "down"});
  ASSERT_TRUE(engine.AttachForTest("vm-1", {.disk_id = "lun-1"}).ok());
  ASSERT_TRUE(engine.AttachForTest("vm-1", {.disk_id = "lun-2"}).ok());
  ASSERT_TRUE(engine.AttachForTest("vm-1", {.disk_id = "lun-3"}).ok());
  // The SAN's own LUN, found by address: a down VM holds it too (one start
  // away from writing), and so it does through every power transition.
  EXPECT_THAT(san.OpenersOf("wwid-a"), ElementsAre(FakeSan::OvirtVm("vm-1")));
  ASSERT_TRUE(engine.Start("vm-1").ok());
  EXPECT_EQ(engine.VmForTest("vm-1")->status(), "powering_up");
  EXPECT_THAT(san.OpenersOf("wwid-a"), ElementsAre(FakeSan::OvirtVm("vm-1")));
  clock.Advance(absl::Seconds(10));
  EXPECT_EQ(engine.VmForTest("vm-1")->status(), "up");
  EXPECT_THAT(san.OpenersOf("wwid-a"), ElementsAre(FakeSan::OvirtVm("vm-1")));
  EXPECT_THAT(san.OpenersOf("3600a0980383146"), ElementsAre(FakeSan::OvirtVm("vm-1")));
  ASSERT_TRUE(engine.DetachDisk("vm-1", "lun-1").ok());
  EXPECT_THAT(san.OpenersOf("wwid-a"), IsEmpty());
  ASSERT_TRUE(engine.DeactivateDisk("vm-1", "lun-2").ok());
  EXPECT_THAT(san.OpenersOf("3600a0980383146"), IsEmpty());
  // An inactive attachment holds nothing.
  ovirt::DiskAttachment inactive;
  inactive.mutable_disk()->set_id("lun-1");
  inactive.set_interface("virtio_scsi");
  inactive.set_active("false");
  ASSERT_TRUE(engine.AttachDisk("vm-1", inactive).ok());
  EXPECT_THAT(san.OpenersOf("wwid-a"), IsEmpty());
}

}  // namespace
}  // namespace ferry::fakes
