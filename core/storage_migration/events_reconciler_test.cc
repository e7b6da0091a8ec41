// Events tell a migration's story once each, across repeats and restarts.
#include "core/storage_migration/events_reconciler.h"

#include <memory>

#include "api/kubevirt.pb.h"
#include "core/ports/clock.h"
#include "core/runtime/executor.h"
#include "core/runtime/manager.h"
#include "core/runtime/test_scheduler_testing.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::storage_migration {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

kubevirt::VirtualMachineInstanceMigration Migration() {
  kubevirt::VirtualMachineInstanceMigration m;
  m.set_api_version("kubevirt.io/v1");
  m.set_kind("VirtualMachineInstanceMigration");
  m.mutable_metadata()->set_name("m1");
  m.mutable_metadata()->set_namespace_("default");
  m.mutable_spec()->set_vmi_name("vm-1");
  return m;
}

void AddPhase(kubevirt::VirtualMachineInstanceMigration& m, const std::string& phase) {
  m.mutable_status()->set_phase(phase);
  auto* t = m.mutable_status()->add_phase_transition_timestamps();
  t->set_phase(phase);
  t->set_phase_transition_timestamp("2023-08-17T08:00:00Z");
}

TEST(MigrationEventsTest, EachPhaseReachedIsAnEventInKubevirtsReasons) {
  auto m = Migration();
  m.mutable_metadata()->set_uid("0123456789ab");
  AddPhase(m, "Scheduling");
  AddPhase(m, "Running");
  AddPhase(m, "Failed");
  m.mutable_status()->mutable_migration_state()->set_target_node("node-b");
  auto* failed = m.mutable_status()->add_conditions();
  failed->set_type("Failed");
  failed->set_status("True");
  failed->set_reason("CopyFailed");
  failed->set_message("the destination is full");
  const std::vector<k8s::Event> events = MigrationEvents(m, "ferry-controller", "host-1");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].metadata().name(), "m1.01234567.scheduling");
  EXPECT_EQ(events[0].reason(), "MigrationScheduling");
  EXPECT_EQ(events[1].message(), "VMI default/vm-1: Running (target node node-b)");
  EXPECT_EQ(events[2].type(), "Warning");
  EXPECT_EQ(events[2].reason(), "FailedMigration");
  EXPECT_THAT(events[2].message(), HasSubstr("CopyFailed: the destination is full"));
  EXPECT_EQ(events[2].involved_object().kind(), "VirtualMachineInstanceMigration");
  EXPECT_EQ(events[2].source().component(), "ferry-controller");
  EXPECT_EQ(events[2].reporting_instance(), "host-1");
}

TEST(MigrationEventsTest, ARefusalIsAWarningNamingWhy) {
  auto m = Migration();
  m.mutable_metadata()->set_uid("u");
  auto* c = m.mutable_status()->add_conditions();
  c->set_type("Admitted");
  c->set_status("False");
  c->set_reason("Rejected");
  c->set_message("destination pvc-dest is smaller than alpine-dv");
  const std::vector<k8s::Event> events = MigrationEvents(m, "ferry-controller", "h");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason(), "MigrationRejected");
  EXPECT_EQ(events[0].type(), "Warning");
  EXPECT_EQ(events[0].metadata().name(), "m1.u.admission-rejected");
}

TEST(MigrationEventsTest, ACopyStartedAgainWithSynchronousWritesIsAWarning) {
  auto m = Migration();
  m.mutable_metadata()->set_uid("u");
  auto* c = m.mutable_status()->add_conditions();
  c->set_type("SynchronousWrites");
  c->set_status("True");
  c->set_reason("CopyNotConverging");
  c->set_message("the copy came no closer to in sync for 2m30s");
  c->set_last_transition_time("2023-08-17T08:03:00Z");
  const std::vector<k8s::Event> events = MigrationEvents(m, "ferry-controller", "h");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), "Warning");
  EXPECT_EQ(events[0].reason(), "CopyRestartedWithSynchronousWrites");
  EXPECT_EQ(events[0].message(),
            "VMI default/vm-1: the copy came no closer to in sync for 2m30s");
  EXPECT_EQ(events[0].metadata().name(), "m1.u.synchronous-writes");
  c->set_status("False");
  EXPECT_TRUE(MigrationEvents(m, "ferry-controller", "h").empty());
}

TEST(MigrationEventsTest, ALongMigrationNameIsCutToAValidName) {
  auto m = Migration();
  m.mutable_metadata()->set_name(std::string(250, 'm'));
  m.mutable_metadata()->set_uid("0123456789ab");
  AddPhase(m, "PreparingTarget");
  const std::vector<k8s::Event> events = MigrationEvents(m, "c", "i");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_LE(events[0].metadata().name().size(), 253u);
  EXPECT_THAT(events[0].metadata().name(), ::testing::EndsWith(".01234567.preparingtarget"));
}

class EventsReconcilerTest : public ::testing::Test {
 protected:
  std::vector<std::string> EventReasons() {
    std::vector<std::string> reasons;
    const ports::ObjectList events = *api_.List("Event", "default", {});
    for (const ports::ObjectPtr& o : events.items) {
      reasons.push_back(ports::As<k8s::Event>(o)->reason());
    }
    return reasons;
  }
  void Run(absl::Duration d) { scheduler_.RunUntil(clock_.Now() + d); }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_{clock_};
  runtime::Executor executor_{{.kube = &api_}};
  runtime::TestScheduler scheduler_{clock_};
};

TEST_F(EventsReconcilerTest, RepeatsAndRestartsNeverDuplicateAnEvent) {
  auto m = Migration();
  auto created = ports::As<kubevirt::VirtualMachineInstanceMigration>(*api_.Create(m));
  m = *created;
  AddPhase(m, "Scheduling");
  m = *ports::As<kubevirt::VirtualMachineInstanceMigration>(*api_.UpdateStatus(m));
  auto reconciler = std::make_unique<MigrationEventsReconciler>(
      MigrationEventsReconciler::Options{.instance = "a"});
  auto manager = std::make_unique<runtime::Manager>(*reconciler, api_, executor_, scheduler_,
                                                    runtime::Manager::Options{});
  manager->Start();
  Run(absl::Seconds(5));
  EXPECT_THAT(EventReasons(), ElementsAre("MigrationScheduling"));
  AddPhase(m, "Succeeded");
  m = *ports::As<kubevirt::VirtualMachineInstanceMigration>(*api_.UpdateStatus(m));
  Run(absl::Seconds(5));
  EXPECT_THAT(EventReasons(), ElementsAre("MigrationScheduling", "SuccessfulMigration"));

  // A restarted process reads the same story and makes nothing twice.
  scheduler_.Crash();
  manager.reset();
  reconciler = std::make_unique<MigrationEventsReconciler>(
      MigrationEventsReconciler::Options{.instance = "b"});
  manager = std::make_unique<runtime::Manager>(*reconciler, api_, executor_, scheduler_,
                                               runtime::Manager::Options{});
  manager->Start();
  Run(absl::Seconds(5));
  EXPECT_EQ(EventReasons().size(), 2u);
  EXPECT_EQ(manager->stats().failed_effects, 0);
}

TEST_F(EventsReconcilerTest, WhatHappenedBeforeNotBeforeIsNotTold) {
  auto m = Migration();
  m = *ports::As<kubevirt::VirtualMachineInstanceMigration>(*api_.Create(m));
  AddPhase(m, "Scheduling");  // 2023-08-17T08:00:00Z
  m = *ports::As<kubevirt::VirtualMachineInstanceMigration>(*api_.UpdateStatus(m));
  MigrationEventsReconciler reconciler({.instance = "a",
                                        .not_before = absl::FromUnixSeconds(1692259200 + 86400)});
  runtime::Manager manager(reconciler, api_, executor_, scheduler_, {});
  manager.Start();
  Run(absl::Seconds(5));
  EXPECT_TRUE(EventReasons().empty());
}

}  // namespace
}  // namespace ferry::storage_migration
