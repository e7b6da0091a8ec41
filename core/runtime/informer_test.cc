// The informer against the fake API server: what a client keeps of a kind
// through List and Watch, its indexes and its changed-keys feed.
#include "core/runtime/informer.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/core.pb.h"
#include "core/ports/clock.h"
#include "core/ports/test_objects.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ports::TestPvc;

constexpr char kPvc[] = "PersistentVolumeClaim";

std::vector<std::string> VolumeOf(const google::protobuf::Message& m) {
  const auto& pvc = dynamic_cast<const k8s::PersistentVolumeClaim&>(m);
  if (pvc.spec().volume_name().empty()) return {};
  return {pvc.spec().volume_name()};
}

k8s::PersistentVolumeClaim BoundPvc(const std::string& name, const std::string& volume) {
  k8s::PersistentVolumeClaim pvc = TestPvc(name);
  pvc.mutable_spec()->set_volume_name(volume);
  return pvc;
}

std::set<Key> Keys(std::initializer_list<const char*> names) {
  std::set<Key> keys;
  for (const char* name : names) keys.insert(Key{"ns", name});
  return keys;
}

class InformerTest : public ::testing::Test {
 protected:
  ports::ManualClock clock_;
  fakes::FakeKubeApi api_{clock_};
};

TEST_F(InformerTest, TheFirstSyncListsEverythingAsChanged) {
  ASSERT_TRUE(api_.Create(TestPvc("b")).ok());
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  Informer informer(api_, kPvc);
  EXPECT_FALSE(informer.has_synced());
  ASSERT_TRUE(informer.Sync().ok());
  EXPECT_TRUE(informer.has_synced());
  EXPECT_EQ(informer.changed(), Keys({"a", "b"}));
  EXPECT_EQ(informer.objects().size(), 2u);
  EXPECT_EQ(informer.resource_version(), "2");
  EXPECT_EQ(informer.lists(), 1);
  ASSERT_NE(informer.GetAs<k8s::PersistentVolumeClaim>({"ns", "a"}), nullptr);
  EXPECT_EQ(informer.Get({"ns", "c"}), nullptr);
}

TEST_F(InformerTest, LaterSyncsWatchAndNameOnlyWhatChanged) {
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  ASSERT_TRUE(api_.Create(TestPvc("b")).ok());
  Informer informer(api_, kPvc);
  ASSERT_TRUE(informer.Sync().ok());

  ASSERT_TRUE(api_.Create(TestPvc("c")).ok());
  ASSERT_TRUE(api_.Delete({kPvc, "ns", "a"}).ok());
  ASSERT_TRUE(informer.Sync().ok());
  EXPECT_EQ(informer.changed(), Keys({"a", "c"}));
  EXPECT_EQ(informer.Get({"ns", "a"}), nullptr);
  EXPECT_NE(informer.Get({"ns", "c"}), nullptr);
  EXPECT_EQ(informer.lists(), 1);
  EXPECT_EQ(informer.watches(), 1);

  ASSERT_TRUE(informer.Sync().ok());
  EXPECT_THAT(informer.changed(), IsEmpty()) << "nothing happened since";
}

TEST_F(InformerTest, TheStoreIsTheServersStateAfterEverySync) {
  Informer informer(api_, kPvc);
  ASSERT_TRUE(informer.Sync().ok());
  for (const char* name : {"a", "b", "c", "d"}) ASSERT_TRUE(api_.Create(TestPvc(name)).ok());
  auto b = *ports::As<k8s::PersistentVolumeClaim>(*api_.Get({kPvc, "ns", "b"}));
  b.mutable_spec()->set_volume_name("pv-b");
  ASSERT_TRUE(api_.Update(b).ok());
  ASSERT_TRUE(api_.Delete({kPvc, "ns", "d"}).ok());
  ASSERT_TRUE(informer.Sync().ok());

  const ports::ObjectList server = *api_.List(kPvc, "", {});
  ASSERT_EQ(informer.objects().size(), server.items.size());
  auto held = informer.objects().begin();
  for (const ports::ObjectPtr& item : server.items) {
    EXPECT_EQ(held->first, KeyOfObject(*item));
    EXPECT_EQ(ports::MetadataOf(*held->second).resource_version(),
              ports::MetadataOf(*item).resource_version());
    ++held;
  }
}

TEST_F(InformerTest, AWatchFromACompactedVersionListsAfreshAndNamesOnlyRealChanges) {
  fakes::FakeKubeApi api(clock_, {.watch_history = 2});
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(api.Create(TestPvc(name)).ok());
  Informer informer(api, kPvc);
  ASSERT_TRUE(informer.Sync().ok());
  // Three writes: the informer's version falls out of the kept history.
  ASSERT_TRUE(api.Delete({kPvc, "ns", "a"}).ok());
  ASSERT_TRUE(api.Create(TestPvc("d")).ok());
  ASSERT_TRUE(api.Create(TestPvc("e")).ok());
  ASSERT_TRUE(informer.Sync().ok());
  EXPECT_EQ(informer.relists_after_gone(), 1);
  EXPECT_EQ(informer.lists(), 2);
  EXPECT_EQ(informer.changed(), Keys({"a", "d", "e"})) << "b and c are unchanged";
  EXPECT_EQ(informer.objects().size(), 4u);
}

TEST_F(InformerTest, AFailedSyncChangesNothingAndTheNextOneCatchesUp) {
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  Informer informer(api_, kPvc);
  ASSERT_TRUE(informer.Sync().ok());
  const std::string version = informer.resource_version();
  ASSERT_TRUE(api_.Create(TestPvc("b")).ok());
  api_.SetFaultHook([](const fakes::FakeKubeApi::Call&) {
    return absl::UnavailableError("connection refused");
  });
  const absl::Status failed = informer.Sync();
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(failed.message()),
              HasSubstr("syncing the PersistentVolumeClaim informer: connection refused"));
  EXPECT_THAT(informer.changed(), IsEmpty());
  EXPECT_EQ(informer.resource_version(), version);
  EXPECT_EQ(informer.objects().size(), 1u);

  api_.SetFaultHook(nullptr);
  ASSERT_TRUE(informer.Sync().ok());
  EXPECT_EQ(informer.changed(), Keys({"b"}));
}

TEST_F(InformerTest, IndexesFollowEveryChange) {
  ASSERT_TRUE(api_.Create(BoundPvc("a", "pv-1")).ok());
  ASSERT_TRUE(api_.Create(BoundPvc("b", "pv-1")).ok());
  ASSERT_TRUE(api_.Create(TestPvc("c")).ok());
  Informer informer(api_, kPvc);
  informer.AddIndex("volume", VolumeOf);
  ASSERT_TRUE(informer.Sync().ok());
  EXPECT_EQ(informer.ByIndex("volume", "pv-1"), Keys({"a", "b"}));
  EXPECT_THAT(informer.ByIndex("volume", "pv-2"), IsEmpty());

  auto b = *ports::As<k8s::PersistentVolumeClaim>(*api_.Get({kPvc, "ns", "b"}));
  b.mutable_spec()->set_volume_name("pv-2");
  ASSERT_TRUE(api_.Update(b).ok());
  ASSERT_TRUE(api_.Delete({kPvc, "ns", "a"}).ok());
  ASSERT_TRUE(informer.Sync().ok());
  EXPECT_THAT(informer.ByIndex("volume", "pv-1"), IsEmpty());
  EXPECT_EQ(informer.ByIndex("volume", "pv-2"), Keys({"b"}));
}

TEST_F(InformerTest, AnIndexAddedLaterCoversTheObjectsHeld) {
  ASSERT_TRUE(api_.Create(BoundPvc("a", "pv-1")).ok());
  Informer informer(api_, kPvc);
  ASSERT_TRUE(informer.Sync().ok());
  informer.AddIndex("volume", VolumeOf);
  EXPECT_EQ(informer.ByIndex("volume", "pv-1"), Keys({"a"}));
}

TEST_F(InformerTest, HandlersSeeEachChangedKeyOnceWithItsFirstAndLastState) {
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  Informer informer(api_, kPvc);
  std::vector<std::string> seen;
  informer.AddHandler([&](const Key& key, const ports::ObjectPtr& before,
                          const ports::ObjectPtr& now) {
    auto version = [](const ports::ObjectPtr& o) {
      return o == nullptr ? std::string("-") : ports::MetadataOf(*o).resource_version();
    };
    seen.push_back(key.name + ":" + version(before) + "->" + version(now));
  });
  ASSERT_TRUE(informer.Sync().ok());
  EXPECT_THAT(seen, ElementsAre("a:-->1"));
  seen.clear();

  // b created then deleted, a updated twice: one call each.
  ASSERT_TRUE(api_.Create(TestPvc("b")).ok());
  ASSERT_TRUE(api_.Delete({kPvc, "ns", "b"}).ok());
  for (const char* volume : {"pv-1", "pv-2"}) {
    auto a = *ports::As<k8s::PersistentVolumeClaim>(*api_.Get({kPvc, "ns", "a"}));
    a.mutable_spec()->set_volume_name(volume);
    ASSERT_TRUE(api_.Update(a).ok());
  }
  ASSERT_TRUE(informer.Sync().ok());
  EXPECT_THAT(seen, ElementsAre("a:1->5"));
  EXPECT_EQ(informer.changed(), Keys({"a"})) << "b came and went: no change";
}

TEST_F(InformerTest, ASelectedInformerHoldsOnlyWhatItSelects) {
  ports::Selector gold;
  (*gold.labels.mutable_match_labels())["tier"] = "gold";
  k8s::PersistentVolumeClaim a = TestPvc("a");
  (*a.mutable_metadata()->mutable_labels())["tier"] = "gold";
  ASSERT_TRUE(api_.Create(a).ok());
  ASSERT_TRUE(api_.Create(TestPvc("b")).ok());
  Informer informer(api_, kPvc, gold);
  ASSERT_TRUE(informer.Sync().ok());
  EXPECT_EQ(informer.changed(), Keys({"a"}));
  // `a` stops being selected: it leaves the store, a change like a delete.
  k8s::PersistentVolumeClaim next = *informer.GetAs<k8s::PersistentVolumeClaim>({"ns", "a"});
  (*next.mutable_metadata()->mutable_labels())["tier"] = "lead";
  ASSERT_TRUE(api_.Update(next).ok());
  ASSERT_TRUE(informer.Sync().ok());
  EXPECT_EQ(informer.changed(), Keys({"a"}));
  EXPECT_THAT(informer.objects(), IsEmpty());
}

TEST_F(InformerTest, BookmarksKeepAQuietInformerFromRelisting) {
  fakes::FakeKubeApi api(clock_, {.watch_history = 3});
  Informer pods(api, "Pod");
  ASSERT_TRUE(pods.Sync().ok());
  // Writes of another kind, more in all than the server's history keeps:
  // without bookmarks the pods' watch would fall behind it and list again.
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(api.Create(TestPvc(absl::StrCat("x", round, "-", i))).ok());
    }
    ASSERT_TRUE(pods.Sync().ok());
    EXPECT_THAT(pods.changed(), IsEmpty());
  }
  EXPECT_EQ(pods.lists(), 1);
  EXPECT_EQ(pods.relists_after_gone(), 0);
  EXPECT_EQ(pods.bookmarks(), 4);
  EXPECT_EQ(pods.resource_version(), absl::StrCat(api.resource_version()));
}

TEST_F(InformerTest, TheLastChangeVersionMovesWithChangesNotWithBookmarks) {
  Informer pods(api_, "Pod");
  ASSERT_TRUE(pods.Sync().ok());
  const std::string listed = pods.last_change_version();
  EXPECT_EQ(listed, absl::StrCat(api_.resource_version())) << "a list is a change as of its version";
  ASSERT_TRUE(api_.Create(TestPvc("other-kind")).ok());
  ASSERT_TRUE(pods.Sync().ok());
  EXPECT_EQ(pods.bookmarks(), 1);
  EXPECT_EQ(pods.resource_version(), absl::StrCat(api_.resource_version()));
  EXPECT_EQ(pods.last_change_version(), listed) << "a bookmark is no change";
  Informer pvcs(api_, kPvc);
  ASSERT_TRUE(pvcs.Sync().ok());
  ASSERT_TRUE(api_.Delete({kPvc, "ns", "other-kind"}).ok());
  const std::string deleted = absl::StrCat(api_.resource_version());
  k8s::Node node;  // a change of another kind: the claims' watch only bookmarks it
  node.mutable_metadata()->set_name("node-a");
  ASSERT_TRUE(api_.Create(node).ok());
  ASSERT_TRUE(pvcs.Sync().ok());
  EXPECT_EQ(pvcs.last_change_version(), deleted) << "a deletion is a change";
}

TEST_F(InformerTest, InvalidateMakesTheNextSyncAList) {
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  Informer informer(api_, kPvc);
  ASSERT_TRUE(informer.Sync().ok());
  informer.Invalidate();
  ASSERT_TRUE(informer.Sync().ok());
  EXPECT_EQ(informer.lists(), 2);
  EXPECT_THAT(informer.changed(), IsEmpty()) << "a relist of what is held changes nothing";
}

TEST_F(InformerTest, AnAssumedWriteIsReadAtOnceAndNeverRegressedByAnOlderEvent) {
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  Informer informer(api_, kPvc);
  informer.AddIndex("volume", VolumeOf);
  int handled = 0;
  std::string heard;
  informer.AddHandler([&](const Key&, const ports::ObjectPtr& before, const ports::ObjectPtr& now) {
    ++handled;
    auto version = [](const ports::ObjectPtr& o) {
      return o == nullptr ? std::string("-") : ports::MetadataOf(*o).resource_version();
    };
    heard = version(before) + "->" + version(now);
  });
  ASSERT_TRUE(informer.Sync().ok());
  ASSERT_TRUE(informer.Sync().ok());  // nothing new: changed() is empty
  handled = 0;

  // Someone else writes (rv 2), then this client writes over it (rv 3).
  auto a = *ports::As<k8s::PersistentVolumeClaim>(*api_.Get({kPvc, "ns", "a"}));
  (*a.mutable_metadata()->mutable_labels())["other"] = "1";
  ASSERT_TRUE(api_.Update(a).ok());
  a = *ports::As<k8s::PersistentVolumeClaim>(*api_.Get({kPvc, "ns", "a"}));
  a.mutable_spec()->set_volume_name("pv-1");
  const ports::ObjectPtr written = *api_.Update(a);
  informer.Assume(written);
  EXPECT_EQ(informer.Get({"ns", "a"}), written);
  EXPECT_EQ(informer.ByIndex("volume", "pv-1"), Keys({"a"}));
  EXPECT_THAT(informer.changed(), IsEmpty()) << "the watch tells the handlers";
  EXPECT_EQ(handled, 0);

  // The watch delivers rv 2 then rv 3: the store stays at rv 3, and the
  // handlers hear of the key once.
  ASSERT_TRUE(informer.Sync().ok());
  EXPECT_EQ(ports::MetadataOf(*informer.Get({"ns", "a"})).resource_version(), "3");
  EXPECT_EQ(informer.changed(), Keys({"a"}));
  EXPECT_EQ(handled, 1);
  EXPECT_EQ(heard, "1->3") << "before is what the handlers last heard of";

  // An assumed object older than the one held is ignored.
  informer.Assume(*api_.Create(TestPvc("b")));
  ASSERT_TRUE(informer.Sync().ok());
  const ports::ObjectPtr current = informer.Get({"ns", "b"});
  k8s::PersistentVolumeClaim older = *ports::As<k8s::PersistentVolumeClaim>(current);
  older.mutable_metadata()->set_resource_version("1");
  informer.Assume(std::make_shared<k8s::PersistentVolumeClaim>(older));
  EXPECT_EQ(informer.Get({"ns", "b"}), current);
}

}  // namespace
}  // namespace ferry::runtime
