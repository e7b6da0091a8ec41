// The agent as a keyed reconciler: it wakes only for migrations on its node,
// asks the runtime to observe their domain, and then decides what PlanAgent
// decides from the same view and the same domain.
#include "core/storage_migration/agent_reconciler.h"

#include <string>
#include <vector>

#include "api/kubevirt.pb.h"
#include "core/ports/clock.h"
#include "core/storage_migration/controller.h"
#include "core/storage_migration/controller_reconciler.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::storage_migration {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using runtime::Key;
using VMIM = kubevirt::VirtualMachineInstanceMigration;

VMIM Migration(const std::string& name, const std::string& source, bool held = true) {
  VMIM m;
  m.mutable_metadata()->set_namespace_("ns");
  m.mutable_metadata()->set_name(name);
  if (held) m.mutable_metadata()->add_finalizers(kFinalizer);
  m.mutable_spec()->set_vmi_name(name + "-vm");
  m.mutable_status()->set_phase("Running");
  m.mutable_status()->mutable_migration_state()->set_source_node(source);
  m.mutable_status()->mutable_migration_state()->set_target_node("node-b");
  return m;
}

class AgentReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (VMIM m : {Migration("here", "node-a"), Migration("elsewhere", "node-c"),
                   Migration("done", "node-a", /*held=*/false)}) {
      // A create keeps no status (the status subresource): written after.
      auto created = api_.Create(m);
      ASSERT_TRUE(created.ok());
      m.mutable_metadata()->set_resource_version(
          ports::MetadataOf(**created).resource_version());
      ASSERT_TRUE(api_.UpdateStatus(m).ok());
    }
    reconciler_.AddIndexes(cache_);
    ASSERT_TRUE(cache_.Sync().ok());
  }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_{clock_};
  AgentReconciler reconciler_{"node-a"};
  runtime::Cache cache_{api_, reconciler_.Kinds()};
};

TEST_F(AgentReconcilerTest, OnlyMigrationsOnItsNodeStillHeldWakeIt) {
  std::vector<Key> keys;
  reconciler_.Wake({"VirtualMachineInstance", {"ns", "here-vm"}, nullptr, nullptr}, cache_,
                   keys);
  EXPECT_THAT(keys, ElementsAre(Key{"ns", "here"}));
  keys.clear();
  reconciler_.Wake({"VirtualMachineInstance", {"ns", "elsewhere-vm"}, nullptr, nullptr}, cache_,
                   keys);
  EXPECT_THAT(keys, IsEmpty());
  keys.clear();
  auto elsewhere = cache_.Get("VirtualMachineInstanceMigration", {"ns", "elsewhere"});
  reconciler_.Wake({"VirtualMachineInstanceMigration", {"ns", "elsewhere"}, nullptr, elsewhere},
                   cache_, keys);
  EXPECT_THAT(keys, IsEmpty());
  // A migration that stops concerning it (its finalizer dropped) wakes it
  // once more, so its domain is no longer observed.
  auto here = cache_.Get("VirtualMachineInstanceMigration", {"ns", "here"});
  auto done = cache_.Get("VirtualMachineInstanceMigration", {"ns", "done"});
  reconciler_.Wake({"VirtualMachineInstanceMigration", {"ns", "here"}, here, done}, cache_, keys);
  EXPECT_THAT(keys, ElementsAre(Key{"ns", "here"}));
}

TEST_F(AgentReconcilerTest, AMigrationNotItsOwnCostsNoRead) {
  for (const char* name : {"elsewhere", "done", "absent"}) {
    runtime::Result r = reconciler_.Reconcile({"ns", name}, cache_, clock_.Now());
    EXPECT_THAT(r.effects, IsEmpty()) << name;
    EXPECT_THAT(r.observe, IsEmpty()) << name;
    EXPECT_EQ(r.requeue_after, absl::ZeroDuration()) << name;
  }
}

TEST_F(AgentReconcilerTest, AsksForItsDomainAndDecidesOnlyOnceItIsObserved) {
  const Key key{"ns", "here"};
  runtime::Result first = reconciler_.Reconcile(key, cache_, clock_.Now());
  EXPECT_THAT(first.effects, IsEmpty());
  ASSERT_EQ(first.observe.size(), 1u);
  EXPECT_EQ(runtime::Describe(first.observe[0]), "domain ns_here-vm");

  runtime::DomainSeen domain;
  domain.present = true;
  domain.info.state = ports::DomainState::kRunning;
  runtime::Observation seen;
  seen.value = domain;
  cache_.observer().Want(key, first.observe, clock_.Now());
  cache_.observer().Record(first.observe[0], seen, clock_.Now());
  // No report yet, so one is owed: it must rest on a read made after the
  // asking, and this one is not known to be.
  runtime::Result refresh = reconciler_.Reconcile(key, cache_, clock_.Now());
  EXPECT_THAT(refresh.effects, IsEmpty());
  EXPECT_EQ(refresh.refresh, "report after 0");
  cache_.observer().Invalidate(key, clock_.Now(), refresh.refresh);
  cache_.observer().Record(first.observe[0], seen, clock_.Now());
  runtime::Result second = reconciler_.Reconcile(key, cache_, clock_.Now());
  EXPECT_TRUE(second.refresh.empty());

  const ClusterView view = ViewOf(cache_);
  AgentView v;
  v.node = "node-a";
  v.now = clock_.Now();
  for (const auto& m : view.migrations) {
    if (m->metadata().name() == "here") v.migration = m.get();
  }
  ASSERT_NE(v.migration, nullptr);
  v.cluster = &view;
  v.domain.present = true;
  v.domain.info = domain.info;
  std::vector<std::string> planned, reconciled;
  for (const AgentAction& a : PlanAgent(v)) planned.push_back(runtime::Describe(ToEffect(a)));
  for (const runtime::Effect& e : second.effects) reconciled.push_back(runtime::Describe(e));
  EXPECT_FALSE(planned.empty());
  EXPECT_EQ(reconciled, planned);
  EXPECT_EQ(second.requeue_after, absl::Seconds(1));
}

TEST_F(AgentReconcilerTest, ANewReportRestsOnAReadAfterTheNewestReport) {
  // Its own report (sequence 1) says Running; the target then reported
  // (sequence 2). A read showing something new must be made after that
  // report to be ordered after it: one from before would claim a later
  // sequence for an earlier observation.
  const Key key{"ns", "here"};
  auto stored = cache_.GetAs<VMIM>("VirtualMachineInstanceMigration", key);
  ASSERT_NE(stored, nullptr);
  VMIM m = *stored;
  auto* source = m.mutable_status()->add_domain_reports();
  source->set_role("Source");
  source->set_node("node-a");
  source->set_domain("Running");
  source->set_job("None");
  source->set_sequence(1);
  auto* target = m.mutable_status()->add_domain_reports();
  target->set_role("Target");
  target->set_node("node-b");
  target->set_domain("PausedCopyComplete");
  target->set_sequence(2);
  ASSERT_TRUE(api_.UpdateStatus(m).ok());
  ASSERT_TRUE(cache_.Sync().ok());

  runtime::Result first = reconciler_.Reconcile(key, cache_, clock_.Now());
  runtime::DomainSeen gone;  // the domain left by the handover: a new observation
  runtime::Observation seen;
  seen.value = gone;
  cache_.observer().Want(key, first.observe, clock_.Now());
  cache_.observer().Record(first.observe[0], seen, clock_.Now());
  runtime::Result stale = reconciler_.Reconcile(key, cache_, clock_.Now());
  EXPECT_THAT(stale.effects, IsEmpty());
  EXPECT_EQ(stale.refresh, "report after 2");
  cache_.observer().Invalidate(key, clock_.Now(), stale.refresh);
  cache_.observer().Record(first.observe[0], seen, clock_.Now());
  runtime::Result fresh = reconciler_.Reconcile(key, cache_, clock_.Now());
  EXPECT_TRUE(fresh.refresh.empty());
  ASSERT_FALSE(fresh.effects.empty());
  EXPECT_THAT(runtime::Describe(fresh.effects[0]), ::testing::HasSubstr("Source report: domain Absent"));
}

TEST(AgentReconciler, HoldsOnlyThePodsOnItsNodeAndNoNodes) {
  AgentReconciler agent("node-a");
  EXPECT_THAT(agent.Kinds(), ::testing::Not(::testing::Contains("Node")));
  EXPECT_EQ(agent.SelectorFor("Pod").ToString(), "fields: spec.nodeName=node-a");
  EXPECT_TRUE(agent.SelectorFor("PersistentVolumeClaim").everything());
}

// After the handover the target resumes when the source's node is gone; it
// reads that node only then, and decides only once it has read it.
TEST(AgentReconciler, ATargetAfterTheHandoverReadsTheSourcesNodeBeforeItDecides) {
  ports::ManualClock clock;
  fakes::FakeKubeApi api{clock};
  AgentReconciler target("node-b");
  runtime::Cache cache{api, target.Kinds()};
  target.AddIndexes(cache);
  VMIM m = Migration("vm", "node-a");
  EXPECT_FALSE(target.SourceNodeRead(m).has_value()) << "before the handover";
  m.mutable_status()->mutable_switchover()->set_side("Destination");
  m.mutable_status()->mutable_switchover()->set_specs_switched(true);
  kubevirt::DomainReport* report = m.mutable_status()->add_domain_reports();
  report->set_role("Target");
  report->set_node("node-b");
  report->set_domain("PausedCopyComplete");
  report->set_sequence(1);
  ASSERT_TRUE(target.SourceNodeRead(m).has_value());
  EXPECT_FALSE(AgentReconciler("node-a").SourceNodeRead(m).has_value()) << "the source";
  auto created = api.Create(m);
  ASSERT_TRUE(created.ok());
  m.mutable_metadata()->set_resource_version(ports::MetadataOf(**created).resource_version());
  ASSERT_TRUE(api.UpdateStatus(m).ok());
  ASSERT_TRUE(cache.Sync().ok());

  const Key key{"ns", "vm"};
  runtime::DomainSeen paused;
  paused.present = true;
  paused.info.state = ports::DomainState::kPaused;
  runtime::Observation domain;
  domain.value = paused;
  const runtime::DomainRead domain_read{"ns_vm-vm"};
  cache.observer().Want(key, {domain_read}, clock.Now());
  cache.observer().Record(domain_read, domain, clock.Now());
  runtime::Result first = target.Reconcile(key, cache, clock.Now());
  ASSERT_EQ(first.observe.size(), 2u);
  EXPECT_EQ(runtime::Describe(first.observe[1]), "object Node node-a");
  EXPECT_THAT(first.effects, IsEmpty()) << "the node is not read yet";

  k8s::Node node;
  node.mutable_metadata()->set_name("node-a");
  node.mutable_metadata()->set_resource_version("7");
  auto* ready = node.mutable_status()->add_conditions();
  ready->set_type("Ready");
  ready->set_status("False");
  runtime::Observation seen;
  seen.value = ports::ObjectPtr(std::make_shared<k8s::Node>(node));
  cache.observer().Want(key, first.observe, clock.Now());
  cache.observer().Record(first.observe[1], seen, clock.Now());
  runtime::Result second = target.Reconcile(key, cache, clock.Now());
  ASSERT_EQ(second.effects.size(), 1u);
  EXPECT_THAT(runtime::Describe(second.effects[0]), ::testing::HasSubstr("resume"));

  // A ready source node: the target waits for the source's own end.
  ready->set_status("True");
  node.mutable_metadata()->set_resource_version("8");
  seen.value = ports::ObjectPtr(std::make_shared<k8s::Node>(node));
  cache.observer().Record(first.observe[1], seen, clock.Now());
  EXPECT_THAT(target.Reconcile(key, cache, clock.Now()).effects, IsEmpty());
}

}  // namespace
}  // namespace ferry::storage_migration
