#include "core/ports/ovirt_conformance.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"

namespace ferry::ports {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr char kNewEngine[] = "4.5.5-1.el8";
constexpr char kOldEngine[] = "4.5.1-1.el8";  // before 4.5.2.1: no LUN address
constexpr char kPortal[] = "10.0.0.5";
constexpr char kIqn[] = "iqn.2024-01.com.example:t1";
constexpr char kWwid[] = "3600a098038314648593f517773636b46";
constexpr char kSize[] = "10737418240";  // 10 GiB

// A status as the engine's fault renders it: `code`, and a message that
// starts with "<reason>: ".
MATCHER_P2(IsFault, code, reason,
           absl::StrCat(absl::StatusCodeToString(code), " starting with \"", reason, ": \"")) {
  *result_listener << "is " << arg;
  return arg.code() == code && absl::StartsWith(arg.message(), absl::StrCat(reason, ": "));
}

constexpr char kRefused[] = "Operation Failed";
constexpr char kNotFound[] = "Resource not found";

// A LUN disk as GET /disks/{id} returns it on a new engine.
ovirt::Disk LunDisk(const std::string& disk_id, const std::string& unit_id,
                    const std::string& type) {
  ovirt::Disk disk;
  disk.set_id(disk_id);
  disk.set_href(absl::StrCat("/ovirt-engine/api/disks/", disk_id));
  disk.set_name(disk_id);
  disk.set_alias(disk_id);
  disk.set_storage_type("lun");
  disk.set_shareable("false");
  disk.set_sgio("unfiltered");
  ovirt::HostStorage* storage = disk.mutable_lun_storage();
  storage->set_id(unit_id);
  storage->set_type(type);
  ovirt::LogicalUnit* unit = storage->mutable_logical_units()->add_logical_unit();
  unit->set_id(unit_id);
  unit->set_size(kSize);
  unit->set_disk_id(disk_id);
  return disk;
}

ovirt::Disk IscsiDisk(const std::string& disk_id, const std::string& lun_mapping = "3") {
  ovirt::Disk disk = LunDisk(disk_id, absl::StrCat("36001405", disk_id), "iscsi");
  ovirt::LogicalUnit* unit =
      disk.mutable_lun_storage()->mutable_logical_units()->mutable_logical_unit(0);
  unit->set_address(kPortal);
  unit->set_port("3260");
  unit->set_target(kIqn);
  unit->set_lun_mapping(lun_mapping);
  return disk;
}

ovirt::Disk FcDisk(const std::string& disk_id) { return LunDisk(disk_id, kWwid, "fcp"); }

// POST /vms/{vm}/diskattachments as a client sends it: the disk as a link,
// the interface, every flag left to the engine's default.
ovirt::DiskAttachment AttachmentOf(const std::string& disk_id) {
  ovirt::DiskAttachment attachment;
  attachment.mutable_disk()->set_id(disk_id);
  attachment.set_interface("virtio_scsi");
  return attachment;
}

// The engine most tests start from: VM vm-1 "db" up with iSCSI LUN lun-1
// attached, VM vm-2 "web" down with nothing, FC LUN lun-2 unattached.
void Populate(OvirtConformanceEnv& env) {
  env.AddDisk(IscsiDisk("lun-1"));
  env.AddDisk(FcDisk("lun-2"));
  env.AddVm("vm-1", "db", "up");
  env.AddVm("vm-2", "web", "down");
  const absl::Status attached = env.Attach("vm-1", AttachmentOf("lun-1"));
  ASSERT_TRUE(attached.ok()) << attached;
}

std::string StatusOf(OvirtConformanceEnv& env, const std::string& vm_id) {
  absl::StatusOr<ovirt::Vm> vm = env.ovirt().GetVm(vm_id);
  EXPECT_TRUE(vm.ok()) << vm.status();
  return vm.ok() ? vm->status() : "";
}

// The VM's attachment ids, in any order.
std::vector<std::string> AttachedTo(OvirtConformanceEnv& env, const std::string& vm_id) {
  std::vector<std::string> ids;
  absl::StatusOr<ovirt::Vm> vm = env.ovirt().GetVm(vm_id);
  EXPECT_TRUE(vm.ok()) << vm.status();
  if (!vm.ok()) return ids;
  for (const ovirt::DiskAttachment& a : vm->disk_attachments().disk_attachment()) {
    ids.push_back(a.id());
  }
  return ids;
}

const ovirt::LogicalUnit& FirstUnit(const ovirt::Disk& disk) {
  return disk.lun_storage().logical_units().logical_unit(0);
}

// --- Reads -----------------------------------------------------------------

TEST_P(OvirtConformance, EngineVersionReportsThePackageVersionFieldByField) {
  auto env = Make(kNewEngine);
  absl::StatusOr<ovirt::Version> version = env->ovirt().EngineVersion();
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(version->major(), "4");
  EXPECT_EQ(version->minor(), "5");
  EXPECT_EQ(version->build(), "5");
  EXPECT_EQ(version->revision(), "0");
  EXPECT_EQ(version->full_version(), kNewEngine);
}

TEST_P(OvirtConformance, ListVmsReturnsEveryVmWithItsAttachmentsAsDiskLinks) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  absl::StatusOr<std::vector<ovirt::Vm>> vms = env->ovirt().ListVms();
  ASSERT_TRUE(vms.ok()) << vms.status();
  std::vector<std::string> ids;
  for (const ovirt::Vm& vm : *vms) {
    ids.push_back(vm.id());
    if (vm.id() == "vm-1") {
      EXPECT_EQ(vm.name(), "db");
      EXPECT_EQ(vm.status(), "up");
      ASSERT_EQ(vm.disk_attachments().disk_attachment_size(), 1);
      const ovirt::DiskAttachment& a = vm.disk_attachments().disk_attachment(0);
      EXPECT_EQ(a.id(), "lun-1");
      EXPECT_EQ(a.disk().id(), "lun-1");
      EXPECT_EQ(a.interface(), "virtio_scsi");
      EXPECT_FALSE(a.disk().has_lun_storage()) << "a link, not the disk";
    } else {
      EXPECT_EQ(vm.status(), "down");
      EXPECT_EQ(vm.disk_attachments().disk_attachment_size(), 0);
    }
  }
  EXPECT_THAT(ids, UnorderedElementsAre("vm-1", "vm-2"));
}

// The port reads attach only the disk id and the attachment's attributes:
// whatever else a caller sends in attachment.disk() (here the whole disk as
// GET /disks/{id} returned it) never comes back in a VM read.
TEST_P(OvirtConformance, VmReadsNeverCarryALunsConnectionDetails) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  absl::StatusOr<ovirt::Disk> disk = env->ovirt().GetDisk("lun-1");
  ASSERT_TRUE(disk.ok()) << disk.status();
  ASSERT_EQ(FirstUnit(*disk).address(), kPortal);
  ASSERT_TRUE(env->ovirt().Stop("vm-1").ok());
  env->Advance(absl::Seconds(5));
  ASSERT_TRUE(env->ovirt().DetachDisk("vm-1", "lun-1").ok());
  ovirt::DiskAttachment request = AttachmentOf("lun-1");
  *request.mutable_disk() = *disk;
  absl::StatusOr<ovirt::DiskAttachment> attached = env->ovirt().AttachDisk("vm-2", request);
  ASSERT_TRUE(attached.ok()) << attached.status();
  EXPECT_EQ(attached->disk().id(), "lun-1");
  EXPECT_FALSE(attached->disk().has_lun_storage()) << "AttachDisk: a link, not the disk";

  absl::StatusOr<std::vector<ovirt::Vm>> vms = env->ovirt().ListVms();
  ASSERT_TRUE(vms.ok()) << vms.status();
  for (const ovirt::Vm& vm : *vms) {
    for (const ovirt::DiskAttachment& a : vm.disk_attachments().disk_attachment()) {
      EXPECT_EQ(a.disk().id(), "lun-1");
      EXPECT_FALSE(a.disk().has_lun_storage())
          << "ListVms, " << vm.id() << ": a link, not the disk";
    }
  }
  absl::StatusOr<ovirt::Vm> vm = env->ovirt().GetVm("vm-2");
  ASSERT_TRUE(vm.ok()) << vm.status();
  ASSERT_EQ(vm->disk_attachments().disk_attachment_size(), 1);
  EXPECT_FALSE(vm->disk_attachments().disk_attachment(0).disk().has_lun_storage())
      << "GetVm: a link, not the disk";
}

TEST_P(OvirtConformance, GetVmReturnsTheVmWithItsAttachments) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  absl::StatusOr<ovirt::Vm> vm = env->ovirt().GetVm("vm-1");
  ASSERT_TRUE(vm.ok()) << vm.status();
  EXPECT_EQ(vm->id(), "vm-1");
  EXPECT_EQ(vm->name(), "db");
  EXPECT_EQ(vm->status(), "up");
  ASSERT_EQ(vm->disk_attachments().disk_attachment_size(), 1);
  EXPECT_EQ(vm->disk_attachments().disk_attachment(0).id(), "lun-1");
  EXPECT_FALSE(vm->disk_attachments().disk_attachment(0).disk().has_lun_storage());
}

TEST_P(OvirtConformance, GetVmOfAnUnknownIdIsNotFound) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  const absl::Status status = env->ovirt().GetVm("vm-9").status();
  EXPECT_THAT(status, IsFault(absl::StatusCode::kNotFound, kNotFound));
  EXPECT_THAT(status.message(), HasSubstr("vm-9"));
}

TEST_P(OvirtConformance, GetDiskOfANewEngineCarriesTheConnectionDetails) {
  auto env = Make(kNewEngine);
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  absl::StatusOr<ovirt::Disk> iscsi = env->ovirt().GetDisk("lun-1");
  ASSERT_TRUE(iscsi.ok()) << iscsi.status();
  EXPECT_EQ(iscsi->id(), "lun-1");
  EXPECT_EQ(iscsi->storage_type(), "lun");
  // The engine never sends the transport (it does not store it): an
  // address says iSCSI (api/testdata/ovirt/disk_lun_iscsi.json).
  EXPECT_EQ(iscsi->lun_storage().type(), "");
  ASSERT_EQ(iscsi->lun_storage().logical_units().logical_unit_size(), 1);
  const ovirt::LogicalUnit& unit = FirstUnit(*iscsi);
  EXPECT_EQ(unit.address(), kPortal);
  EXPECT_EQ(unit.port(), "3260");
  EXPECT_EQ(unit.target(), kIqn);
  EXPECT_EQ(unit.lun_mapping(), "3");
  EXPECT_EQ(unit.size(), kSize);

  absl::StatusOr<ovirt::Disk> fc = env->ovirt().GetDisk("lun-2");
  ASSERT_TRUE(fc.ok()) << fc.status();
  EXPECT_EQ(fc->lun_storage().type(), "");
  ASSERT_EQ(fc->lun_storage().logical_units().logical_unit_size(), 1);
  EXPECT_EQ(FirstUnit(*fc).id(), kWwid);
  EXPECT_EQ(FirstUnit(*fc).size(), kSize);
  EXPECT_EQ(FirstUnit(*fc).address(), "");
}

TEST_P(OvirtConformance, GetDiskOfAnOldEngineOmitsAddressPortAndTarget) {
  auto env = Make(kOldEngine);
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  absl::StatusOr<ovirt::Disk> iscsi = env->ovirt().GetDisk("lun-1");
  ASSERT_TRUE(iscsi.ok()) << iscsi.status();
  ASSERT_EQ(iscsi->lun_storage().logical_units().logical_unit_size(), 1);
  const ovirt::LogicalUnit& unit = FirstUnit(*iscsi);
  EXPECT_EQ(unit.address(), "");
  EXPECT_EQ(unit.port(), "");
  EXPECT_EQ(unit.target(), "");
  // The rest of the logical unit is there.
  EXPECT_EQ(unit.id(), "36001405lun-1");
  EXPECT_EQ(unit.lun_mapping(), "3");
  EXPECT_EQ(unit.size(), kSize);
  EXPECT_EQ(iscsi->lun_storage().type(), "");

  // Fibre Channel never had them: its WWID is all it needs.
  absl::StatusOr<ovirt::Disk> fc = env->ovirt().GetDisk("lun-2");
  ASSERT_TRUE(fc.ok()) << fc.status();
  EXPECT_EQ(fc->lun_storage().type(), "");
  EXPECT_EQ(FirstUnit(*fc).id(), kWwid);
  EXPECT_EQ(FirstUnit(*fc).size(), kSize);
}

// The details came with engine 4.5.2.1; "4.5.2-1.el8" is 4.5.2.0 (the "-1"
// is the RPM release), before it.
TEST_P(OvirtConformance, ConnectionDetailsAppearFromEngine4521On) {
  const struct {
    const char* version;
    bool carries_details;
  } kCases[] = {
      {"4.5.2-1.el8", false},
      {"4.5.2.1-1.el8", true},
      {"4.5.3-1.el8", true},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.version);
    auto env = Make(c.version);
    env->AddDisk(IscsiDisk("lun-1"));
    absl::StatusOr<ovirt::Disk> disk = env->ovirt().GetDisk("lun-1");
    ASSERT_TRUE(disk.ok()) << disk.status();
    EXPECT_EQ(FirstUnit(*disk).address(), c.carries_details ? kPortal : "");
    EXPECT_EQ(FirstUnit(*disk).target(), c.carries_details ? kIqn : "");
  }
}

TEST_P(OvirtConformance, GetDiskOfAnUnknownIdIsNotFound) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  const absl::Status status = env->ovirt().GetDisk("lun-9").status();
  EXPECT_THAT(status, IsFault(absl::StatusCode::kNotFound, kNotFound));
  EXPECT_THAT(status.message(), HasSubstr("lun-9"));
}

// --- Power -----------------------------------------------------------------

TEST_P(OvirtConformance, PowerActionsPassThroughATransitionAndSettleInTime) {
  const struct {
    const char* action;
    absl::Status (Ovirt::*call)(absl::string_view);
    const char* vm_id;  // vm-1 is up, vm-2 down
    const char* via;
    const char* to;
    absl::Duration takes;
  } kCases[] = {
      {"stop", &Ovirt::Stop, "vm-1", "powering_down", "down", absl::Seconds(5)},
      {"shutdown", &Ovirt::Shutdown, "vm-1", "powering_down", "down", absl::Seconds(30)},
      {"start", &Ovirt::Start, "vm-2", "powering_up", "up", absl::Seconds(10)},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.action);
    auto env = Make();
    ASSERT_NO_FATAL_FAILURE(Populate(*env));
    const absl::Status status = (env->ovirt().*c.call)(c.vm_id);
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(StatusOf(*env, c.vm_id), c.via);
    env->Advance(c.takes - absl::Seconds(1));
    EXPECT_EQ(StatusOf(*env, c.vm_id), c.via);
    env->Advance(absl::Seconds(1));
    EXPECT_EQ(StatusOf(*env, c.vm_id), c.to);
  }
}

TEST_P(OvirtConformance, APowerActionFromTheWrongStateIsRefused) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  EXPECT_THAT(env->ovirt().Stop("vm-2"), IsFault(absl::StatusCode::kFailedPrecondition, kRefused));
  EXPECT_THAT(env->ovirt().Shutdown("vm-2"),
              IsFault(absl::StatusCode::kFailedPrecondition, kRefused));
  EXPECT_THAT(env->ovirt().Start("vm-1"), IsFault(absl::StatusCode::kFailedPrecondition, kRefused));
  EXPECT_EQ(StatusOf(*env, "vm-1"), "up");
  EXPECT_EQ(StatusOf(*env, "vm-2"), "down");
}

TEST_P(OvirtConformance, RepeatingAnActionUnderWayIsAccepted) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  ASSERT_TRUE(env->ovirt().Stop("vm-1").ok());
  EXPECT_TRUE(env->ovirt().Stop("vm-1").ok());
  ASSERT_TRUE(env->ovirt().Start("vm-2").ok());
  EXPECT_TRUE(env->ovirt().Start("vm-2").ok());
  EXPECT_EQ(StatusOf(*env, "vm-1"), "powering_down");
  EXPECT_EQ(StatusOf(*env, "vm-2"), "powering_up");
  env->Advance(absl::Seconds(10));
  EXPECT_EQ(StatusOf(*env, "vm-1"), "down");
  EXPECT_EQ(StatusOf(*env, "vm-2"), "up");
}

TEST_P(OvirtConformance, PoweringAVmTheOtherWayDuringATransitionIsRefused) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  ASSERT_TRUE(env->ovirt().Shutdown("vm-1").ok());
  ASSERT_TRUE(env->ovirt().Start("vm-2").ok());
  EXPECT_THAT(env->ovirt().Start("vm-1"), IsFault(absl::StatusCode::kFailedPrecondition, kRefused));
  EXPECT_THAT(env->ovirt().Stop("vm-2"), IsFault(absl::StatusCode::kFailedPrecondition, kRefused));
  EXPECT_EQ(StatusOf(*env, "vm-1"), "powering_down");
  EXPECT_EQ(StatusOf(*env, "vm-2"), "powering_up");
}

TEST_P(OvirtConformance, PowerActionsOnAnUnknownVmAreNotFound) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  EXPECT_THAT(env->ovirt().Stop("vm-9"), IsFault(absl::StatusCode::kNotFound, kNotFound));
  EXPECT_THAT(env->ovirt().Shutdown("vm-9"), IsFault(absl::StatusCode::kNotFound, kNotFound));
  EXPECT_THAT(env->ovirt().Start("vm-9"), IsFault(absl::StatusCode::kNotFound, kNotFound));
}

// --- Detach and deactivate ---------------------------------------------------

TEST_P(OvirtConformance, DetachRemovesTheAttachmentAndKeepsTheDisk) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  ASSERT_TRUE(env->Attach("vm-1", AttachmentOf("lun-2")).ok());
  const absl::Status detached = env->ovirt().DetachDisk("vm-1", "lun-1");
  ASSERT_TRUE(detached.ok()) << detached;
  EXPECT_THAT(AttachedTo(*env, "vm-1"), UnorderedElementsAre("lun-2"));
  absl::StatusOr<ovirt::Disk> disk = env->ovirt().GetDisk("lun-1");
  ASSERT_TRUE(disk.ok()) << disk.status();
  EXPECT_EQ(FirstUnit(*disk).address(), kPortal);
  // Unattached, the non-shareable disk can go to another VM.
  EXPECT_TRUE(env->ovirt().AttachDisk("vm-2", AttachmentOf("lun-1")).ok());
}

TEST_P(OvirtConformance, DetachingWhatIsNotAttachedIsRefused) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  ASSERT_TRUE(env->ovirt().DetachDisk("vm-1", "lun-1").ok());
  EXPECT_THAT(env->ovirt().DetachDisk("vm-1", "lun-1"),
              IsFault(absl::StatusCode::kFailedPrecondition, kRefused));
  // Attached, but to another VM.
  ASSERT_TRUE(env->Attach("vm-2", AttachmentOf("lun-1")).ok());
  EXPECT_THAT(env->ovirt().DetachDisk("vm-1", "lun-1"),
              IsFault(absl::StatusCode::kFailedPrecondition, kRefused));
  EXPECT_THAT(AttachedTo(*env, "vm-2"), UnorderedElementsAre("lun-1"));
  EXPECT_THAT(env->ovirt().DetachDisk("vm-9", "lun-1"),
              IsFault(absl::StatusCode::kNotFound, kNotFound));
}

TEST_P(OvirtConformance, DetachNeedsTheVmUpOrDown) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  ASSERT_TRUE(env->ovirt().Shutdown("vm-1").ok());
  EXPECT_THAT(env->ovirt().DetachDisk("vm-1", "lun-1"),
              IsFault(absl::StatusCode::kFailedPrecondition, kRefused));
  EXPECT_THAT(AttachedTo(*env, "vm-1"), UnorderedElementsAre("lun-1"));
  env->Advance(absl::Seconds(30));
  EXPECT_TRUE(env->ovirt().DetachDisk("vm-1", "lun-1").ok());

  // A VM in any other status, e.g. paused, is refused too.
  env->AddVm("vm-3", "paused", "paused");
  ASSERT_TRUE(env->Attach("vm-3", AttachmentOf("lun-2")).ok());
  EXPECT_THAT(env->ovirt().DetachDisk("vm-3", "lun-2"),
              IsFault(absl::StatusCode::kFailedPrecondition, kRefused));
}

TEST_P(OvirtConformance, DeactivateKeepsTheAttachmentButInactive) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  const absl::Status deactivated = env->ovirt().DeactivateDisk("vm-1", "lun-1");
  ASSERT_TRUE(deactivated.ok()) << deactivated;
  absl::StatusOr<ovirt::Vm> vm = env->ovirt().GetVm("vm-1");
  ASSERT_TRUE(vm.ok()) << vm.status();
  ASSERT_EQ(vm->disk_attachments().disk_attachment_size(), 1);
  const ovirt::DiskAttachment& a = vm->disk_attachments().disk_attachment(0);
  EXPECT_EQ(a.id(), "lun-1");
  EXPECT_EQ(a.active(), "false");
  EXPECT_EQ(a.interface(), "virtio_scsi");
}

TEST_P(OvirtConformance, DeactivatingAnUnknownAttachmentIsNotFound) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  EXPECT_THAT(env->ovirt().DeactivateDisk("vm-1", "lun-2"),
              IsFault(absl::StatusCode::kNotFound, kNotFound));
  EXPECT_THAT(env->ovirt().DeactivateDisk("vm-9", "lun-1"),
              IsFault(absl::StatusCode::kNotFound, kNotFound));
}

// --- Attach ----------------------------------------------------------------

TEST_P(OvirtConformance, AttachReturnsTheStoredAttachmentWithTheEnginesDefaults) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  absl::StatusOr<ovirt::DiskAttachment> stored =
      env->ovirt().AttachDisk("vm-2", AttachmentOf("lun-2"));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->id(), "lun-2");
  EXPECT_EQ(stored->disk().id(), "lun-2");
  EXPECT_EQ(stored->vm().id(), "vm-2");
  EXPECT_EQ(stored->interface(), "virtio_scsi");
  EXPECT_EQ(stored->active(), "true");
  EXPECT_EQ(stored->bootable(), "false");
  EXPECT_EQ(stored->read_only(), "false");
  EXPECT_EQ(stored->uses_scsi_reservation(), "false");
  EXPECT_EQ(stored->pass_discard(), "false");

  absl::StatusOr<ovirt::Vm> vm = env->ovirt().GetVm("vm-2");
  ASSERT_TRUE(vm.ok()) << vm.status();
  ASSERT_EQ(vm->disk_attachments().disk_attachment_size(), 1);
  const ovirt::DiskAttachment& read = vm->disk_attachments().disk_attachment(0);
  EXPECT_EQ(read.id(), stored->id());
  EXPECT_EQ(read.active(), stored->active());
  EXPECT_EQ(read.bootable(), stored->bootable());
  EXPECT_EQ(read.interface(), stored->interface());
}

TEST_P(OvirtConformance, AttachKeepsTheGivenAttributes) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  ovirt::DiskAttachment request = AttachmentOf("lun-2");
  request.set_interface("sata");
  request.set_bootable("true");
  request.set_active("false");
  request.set_read_only("true");
  request.set_uses_scsi_reservation("true");
  request.set_pass_discard("true");
  absl::StatusOr<ovirt::DiskAttachment> stored = env->ovirt().AttachDisk("vm-2", request);
  ASSERT_TRUE(stored.ok()) << stored.status();
  absl::StatusOr<ovirt::Vm> vm = env->ovirt().GetVm("vm-2");
  ASSERT_TRUE(vm.ok()) << vm.status();
  ASSERT_EQ(vm->disk_attachments().disk_attachment_size(), 1);
  auto expect_as_requested = [](const ovirt::DiskAttachment& a) {
    EXPECT_EQ(a.interface(), "sata");
    EXPECT_EQ(a.bootable(), "true");
    EXPECT_EQ(a.active(), "false");
    EXPECT_EQ(a.read_only(), "true");
    EXPECT_EQ(a.uses_scsi_reservation(), "true");
    EXPECT_EQ(a.pass_discard(), "true");
  };
  {
    SCOPED_TRACE("as AttachDisk returned it");
    expect_as_requested(*stored);
  }
  {
    SCOPED_TRACE("as GetVm reads it");
    expect_as_requested(vm->disk_attachments().disk_attachment(0));
  }
}

TEST_P(OvirtConformance, AttachingADiskTheVmHasAlreadyIsRefused) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  EXPECT_THAT(env->ovirt().AttachDisk("vm-1", AttachmentOf("lun-1")).status(),
              IsFault(absl::StatusCode::kFailedPrecondition, kRefused));
  EXPECT_THAT(AttachedTo(*env, "vm-1"), UnorderedElementsAre("lun-1"));
}

TEST_P(OvirtConformance, OnlyAShareableDiskAttachesToASecondVm) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  EXPECT_THAT(env->ovirt().AttachDisk("vm-2", AttachmentOf("lun-1")).status(),
              IsFault(absl::StatusCode::kFailedPrecondition, kRefused));
  EXPECT_TRUE(AttachedTo(*env, "vm-2").empty());

  ovirt::Disk shared = IscsiDisk("lun-3", "4");
  shared.set_shareable("true");
  env->AddDisk(shared);
  ASSERT_TRUE(env->Attach("vm-1", AttachmentOf("lun-3")).ok());
  absl::StatusOr<ovirt::DiskAttachment> second =
      env->ovirt().AttachDisk("vm-2", AttachmentOf("lun-3"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->vm().id(), "vm-2");
  EXPECT_THAT(AttachedTo(*env, "vm-1"), UnorderedElementsAre("lun-1", "lun-3"));
  EXPECT_THAT(AttachedTo(*env, "vm-2"), UnorderedElementsAre("lun-3"));
}

TEST_P(OvirtConformance, AttachWithoutAnInterfaceIsInvalidArgument) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  ovirt::DiskAttachment request = AttachmentOf("lun-2");
  request.clear_interface();
  EXPECT_THAT(env->ovirt().AttachDisk("vm-2", request).status(),
              IsFault(absl::StatusCode::kInvalidArgument, "Incomplete parameters"));
  EXPECT_TRUE(AttachedTo(*env, "vm-2").empty());
}

TEST_P(OvirtConformance, AttachOfAnUnknownDiskOrToAnUnknownVmIsNotFound) {
  auto env = Make();
  ASSERT_NO_FATAL_FAILURE(Populate(*env));
  EXPECT_THAT(env->ovirt().AttachDisk("vm-2", AttachmentOf("lun-9")).status(),
              IsFault(absl::StatusCode::kNotFound, kNotFound));
  EXPECT_THAT(env->ovirt().AttachDisk("vm-9", AttachmentOf("lun-2")).status(),
              IsFault(absl::StatusCode::kNotFound, kNotFound));
  EXPECT_TRUE(AttachedTo(*env, "vm-2").empty());
}

}  // namespace
}  // namespace ferry::ports
