#include "core/lun_migration/plan_step.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/lun_migration/lun.h"
#include "core/lun_migration/lun_objects.h"
#include "core/lun_migration/target_objects.h"
#include "fakes/ovirt/fake_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::lun_migration {
namespace {

using ::testing::ElementsAre;
using ::testing::Contains;
using ::testing::HasSubstr;
using Kind = LunStep::Kind;

constexpr int64_t kGiB = int64_t{1} << 30;
const absl::Time kStart = absl::FromUnixSeconds(1692259200);

// "db" (vm-1, up) with an image disk "os" and an iSCSI LUN "lun-1"
// (sata, bootable, SCSI reservation), as the plan process observes it.
class PlanStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    o_.plan = {.plan_uid = "uid-1", .target_namespace = "default"};
    o_.now = kStart;
    o_.source.set_id("vm-1");
    o_.source.set_name("db");
    o_.source.set_status("up");
    auto* os = o_.source.mutable_disk_attachments()->add_disk_attachment();
    os->set_id("os");
    os->set_interface("virtio");
    os->set_bootable("true");
    os->set_active("true");
    auto* lun = o_.source.mutable_disk_attachments()->add_disk_attachment();
    lun->set_id("lun-1");
    lun->set_interface("sata");
    lun->set_bootable("false");
    lun->set_active("true");
    lun->set_read_only("false");
    lun->set_uses_scsi_reservation("true");
    ovirt::Disk image;
    image.set_id("os");
    image.set_storage_type("image");
    image.set_provisioned_size(std::to_string(10 * kGiB));
    o_.disks["os"] = image;
    o_.disks["lun-1"] = fakes::IscsiLun("lun-1", "10.0.0.5", "iqn.2024-01.com.example:t", 3, 20 * kGiB);
  }

  // Takes the recorded step as the new state, as the process would.
  void Apply(const LunStep& step) {
    ASSERT_EQ(step.kind, Kind::kRecord) << step.what;
    o_.status = step.status;
  }

  // Runs Initialize and enters `phase` the way the planner does.
  void Started() { Apply(PlanLunVm(o_)); }

  std::vector<Lun> Luns() const {
    ovirt::Vm recorded = o_.source;
    recorded.mutable_disk_attachments()->clear_disk_attachment();
    for (const auto& a : o_.status.lun_attachments()) {
      *recorded.mutable_disk_attachments()->add_disk_attachment() = a;
    }
    return DescribeLuns(recorded, o_.disks);
  }

  void Detached() {
    o_.source.set_status("down");
    o_.source.mutable_disk_attachments()->mutable_disk_attachment()->DeleteSubrange(1, 1);
  }

  // Every object of the plan made and bound.
  void VolumesMade(bool bound) {
    const Lun lun = Luns().at(0);
    k8s::PersistentVolume pv = BuildPv(lun, o_.plan).value();
    k8s::PersistentVolumeClaim pvc = BuildPvc(lun, o_.plan);
    pvc.mutable_metadata()->set_uid("pvc-uid");
    if (bound) {
      pv.mutable_spec()->mutable_claim_ref()->set_uid("pvc-uid");
      pvc.mutable_status()->set_phase("Bound");
    }
    o_.pvs[pv.metadata().name()] = pv;
    o_.pvcs[pvc.metadata().name()] = pvc;
  }

  // Started, detached, volumes bound, the image copied: CreateVm entered.
  void AtCreateVm() {
    Started();
    Detached();
    VolumesMade(/*bound=*/true);
    o_.data_volumes["ferry-disk-os"] =
        BuildImageDataVolume(ImageDisks(o_.source, o_.disks).at(0), o_.plan);
    o_.data_volumes["ferry-disk-os"].mutable_status()->set_phase("Succeeded");
    Apply(PlanLunVm(o_));
  }

  VmObservation o_;
};

TEST_F(PlanStepTest, InitializeRecordsPowerStateAndOnlyTheLunAttachments) {
  const LunStep step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kRecord);
  EXPECT_EQ(step.status.restore_power_state(), "up");
  ASSERT_EQ(step.status.lun_attachments_size(), 1);
  EXPECT_EQ(step.status.lun_attachments(0).id(), "lun-1");
  EXPECT_EQ(step.status.lun_attachments(0).uses_scsi_reservation(), "true");
  std::vector<std::string> names;
  for (const auto& s : step.status.pipeline()) names.push_back(s.name());
  EXPECT_THAT(names, ElementsAre(kInitialize, kPowerOff, kDetachLuns, kCreateVolumes,
                                 kWaitForBinding, kCopyDisks, kCreateVm));
  EXPECT_EQ(step.status.phase(), kPowerOff);
  EXPECT_EQ(step.status.pipeline(0).phase(), "Completed");
}

TEST_F(PlanStepTest, CriticalFindingFailsBeforeAnythingIsTouched) {
  o_.findings.push_back(Finding{"lun.size", Category::kCritical, "db", "lun-1", "size 0"});
  o_.findings.push_back(Finding{"lun.shareable", Category::kWarning, "db", "lun-1", "shared"});
  const LunStep step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kRecord);
  EXPECT_EQ(step.status.phase(), kFailed);
  EXPECT_THAT(step.status.error().reasons(), ElementsAre("Critical lun.size db/lun-1: size 0"));
  EXPECT_EQ(step.status.lun_attachments_size(), 0);  // nothing to roll back
  ASSERT_EQ(step.status.conditions_size(), 1);
  EXPECT_EQ(step.status.conditions(0).type(), "lun.shareable");
}

TEST_F(PlanStepTest, ATargetVmNotMadeByThePlanIsCritical) {
  kubevirt::VirtualMachine vm;
  vm.mutable_metadata()->set_name("db");
  o_.target_vm = vm;
  const LunStep step = PlanLunVm(o_);
  EXPECT_EQ(step.status.phase(), kFailed);
  EXPECT_THAT(step.status.error().reasons(0), HasSubstr("vm.target_exists"));
}

TEST_F(PlanStepTest, ColdStepsInOrderEachEnteredBeforeItActs) {
  Started();
  LunStep step = PlanLunVm(o_);
  EXPECT_EQ(step.kind, Kind::kStop);
  EXPECT_EQ(step.failure_step, kPowerOff);

  o_.source.set_status("powering_down");
  step = PlanLunVm(o_);  // the wait is shown once, as a condition
  ASSERT_EQ(step.kind, Kind::kRecord);
  EXPECT_EQ(step.status.conditions(0).message(), "waiting for VM db to be down (powering_down)");
  Apply(step);
  EXPECT_EQ(PlanLunVm(o_).kind, Kind::kWait);

  o_.source.set_status("down");
  step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kRecord);
  EXPECT_EQ(step.status.phase(), kDetachLuns);
  EXPECT_TRUE(step.status.conditions().empty());
  Apply(step);
  step = PlanLunVm(o_);
  EXPECT_EQ(step.kind, Kind::kDetach);
  EXPECT_EQ(step.attachment.id(), "lun-1");

  Detached();
  Apply(PlanLunVm(o_));
  step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kCreate);
  EXPECT_EQ(step.object->GetDescriptor()->name(), "PersistentVolume");
}

// Validation refused a plan whose lun_mapping names no LUN; one that goes
// bad afterwards (the engine read afresh) is not guessed either.
TEST_F(PlanStepTest, ALunNumberGoneBadByCreateVolumesRollsBackInsteadOfGuessing) {
  Started();
  Detached();
  Apply(PlanLunVm(o_));
  ASSERT_EQ(o_.status.phase(), kCreateVolumes);
  o_.disks["lun-1"]
      .mutable_lun_storage()
      ->mutable_logical_units()
      ->mutable_logical_unit(0)
      ->set_lun_mapping("256");
  const LunStep step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kRecord);
  EXPECT_EQ(step.status.phase(), kRollingBack);
  EXPECT_THAT(step.status.error().reasons(0),
              HasSubstr("LUN disk lun-1: lun_mapping 256 is outside 0..255"));
}

TEST_F(PlanStepTest, AClusterSideStepAlreadyPassedWaitsForTheReadsInsteadOfSteppingBack) {
  AtCreateVm();
  ASSERT_EQ(o_.status.phase(), kCreateVm);
  o_.pvs.clear();  // a PV list lagging behind what was made
  o_.pvcs.clear();
  const LunStep step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kRecord);
  EXPECT_EQ(step.status.phase(), kCreateVm);  // not back to CreateVolumes
  EXPECT_THAT(step.status.conditions(0).message(),
              HasSubstr("the cluster reads lag behind the recorded progress (CreateVm)"));
  o_.source.set_status("up");  // the engine, read afresh: a user started the source
  EXPECT_EQ(PlanLunVm(o_).status.phase(), kPowerOff);  // engine steps may be entered again
}

TEST_F(PlanStepTest, TheTargetVmWaitsForAPodListNoOlderThanItsClaims) {
  AtCreateVm();
  o_.pods_read_after_claims = false;  // a lagging Pod informer: no pod seen, proves nothing
  const LunStep step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kRecord);
  EXPECT_THAT(step.status.conditions(0).message(), HasSubstr("the pod and VM lists read predate"));
  o_.pods_read_after_claims = true;
  EXPECT_EQ(PlanLunVm(o_).kind, Kind::kCreate);
}

TEST_F(PlanStepTest, AnObjectOfTheSameNameNotMadeByThePlanRollsBack) {
  Started();
  Detached();
  k8s::PersistentVolume theirs = BuildPv(Luns().at(0), o_.plan).value();
  (*theirs.mutable_metadata()->mutable_labels())[kPlanUidLabel] = "another-plan";
  o_.pvs[theirs.metadata().name()] = theirs;
  const LunStep step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kRecord);
  EXPECT_EQ(step.status.phase(), kRollingBack);
  EXPECT_THAT(step.status.error().reasons(0),
              HasSubstr("PersistentVolume ferry-lun-lun-1 exists and was not created by this plan"));
}

TEST_F(PlanStepTest, DetachFailuresAreCountedAndTheThirdRollsBack) {
  Started();
  o_.source.set_status("down");
  Apply(PlanLunVm(o_));  // enter DetachLuns
  for (int i = 0; i < 3; ++i) {
    const LunStep step = PlanLunVm(o_);
    ASSERT_EQ(step.kind, Kind::kDetach) << i;
    o_.status = RecordFailure(o_.status, step.failure_step, "Operation Failed");
  }
  const LunStep step = PlanLunVm(o_);
  EXPECT_EQ(step.status.phase(), kRollingBack);
  EXPECT_EQ(step.status.error().phase(), kDetachLuns);
}

TEST_F(PlanStepTest, BindTimeoutRollsBack) {
  Started();
  Detached();
  VolumesMade(/*bound=*/false);
  Apply(PlanLunVm(o_));  // enter WaitForBinding
  EXPECT_EQ(o_.status.phase(), kWaitForBinding);
  o_.now += absl::Minutes(5);
  EXPECT_EQ(PlanLunVm(o_).kind, Kind::kRecord);  // the wait, shown
  o_.now += absl::Seconds(1);
  const LunStep step = PlanLunVm(o_);
  EXPECT_EQ(step.status.phase(), kRollingBack);
  EXPECT_THAT(step.status.error().reasons(0), HasSubstr("did not bind within 5m"));
}

// A user's VM naming a LUN claim has no pod yet when the target VM is
// decided; both pods would start together (lun seed 9635).
TEST_F(PlanStepTest, TheTargetVmWaitsWhileAnotherVmNamesALunClaim) {
  AtCreateVm();
  o_.claim_vms["VirtualMachine early"] = {"ferry-lun-lun-1"};
  const LunStep step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kRecord);
  EXPECT_THAT(step.status.conditions(0).message(),
              HasSubstr("VirtualMachine default/early (claim ferry-lun-lun-1) uses a LUN claim"));
  o_.claim_vms.clear();
  EXPECT_EQ(PlanLunVm(o_).kind, Kind::kCreate);
}

TEST_F(PlanStepTest, TheTargetVmWaitsWhileAnotherPodHoldsALunClaim) {
  Started();
  Detached();
  VolumesMade(/*bound=*/true);
  o_.data_volumes["ferry-disk-os"] = BuildImageDataVolume(ImageDisks(o_.source, o_.disks).at(0), o_.plan);
  o_.data_volumes["ferry-disk-os"].mutable_status()->set_phase("Succeeded");
  o_.pods["someone-else"] = {"ferry-lun-lun-1"};
  Apply(PlanLunVm(o_));  // enter CreateVm
  const LunStep step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kRecord);
  EXPECT_THAT(step.status.conditions(0).message(), HasSubstr("pod default/someone-else"));
  o_.pods.clear();
  const LunStep create = PlanLunVm(o_);
  ASSERT_EQ(create.kind, Kind::kCreate);
  const auto& vm = static_cast<const kubevirt::VirtualMachine&>(*create.object);
  EXPECT_TRUE(vm.spec().running());
  // The source's order: the image disk "os" first, then the LUN.
  const auto& disks = vm.spec().template_().spec().domain().devices().disks();
  ASSERT_EQ(disks.size(), 2);
  EXPECT_EQ(disks[0].name(), "disk-0");
  EXPECT_EQ(disks[0].boot_order(), 1u);
  EXPECT_EQ(disks[1].lun().bus(), "sata");
  EXPECT_TRUE(disks[1].lun().reservation());
  EXPECT_FALSE(disks[1].has_boot_order());
}

TEST_F(PlanStepTest, TheTargetVmListsDisksInTheSourcesAttachmentOrder) {
  // lun-1, then os, then lun-2 (bootable): interleaved, as attached in oVirt.
  auto* attachments = o_.source.mutable_disk_attachments()->mutable_disk_attachment();
  attachments->SwapElements(0, 1);
  auto* lun2 = o_.source.mutable_disk_attachments()->add_disk_attachment();
  lun2->set_id("lun-2");
  lun2->set_interface("virtio_scsi");
  lun2->set_bootable("true");
  lun2->set_active("true");
  o_.disks["lun-2"] = fakes::IscsiLun("lun-2", "10.0.0.5", "iqn.2024-01.com.example:t", 4, kGiB);
  Started();
  EXPECT_THAT(o_.status.disk_order(), ElementsAre("lun-1", "os", "lun-2"));
  const kubevirt::VirtualMachine vm =
      BuildTargetVm(o_.source, Luns(), ImageDisks(o_.source, o_.disks), o_.plan, true,
                    {o_.status.disk_order().begin(), o_.status.disk_order().end()});
  std::vector<std::string> volumes;
  for (const auto& v : vm.spec().template_().spec().volumes()) {
    volumes.push_back(v.has_data_volume() ? v.data_volume().name()
                                          : v.persistent_volume_claim().claim_name());
  }
  EXPECT_THAT(volumes, ElementsAre("ferry-lun-lun-1", "ferry-disk-os", "ferry-lun-lun-2"));
  const auto& disks = vm.spec().template_().spec().domain().devices().disks();
  EXPECT_EQ(disks[1].boot_order(), 1u);  // os, bootable, comes first of the bootable
  EXPECT_EQ(disks[2].boot_order(), 2u);
  EXPECT_FALSE(disks[0].has_boot_order());
}

TEST_F(PlanStepTest, WarningsStayOnTheVmAfterItCompletes) {
  o_.findings.push_back(Finding{"lun.shareable", Category::kWarning, "db", "lun-1", "shared"});
  Started();
  ASSERT_EQ(o_.status.conditions_size(), 1);
  EXPECT_EQ(o_.status.conditions(0).category(), "Warn");
  Detached();
  VolumesMade(/*bound=*/true);
  o_.data_volumes["ferry-disk-os"] = BuildImageDataVolume(ImageDisks(o_.source, o_.disks).at(0), o_.plan);
  o_.data_volumes["ferry-disk-os"].mutable_status()->set_phase("Succeeded");
  Apply(PlanLunVm(o_));  // enter CreateVm
  const LunStep create = PlanLunVm(o_);
  ASSERT_EQ(create.kind, Kind::kCreate);
  o_.target_vm = static_cast<const kubevirt::VirtualMachine&>(*create.object);
  Apply(PlanLunVm(o_));
  EXPECT_EQ(o_.status.phase(), kCompleted);
  ASSERT_EQ(o_.status.conditions_size(), 1);
  EXPECT_EQ(o_.status.conditions(0).type(), "lun.shareable");
  EXPECT_EQ(o_.status.conditions(0).message(), "shared");
}

TEST_F(PlanStepTest, InitializeWaitsWhileValidationCannotRun) {
  o_.validation_error = "UNAVAILABLE: reading CHAP Secret default/chap: timeout";
  const LunStep step = PlanLunVm(o_);
  EXPECT_EQ(step.kind, Kind::kWait);
  EXPECT_THAT(step.what, HasSubstr("reading CHAP Secret"));
}

TEST_F(PlanStepTest, RollbackUndoesInOrderAndTouchesOnlyWhatThePlanMade) {
  Started();
  Detached();
  VolumesMade(/*bound=*/true);
  k8s::PersistentVolume foreign;
  foreign.mutable_metadata()->set_name("someone-elses");
  (*foreign.mutable_metadata()->mutable_labels())[kPlanUidLabel] = "uid-1";  // other VM
  o_.pvs["someone-elses"] = foreign;
  kubevirt::VirtualMachine vm = BuildTargetVm(o_.source, Luns(), {}, o_.plan, true, {});
  o_.target_vm = vm;
  o_.target_vmi_exists = true;
  o_.cancel_requested = true;
  o_.cancel_by = "default/run-1";
  Apply(PlanLunVm(o_));
  EXPECT_EQ(o_.status.phase(), kRollingBack);

  std::vector<std::string> did;
  for (int i = 0; i < 10; ++i) {
    const LunStep step = PlanLunVm(o_);
    if (step.kind == Kind::kRecord) {
      Apply(step);
      did.push_back(step.status.phase());
      break;
    }
    did.push_back(step.what);
    switch (step.kind) {
      case Kind::kDelete:
        if (step.key.kind == "VirtualMachine") o_.target_vm.reset();
        if (step.key.kind == "PersistentVolumeClaim") o_.pvcs.erase(step.key.name);
        if (step.key.kind == "PersistentVolume") o_.pvs.erase(step.key.name);
        break;
      case Kind::kWait:
        o_.target_vmi_exists = false;  // the VMI goes with its VM
        break;
      case Kind::kAttach:
        EXPECT_EQ(step.attachment.interface(), "sata");
        EXPECT_EQ(step.attachment.uses_scsi_reservation(), "true");
        *o_.source.mutable_disk_attachments()->add_disk_attachment() = step.attachment;
        break;
      case Kind::kStart: o_.source.set_status("up"); break;
      default: FAIL() << step.what;
    }
  }
  EXPECT_THAT(did, ElementsAre("delete the target VirtualMachine VirtualMachine db",
                               "waiting for the target VM instance to stop",
                               "delete the LUN claim PersistentVolumeClaim ferry-lun-lun-1",
                               "delete the LUN volume PersistentVolume ferry-lun-lun-1",
                               "re-attach LUN disk lun-1 to VM db", "start VM db again",
                               kCanceled));
  EXPECT_TRUE(o_.pvs.contains("someone-elses"));
}

// mixed seed 9279: a pod list lagging behind the claims' deletion could
// not show a user's pod on a claim, and the LUN went back to the source
// while the pod held it.
TEST_F(PlanStepTest, TheRollbackGivesLunsBackOnlyFromAPodListNewerThanTheClaimsDeletion) {
  Started();
  Detached();
  VolumesMade(/*bound=*/true);
  o_.cancel_requested = true;
  o_.cancel_by = "default/run-1";
  Apply(PlanLunVm(o_));
  ASSERT_EQ(o_.status.phase(), kRollingBack);
  LunStep step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kDelete);
  ASSERT_EQ(step.key.kind, "PersistentVolumeClaim");
  o_.pvcs.erase(step.key.name);
  o_.users_read_after_claims_gone = false;
  step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kRecord) << step.what;
  std::vector<std::string> messages;
  for (const auto& c : step.status.conditions()) messages.push_back(c.message());
  EXPECT_THAT(messages, Contains(HasSubstr("the pod lists read predate the LUN claims' deletion")));
  Apply(step);
  step = PlanLunVm(o_);
  EXPECT_EQ(step.kind, Kind::kWait) << "still no PV deleted, no LUN attached: " << step.what;
  o_.users_read_after_claims_gone = true;
  step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kDelete) << step.what;
  EXPECT_EQ(step.key.kind, "PersistentVolume");
}

TEST_F(PlanStepTest, WarmCopiesImagesWhileTheSourceRunsAndWaitsForTheCutover) {
  o_.warm = true;
  o_.cutover = kStart + absl::Minutes(1);
  Started();
  EXPECT_EQ(o_.status.phase(), kPreCopy);
  LunStep step = PlanLunVm(o_);
  ASSERT_EQ(step.kind, Kind::kCreate);
  EXPECT_EQ(step.object->GetDescriptor()->name(), "DataVolume");
  cdi::DataVolume dv = static_cast<const cdi::DataVolume&>(*step.object);
  dv.mutable_status()->set_phase("Succeeded");
  o_.data_volumes[dv.metadata().name()] = dv;
  Apply(PlanLunVm(o_));
  EXPECT_EQ(o_.status.phase(), kWaitForCutover);
  Apply(PlanLunVm(o_));  // the wait, shown
  EXPECT_EQ(PlanLunVm(o_).kind, Kind::kWait);  // the LUN stays on the running source
  o_.now = o_.cutover;
  Apply(PlanLunVm(o_));
  EXPECT_EQ(o_.status.phase(), kPowerOff);
  EXPECT_EQ(PlanLunVm(o_).kind, Kind::kStop);
}

TEST(TargetVmNameTest, IsADnsLabel) {
  EXPECT_EQ(TargetVmName("DB_Server.01"), "db-server-01");
  EXPECT_EQ(TargetVmName(std::string(70, 'a')).size(), 63u);
  EXPECT_EQ(TargetVmName("---"), "vm");
}

// A wait holds until the deadline the planner checks: deciding from the
// same observation just before it waits still, just after it does not.
TEST_F(PlanStepTest, AWaitHoldsUntilTheStepsTimeout) {
  Started();
  ASSERT_EQ(o_.status.phase(), kPowerOff);
  o_.source.set_status("powering_down");
  Apply(PlanLunVm(o_));  // the Waiting condition
  ASSERT_EQ(PlanLunVm(o_).kind, Kind::kWait);
  const absl::Time until = WaitHoldsUntil(o_);
  EXPECT_EQ(until, kStart + LunPlanOptions{}.power_off_timeout);
  o_.now = until;
  EXPECT_EQ(PlanLunVm(o_).kind, Kind::kWait);
  o_.now = until + absl::Seconds(1);
  const LunStep late = PlanLunVm(o_);
  EXPECT_EQ(late.kind, Kind::kRecord);
  EXPECT_THAT(late.what, HasSubstr("did not power off"));
  // No deadline ahead in a step without a timeout; a warm VM's cutover is one.
  o_.status.set_phase(kDetachLuns);
  EXPECT_EQ(WaitHoldsUntil(o_), absl::InfiniteFuture());
  o_.warm = true;
  o_.cutover = o_.now + absl::Minutes(3);
  EXPECT_EQ(WaitHoldsUntil(o_), o_.now + absl::Minutes(3));
}

}  // namespace
}  // namespace ferry::lun_migration
