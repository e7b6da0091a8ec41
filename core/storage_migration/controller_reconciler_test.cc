// The controller as a keyed reconciler decides what a pass decides, from
// the cache instead of lists; which changes wake which migrations; when a
// migration is looked at again without a change.
#include "core/storage_migration/controller_reconciler.h"

#include <string>
#include <vector>

#include "api/core.pb.h"
#include "api/kubevirt.pb.h"
#include "core/ports/clock.h"
#include "core/ports/test_objects.h"
#include "core/storage_migration/view_loader_testing.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::storage_migration {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using runtime::Key;
using VMIM = kubevirt::VirtualMachineInstanceMigration;

VMIM Migration(const std::string& ns, const std::string& name) {
  VMIM m;
  m.mutable_metadata()->set_namespace_(ns);
  m.mutable_metadata()->set_name(name);
  m.mutable_spec()->set_vmi_name("vm");
  auto* pair = m.mutable_spec()->mutable_local_storage_migration()->add_migrate_non_shared_disks();
  pair->set_source_pvc("src");
  pair->set_destination_pvc("dst");
  return m;
}

class ControllerReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.Create(Migration("ns", "m1")).ok());
    ASSERT_TRUE(api_.Create(Migration("ns", "m2")).ok());
    VMIM m3 = Migration("other", "m3");
    m3.mutable_spec()->set_vmi_name("vm3");
    auto created = api_.Create(m3);
    ASSERT_TRUE(created.ok());
    // A create keeps no status: m3 runs from node-a, written after.
    m3.mutable_metadata()->set_resource_version(ports::MetadataOf(**created).resource_version());
    m3.mutable_status()->mutable_migration_state()->set_source_node("node-a");
    ASSERT_TRUE(api_.UpdateStatus(m3).ok());
    reconciler_.AddIndexes(cache_);
    ASSERT_TRUE(cache_.Sync().ok());
  }
  std::vector<Key> Woken(const std::string& kind, const Key& key,
                         ports::ObjectPtr now = nullptr) {
    std::vector<Key> keys;
    reconciler_.Wake(runtime::Change{kind, key, nullptr, std::move(now)}, cache_, keys);
    return keys;
  }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_{clock_};
  ControllerReconciler reconciler_{ControllerOptions{}};
  runtime::Cache cache_{api_, reconciler_.Kinds()};
};

TEST_F(ControllerReconcilerTest, DecidesWhatReconcileMigrationDecidesFromTheWholeCluster) {
  const ClusterView view = *ListClusterView(api_);
  for (const auto& m : view.migrations) {
    std::vector<std::string> pass;
    for (const KubeAction& a : ReconcileMigration(*m, view, clock_.Now(), ControllerOptions{})) {
      pass.push_back(runtime::Describe(ToEffect(a)));
    }
    std::vector<std::string> reconciled;
    const Key key{m->metadata().namespace_(), m->metadata().name()};
    for (const runtime::Effect& e : reconciler_.Reconcile(key, cache_, clock_.Now()).effects) {
      reconciled.push_back(runtime::Describe(e));
    }
    EXPECT_FALSE(pass.empty());
    EXPECT_EQ(reconciled, pass) << runtime::ToString(key);
  }
}

// The view built from the cache bisects its lists (they are in key order);
// it finds exactly what a scan finds, and follows each kind's changes.
TEST_F(ControllerReconcilerTest, TheCachedViewFindsWhatAScanFindsAndFollowsChanges) {
  for (const char* ns : {"ns", "default", "zz"}) {
    for (const char* name : {"a", "b", "c"}) {
      if (std::string(ns) == "zz" && std::string(name) == "b") continue;
      const absl::Status created = api_.Create(ports::TestPvc(name, ns)).status();
      ASSERT_TRUE(created.ok()) << created;
    }
  }
  ControllerReconciler other{ControllerOptions{}};
  runtime::Cache cache{api_, other.Kinds()};
  ASSERT_TRUE(cache.Sync().ok());
  CachedView cached;
  const ClusterView& view = cached.Of(cache);
  ASSERT_TRUE(view.in_key_order);
  ClusterView scanned = view;
  scanned.in_key_order = false;
  // "" is "default"; a namespace between and after those held.
  for (const char* ns : {"ns", "default", "", "other", "zz", "zzz"}) {
    for (const char* name : {"a", "b", "c", "d", "m1", "m3"}) {
      EXPECT_EQ(view.FindPvc(ns, name), scanned.FindPvc(ns, name)) << ns << "/" << name;
    }
  }
  ASSERT_NE(view.FindPvc("ns", "b"), nullptr);
  EXPECT_EQ(view.FindPvc("other", "a"), nullptr);
  // A change is in the view the next time it is asked for.
  ASSERT_TRUE(api_.Delete({"PersistentVolumeClaim", "ns", "b"}).ok());
  ASSERT_TRUE(cache.Sync().ok());
  EXPECT_EQ(cached.Of(cache).FindPvc("ns", "b"), nullptr);
  EXPECT_NE(cached.Of(cache).FindPvc("ns", "a"), nullptr);
}

TEST_F(ControllerReconcilerTest, AMigrationsChangeWakesItAndTheOthersOfItsVmiOrClaims) {
  auto m2 = cache_.Get("VirtualMachineInstanceMigration", {"ns", "m2"});
  EXPECT_THAT(Woken("VirtualMachineInstanceMigration", {"ns", "m2"}, m2),
              ElementsAre(Key{"ns", "m1"}, Key{"ns", "m2"}));
  auto m3 = cache_.Get("VirtualMachineInstanceMigration", {"other", "m3"});
  EXPECT_THAT(Woken("VirtualMachineInstanceMigration", {"other", "m3"}, m3),
              ElementsAre(Key{"other", "m3"}));
}

TEST_F(ControllerReconcilerTest, AClaimOrItsVolumeWakesOnlyTheMigrationsNamingIt) {
  EXPECT_THAT(Woken("PersistentVolumeClaim", {"ns", "src"}),
              ElementsAre(Key{"ns", "m1"}, Key{"ns", "m2"}));
  EXPECT_THAT(Woken("DataVolume", {"other", "dst"}), ElementsAre(Key{"other", "m3"}));
  EXPECT_THAT(Woken("PersistentVolumeClaim", {"ns", "unrelated"}), IsEmpty());
  k8s::PersistentVolume pv;
  pv.mutable_metadata()->set_name("pv-1");
  pv.mutable_spec()->mutable_claim_ref()->set_namespace_("ns");
  pv.mutable_spec()->mutable_claim_ref()->set_name("dst");
  EXPECT_THAT(Woken("PersistentVolume", {"", "pv-1"},
                    std::make_shared<k8s::PersistentVolume>(pv)),
              ElementsAre(Key{"ns", "m1"}, Key{"ns", "m2"}));
}

TEST_F(ControllerReconcilerTest, AVmiPodOrNodeWakesOnlyTheMigrationsThatReadIt) {
  EXPECT_THAT(Woken("VirtualMachineInstance", {"ns", "vm"}),
              ElementsAre(Key{"ns", "m1"}, Key{"ns", "m2"}));
  EXPECT_THAT(Woken("VirtualMachine", {"other", "vm"}), IsEmpty());
  auto m1 = cache_.GetAs<VMIM>("VirtualMachineInstanceMigration", {"ns", "m1"});
  EXPECT_THAT(Woken("Pod", {"ns", TargetPodName(*m1)}), ElementsAre(Key{"ns", "m1"}));
  EXPECT_THAT(Woken("Pod", {"elsewhere", "p"}), IsEmpty());
  EXPECT_THAT(Woken("Node", {"", "node-a"}), ElementsAre(Key{"other", "m3"}));
  EXPECT_THAT(Woken("Node", {"", "node-b"}), IsEmpty());
}

TEST_F(ControllerReconcilerTest, AMigrationStillToActOnIsLookedAtAgainAfterThePeriod) {
  EXPECT_EQ(reconciler_.Reconcile({"ns", "m1"}, cache_, clock_.Now()).requeue_after,
            absl::Seconds(1));
}

TEST_F(ControllerReconcilerTest, AGoneMigrationIsNothingToDo) {
  const runtime::Result r = reconciler_.Reconcile({"ns", "gone"}, cache_, clock_.Now());
  EXPECT_THAT(r.effects, IsEmpty());
  EXPECT_EQ(r.requeue_after, absl::ZeroDuration());
}

TEST_F(ControllerReconcilerTest, AFinishedMigrationWithoutItsFinalizerIsNotLookedAtAgain) {
  VMIM done = *ports::As<VMIM>(*api_.Get({"VirtualMachineInstanceMigration", "ns", "m1"}));
  done.mutable_status()->set_phase("Succeeded");
  ASSERT_TRUE(api_.UpdateStatus(done).ok());
  ASSERT_TRUE(cache_.Sync().ok());
  EXPECT_EQ(reconciler_.Reconcile({"ns", "m1"}, cache_, clock_.Now()).requeue_after,
            absl::ZeroDuration());
}

}  // namespace
}  // namespace ferry::storage_migration
