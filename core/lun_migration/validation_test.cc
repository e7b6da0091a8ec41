#include "core/lun_migration/validation.h"

#include <functional>
#include <string>
#include <vector>

#include "core/lun_migration/lun_objects.h"
#include "fakes/ovirt/fake_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::lun_migration {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kGiB = int64_t{1} << 30;

// One VM "db" (up) with an iSCSI LUN, read from an engine of `version`.
PlanInventory Read(fakes::FakeEngine& engine) {
  PlanInventory in;
  in.plan_uid = "plan-1";
  in.engine_version = *engine.EngineVersion();
  in.all_vms = *engine.ListVms();
  VmInventory v;
  v.vm = *engine.GetVm("vm-1");
  for (const auto& a : v.vm.disk_attachments().disk_attachment()) {
    v.disks[a.id()] = *engine.GetDisk(a.id());
  }
  in.vms.push_back(v);
  return in;
}

struct Case {
  std::string name = "";
  std::string version = "4.5.5-1.el8";
  std::function<void(ovirt::Disk&)> disk = [](ovirt::Disk&) {};
  std::function<void(fakes::FakeEngine::Attachment&)> attachment =
      [](fakes::FakeEngine::Attachment&) {};
  std::function<void(PlanInventory&)> plan = [](PlanInventory&) {};
  std::string id = "";
  Category category = Category::kCritical;
  std::string message = "";
};

std::vector<Finding> Validate(const Case& c) {
  ports::ManualClock clock;
  fakes::FakeEngine engine(clock, {.version = c.version});
  ovirt::Disk disk = fakes::IscsiLun("lun-1", "10.0.0.5", "iqn.2024-01.com.example:t1", 3, 10 * kGiB);
  c.disk(disk);
  engine.AddDisk(disk);
  engine.AddVm({.id = "vm-1", .name = "db", .status = "up"});
  engine.AddVm({.id = "vm-2", .name = "web", .status = "up"});
  fakes::FakeEngine::Attachment a{.disk_id = "lun-1"};
  c.attachment(a);
  EXPECT_TRUE(engine.AttachForTest("vm-1", a).ok());
  PlanInventory in = Read(engine);
  c.plan(in);
  return ValidatePlan(in);
}

TEST(ValidatePlan, AGoodLunHasNoFindings) { EXPECT_THAT(Validate(Case{}), IsEmpty()); }

// The first engines with a LUN's details: 4.5.2.1 and anything later.
TEST(ValidatePlan, EnginesFrom4521HaveLunDetails) {
  for (const std::string version : {"4.5.2.1-1.el8", "4.5.2.1", "4.5.3-1.el8", "4.5.5-1.el8"}) {
    EXPECT_THAT(Validate(Case{.version = version}), IsEmpty()) << version;
  }
}

TEST(EngineLacksLunDetails, ReadsTheReportedFieldsBothWaysOfTheBoundary) {
  ovirt::Version v;
  v.set_major("4");
  v.set_minor("5");
  v.set_build("2");
  v.set_revision("0");
  v.set_full_version("4.5.2-1.el8");
  EXPECT_TRUE(EngineLacksLunDetails(v));
  EXPECT_EQ(DescribeEngineVersion(v), "4.5.2.0, 4.5.2-1.el8");
  // Engine 4.5.2.1 reports revision "0" too: only full_version says .1.
  v.set_full_version("4.5.2.1-1.el8");
  EXPECT_FALSE(EngineLacksLunDetails(v));
  v.set_full_version("");
  v.set_build("3");
  EXPECT_FALSE(EngineLacksLunDetails(v));
  EXPECT_TRUE(EngineLacksLunDetails(ovirt::Version()));  // unreadable: treated as old
}

// The LUN's target needs CHAP, as user u1.
void ChapUser(ovirt::Disk& d) {
  d.mutable_lun_storage()->mutable_logical_units()->mutable_logical_unit(0)->set_username("u1");
}

void LunMapping(ovirt::Disk& d, const std::string& mapping) {
  d.mutable_lun_storage()->mutable_logical_units()->mutable_logical_unit(0)->set_lun_mapping(
      mapping);
}

// Kubernetes' iSCSI PV takes LUN 0 to 255: both ends are fine.
TEST(ValidatePlan, LunNumbersFrom0To255AreFine) {
  for (const std::string mapping : {"0", "255"}) {
    EXPECT_THAT(Validate(Case{.disk = [&](ovirt::Disk& d) { LunMapping(d, mapping); }}), IsEmpty())
        << mapping;
  }
}

// A Fibre Channel PV names the WWID: its lun_mapping, if any, is not read.
TEST(ValidatePlan, AFibreChannelLunNeedsNoLunNumber) {
  Case c;
  c.disk = [](ovirt::Disk& d) {
    d = fakes::FcLun("lun-1", "3600a0980383146", 10 * kGiB);
    LunMapping(d, "300");
  };
  EXPECT_THAT(Validate(c), IsEmpty());
}

TEST(ValidatePlan, EachRuleHasItsIdCategoryAndMessage) {
  const std::vector<Case> cases = {
      {.name = "old engine", .version = "4.5.1-1.el8", .id = "lun.details_missing",
       .message = "supported as from version 4.5.2.1"},
      // 4.5.2-1.el8 is 4.5.2 revision 0 (the -1 is the RPM release): just
      // before the first engine with the details, and named so.
      {.name = "engine 4.5.2-1.el8", .version = "4.5.2-1.el8", .id = "lun.details_missing",
       .message = "the engine (4.5.2.0, 4.5.2-1.el8) gives no address"},
      // No address and no type (real engines never send one): Fibre
      // Channel on a new engine, but an old one hides every LUN's address.
      {.name = "old engine, a LUN without an address",
       .version = "4.5.1-1.el8",
       .disk = [](ovirt::Disk& d) { d = fakes::FcLun("lun-1", "3600a0980383146", 10 * kGiB); },
       .id = "lun.details_missing",
       .message = "so an iSCSI LUN cannot be told from a Fibre Channel one"},
      {.name = "two logical units",
       .disk = [](ovirt::Disk& d) {
         *d.mutable_lun_storage()->mutable_logical_units()->add_logical_unit() =
             d.lun_storage().logical_units().logical_unit(0);
       },
       .id = "lun.logical_units", .message = "has 2 logical units"},
      {.name = "no logical unit",
       .disk = [](ovirt::Disk& d) { d.mutable_lun_storage()->clear_logical_units(); },
       .id = "lun.logical_units", .message = "has 0 logical units"},
      {.name = "size 0",
       .disk = [](ovirt::Disk& d) {
         d.mutable_lun_storage()->mutable_logical_units()->mutable_logical_unit(0)->set_size("0");
       },
       .id = "lun.size", .message = "size is 0"},
      {.name = "lun_mapping 256",
       .disk = [](ovirt::Disk& d) { LunMapping(d, "256"); },
       .id = "lun.lun_mapping",
       .message = "the logical unit's lun_mapping 256 is outside 0..255, the LUN numbers a "
                  "PersistentVolume can name; a PersistentVolume needs the LUN number, which is "
                  "never guessed"},
      {.name = "lun_mapping -1", .disk = [](ovirt::Disk& d) { LunMapping(d, "-1"); },
       .id = "lun.lun_mapping", .message = "lun_mapping \"-1\" is not a LUN number"},
      {.name = "lun_mapping abc", .disk = [](ovirt::Disk& d) { LunMapping(d, "abc"); },
       .id = "lun.lun_mapping", .message = "lun_mapping \"abc\" is not a LUN number"},
      {.name = "lun_mapping 1e3", .disk = [](ovirt::Disk& d) { LunMapping(d, "1e3"); },
       .id = "lun.lun_mapping", .message = "lun_mapping \"1e3\" is not a LUN number"},
      {.name = "lun_mapping with a space", .disk = [](ovirt::Disk& d) { LunMapping(d, " 7"); },
       .id = "lun.lun_mapping", .message = "lun_mapping \" 7\" is not a LUN number"},
      {.name = "lun_mapping 007", .disk = [](ovirt::Disk& d) { LunMapping(d, "007"); },
       .id = "lun.lun_mapping", .message = "lun_mapping \"007\" is not a LUN number"},
      {.name = "no lun_mapping", .disk = [](ovirt::Disk& d) { LunMapping(d, ""); },
       .id = "lun.lun_mapping", .message = "the logical unit's lun_mapping is missing"},
      // Found by the ovirt_json fuzz target: the PV would be invalid mid-plan.
      {.name = "target not an IQN",
       .disk = [](ovirt::Disk& d) {
         d.mutable_lun_storage()->mutable_logical_units()->mutable_logical_unit(0)->set_target(
             "iqn.2003-01`org.linux-iscsi.storage:db-luns");
       },
       .id = "lun.iqn", .message = "is not an iSCSI qualified name"},
      // Found by the ovirt_json fuzz target: a DataVolume of size 0 is invalid.
      {.name = "image of size 0",
       .disk = [](ovirt::Disk& d) {
         d.set_storage_type("image");
         d.clear_lun_storage();
         d.set_provisioned_size("0");
       },
       .id = "disk.size", .message = "provisioned_size \"0\" is not a positive number"},
      {.name = "illegal", .disk = [](ovirt::Disk& d) { d.set_status("illegal"); },
       .id = "disk.status", .message = "the disk is illegal"},
      {.name = "locked", .disk = [](ovirt::Disk& d) { d.set_status("locked"); },
       .id = "disk.status", .message = "the disk is locked"},
      {.name = "cinder", .disk = [](ovirt::Disk& d) { d.set_storage_type("cinder"); },
       .id = "disk.storage_type", .message = "\"cinder\" cannot be migrated"},
      {.name = "shareable (oVirt's spelling)",
       .disk = [](ovirt::Disk& d) { d.set_shareable("true"); },
       .id = "lun.shareable", .category = Category::kWarning, .message = "shareable"},
      {.name = "scsi reservation",
       .attachment = [](fakes::FakeEngine::Attachment& a) { a.uses_scsi_reservation = true; },
       .id = "lun.scsi_reservation", .category = Category::kWarning,
       .message = "reservation: true"},
      {.name = "ide", .attachment = [](fakes::FakeEngine::Attachment& a) { a.interface = "ide"; },
       .id = "lun.interface", .category = Category::kWarning, .message = "gets bus sata"},
      {.name = "vm migrating",
       .plan = [](PlanInventory& in) { in.vms[0].vm.set_status("migrating"); },
       .id = "vm.status", .category = Category::kWarning, .message = "the VM is migrating"},
      {.name = "chap without secret",
       .disk = ChapUser,
       .id = "lun.chap_secret", .message = "names no CHAP secret"},
      {.name = "chap secret that does not exist",
       .disk = ChapUser,
       .plan = [](PlanInventory& in) {
         in.target_namespace = "prod";
         in.chap_secret = {.name = "chap"};
       },
       .id = "lun.chap_secret", .message = "names Secret prod/chap, which does not exist"},
      {.name = "chap secret without the password key",
       .disk = ChapUser,
       .plan = [](PlanInventory& in) {
         in.chap_secret = {.name = "chap", .found = true, .has_username = true, .username = "u1"};
       },
       .id = "lun.chap_secret", .message = "lacks key node.session.auth.password"},
      {.name = "chap secret without the username key",
       .disk = ChapUser,
       .plan = [](PlanInventory& in) {
         in.chap_secret = {.name = "chap", .found = true, .has_password = true};
       },
       .id = "lun.chap_secret", .message = "lacks key node.session.auth.username"},
      {.name = "chap secret of another user",
       .disk = ChapUser,
       .plan = [](PlanInventory& in) {
         in.chap_secret = {.name = "chap", .found = true, .has_username = true, .username = "u2",
                           .has_password = true};
       },
       .id = "lun.chap_secret", .message = "node.session.auth.username \"u2\", not the target's"},
      {.name = "target VM of an earlier running plan",
       .plan = [](PlanInventory& in) {
         in.target_namespace = "prod";
         in.targets_of_other_plans["prod/db"] = "plan default/a";
       },
       .id = "vm.target_name_conflict", .message = "VirtualMachine prod/db is the target of a VM of plan default/a"},
      {.name = "LUN of a VM this run already started",
       .plan = [](PlanInventory& in) { in.luns_started_in_this_run["lun-1"] = "web"; },
       .id = "lun.duplicate_in_plan", .message = "also a disk of VM web, which this plan is already migrating"},
      {.name = "claim name taken by someone else",
       .plan = [](PlanInventory& in) {
         in.target_namespace = "prod";
         in.find_object = [](const std::string& kind, const std::string& ns,
                             const std::string& name) -> const k8s::ObjectMeta* {
           static const k8s::ObjectMeta* other = [] {
             auto* m = new k8s::ObjectMeta;
             m->set_name("ferry-lun-lun-1");
             return m;
           }();
           return kind == "PersistentVolumeClaim" && ns == "prod" && name == "ferry-lun-lun-1"
                      ? other
                      : nullptr;
         };
       },
       .id = "disk.object_name_taken",
       .message = "PersistentVolumeClaim prod/ferry-lun-lun-1 exists and was not made by this plan"},
      {.name = "claimed by a PV of someone else",
       .plan = [](PlanInventory& in) {
         k8s::PersistentVolume pv;
         pv.mutable_metadata()->set_name("tenant-b-lun");
         pv.mutable_spec()->mutable_iscsi()->set_iqn("iqn.2024-01.com.example:t1");
         pv.mutable_spec()->mutable_iscsi()->set_lun(3);
         in.cluster_pvs.push_back(pv);
       },
       .id = "lun.claimed_by_pv", .message = "already served by PersistentVolume tenant-b-lun"},
      {.name = "LUN in an earlier running plan",
       .plan = [](PlanInventory& in) { in.luns_in_other_plans["lun-1"] = "plan default/a"; },
       .id = "lun.in_other_plan", .message = "being migrated by plan default/a"},
      {.name = "VM in an earlier running plan (its LUN detached by that plan)",
       .plan = [](PlanInventory& in) {
         in.vms[0].vm.mutable_disk_attachments()->clear_disk_attachment();
         in.vms[0].disks.clear();
         in.vms_in_other_plans["vm-1"] = "plan default/a";
       },
       .id = "vm.in_other_plan", .message = "the VM is being migrated by plan default/a"},
  };
  for (const Case& c : cases) {
    const std::vector<Finding> findings = Validate(c);
    ASSERT_EQ(findings.size(), 1u) << c.name << ": " << findings.size() << " findings";
    EXPECT_EQ(findings[0].id, c.id) << c.name;
    EXPECT_EQ(findings[0].category, c.category) << c.name;
    EXPECT_EQ(findings[0].vm, "db") << c.name;
    EXPECT_THAT(findings[0].message, HasSubstr(c.message)) << c.name;
    EXPECT_EQ(HasCritical(findings), c.category == Category::kCritical) << c.name;
  }
}

TEST(ValidatePlan, ChapWithASecretAndThePlansOwnPvAreFine) {
  Case c;
  c.disk = ChapUser;
  c.plan = [](PlanInventory& in) {
    in.chap_secret = {.name = "chap", .found = true, .has_username = true, .username = "u1",
                      .has_password = true};
    k8s::PersistentVolume pv;  // left by an earlier run of this plan
    pv.mutable_metadata()->set_name("ferry-lun-lun-1");
    (*pv.mutable_metadata()->mutable_labels())[kPlanUidLabel] = "plan-1";
    pv.mutable_spec()->mutable_iscsi()->set_iqn("iqn.2024-01.com.example:t1");
    pv.mutable_spec()->mutable_iscsi()->set_lun(3);
    in.cluster_pvs.push_back(pv);
  };
  EXPECT_THAT(Validate(c), IsEmpty());
}

TEST(ValidatePlan, TheSameLunInTwoVmsIsCritical) {
  ports::ManualClock clock;
  fakes::FakeEngine engine(clock);
  ovirt::Disk disk = fakes::IscsiLun("lun-1", "10.0.0.5", "iqn.2024-01.com.example:t", 3, 10 * kGiB);
  disk.set_shareable("true");
  engine.AddDisk(disk);
  engine.AddVm({.id = "vm-1", .name = "db", .status = "up"});
  engine.AddVm({.id = "vm-2", .name = "web", .status = "up"});
  ASSERT_TRUE(engine.AttachForTest("vm-1", {.disk_id = "lun-1"}).ok());
  ASSERT_TRUE(engine.AttachForTest("vm-2", {.disk_id = "lun-1"}).ok());

  PlanInventory only_db = Read(engine);  // web keeps using it outside the plan
  std::vector<std::string> ids;
  for (const Finding& f : ValidatePlan(only_db)) ids.push_back(f.id);
  EXPECT_THAT(ids, ElementsAre("lun.shareable", "lun.in_use_elsewhere"));

  PlanInventory both = only_db;  // both VMs in the plan
  VmInventory web;
  web.vm = *engine.GetVm("vm-2");
  web.disks["lun-1"] = *engine.GetDisk("lun-1");
  both.vms.push_back(web);
  ids.clear();
  for (const Finding& f : ValidatePlan(both)) ids.push_back(f.id);
  // Every holder is refused, each naming both, not only the second.
  EXPECT_THAT(ids, ElementsAre("lun.shareable", "lun.duplicate_in_plan", "lun.shareable",
                               "lun.duplicate_in_plan"));
  for (const Finding& f : ValidatePlan(both)) {
    if (f.id == "lun.duplicate_in_plan") {
      EXPECT_THAT(f.message, HasSubstr("VMs db, web")) << f.vm;
    }
  }
}

TEST(ValidatePlan, OneLunBehindTwoDisksOfThePlanIsCriticalForBoth) {
  ports::ManualClock clock;
  fakes::FakeEngine engine(clock);
  // Two oVirt disks over the same iSCSI LUN.
  engine.AddDisk(fakes::IscsiLun("lun-1", "10.0.0.5", "iqn.2024-01.com.example:t", 3, 10 * kGiB));
  engine.AddDisk(fakes::IscsiLun("lun-2", "10.0.0.5", "iqn.2024-01.com.example:t", 3, 10 * kGiB));
  engine.AddVm({.id = "vm-1", .name = "db", .status = "up"});
  engine.AddVm({.id = "vm-2", .name = "web", .status = "up"});
  ASSERT_TRUE(engine.AttachForTest("vm-1", {.disk_id = "lun-1"}).ok());
  ASSERT_TRUE(engine.AttachForTest("vm-2", {.disk_id = "lun-2"}).ok());
  PlanInventory in = Read(engine);
  VmInventory web;
  web.vm = *engine.GetVm("vm-2");
  web.disks["lun-2"] = *engine.GetDisk("lun-2");
  in.vms.push_back(web);
  std::vector<std::string> vms;
  for (const Finding& f : ValidatePlan(in)) {
    EXPECT_EQ(f.id, "lun.duplicate_in_plan");
    vms.push_back(f.vm);
  }
  EXPECT_THAT(vms, ElementsAre("db", "web"));
}

TEST(ValidatePlan, TwoVmsBecomingOneTargetNameRefuseTheLaterOne) {
  ports::ManualClock clock;
  fakes::FakeEngine engine(clock);
  engine.AddVm({.id = "vm-1", .name = "Web_01", .status = "up"});
  engine.AddVm({.id = "vm-2", .name = "web.01", .status = "up"});
  PlanInventory in;
  in.plan_uid = "plan-1";
  in.target_namespace = "prod";
  in.engine_version = *engine.EngineVersion();
  in.all_vms = *engine.ListVms();
  in.vms.push_back(VmInventory{*engine.GetVm("vm-1"), {}});
  in.vms.push_back(VmInventory{*engine.GetVm("vm-2"), {}});
  const std::vector<Finding> findings = ValidatePlan(in);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].id, "vm.target_name_conflict");
  EXPECT_EQ(findings[0].vm, "web.01");
  EXPECT_THAT(findings[0].message,
              HasSubstr("VM Web_01 of this plan also becomes VirtualMachine prod/web-01"));
}

TEST(ValidatePlan, FindingsFormatWithCategoryIdAndPlace) {
  EXPECT_EQ(FormatFinding({.id = "lun.size", .category = Category::kCritical, .vm = "db",
                           .disk = "lun-1", .message = "m"}),
            "Critical lun.size db/lun-1: m");
}

}  // namespace
}  // namespace ferry::lun_migration
