// The LUN plan process against the fake API server and engine: the locks
// that keep one source VM (and its LUNs) in one run, even when a read does
// not list the run that holds them.
#include "core/lun_migration/plan_process.h"

#include <string>
#include <vector>

#include "api/core.pb.h"
#include "api/forklift.pb.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "fakes/ovirt/fake_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::lun_migration {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kGiB = int64_t{1} << 30;

forklift::Plan PlanOf(const std::string& name, const std::string& vm_id) {
  forklift::Plan plan;
  plan.mutable_metadata()->set_name(name);
  auto* provider = plan.mutable_spec()->mutable_provider();
  provider->mutable_source()->set_name("ovirt-engine");
  provider->mutable_source()->set_namespace_("default");
  provider->mutable_destination()->set_name("host");
  provider->mutable_destination()->set_namespace_("default");
  plan.mutable_spec()->set_target_namespace("default");
  plan.mutable_spec()->add_vms()->set_id(vm_id);
  return plan;
}

class PlanProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_.AddDisk(fakes::IscsiLun("lun-1", "10.0.0.5", "iqn.2024-01.com.example:t1", 3, 10 * kGiB));
    engine_.AddVm({.id = "vm-1", .name = "db", .status = "up"});
    ASSERT_TRUE(engine_.AttachForTest("vm-1", {.disk_id = "lun-1"}).ok());
    ASSERT_TRUE(api_.Create(PlanOf("db-plan", "vm-1")).ok());
    forklift::Migration run;
    run.mutable_metadata()->set_name("run-1");
    run.mutable_spec()->mutable_plan()->set_name("db-plan");
    run.mutable_spec()->mutable_plan()->set_namespace_("default");
    ASSERT_TRUE(api_.Create(run).ok());
  }

  // One pass, its steps run in order; the status of each.
  std::vector<absl::Status> PassAndRun() {
    absl::StatusOr<std::vector<runtime::PlannedStep>> steps = process_.Pass();
    EXPECT_TRUE(steps.ok()) << steps.status();
    std::vector<absl::Status> results;
    for (const auto& step : *steps) results.push_back(step.run());
    clock_.Advance(absl::Seconds(1));
    return results;
  }

  forklift::Migration Run() {
    return *ports::As<forklift::Migration>(*api_.Get({"Migration", "default", "run-1"}));
  }

  std::vector<std::string> Leases() {
    std::vector<std::string> names;
    const absl::StatusOr<ports::ObjectList> list =
        api_.List("Lease", "ferry-system", k8s::LabelSelector());
    for (const auto& item : list->items) {
      names.push_back(ports::MetadataOf(*item).name());
    }
    return names;
  }

  void TakeLock(const std::string& name, const std::string& holder) {
    k8s::Lease lease;
    lease.mutable_metadata()->set_name(name);
    lease.mutable_metadata()->set_namespace_("ferry-system");
    lease.mutable_spec()->set_holder_identity(holder);
    ASSERT_TRUE(api_.Create(lease).ok());
  }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_{clock_};
  fakes::FakeEngine engine_{clock_};
  LunPlanProcess process_{api_, engine_, clock_, {}};
};

TEST_F(PlanProcessTest, AStartTakesTheVmAndLunLocksBeforeItIsRecorded) {
  for (const absl::Status& s : PassAndRun()) EXPECT_TRUE(s.ok()) << s;
  ASSERT_EQ(Run().status().vms_size(), 1);
  EXPECT_THAT(Leases(), ::testing::ElementsAre("ferry-lun-disk-lun-1", "ferry-vm-vm-1"));
  const auto lease = ports::As<k8s::Lease>(*api_.Get({"Lease", "ferry-system", "ferry-vm-vm-1"}));
  EXPECT_EQ(lease->spec().holder_identity(), Run().metadata().uid());
  EXPECT_EQ(lease->metadata().annotations().at(kLockHolderAnnotation), "default/run-1");
}

TEST_F(PlanProcessTest, ALockTakenByAnotherRunSinceTheReadRefusesTheStart) {
  absl::StatusOr<std::vector<runtime::PlannedStep>> steps = process_.Pass();
  ASSERT_TRUE(steps.ok());
  TakeLock("ferry-vm-vm-1", "uid-of-another-run");  // after the read, before the write
  absl::Status last;
  for (const auto& step : *steps) last = step.run();
  EXPECT_EQ(last.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(last.message(), HasSubstr("is held by another run"));
  EXPECT_THAT(Run().status().vms(), IsEmpty());  // not started
  EXPECT_EQ(engine_.GetVm("vm-1")->status(), "up");
}

TEST_F(PlanProcessTest, AVmLockedByARunTheReadDoesNotListIsRefusedUntouched) {
  TakeLock("ferry-vm-vm-1", "uid-of-a-run-not-listed");
  for (const absl::Status& s : PassAndRun()) EXPECT_TRUE(s.ok()) << s;
  ASSERT_EQ(Run().status().vms_size(), 1);
  EXPECT_EQ(Run().status().vms(0).phase(), kFailed);
  EXPECT_THAT(Run().status().vms(0).error().reasons(0),
              HasSubstr("vm.in_other_plan db: the VM is being migrated by a run this read does "
                        "not list (Lease ferry-system/ferry-vm-vm-1"));
  EXPECT_EQ(engine_.GetVm("vm-1")->status(), "up");
}

TEST_F(PlanProcessTest, ALockOfARunDoneWithItIsTakenOver) {
  // A completed run that still holds the VM's lock (its release was lost).
  forklift::Migration done;
  done.mutable_metadata()->set_name("old-run");
  done.mutable_spec()->mutable_plan()->set_name("gone-plan");
  auto created = api_.Create(done);
  ASSERT_TRUE(created.ok());
  done = *ports::As<forklift::Migration>(*created);
  done.mutable_status()->set_completed("2023-08-17T08:00:00Z");
  ASSERT_TRUE(api_.UpdateStatus(done).ok());
  k8s::Lease lease;
  lease.mutable_metadata()->set_name("ferry-vm-vm-1");
  lease.mutable_metadata()->set_namespace_("ferry-system");
  (*lease.mutable_metadata()->mutable_annotations())[kLockHolderAnnotation] = "default/old-run";
  lease.mutable_spec()->set_holder_identity(done.metadata().uid());
  ASSERT_TRUE(api_.Create(lease).ok());

  for (const absl::Status& s : PassAndRun()) EXPECT_TRUE(s.ok()) << s;
  ASSERT_EQ(Run().status().vms_size(), 1);
  EXPECT_NE(Run().status().vms(0).phase(), kFailed);
  const auto taken = ports::As<k8s::Lease>(*api_.Get({"Lease", "ferry-system", "ferry-vm-vm-1"}));
  EXPECT_EQ(taken->spec().holder_identity(), Run().metadata().uid());
}

TEST(HolderDone, OnlyOnceTheRunCompletedOrEveryVmHoldingTheLockEnded) {
  forklift::Migration run;
  EXPECT_FALSE(HolderDone(run, "ferry-vm-vm-1"));  // taken, not yet recorded
  forklift::VMStatus* vm = run.mutable_status()->add_vms();
  vm->set_id("vm-1");
  vm->set_phase(kDetachLuns);
  vm->add_lun_attachments()->set_id("lun-1");
  EXPECT_FALSE(HolderDone(run, "ferry-vm-vm-1"));
  EXPECT_FALSE(HolderDone(run, "ferry-lun-disk-lun-1"));
  vm->set_phase(kCompleted);
  EXPECT_TRUE(HolderDone(run, "ferry-vm-vm-1"));
  EXPECT_TRUE(HolderDone(run, "ferry-lun-disk-lun-1"));
  EXPECT_FALSE(HolderDone(run, "ferry-vm-vm-2"));
  run.mutable_status()->set_completed("2023-08-17T08:00:00Z");
  EXPECT_TRUE(HolderDone(run, "ferry-vm-vm-2"));
}

TEST_F(PlanProcessTest, TheRunGivesItsLocksBackBeforeItEnds) {
  for (const absl::Status& s : PassAndRun()) EXPECT_TRUE(s.ok()) << s;
  forklift::Migration cancel = Run();
  cancel.mutable_spec()->add_cancel()->set_id("vm-1");
  ASSERT_TRUE(api_.Update(cancel).ok());
  for (int pass = 0; pass < 10 && Run().status().vms(0).phase() != kCanceled; ++pass) {
    for (const absl::Status& s : PassAndRun()) EXPECT_TRUE(s.ok()) << s;
  }
  ASSERT_EQ(Run().status().vms(0).phase(), kCanceled);
  EXPECT_EQ(Leases().size(), 2u);  // still held: the next pass gives them back
  for (const absl::Status& s : PassAndRun()) EXPECT_TRUE(s.ok()) << s;
  EXPECT_THAT(Leases(), IsEmpty());
  EXPECT_TRUE(Run().status().completed().empty());  // ends in the pass after
  for (const absl::Status& s : PassAndRun()) EXPECT_TRUE(s.ok()) << s;
  EXPECT_FALSE(Run().status().completed().empty());
}

TEST_F(PlanProcessTest, APlanWithoutARunShowsItsWarningsOnce) {
  ASSERT_TRUE(api_.Delete({"Migration", "default", "run-1"}).ok());
  // A second plan, its VM's LUN shareable (a Warning), and no Migration.
  engine_.AddDisk([] {
    ovirt::Disk d = fakes::IscsiLun("lun-9", "10.0.0.5", "iqn.2024-01.com.example:t1", 9, kGiB);
    d.set_shareable("true");
    return d;
  }());
  engine_.AddVm({.id = "vm-9", .name = "web", .status = "down"});
  ASSERT_TRUE(engine_.AttachForTest("vm-9", {.disk_id = "lun-9"}).ok());
  ASSERT_TRUE(api_.Create(PlanOf("web-plan", "vm-9")).ok());
  for (const absl::Status& s : PassAndRun()) EXPECT_TRUE(s.ok()) << s;
  const auto read = ports::As<forklift::Plan>(*api_.Get({"Plan", "default", "web-plan"}));
  ASSERT_EQ(read->status().conditions_size(), 1);
  EXPECT_EQ(read->status().conditions(0).type(), "lun.shareable");
  EXPECT_EQ(read->status().conditions(0).category(), "Warn");
  EXPECT_THAT(read->status().conditions(0).items(0), HasSubstr("VM web disk lun-9"));
  EXPECT_EQ(read->status().observed_generation(), read->metadata().generation());
  // Validated once per spec change: the next pass writes nothing.
  absl::StatusOr<std::vector<runtime::PlannedStep>> again = process_.Pass();
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(*again, IsEmpty());
}

}  // namespace
}  // namespace ferry::lun_migration
