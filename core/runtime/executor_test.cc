// The executor carries out effects through the ports and owns their
// idempotence; the Kubernetes side runs against the fake API server, the
// hypervisor and engine calls against mocks that record what they got.
#include "core/runtime/executor.h"

#include <string>
#include <vector>

#include "api/core.pb.h"
#include "core/ports/clock.h"
#include "core/ports/test_objects.h"
#include "core/runtime/mock_ports_testing.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::runtime {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;
using ports::TestPvc;

constexpr char kPvc[] = "PersistentVolumeClaim";

::testing::Matcher<absl::string_view> Sv(const char* text) {
  return ::testing::Eq(absl::string_view(text));
}

class ExecutorTest : public ::testing::Test {
 protected:
  k8s::PersistentVolumeClaim Stored(const std::string& name) {
    return *ports::As<k8s::PersistentVolumeClaim>(*api_.Get({kPvc, "ns", name}));
  }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_{clock_};
  MockHypervisor hypervisor_;
  MockOvirt engine_;
  Executor executor_{{.kube = &api_, .hypervisor = &hypervisor_, .ovirt = &engine_}};
};

TEST_F(ExecutorTest, DeletingWhatIsAlreadyGoneIsDone) {
  EXPECT_TRUE(executor_.Apply(Effect::Delete({kPvc, "ns", "gone"}, "reclaim")).ok());
}

TEST_F(ExecutorTest, ACreateFindingItsObjectIsDoneOnlyWhenMarkedSo) {
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  Effect create = Effect::Create(TestPvc("a"), "make the claim");
  EXPECT_EQ(executor_.Apply(create).code(), absl::StatusCode::kAlreadyExists);
  std::get<KubeWrite>(create.call).exists_ok = true;
  EXPECT_TRUE(executor_.Apply(create).ok());
}

TEST_F(ExecutorTest, AWriteRejectedByTheServerReturnsItsStatusUnchanged) {
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  k8s::PersistentVolumeClaim stale = Stored("a");
  stale.mutable_metadata()->set_resource_version("0");
  stale.mutable_spec()->set_volume_name("pv-1");
  EXPECT_EQ(executor_.Apply(Effect::Update(stale, "bind")).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Stored("a").spec().volume_name(), "");
}

TEST_F(ExecutorTest, ASecondWriteOfOneObjectInABatchCarriesTheVersionTheFirstReturned) {
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  const k8s::PersistentVolumeClaim read = Stored("a");
  k8s::PersistentVolumeClaim labelled = read;
  (*labelled.mutable_metadata()->mutable_labels())["step"] = "1";
  k8s::PersistentVolumeClaim annotated = read;  // decided from the same read
  (*annotated.mutable_metadata()->mutable_annotations())["step"] = "2";
  executor_.BeginBatch();
  ASSERT_TRUE(executor_.Apply(Effect::Update(labelled, "label")).ok());
  ASSERT_TRUE(executor_.Apply(Effect::Update(annotated, "annotate")).ok());
  EXPECT_EQ(Stored("a").metadata().annotations().at("step"), "2");

  // Another batch carries what its reconciler read: stale, so refused.
  executor_.BeginBatch();
  EXPECT_EQ(executor_.Apply(Effect::Update(annotated, "again")).code(),
            absl::StatusCode::kAborted);
}

TEST_F(ExecutorTest, AFenceFromACurrentReadLetsTheEffectThrough) {
  ASSERT_TRUE(api_.Create(TestPvc("plan")).ok());
  const ports::ObjectPtr read = *api_.Get({kPvc, "ns", "plan"});
  EXPECT_CALL(engine_, DetachDisk(Sv("vm-1"), Sv("att-1"))).WillOnce(Return(absl::OkStatus()));
  const Effect detach =
      Effect::Ovirt({.op = OvirtCall::Op::kDetachDisk, .vm_id = "vm-1", .attachment_id = "att-1"},
                    "detach LUN")
          .FencedBy({read});
  EXPECT_TRUE(executor_.Apply(detach).ok());
  EXPECT_EQ(Stored("plan").metadata().resource_version(),
            ports::MetadataOf(*read).resource_version())
      << "the write-back is a no-op";
}

TEST_F(ExecutorTest, AFenceFromAStaleReadStopsTheEffect) {
  ASSERT_TRUE(api_.Create(TestPvc("plan")).ok());
  const ports::ObjectPtr read = *api_.Get({kPvc, "ns", "plan"});
  k8s::PersistentVolumeClaim changed = Stored("plan");
  changed.mutable_spec()->set_volume_name("pv-9");
  ASSERT_TRUE(api_.Update(changed).ok());
  EXPECT_CALL(engine_, DetachDisk(_, _)).Times(0);
  const absl::Status status = executor_.Apply(
      Effect::Ovirt({.op = OvirtCall::Op::kDetachDisk, .vm_id = "vm-1", .attachment_id = "att-1"},
                    "detach LUN")
          .FencedBy({read}));
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("not taken, ns/plan changed since it was read at 1: detach attachment "
                        "att-1 from oVirt VM vm-1"));
  EXPECT_TRUE(FencedOut(status)) << "the call was not made";
  // The call's own failure is not a fence's.
  EXPECT_CALL(engine_, DetachDisk(_, _)).WillOnce(Return(absl::AbortedError("engine busy")));
  const absl::Status refused = executor_.Apply(Effect::Ovirt(
      {.op = OvirtCall::Op::kDetachDisk, .vm_id = "vm-1", .attachment_id = "att-1"}, "detach"));
  EXPECT_EQ(refused.code(), absl::StatusCode::kAborted);
  EXPECT_FALSE(FencedOut(refused));
}

TEST_F(ExecutorTest, AFenceOnAnObjectWrittenEarlierInTheBatchChecksThatWrite) {
  ASSERT_TRUE(api_.Create(TestPvc("plan")).ok());
  const ports::ObjectPtr read = *api_.Get({kPvc, "ns", "plan"});
  k8s::PersistentVolumeClaim recorded = *ports::As<k8s::PersistentVolumeClaim>(read);
  (*recorded.mutable_metadata()->mutable_annotations())["step"] = "detaching";
  EXPECT_CALL(engine_, DetachDisk(Sv("vm-1"), Sv("att-1"))).WillOnce(Return(absl::OkStatus()));
  executor_.BeginBatch();
  ASSERT_TRUE(executor_.Apply(Effect::Update(recorded, "record the step")).ok());
  EXPECT_TRUE(executor_
                  .Apply(Effect::Ovirt({.op = OvirtCall::Op::kDetachDisk, .vm_id = "vm-1",
                                        .attachment_id = "att-1"},
                                       "detach LUN")
                             .FencedBy({read}))
                  .ok());
}

TEST_F(ExecutorTest, HypervisorCallsReachTheHypervisorAsAsked) {
  ports::MigrationRequest request;
  request.domain = "ns_vm";
  request.destination_uri = "qemu+tcp://node-b/system";
  request.disks.push_back({.target_dev = "vda", .destination = {.volume = "pv-dst"}});
  EXPECT_CALL(hypervisor_, StartMigration(::testing::Field(
                               &ports::MigrationRequest::destination_uri, "qemu+tcp://node-b/system")))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(hypervisor_, AbortJob(Sv("ns_vm"))).WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(hypervisor_, Destroy(Sv("ns_vm"))).WillOnce(Return(absl::NotFoundError("no domain")));
  EXPECT_CALL(hypervisor_, Resume(Sv("ns_vm"))).WillOnce(Return(absl::OkStatus()));
  using Op = HypervisorCall::Op;
  EXPECT_TRUE(executor_.Apply(Effect::Hypervisor({.op = Op::kStartMigration, .domain = "",
                                                  .request = request}, "copy")).ok());
  EXPECT_TRUE(executor_.Apply(Effect::Hypervisor({.op = Op::kAbortJob, .domain = "ns_vm"}, "")).ok());
  EXPECT_EQ(executor_.Apply(Effect::Hypervisor({.op = Op::kDestroy, .domain = "ns_vm"}, "")).code(),
            absl::StatusCode::kNotFound)
      << "a hypervisor call's status is the reconciler's to judge";
  EXPECT_TRUE(executor_.Apply(Effect::Hypervisor({.op = Op::kResume, .domain = "ns_vm"}, "")).ok());
}

TEST_F(ExecutorTest, AnEffectForAPortTheProcessLacksIsRefusedNamingIt) {
  Executor kube_only({.kube = &api_});
  const absl::Status status = kube_only.Apply(
      Effect::Ovirt({.op = OvirtCall::Op::kStop, .vm_id = "vm-1"}, "power off the source"));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "no oVirt engine port for: stop oVirt VM vm-1 (power off the source)");
}

TEST(Effect, DescribeNamesTheCallTheTargetAndWhyButNeverTheContent) {
  k8s::PersistentVolumeClaim pvc = TestPvc("a");
  (*pvc.mutable_metadata()->mutable_annotations())["secret"] = "hunter2";
  EXPECT_EQ(Describe(Effect::UpdateStatus(pvc, "record")),
            "update_status PersistentVolumeClaim ns/a (record)");
  EXPECT_EQ(Describe(Effect::Delete({kPvc, "ns", "a"}, "")), "delete PersistentVolumeClaim ns/a");
  EXPECT_THAT(Describe(Effect::Create(pvc, "x")), ::testing::Not(HasSubstr("hunter2")));
}

TEST(Effect, EffectsAreEqualWhenTheyWouldDoTheSameThing) {
  k8s::PersistentVolumeClaim a = TestPvc("a");
  EXPECT_EQ(Effect::Create(a, "x"), Effect::Create(TestPvc("a"), "x"));
  EXPECT_FALSE(Effect::Create(a, "x") == Effect::Update(a, "x"));
  EXPECT_FALSE(Effect::Create(a, "x") == Effect::Create(TestPvc("b"), "x"));
  EXPECT_FALSE(Effect::Create(a, "x") == Effect::Create(a, "y"));
  using Op = OvirtCall::Op;
  EXPECT_EQ(Effect::Ovirt({.op = Op::kStart, .vm_id = "v"}, ""),
            Effect::Ovirt({.op = Op::kStart, .vm_id = "v"}, ""));
  EXPECT_FALSE(Effect::Ovirt({.op = Op::kStart, .vm_id = "v"}, "") ==
               Effect::Ovirt({.op = Op::kStop, .vm_id = "v"}, ""));
}

TEST_F(ExecutorTest, ADomainReadGivesInfoAndJobAndAnAbsentDomainIsAResult) {
  ports::DomainInfo info;
  info.name = "ns_vm";
  info.state = ports::DomainState::kRunning;
  ports::JobStats job;
  job.active = true;
  job.disk_processed = 7;
  EXPECT_CALL(hypervisor_, LookupDomain(Sv("ns_vm"))).WillOnce(Return(info));
  EXPECT_CALL(hypervisor_, GetJobStats(Sv("ns_vm"))).WillOnce(Return(job));
  Observation seen = executor_.Read(DomainRead{"ns_vm"});
  ASSERT_TRUE(seen.status.ok());
  ASSERT_NE(seen.As<DomainSeen>(), nullptr);
  EXPECT_TRUE(seen.As<DomainSeen>()->present);
  EXPECT_EQ(seen.As<DomainSeen>()->job.disk_processed, 7);

  EXPECT_CALL(hypervisor_, LookupDomain(Sv("gone")))
      .WillOnce(Return(absl::NotFoundError("no domain gone")));
  seen = executor_.Read(DomainRead{"gone"});
  ASSERT_TRUE(seen.status.ok());
  EXPECT_FALSE(seen.As<DomainSeen>()->present);

  EXPECT_CALL(hypervisor_, LookupDomain(Sv("x")))
      .WillOnce(Return(absl::UnavailableError("libvirtd restarting")));
  seen = executor_.Read(DomainRead{"x"});
  EXPECT_EQ(seen.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(seen.As<DomainSeen>(), nullptr);
}

TEST_F(ExecutorTest, EngineReadsCarryTheEnginesAnswerOrItsError) {
  ovirt::Vm vm;
  vm.set_id("vm-1");
  vm.set_status("up");
  EXPECT_CALL(engine_, GetVm(Sv("vm-1"))).WillOnce(Return(vm));
  EXPECT_EQ(executor_.Read(OvirtVmRead{"vm-1"}).As<ovirt::Vm>()->status(), "up");
  EXPECT_CALL(engine_, GetDisk(Sv("d1")))
      .WillOnce(Return(absl::NotFoundError("Entity not found: d1")));
  EXPECT_EQ(executor_.Read(OvirtDiskRead{"d1"}).status.code(), absl::StatusCode::kNotFound);
  ovirt::Version version;
  version.set_major("4");
  EXPECT_CALL(engine_, EngineVersion()).WillOnce(Return(version));
  EXPECT_CALL(engine_, ListVms()).WillOnce(Return(std::vector<ovirt::Vm>{vm}));
  Observation inventory = executor_.Read(OvirtInventoryRead{});
  ASSERT_NE(inventory.As<OvirtInventory>(), nullptr);
  EXPECT_EQ(inventory.As<OvirtInventory>()->version.major(), "4");
  EXPECT_EQ(inventory.As<OvirtInventory>()->vms.size(), 1u);
}

TEST_F(ExecutorTest, AnObjectReadGivesTheObjectAndAnAbsentOneIsAResult) {
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  Observation seen = executor_.Read(ObjectRead{{kPvc, "ns", "a"}});
  ASSERT_TRUE(seen.status.ok());
  ASSERT_NE(seen.As<ports::ObjectPtr>(), nullptr);
  ASSERT_NE(*seen.As<ports::ObjectPtr>(), nullptr);
  EXPECT_EQ(ports::MetadataOf(**seen.As<ports::ObjectPtr>()).name(), "a");
  seen = executor_.Read(ObjectRead{{kPvc, "ns", "gone"}});
  ASSERT_TRUE(seen.status.ok());
  ASSERT_NE(seen.As<ports::ObjectPtr>(), nullptr);
  EXPECT_EQ(*seen.As<ports::ObjectPtr>(), nullptr);
  // The same object read twice is the same result; a write changes it.
  const Observation once = executor_.Read(ObjectRead{{kPvc, "ns", "a"}});
  EXPECT_TRUE(SameResult(once, executor_.Read(ObjectRead{{kPvc, "ns", "a"}})));
  k8s::PersistentVolumeClaim pvc = Stored("a");
  (*pvc.mutable_metadata()->mutable_labels())["x"] = "1";
  ASSERT_TRUE(api_.Update(pvc).ok());
  EXPECT_FALSE(SameResult(once, executor_.Read(ObjectRead{{kPvc, "ns", "a"}})));
}

TEST(Executor, AReadWithoutItsPortIsAFailedPreconditionNamingIt) {
  Executor executor({});
  Observation seen = executor.Read(DomainRead{"ns_vm"});
  EXPECT_EQ(seen.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(seen.status.message()), HasSubstr("no hypervisor port for: domain ns_vm"));
  EXPECT_EQ(executor.Read(OvirtVmRead{"v"}).status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(executor.Read(ObjectRead{{"Node", "", "n"}}).status.code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ferry::runtime
