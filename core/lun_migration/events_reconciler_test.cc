// Events tell a LUN run's story once each, in the order lived, across
// repeats, failed creates and restarts.
#include "core/lun_migration/events_reconciler.h"

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "api/forklift.pb.h"
#include "api/names.h"
#include "api/timestamp.h"
#include "core/ports/clock.h"
#include "core/runtime/cache.h"
#include "core/runtime/executor.h"
#include "core/runtime/manager.h"
#include "core/runtime/test_scheduler_testing.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::lun_migration {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kT0[] = "2026-01-10T10:00:00Z";
constexpr char kT1[] = "2026-01-10T10:00:05Z";
constexpr char kT2[] = "2026-01-10T10:01:00Z";
constexpr char kT3[] = "2026-01-10T10:02:00Z";
constexpr char kVmId[] = "6f1c2a7e-0b1d-4c55-9d6e-3a2b1c0d9e8f";

const std::vector<std::string> kCold = {"Initialize",     "PowerOff",  "DetachLuns",
                                        "CreateVolumes",  "WaitForBinding", "CopyDisks",
                                        "CreateVm"};

forklift::Migration TheRun() {
  forklift::Migration m;
  m.set_api_version("forklift.konveyor.io/v1beta1");
  m.set_kind("Migration");
  m.mutable_metadata()->set_name("run-1");
  m.mutable_metadata()->set_namespace_("default");
  m.mutable_spec()->mutable_plan()->set_name("plan-1");
  return m;
}

forklift::Plan Plan(const std::string& provider = "ovirt") {
  forklift::Plan p;
  p.set_api_version("forklift.konveyor.io/v1beta1");
  p.set_kind("Plan");
  p.mutable_metadata()->set_name("plan-1");
  p.mutable_metadata()->set_namespace_("default");
  p.mutable_spec()->mutable_provider()->mutable_source()->set_name(provider);
  p.mutable_spec()->mutable_provider()->mutable_destination()->set_name("host");
  p.mutable_spec()->set_target_namespace("default");
  p.mutable_spec()->add_vms()->set_id(kVmId);
  return p;
}

// A cold VM as the LUN core records it (plan_step.cc): the steps before
// `phase` Completed at `done`, `phase` Running since `done`, the rest Pending.
forklift::VMStatus Vm(const std::string& phase, const std::string& done) {
  forklift::VMStatus vm;
  vm.set_id(kVmId);
  vm.set_name("web");
  vm.set_phase(phase);
  vm.set_started(kT0);
  bool before = true;
  for (const std::string& name : kCold) {
    forklift::Step* s = vm.add_pipeline();
    s->set_name(name);
    if (name == phase) before = false;
    if (name == "Initialize") {
      s->set_phase(before ? "Completed" : "Running");
      s->set_started(kT0);
      if (before) s->set_completed(kT0);
    } else if (before) {
      s->set_phase("Completed");
      s->set_started(done);
      s->set_completed(done);
    } else if (name == phase) {
      s->set_phase("Running");
      s->set_started(done);
    } else {
      s->set_phase("Pending");
    }
  }
  return vm;
}

forklift::Step* StepOf(forklift::VMStatus& vm, const std::string& name) {
  for (forklift::Step& s : *vm.mutable_pipeline()) {
    if (s.name() == name) return &s;
  }
  return nullptr;
}

void AddCondition(google::protobuf::RepeatedPtrField<k8s::Condition>* conditions,
                  const std::string& type, const std::string& category,
                  const std::string& message, const std::string& at,
                  const std::string& status = "True") {
  k8s::Condition* c = conditions->Add();
  c->set_type(type);
  c->set_status(status);
  c->set_category(category);
  c->set_message(message);
  c->set_last_transition_time(at);
}

std::vector<std::string> Reasons(const std::vector<k8s::Event>& events) {
  std::vector<std::string> reasons;
  for (const k8s::Event& e : events) reasons.push_back(e.reason());
  return reasons;
}

// ------------------------------------------------------------ the story

TEST(LunMigrationEvents, ASucceededVmIsToldStepByStepInTheOrderLived) {
  forklift::Migration m = TheRun();
  m.mutable_metadata()->set_uid("0123456789ab");
  m.mutable_status()->set_started(kT0);
  forklift::VMStatus vm = Vm("CreateVm", kT1);
  StepOf(vm, "CreateVm")->set_phase("Completed");
  StepOf(vm, "CreateVm")->set_completed(kT2);
  StepOf(vm, "PowerOff")->mutable_error()->add_reasons("the engine is busy");
  vm.set_phase("Completed");
  vm.set_completed(kT2);
  AddCondition(vm.mutable_conditions(), "lun.shareable", "Warn", "the disk is shareable", "");
  *m.mutable_status()->add_vms() = vm;
  AddCondition(m.mutable_status()->mutable_conditions(), "Succeeded", "",
               "1 VM(s) migrated, 0 failed, 0 canceled", kT3);
  // The restated warning SetOutcome gathers on the run: told on its VM.
  AddCondition(m.mutable_status()->mutable_conditions(), "lun.shareable", "Warn",
               "VM web: the disk is shareable", kT3);

  const std::vector<k8s::Event> events = MigrationEvents(m, "ferry-lun-controller", "host-1");
  EXPECT_THAT(Reasons(events),
              ElementsAre("Executing", "lun.shareable", "InitializeStarted",
                          "InitializeCompleted", "PowerOffStarted", "PowerOffError",
                          "PowerOffCompleted", "DetachLunsStarted", "DetachLunsCompleted",
                          "CreateVolumesStarted", "CreateVolumesCompleted",
                          "WaitForBindingStarted", "WaitForBindingCompleted", "CopyDisksStarted",
                          "CopyDisksCompleted", "CreateVmStarted", "CreateVmCompleted",
                          "VMSucceeded", "Succeeded"));
  EXPECT_EQ(events[0].metadata().name(), "run-1.01234567.executing");
  EXPECT_EQ(events[0].message(), "The migration of plan default/plan-1 is EXECUTING.");
  EXPECT_EQ(events[1].type(), "Warning");
  EXPECT_EQ(events[1].message(), absl::StrCat("VM web (", kVmId, "): the disk is shareable"));
  EXPECT_EQ(events[4].metadata().name(),
            absl::StrCat("run-1.01234567.vm.", kVmId, ".poweroff-started"));
  EXPECT_EQ(events[4].message(), absl::StrCat("VM web (", kVmId, "): power off the source VM"));
  EXPECT_EQ(events[4].first_timestamp(), kT1);
  EXPECT_EQ(events[5].type(), "Warning");
  EXPECT_THAT(events[5].message(), HasSubstr("call 1 failed: the engine is busy"));
  EXPECT_EQ(events[17].last_timestamp(), kT2);
  EXPECT_EQ(events[18].type(), "Normal");
  EXPECT_EQ(events[18].message(), "1 VM(s) migrated, 0 failed, 0 canceled");
  const k8s::Event& e = events[18];
  EXPECT_EQ(e.metadata().namespace_(), "default");
  EXPECT_EQ(e.involved_object().kind(), "Migration");
  EXPECT_EQ(e.involved_object().api_version(), "forklift.konveyor.io/v1beta1");
  EXPECT_EQ(e.involved_object().namespace_(), "default");
  EXPECT_EQ(e.involved_object().name(), "run-1");
  EXPECT_EQ(e.involved_object().uid(), "0123456789ab");
  EXPECT_EQ(e.source().component(), "ferry-lun-controller");
  EXPECT_EQ(e.reporting_component(), "ferry.dev/ferry-lun-controller");
  EXPECT_EQ(e.reporting_instance(), "host-1");
  EXPECT_EQ(e.count(), 1);
  for (const k8s::Event& each : events) {
    EXPECT_THAT(api::IsDns1123Subdomain(each.metadata().name()), IsEmpty())
        << each.metadata().name();
  }
}

TEST(LunMigrationEvents, AFailedVmIsToldAsWarningsWithItsReasons) {
  forklift::Migration m = TheRun();
  m.mutable_metadata()->set_uid("u1");
  m.mutable_status()->set_started(kT0);
  forklift::VMStatus vm = Vm("WaitForBinding", kT1);
  vm.mutable_error()->set_phase("WaitForBinding");
  vm.mutable_error()->add_reasons("claim(s) lun-9 did not bind within 5m");
  vm.set_phase("Failed");
  vm.set_completed(kT3);
  *m.mutable_status()->add_vms() = vm;
  AddCondition(m.mutable_status()->mutable_conditions(), "Failed", "",
               "0 VM(s) migrated, 1 failed, 0 canceled", kT3);

  const std::vector<k8s::Event> events = MigrationEvents(m, "c", "i");
  ASSERT_THAT(events, SizeIs(13));
  EXPECT_EQ(events[9].reason(), "WaitForBindingStarted");
  EXPECT_EQ(events[10].reason(), "VMRollingBack");
  EXPECT_EQ(events[10].type(), "Warning");
  EXPECT_THAT(events[10].message(),
              HasSubstr("rolling back from WaitForBinding: claim(s) lun-9 did not bind"));
  EXPECT_EQ(events[11].reason(), "VMFailed");
  EXPECT_EQ(events[11].type(), "Warning");
  EXPECT_THAT(events[11].message(), HasSubstr("has FAILED in WaitForBinding: claim(s) lun-9"));
  EXPECT_THAT(events[11].message(), EndsWith("the source VM was restored."));
  EXPECT_EQ(events[12].reason(), "Failed");
  EXPECT_EQ(events[12].type(), "Warning");
}

TEST(LunMigrationEvents, ACanceledVmIsToldAsNormal) {
  forklift::Migration m = TheRun();
  m.mutable_metadata()->set_uid("u1");
  forklift::VMStatus vm = Vm("PowerOff", kT1);
  vm.mutable_error()->set_phase("PowerOff");
  vm.mutable_error()->add_reasons("Canceled by Migration default/run-1");
  k8s::Condition* canceled = vm.add_conditions();  // as StartRollback writes it
  canceled->set_type("Canceled");
  canceled->set_status("True");
  canceled->set_reason("UserRequested");
  canceled->set_message("Canceled by Migration default/run-1");
  vm.set_phase("Canceled");
  vm.set_completed(kT2);
  *m.mutable_status()->add_vms() = vm;

  const std::vector<k8s::Event> events = MigrationEvents(m, "c", "i");
  ASSERT_THAT(events, SizeIs(5));
  EXPECT_EQ(events[3].reason(), "VMRollingBack");
  EXPECT_EQ(events[3].type(), "Normal");
  EXPECT_EQ(events[4].reason(), "VMCanceled");
  EXPECT_EQ(events[4].type(), "Normal");
  EXPECT_THAT(events[4].message(), HasSubstr("CANCELED (Canceled by Migration default/run-1)"));
}

TEST(LunMigrationEvents, AVmRefusedAtInitializeFailedWithNothingTouched) {
  forklift::Migration m = TheRun();
  m.mutable_metadata()->set_uid("u1");
  forklift::VMStatus vm;  // as plan_step.cc's Initialize records a Critical finding
  vm.set_id(kVmId);
  vm.set_name("web");
  vm.set_phase("Failed");
  vm.set_started(kT0);
  vm.set_completed(kT0);
  vm.mutable_error()->set_phase("Initialize");
  vm.mutable_error()->add_reasons("Critical lun.details_missing web/lun-9: no address");
  *m.mutable_status()->add_vms() = vm;

  const std::vector<k8s::Event> events = MigrationEvents(m, "c", "i");
  ASSERT_THAT(Reasons(events), ElementsAre("VMFailed"));
  EXPECT_THAT(events[0].message(),
              HasSubstr("FAILED in Initialize: Critical lun.details_missing web/lun-9"));
  EXPECT_THAT(events[0].message(), EndsWith("nothing was touched."));
}

// ---------------------------------------------------------------- names

TEST(LunMigrationEvents, ALongRunNameIsCutToAValidName) {
  forklift::Migration m = TheRun();
  m.mutable_metadata()->set_name(std::string(250, 'r'));
  m.mutable_metadata()->set_uid("0123456789ab");
  m.mutable_status()->set_started(kT0);
  forklift::VMStatus vm = Vm("PowerOff", kT1);
  vm.set_id("VM_Not.Found-" + std::string(80, 'x'));  // a VM the engine lacks: its name
  *m.mutable_status()->add_vms() = vm;
  const std::vector<k8s::Event> events = MigrationEvents(m, "c", "i");
  ASSERT_THAT(events, SizeIs(4));
  for (const k8s::Event& e : events) {
    EXPECT_LE(e.metadata().name().size(), 253u);
    EXPECT_THAT(api::IsDns1123Subdomain(e.metadata().name()), IsEmpty()) << e.metadata().name();
    EXPECT_EQ(e.involved_object().name(), std::string(250, 'r'));
  }
  EXPECT_THAT(events[0].metadata().name(), EndsWith(".01234567.executing"));
  EXPECT_THAT(events[3].metadata().name(), EndsWith(".poweroff-started"));
}

TEST(LunMigrationEvents, NamesAreTheSameForEveryProcess) {
  forklift::Migration m = TheRun();
  m.mutable_metadata()->set_uid("0123456789ab");
  m.mutable_status()->set_started(kT0);
  *m.mutable_status()->add_vms() = Vm("CopyDisks", kT1);
  const std::vector<k8s::Event> a = MigrationEvents(m, "ferry-lun-controller", "host-a");
  const std::vector<k8s::Event> b = MigrationEvents(m, "ferry-lun-controller", "host-b");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].metadata().name(), b[i].metadata().name());
    EXPECT_NE(a[i].reporting_instance(), b[i].reporting_instance());
  }
}

// ----------------------------------------------------------------- plan

TEST(LunPlanEvents, EachTrueConditionIsAnEventCriticalOnesAsWarnings) {
  forklift::Plan p = Plan();
  p.mutable_metadata()->set_uid("p1");
  auto* conditions = p.mutable_status()->mutable_conditions();
  AddCondition(conditions, "lun.details_missing", "Critical",
               "VM web disk lun-9: the engine is older than 4.5.2.1", kT0);
  AddCondition(conditions, "lun.shareable", "Warn", "VM web disk lun-9: shareable", kT0);
  AddCondition(conditions, "Ready", "Required", "not ready", kT0, "False");
  const std::vector<k8s::Event> events = PlanEvents(p, "c", "i");
  ASSERT_THAT(Reasons(events), ElementsAre("lun.details_missing", "lun.shareable"));
  EXPECT_EQ(events[0].type(), "Warning");
  EXPECT_EQ(events[0].message(), "VM web disk lun-9: the engine is older than 4.5.2.1");
  EXPECT_EQ(events[0].involved_object().kind(), "Plan");
  EXPECT_EQ(events[0].involved_object().uid(), "p1");
  EXPECT_EQ(events[1].type(), "Warning");
  EXPECT_THAT(api::IsDns1123Subdomain(events[0].metadata().name()), IsEmpty());
}

TEST(LunPlanEvents, AFindingRestampedUnchangedKeepsItsNameEachRunsOutcomeIsNew) {
  forklift::Plan p = Plan();
  p.mutable_metadata()->set_uid("p1");
  AddCondition(p.mutable_status()->mutable_conditions(), "lun.shareable", "Warn", "shareable",
               kT0);
  AddCondition(p.mutable_status()->mutable_conditions(), "Succeeded", "", "1 VM(s) migrated",
               kT1);
  const std::vector<k8s::Event> first = PlanEvents(p, "c", "i");
  forklift::Plan again = p;  // a spec change revalidated it; a second run ended
  again.mutable_status()->mutable_conditions(0)->set_last_transition_time(kT2);
  again.mutable_status()->mutable_conditions(1)->set_last_transition_time(kT3);
  const std::vector<k8s::Event> second = PlanEvents(again, "c", "i");
  ASSERT_THAT(first, SizeIs(2));
  ASSERT_THAT(second, SizeIs(2));
  EXPECT_EQ(first[0].metadata().name(), second[0].metadata().name());
  EXPECT_NE(first[1].metadata().name(), second[1].metadata().name());
  EXPECT_EQ(second[1].type(), "Normal");
}

// ------------------------------------------------------- on the runtime

class LunEventsReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto plan = api_.Create(Plan());
    ASSERT_TRUE(plan.ok()) << plan.status();
    run_ = *ports::As<forklift::Migration>(*api_.Create(TheRun()));
  }

  void Record(forklift::MigrationRunStatus status) {
    *run_.mutable_status() = std::move(status);
    run_ = *ports::As<forklift::Migration>(*api_.UpdateStatus(run_));
  }

  std::unique_ptr<runtime::Manager> Start(LunEventsReconciler& reconciler) {
    runtime::Manager::Options options;
    options.effect_done = [this](const runtime::Effect& e, const absl::Status& status) {
      const auto& write = std::get<runtime::KubeWrite>(e.call);
      if (status.ok()) created_.push_back(ports::As<k8s::Event>(write.object)->reason());
    };
    auto manager =
        std::make_unique<runtime::Manager>(reconciler, api_, executor_, scheduler_, options);
    manager->Start();
    return manager;
  }

  size_t EventsStored() { return api_.List("Event", "default", {})->items.size(); }
  void RunFor(absl::Duration d) { scheduler_.RunUntil(clock_.Now() + d); }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_{clock_};
  runtime::Executor executor_{{.kube = &api_}};
  runtime::TestScheduler scheduler_{clock_};
  forklift::Migration run_;
  std::vector<std::string> created_;  // reasons, in the order created
};

TEST_F(LunEventsReconcilerTest, AProgressingRunIsToldOnceEachAndInOrder) {
  LunEventsReconciler reconciler({.instance = "a"});
  auto manager = Start(reconciler);
  forklift::MigrationRunStatus status;
  status.set_started(kT0);
  *status.add_vms() = Vm("PowerOff", kT0);
  Record(status);
  RunFor(absl::Seconds(5));
  EXPECT_THAT(created_, ElementsAre("Executing", "InitializeStarted", "InitializeCompleted",
                                    "PowerOffStarted"));

  *status.mutable_vms(0) = Vm("DetachLuns", kT1);
  Record(status);
  RunFor(absl::Seconds(5));
  *status.mutable_vms(0) = Vm("CreateVm", kT2);
  StepOf(*status.mutable_vms(0), "CreateVm")->set_phase("Completed");
  StepOf(*status.mutable_vms(0), "CreateVm")->set_completed(kT3);
  status.mutable_vms(0)->set_phase("Completed");
  status.mutable_vms(0)->set_completed(kT3);
  AddCondition(status.mutable_conditions(), "Succeeded", "", "1 VM(s) migrated", kT3);
  Record(status);
  RunFor(absl::Seconds(5));
  EXPECT_THAT(created_,
              ElementsAre("Executing", "InitializeStarted", "InitializeCompleted",
                          "PowerOffStarted", "PowerOffCompleted", "DetachLunsStarted",
                          "DetachLunsCompleted", "CreateVolumesStarted",
                          "CreateVolumesCompleted", "WaitForBindingStarted",
                          "WaitForBindingCompleted", "CopyDisksStarted", "CopyDisksCompleted",
                          "CreateVmStarted", "CreateVmCompleted", "VMSucceeded", "Succeeded"));
  EXPECT_EQ(EventsStored(), created_.size());
  EXPECT_EQ(manager->stats().failed_effects, 0);
}

TEST_F(LunEventsReconcilerTest, ASecondReconcileOfTheSameStatusCreatesNothing) {
  forklift::MigrationRunStatus status;
  status.set_started(kT0);
  *status.add_vms() = Vm("PowerOff", kT0);
  Record(status);
  LunEventsReconciler reconciler({.instance = "a"});
  runtime::Cache cache(api_, reconciler.Kinds());
  ASSERT_TRUE(cache.Sync().ok());
  const runtime::Key key{"default", "run-1"};
  EXPECT_THAT(reconciler.Reconcile(key, cache, clock_.Now()).effects, SizeIs(4));
  EXPECT_THAT(reconciler.Reconcile(key, cache, clock_.Now()).effects, IsEmpty());
}

TEST_F(LunEventsReconcilerTest, AFailedCreateIsAskedForAgain) {
  forklift::MigrationRunStatus status;
  status.set_started(kT0);
  *status.add_vms() = Vm("PowerOff", kT0);
  Record(status);
  LunEventsReconciler reconciler({.instance = "a"});
  runtime::Cache cache(api_, reconciler.Kinds());
  ASSERT_TRUE(cache.Sync().ok());
  const runtime::Key key{"default", "run-1"};
  const runtime::Result first = reconciler.Reconcile(key, cache, clock_.Now());
  ASSERT_THAT(first.effects, SizeIs(4));
  reconciler.EffectFailed(key, first.effects[1], absl::UnavailableError("etcd"));
  EXPECT_EQ(reconciler.Reconcile(key, cache, clock_.Now()).effects, first.effects);
}

TEST_F(LunEventsReconcilerTest, AFailedCreateOnTheRuntimeEndsWithEachEventOnce) {
  int failures = 0;
  api_.SetFaultHook([&](const fakes::FakeKubeApi::Call& call) {
    if (call.verb == "create" && call.key.kind == "Event" && failures++ == 1) {
      return absl::UnavailableError("etcd is busy");
    }
    return absl::OkStatus();
  });
  forklift::MigrationRunStatus status;
  status.set_started(kT0);
  *status.add_vms() = Vm("PowerOff", kT0);
  Record(status);
  LunEventsReconciler reconciler({.instance = "a"});
  auto manager = Start(reconciler);
  RunFor(absl::Seconds(30));
  EXPECT_EQ(manager->stats().failed_effects, 1);
  EXPECT_EQ(EventsStored(), 4u);
}

TEST_F(LunEventsReconcilerTest, ARestartedProcessDerivesTheSameNamesAndMakesNothingTwice) {
  forklift::MigrationRunStatus status;
  status.set_started(kT0);
  *status.add_vms() = Vm("CopyDisks", kT1);
  Record(status);
  auto first = std::make_unique<LunEventsReconciler>(LunEventsReconciler::Options{.instance = "a"});
  auto manager = Start(*first);
  RunFor(absl::Seconds(5));
  const size_t told = EventsStored();
  EXPECT_EQ(told, created_.size());
  EXPECT_GT(told, 0u);

  scheduler_.Crash();
  manager.reset();
  first.reset();
  LunEventsReconciler second({.instance = "b"});
  manager = Start(second);
  RunFor(absl::Seconds(5));
  EXPECT_EQ(EventsStored(), told);
  EXPECT_EQ(manager->stats().failed_effects, 0);
}

TEST_F(LunEventsReconcilerTest, WhatHappenedBeforeNotBeforeIsNotTold) {
  forklift::MigrationRunStatus status;
  status.set_started(kT0);
  *status.add_vms() = Vm("DetachLuns", kT2);  // Initialize at kT0, PowerOff at kT2
  Record(status);
  LunEventsReconciler reconciler({.instance = "a", .not_before = api::ParseTimestamp(kT1)});
  auto manager = Start(reconciler);
  RunFor(absl::Seconds(5));
  EXPECT_THAT(created_, ElementsAre("PowerOffStarted", "PowerOffCompleted", "DetachLunsStarted"));
}

TEST_F(LunEventsReconcilerTest, APlanOfAnotherSourceIsNotTold) {
  forklift::MigrationRunStatus status;
  status.set_started(kT0);
  Record(status);
  LunEventsReconciler reconciler({.instance = "a", .source_provider = "default/other-engine"});
  auto manager = Start(reconciler);
  RunFor(absl::Seconds(5));
  EXPECT_THAT(created_, IsEmpty());
}

TEST_F(LunEventsReconcilerTest, APlanWithACriticalFindingIsToldAsAWarning) {
  forklift::Plan plan = *ports::As<forklift::Plan>(*api_.Get({"Plan", "default", "plan-1"}));
  AddCondition(plan.mutable_status()->mutable_conditions(), "vm.not_found", "Critical",
               "VM db: no VM with that id or name in the engine", kT0);
  ASSERT_TRUE(api_.UpdateStatus(plan).ok());
  LunEventsReconciler reconciler({.instance = "a", .source_provider = "default/ovirt"});
  auto manager = Start(reconciler);
  RunFor(absl::Seconds(5));
  ASSERT_THAT(created_, ElementsAre("vm.not_found"));
  const ports::ObjectList events = *api_.List("Event", "default", {});
  const auto event = ports::As<k8s::Event>(events.items[0]);
  EXPECT_EQ(event->type(), "Warning");
  EXPECT_EQ(event->involved_object().kind(), "Plan");
  EXPECT_EQ(event->involved_object().name(), "plan-1");
}

}  // namespace
}  // namespace ferry::lun_migration
