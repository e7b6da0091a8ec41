// The LUN plan reconciler against the fake API server and engine: the locks
// that keep one source VM (and its LUNs) in one run, even when a read does
// not list the run that holds them; what it reads of the engine; a failed
// engine call counted at the next reconcile.
#include "core/lun_migration/plan_reconciler.h"

#include <algorithm>
#include <string>
#include <vector>

#include "api/core.pb.h"
#include "api/forklift.pb.h"
#include "core/lun_migration/locks.h"
#include "core/lun_migration/lun_objects.h"
#include "core/ports/clock.h"
#include "core/runtime/cache.h"
#include "core/runtime/executor.h"
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

class PlanReconcilerTest : public ::testing::Test {
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
    reconciler_.AddIndexes(cache_);
  }

  // The plan reconciled once the cache caught up and every engine read it
  // asked for was made (a read's answer can ask for more: the inventory
  // names the VMs, a VM its disks).
  runtime::Result Reconcile(const runtime::Key& plan = {"default", "db-plan"}) {
    runtime::Result result;
    for (int round = 0; round < 5; ++round) {
      EXPECT_TRUE(cache_.Sync().ok());
      result = reconciler_.Reconcile(plan, cache_, clock_.Now());
      cache_.observer().Want(plan, result.observe, clock_.Now(), result.keep);
      const std::vector<runtime::Read> due = cache_.observer().Due(clock_.Now());
      if (due.empty()) break;
      for (const runtime::Read& read : due) {
        cache_.observer().Record(read, executor_.Read(read), clock_.Now());
      }
    }
    return result;
  }

  // The effects in order, stopping at the first that fails, as the
  // runtime's manager runs them; then a second passes and what the engine
  // shows is read again.
  std::vector<absl::Status> Apply(const runtime::Result& result,
                                  const runtime::Key& plan = {"default", "db-plan"}) {
    std::vector<absl::Status> statuses;
    executor_.BeginBatch();
    for (const runtime::Effect& effect : result.effects) {
      statuses.push_back(executor_.Apply(effect));
      if (!statuses.back().ok()) {
        reconciler_.EffectFailed(plan, effect, statuses.back());
        break;
      }
    }
    clock_.Advance(absl::Seconds(1));
    cache_.observer().Invalidate(plan, clock_.Now());
    return statuses;
  }

  std::vector<absl::Status> ReconcileAndApply() { return Apply(Reconcile()); }

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
  LunPlanReconciler reconciler_{LunPlanOptions{}};
  runtime::Cache cache_{api_, reconciler_.Kinds(), {}, {{"Lease", reconciler_.SelectorFor("Lease")}}};
  runtime::Executor executor_{{.kube = &api_, .ovirt = &engine_}};
};

TEST_F(PlanReconcilerTest, AStartTakesTheVmAndLunLocksBeforeItIsRecorded) {
  for (const absl::Status& s : ReconcileAndApply()) EXPECT_TRUE(s.ok()) << s;
  ASSERT_EQ(Run().status().vms_size(), 1);
  EXPECT_THAT(Leases(), ::testing::ElementsAre("ferry-lun-disk-lun-1", "ferry-vm-vm-1"));
  const auto lease = ports::As<k8s::Lease>(*api_.Get({"Lease", "ferry-system", "ferry-vm-vm-1"}));
  EXPECT_EQ(lease->spec().holder_identity(), Run().metadata().uid());
  EXPECT_EQ(lease->metadata().annotations().at(kLockHolderAnnotation), "default/run-1");
}

TEST_F(PlanReconcilerTest, ALockTakenByAnotherRunSinceTheReadRefusesTheStart) {
  const runtime::Result result = Reconcile();
  TakeLock("ferry-vm-vm-1", "uid-of-another-run");  // after the read, before the write
  const std::vector<absl::Status> applied = Apply(result);
  ASSERT_FALSE(applied.empty());
  EXPECT_EQ(applied.back().code(), absl::StatusCode::kAlreadyExists) << applied.back();
  EXPECT_THAT(Run().status().vms(), IsEmpty());  // not started
  EXPECT_EQ(engine_.GetVm("vm-1")->status(), "up");
}

TEST_F(PlanReconcilerTest, AVmLockedByARunTheReadDoesNotListIsRefusedUntouched) {
  TakeLock("ferry-vm-vm-1", "uid-of-a-run-not-listed");
  for (const absl::Status& s : ReconcileAndApply()) EXPECT_TRUE(s.ok()) << s;
  ASSERT_EQ(Run().status().vms_size(), 1);
  EXPECT_EQ(Run().status().vms(0).phase(), kFailed);
  EXPECT_THAT(Run().status().vms(0).error().reasons(0),
              HasSubstr("vm.in_other_plan db: the VM is being migrated by a run this read does "
                        "not list (Lease ferry-system/ferry-vm-vm-1"));
  EXPECT_EQ(engine_.GetVm("vm-1")->status(), "up");
}

TEST_F(PlanReconcilerTest, ALockOfARunDoneWithItIsTakenOver) {
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

  for (const absl::Status& s : ReconcileAndApply()) EXPECT_TRUE(s.ok()) << s;
  ASSERT_EQ(Run().status().vms_size(), 1);
  EXPECT_NE(Run().status().vms(0).phase(), kFailed);
  const auto taken = ports::As<k8s::Lease>(*api_.Get({"Lease", "ferry-system", "ferry-vm-vm-1"}));
  EXPECT_EQ(taken->spec().holder_identity(), Run().metadata().uid());
}

TEST_F(PlanReconcilerTest, APlanOfAnotherSourceProviderIsLeftAlone) {
  // This controller drives default/other-engine; db-plan's source is
  // default/ovirt-engine: its run is not started, nothing is read of the
  // engine, nothing is locked, and no change wakes it.
  LunPlanReconciler other(LunPlanOptions{.source_provider = "default/other-engine"});
  ASSERT_TRUE(cache_.Sync().ok());
  const runtime::Result result = other.Reconcile({"default", "db-plan"}, cache_, clock_.Now());
  EXPECT_THAT(result.effects, IsEmpty());
  EXPECT_THAT(result.observe, IsEmpty());
  EXPECT_EQ(result.requeue_after, absl::ZeroDuration());
  std::vector<runtime::Key> woken;
  other.Wake(runtime::Change{}, cache_, woken);
  EXPECT_THAT(woken, IsEmpty());
  // The controller of db-plan's own provider starts the run.
  LunPlanReconciler mine(LunPlanOptions{.source_provider = "default/ovirt-engine"});
  mine.Wake(runtime::Change{}, cache_, woken);
  EXPECT_EQ(woken.size(), 1u);
  EXPECT_THAT(mine.Reconcile({"default", "db-plan"}, cache_, clock_.Now()).observe,
              ::testing::Not(IsEmpty()));
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

TEST_F(PlanReconcilerTest, TheRunGivesItsLocksBackBeforeItEnds) {
  for (const absl::Status& s : ReconcileAndApply()) EXPECT_TRUE(s.ok()) << s;
  forklift::Migration cancel = Run();
  cancel.mutable_spec()->add_cancel()->set_id("vm-1");
  ASSERT_TRUE(api_.Update(cancel).ok());
  for (int pass = 0; pass < 10 && Run().status().vms(0).phase() != kCanceled; ++pass) {
    for (const absl::Status& s : ReconcileAndApply()) EXPECT_TRUE(s.ok()) << s;
  }
  ASSERT_EQ(Run().status().vms(0).phase(), kCanceled);
  EXPECT_EQ(Leases().size(), 2u);  // still held: the next pass gives them back
  for (const absl::Status& s : ReconcileAndApply()) EXPECT_TRUE(s.ok()) << s;
  EXPECT_THAT(Leases(), IsEmpty());
  EXPECT_TRUE(Run().status().completed().empty());  // ends in the pass after
  for (const absl::Status& s : ReconcileAndApply()) EXPECT_TRUE(s.ok()) << s;
  EXPECT_FALSE(Run().status().completed().empty());
}

TEST_F(PlanReconcilerTest, APlanWithoutARunShowsItsWarningsOnce) {
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
  const runtime::Key web{"default", "web-plan"};
  for (const absl::Status& s : Apply(Reconcile(web), web)) EXPECT_TRUE(s.ok()) << s;
  const auto read = ports::As<forklift::Plan>(*api_.Get({"Plan", "default", "web-plan"}));
  ASSERT_EQ(read->status().conditions_size(), 1);
  EXPECT_EQ(read->status().conditions(0).type(), "lun.shareable");
  EXPECT_EQ(read->status().conditions(0).category(), "Warn");
  EXPECT_THAT(read->status().conditions(0).items(0), HasSubstr("VM web disk lun-9"));
  EXPECT_EQ(read->status().observed_generation(), read->metadata().generation());
  // Validated once per spec change: the next reconcile writes nothing.
  EXPECT_THAT(Reconcile(web).effects, IsEmpty());
}

// The engine is read only for what a decision needs: the plan's VM and its
// disks, the inventory only while a VM has not started; an ended run reads
// nothing.
TEST_F(PlanReconcilerTest, ReadsOfTheEngineFollowWhatTheRunNeeds) {
  engine_.AddVm({.id = "vm-other", .name = "other", .status = "up"});
  auto names = [](const runtime::Result& r) {
    std::vector<std::string> out;
    for (const runtime::Read& read : r.observe) out.push_back(runtime::Describe(read));
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_THAT(names(Reconcile()), ::testing::ElementsAre("ovirt disk lun-1", "ovirt inventory",
                                                         "ovirt vm vm-1"));
  for (const absl::Status& s : ReconcileAndApply()) EXPECT_TRUE(s.ok()) << s;
  ASSERT_EQ(Run().status().vms_size(), 1);
  // Started: no inventory any more, and never the engine's other VM.
  EXPECT_THAT(names(Reconcile()), ::testing::ElementsAre("ovirt disk lun-1", "ovirt vm vm-1"));
  forklift::Migration cancel = Run();
  cancel.mutable_spec()->add_cancel()->set_id("vm-1");
  ASSERT_TRUE(api_.Update(cancel).ok());
  for (int i = 0; i < 12 && Run().status().completed().empty(); ++i) ReconcileAndApply();
  ASSERT_FALSE(Run().status().completed().empty());
  const runtime::Result ended = Reconcile();
  EXPECT_THAT(ended.observe, IsEmpty());
  EXPECT_THAT(ended.effects, IsEmpty());
  EXPECT_EQ(ended.requeue_after, absl::ZeroDuration());
}

// A failed engine call of a pipeline step is counted in the VM's status at
// the next reconcile, which writes the count before trying again; a call
// refused at its fence (an old read) is not counted.
TEST_F(PlanReconcilerTest, AFailedEngineCallIsCountedAtTheNextReconcile) {
  engine_.SetFaultHook([](absl::string_view verb, absl::string_view) -> absl::Status {
    if (verb == "stop") return absl::UnavailableError("engine busy");
    return absl::OkStatus();
  });
  for (const absl::Status& s : ReconcileAndApply()) EXPECT_TRUE(s.ok()) << s;  // started
  std::vector<absl::Status> stopped = ReconcileAndApply();
  ASSERT_FALSE(stopped.empty());
  EXPECT_EQ(stopped.back().code(), absl::StatusCode::kUnavailable);
  const runtime::Result counted = Reconcile();
  ASSERT_EQ(counted.effects.size(), 1u) << "the count, and nothing tried before it is written";
  EXPECT_THAT(runtime::Describe(counted.effects[0]), HasSubstr("update_status Migration"));
  for (const absl::Status& s : Apply(counted)) EXPECT_TRUE(s.ok()) << s;
  ASSERT_EQ(Run().status().vms_size(), 1);
  EXPECT_THAT(Run().status().vms(0).DebugString(), HasSubstr("engine busy"));

  // Refused at its fence: the Migration changed since the read.
  const runtime::Result stale = Reconcile();
  ASSERT_FALSE(stale.effects.empty());
  forklift::Migration touched = Run();
  (*touched.mutable_metadata()->mutable_labels())["touched"] = "yes";
  ASSERT_TRUE(api_.Update(touched).ok());
  std::vector<absl::Status> fenced = Apply(stale);
  ASSERT_FALSE(fenced.empty());
  EXPECT_TRUE(runtime::FencedOut(fenced.back()));
  EXPECT_THAT(Reconcile().effects,
              ::testing::Not(::testing::Contains(::testing::Truly([](const runtime::Effect& e) {
                return std::holds_alternative<runtime::KubeWrite>(e.call) &&
                       runtime::Describe(e).find("update_status Migration") != std::string::npos &&
                       e.what.find("failed") != std::string::npos;
              }))));
}

// A VM's detaches go together (the engine is read again once, not once per
// LUN), and so do the creates of its LUN volumes and claims. While the
// cluster side works, the VM's read is kept, not polled; before the target
// VM is made it is polled (read anew) again.
TEST_F(PlanReconcilerTest, StepsOfOneKindGoTogetherAndTheEngineIsReadOnlyWhenItMatters) {
  for (const std::string lun : {"lun-2", "lun-3"}) {
    engine_.AddDisk(fakes::IscsiLun(lun, "10.0.0.5", "iqn.2024-01.com.example:t1",
                                    lun == "lun-2" ? 4 : 5, kGiB));
    ASSERT_TRUE(engine_.AttachForTest("vm-1", {.disk_id = lun}).ok());
  }
  auto kinds = [](const runtime::Result& r) {
    std::vector<std::string> out;
    for (const runtime::Effect& e : r.effects) out.push_back(runtime::Describe(e));
    return out;
  };
  auto reads = [](const std::vector<runtime::Read>& list) {
    std::vector<std::string> out;
    for (const runtime::Read& read : list) out.push_back(runtime::Describe(read));
    return out;
  };
  using ::testing::Contains;
  using ::testing::Each;
  runtime::Result detaches;
  for (int pass = 0; pass < 12; ++pass) {
    runtime::Result r = Reconcile();
    if (std::count_if(r.effects.begin(), r.effects.end(), [](const runtime::Effect& e) {
          return runtime::Describe(e).find("detach") != std::string::npos;
        }) > 0) {
      detaches = r;
      break;
    }
    for (const absl::Status& s : Apply(r)) ASSERT_TRUE(s.ok()) << s;
  }
  ASSERT_EQ(detaches.effects.size(), 3u) << ::testing::PrintToString(kinds(detaches));
  EXPECT_THAT(kinds(detaches), Each(HasSubstr("detach")));
  for (const absl::Status& s : Apply(detaches)) ASSERT_TRUE(s.ok()) << s;
  EXPECT_TRUE(engine_.GetVm("vm-1")->disk_attachments().disk_attachment().empty());

  // Enter CreateVolumes, then the three volumes and their claims at once
  // (each volume before the claims, as the planner orders them).
  std::vector<std::vector<std::string>> batches;
  for (int pass = 0; pass < 6 && Run().status().vms(0).phase() != kWaitForBinding; ++pass) {
    runtime::Result r = Reconcile();
    if (Run().status().vms(0).phase() == kCreateVolumes) {
      EXPECT_THAT(reads(r.keep), Contains("ovirt vm vm-1")) << "kept while the cluster works";
      EXPECT_THAT(reads(r.observe), ::testing::Not(Contains("ovirt vm vm-1")));
    }
    if (!r.effects.empty() && std::holds_alternative<runtime::KubeWrite>(r.effects[0].call) &&
        runtime::Describe(r.effects[0]).find("create") != std::string::npos) {
      batches.push_back(kinds(r));
    }
    for (const absl::Status& s : Apply(r)) ASSERT_TRUE(s.ok()) << s;
  }
  ASSERT_EQ(batches.size(), 1u) << ::testing::PrintToString(batches);
  ASSERT_EQ(batches[0].size(), 6u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(batches[0][i], HasSubstr("create PersistentVolume /"));
    EXPECT_THAT(batches[0][i + 3], HasSubstr("create PersistentVolumeClaim default/"));
  }

  // Bound by hand (no binder here): the plan moves on to the target VM,
  // for which the source is polled (read anew) again.
  for (const std::string lun : {"lun-1", "lun-2", "lun-3"}) {
    auto claim = *ports::As<k8s::PersistentVolumeClaim>(
        *api_.Get({"PersistentVolumeClaim", "default", LunObjectName(lun)}));
    claim.mutable_spec()->set_volume_name(LunObjectName(lun));
    auto updated = api_.Update(claim);
    ASSERT_TRUE(updated.ok()) << updated.status();
    claim = *ports::As<k8s::PersistentVolumeClaim>(*updated);
    claim.mutable_status()->set_phase("Bound");
    ASSERT_TRUE(api_.UpdateStatus(claim).ok());
    auto pv = *ports::As<k8s::PersistentVolume>(
        *api_.Get({"PersistentVolume", "", LunObjectName(lun)}));
    pv.mutable_spec()->mutable_claim_ref()->set_uid(claim.metadata().uid());
    ASSERT_TRUE(api_.Update(pv).ok());
  }
  for (int pass = 0; pass < 6 && Run().status().vms(0).phase() != kCreateVm; ++pass) {
    for (const absl::Status& s : ReconcileAndApply()) ASSERT_TRUE(s.ok()) << s;
  }
  ASSERT_EQ(Run().status().vms(0).phase(), kCreateVm);
  const runtime::Result create = Reconcile();
  EXPECT_THAT(reads(create.observe), Contains("ovirt vm vm-1"));
  EXPECT_THAT(kinds(create), Contains(HasSubstr("create VirtualMachine")));
}

// A wait is remembered (WaitMemo) and not decided again while nothing it
// rests on changes, until its deadline: the claims that never bind roll
// the VM back once the bind timeout has passed.
TEST_F(PlanReconcilerTest, ARememberedWaitEndsAtItsDeadline) {
  for (int pass = 0; pass < 12; ++pass) {
    if (!Run().status().vms().empty() && Run().status().vms(0).phase() == kWaitForBinding) break;
    for (const absl::Status& s : ReconcileAndApply()) ASSERT_TRUE(s.ok()) << s;
  }
  ASSERT_EQ(Run().status().vms(0).phase(), kWaitForBinding);
  for (const absl::Status& s : ReconcileAndApply()) ASSERT_TRUE(s.ok()) << s;  // the Waiting condition
  EXPECT_THAT(Reconcile().effects, IsEmpty()) << "waits, from memory or afresh";
  clock_.Advance(LunPlanOptions{}.bind_timeout);
  const runtime::Result late = Reconcile();
  ASSERT_EQ(late.effects.size(), 1u);
  EXPECT_THAT(late.effects[0].what, HasSubstr("did not bind within"));
}

}  // namespace
}  // namespace ferry::lun_migration
