#include "core/ports/kube_api_conformance.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/core.pb.h"
#include "core/ports/test_objects.h"
#include "gmock/gmock.h"

namespace ferry::ports {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

k8s::PersistentVolumeClaim Copy(const ObjectPtr& object) {
  return *As<k8s::PersistentVolumeClaim>(object);
}

int64_t Version(const ObjectPtr& object) {
  int64_t v = -1;
  EXPECT_TRUE(absl::SimpleAtoi(MetadataOf(*object).resource_version(), &v));
  return v;
}

const ObjectKey kKey{"PersistentVolumeClaim", "ns", "a"};

TEST_P(KubeApiConformance, CreateFillsServerFieldsAndDropsStatus) {
  k8s::PersistentVolumeClaim pvc = TestPvc("a");
  pvc.mutable_status()->set_phase("Bound");
  absl::StatusOr<ObjectPtr> created = api_->Create(pvc);
  ASSERT_TRUE(created.ok()) << created.status();
  const k8s::PersistentVolumeClaim stored = Copy(*created);
  EXPECT_EQ(stored.api_version(), "v1");
  EXPECT_EQ(stored.kind(), "PersistentVolumeClaim");
  EXPECT_FALSE(stored.metadata().uid().empty());
  EXPECT_FALSE(stored.metadata().resource_version().empty());
  EXPECT_FALSE(stored.metadata().creation_timestamp().empty());
  EXPECT_EQ(stored.metadata().generation(), 1);
  EXPECT_FALSE(stored.has_status());
  absl::StatusOr<ObjectPtr> got = api_->Get(kKey);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(MetadataOf(**got).uid(), stored.metadata().uid());
}

TEST_P(KubeApiConformance, CreateOfAnExistingNameIsAlreadyExists) {
  ASSERT_TRUE(api_->Create(TestPvc("a")).ok());
  EXPECT_EQ(api_->Create(TestPvc("a")).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(api_->Create(TestPvc("a", "other")).ok());  // same name, other namespace
}

TEST_P(KubeApiConformance, GetOfAMissingObjectIsNotFound) {
  EXPECT_EQ(api_->Get(kKey).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(KubeApiConformance, InvalidObjectIsRefusedAndNotStored) {
  k8s::PersistentVolumeClaim pvc = TestPvc("a");
  pvc.mutable_spec()->clear_access_modes();
  EXPECT_EQ(api_->Create(pvc).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(api_->Get(kKey).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(KubeApiConformance, UpdateWithAStaleResourceVersionIsAConflict) {
  const ObjectPtr created = *api_->Create(TestPvc("a"));
  k8s::PersistentVolumeClaim first = Copy(created);
  first.mutable_metadata()->mutable_labels()->insert({"x", "1"});
  ASSERT_TRUE(api_->Update(first).ok());
  k8s::PersistentVolumeClaim stale = Copy(created);
  stale.mutable_metadata()->mutable_labels()->insert({"x", "2"});
  EXPECT_EQ(api_->Update(stale).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Copy(*api_->Get(kKey)).metadata().labels().at("x"), "1");
}

TEST_P(KubeApiConformance, UpdateNeedsAResourceVersion) {
  ASSERT_TRUE(api_->Create(TestPvc("a")).ok());
  EXPECT_EQ(api_->Update(TestPvc("a")).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(KubeApiConformance, UpdateOfAMissingObjectIsNotFound) {
  k8s::PersistentVolumeClaim pvc = TestPvc("a");
  pvc.mutable_metadata()->set_resource_version("1");
  EXPECT_EQ(api_->Update(pvc).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(KubeApiConformance, NoOpUpdateKeepsTheResourceVersion) {
  const ObjectPtr created = *api_->Create(TestPvc("a"));
  const ObjectPtr again = *api_->Update(Copy(created));
  EXPECT_EQ(Version(again), Version(created));
}

TEST_P(KubeApiConformance, SpecChangesBumpGenerationMetadataChangesDoNot) {
  const ObjectPtr created = *api_->Create(TestPvc("a"));
  k8s::PersistentVolumeClaim labelled = Copy(created);
  (*labelled.mutable_metadata()->mutable_labels())["x"] = "1";
  const ObjectPtr after_label = *api_->Update(labelled);
  EXPECT_EQ(MetadataOf(*after_label).generation(), 1);
  EXPECT_GT(Version(after_label), Version(created));
  k8s::PersistentVolumeClaim grown = Copy(after_label);
  (*grown.mutable_spec()->mutable_resources()->mutable_requests())["storage"] = "2Gi";
  const ObjectPtr after_spec = *api_->Update(grown);
  EXPECT_EQ(MetadataOf(*after_spec).generation(), 2);
}

TEST_P(KubeApiConformance, UpdateKeepsStatusAndUpdateStatusKeepsSpec) {
  const ObjectPtr created = *api_->Create(TestPvc("a"));
  k8s::PersistentVolumeClaim with_status = Copy(created);
  with_status.mutable_status()->set_phase("Bound");
  with_status.mutable_spec()->set_volume_name("pv-1");  // ignored by UpdateStatus
  const ObjectPtr bound = *api_->UpdateStatus(with_status);
  EXPECT_EQ(Copy(bound).status().phase(), "Bound");
  EXPECT_EQ(Copy(bound).spec().volume_name(), "");
  EXPECT_EQ(MetadataOf(*bound).generation(), 1);

  k8s::PersistentVolumeClaim respec = Copy(bound);
  respec.mutable_status()->set_phase("Lost");  // ignored by Update
  respec.mutable_spec()->set_volume_name("pv-1");
  const ObjectPtr updated = *api_->Update(respec);
  EXPECT_EQ(Copy(updated).status().phase(), "Bound");
  EXPECT_EQ(Copy(updated).spec().volume_name(), "pv-1");
}

TEST_P(KubeApiConformance, AFenceHoldsWhileTheObjectIsAsReadAndChangesNothing) {
  const ObjectPtr created = *api_->Create(TestPvc("a"));
  EXPECT_TRUE(api_->Fence(*created).ok());
  EXPECT_TRUE(api_->Fence(*created).ok()) << "a fence is no write: it holds again";
  EXPECT_EQ(Version(*api_->Get(kKey)), Version(created));

  k8s::PersistentVolumeClaim labelled = Copy(created);
  labelled.mutable_metadata()->mutable_labels()->insert({"x", "1"});
  const ObjectPtr changed = *api_->Update(labelled);
  const absl::Status stale = api_->Fence(*created);
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted) << stale;
  EXPECT_TRUE(api_->Fence(*changed).ok());
  EXPECT_EQ(Copy(*api_->Get(kKey)).metadata().labels().at("x"), "1");

  ASSERT_TRUE(api_->Delete(kKey).ok());
  EXPECT_EQ(api_->Fence(*changed).code(), absl::StatusCode::kNotFound);
}

TEST_P(KubeApiConformance, ResourceVersionsIncreaseAcrossObjectsAndKinds) {
  const ObjectPtr a = *api_->Create(TestPvc("a"));
  k8s::PersistentVolume pv;
  pv.mutable_metadata()->set_name("pv-1");
  (*pv.mutable_spec()->mutable_capacity())["storage"] = "1Gi";
  pv.mutable_spec()->add_access_modes("ReadWriteOnce");
  pv.mutable_spec()->mutable_host_path()->set_path("/mnt/pv-1");
  const ObjectPtr p = *api_->Create(pv);
  const ObjectPtr b = *api_->Create(TestPvc("b"));
  EXPECT_LT(Version(a), Version(p));
  EXPECT_LT(Version(p), Version(b));
}

TEST_P(KubeApiConformance, DeleteRemovesAndChecksItsPrecondition) {
  const ObjectPtr created = *api_->Create(TestPvc("a"));
  EXPECT_EQ(api_->Delete(kKey, "999999").code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(api_->Delete(kKey, MetadataOf(*created).resource_version()).ok());
  EXPECT_EQ(api_->Get(kKey).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(api_->Delete(kKey).code(), absl::StatusCode::kNotFound);
}

TEST_P(KubeApiConformance, FinalizersHoldAnObjectUntilRemoved) {
  k8s::PersistentVolumeClaim pvc = TestPvc("a");
  pvc.mutable_metadata()->add_finalizers("kubernetes.io/pvc-protection");
  ASSERT_TRUE(api_->Create(pvc).ok());
  ASSERT_TRUE(api_->Delete(kKey).ok());
  const ObjectPtr deleting = *api_->Get(kKey);
  EXPECT_FALSE(MetadataOf(*deleting).deletion_timestamp().empty());

  k8s::PersistentVolumeClaim more = Copy(deleting);
  more.mutable_metadata()->add_finalizers("example.com/another");
  EXPECT_EQ(api_->Update(more).status().code(), absl::StatusCode::kInvalidArgument);

  k8s::PersistentVolumeClaim released = Copy(deleting);
  released.mutable_metadata()->clear_finalizers();
  ASSERT_TRUE(api_->Update(released).ok());
  EXPECT_EQ(api_->Get(kKey).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(KubeApiConformance, ListIsOrderedAndFilteredByNamespaceAndLabels) {
  for (const char* ns : {"b-ns", "a-ns"}) {
    for (const char* name : {"z", "y"}) {
      k8s::PersistentVolumeClaim pvc = TestPvc(name, ns);
      (*pvc.mutable_metadata()->mutable_labels())["tier"] = name;
      ASSERT_TRUE(api_->Create(pvc).ok());
    }
  }
  auto names = [](const ObjectList& list) {
    std::vector<std::string> out;
    for (const ObjectPtr& o : list.items) {
      out.push_back(MetadataOf(*o).namespace_() + "/" + MetadataOf(*o).name());
    }
    return out;
  };
  EXPECT_THAT(names(*api_->List("PersistentVolumeClaim", "", {})),
              ElementsAre("a-ns/y", "a-ns/z", "b-ns/y", "b-ns/z"));
  EXPECT_THAT(names(*api_->List("PersistentVolumeClaim", "b-ns", {})),
              ElementsAre("b-ns/y", "b-ns/z"));
  k8s::LabelSelector z;
  (*z.mutable_match_labels())["tier"] = "z";
  EXPECT_THAT(names(*api_->List("PersistentVolumeClaim", "", z)),
              ElementsAre("a-ns/z", "b-ns/z"));
  EXPECT_THAT(api_->List("PersistentVolume", "", {})->items, IsEmpty());
}

TEST_P(KubeApiConformance, WatchReturnsEveryChangeAfterAListInOrder) {
  const ObjectList start = *api_->List("PersistentVolumeClaim", "", {});
  const ObjectPtr created = *api_->Create(TestPvc("a"));
  k8s::PersistentVolumeClaim changed = Copy(created);
  (*changed.mutable_metadata()->mutable_labels())["x"] = "1";
  ASSERT_TRUE(api_->Update(changed).ok());
  ASSERT_TRUE(api_->Delete(kKey).ok());

  const std::vector<WatchEvent> events =
      *api_->Watch("PersistentVolumeClaim", start.resource_version);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, WatchEventType::kAdded);
  EXPECT_EQ(events[1].type, WatchEventType::kModified);
  EXPECT_EQ(events[2].type, WatchEventType::kDeleted);
  EXPECT_LT(Version(events[0].object), Version(events[1].object));
  EXPECT_LT(Version(events[1].object), Version(events[2].object));
  // Watching from the last event sees nothing more; other kinds see nothing.
  EXPECT_THAT(*api_->Watch("PersistentVolumeClaim",
                           MetadataOf(*events[2].object).resource_version()),
              IsEmpty());
  EXPECT_THAT(*api_->Watch("PersistentVolume", start.resource_version), IsEmpty());
}

TEST_P(KubeApiConformance, ListAndWatchSelectByField) {
  for (const char* name : {"a", "b"}) {
    k8s::Pod pod;
    pod.mutable_metadata()->set_name(name);
    pod.mutable_metadata()->set_namespace_("ns");
    pod.mutable_spec()->set_node_name(absl::StrCat("node-", name));
    k8s::Container* container = pod.mutable_spec()->add_containers();
    container->set_name("c");
    container->set_image("registry.example/c:1");
    const absl::Status created = api_->Create(pod).status();
    ASSERT_TRUE(created.ok()) << created;
  }
  Selector on_b;
  on_b.fields["spec.nodeName"] = "node-b";
  const ObjectList listed = *api_->List("Pod", "", on_b);
  ASSERT_EQ(listed.items.size(), 1u);
  EXPECT_EQ(MetadataOf(*listed.items[0]).name(), "b");
  Selector named_a;
  named_a.fields["metadata.name"] = "a";
  named_a.fields["metadata.namespace"] = "ns";
  const ObjectList named = *api_->List("Pod", "", named_a);
  ASSERT_EQ(named.items.size(), 1u);
  EXPECT_EQ(MetadataOf(*named.items[0]).name(), "a");
  // A field the kind does not declare selectable is refused, naming it.
  Selector bad;
  bad.fields["spec.storageClassName"] = "fast";
  const absl::Status refused = api_->List("PersistentVolumeClaim", "", bad).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(), HasSubstr("spec.storageClassName"));
  EXPECT_EQ(api_->Watch("PersistentVolumeClaim", listed.resource_version, bad, false)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(KubeApiConformance, ASelectedWatchSeesObjectsComeAndGoAsTheyMatch) {
  Selector gold;
  (*gold.labels.mutable_match_labels())["tier"] = "gold";
  const ObjectList start = *api_->List("PersistentVolumeClaim", "", gold);
  EXPECT_THAT(start.items, IsEmpty());
  const ObjectPtr created = *api_->Create(TestPvc("a"));  // not selected: unseen
  k8s::PersistentVolumeClaim pvc = Copy(created);
  (*pvc.mutable_metadata()->mutable_labels())["tier"] = "gold";
  const ObjectPtr gilded = *api_->Update(pvc);  // selected from now: added
  pvc = Copy(gilded);
  (*pvc.mutable_metadata()->mutable_annotations())["note"] = "x";
  const ObjectPtr noted = *api_->Update(pvc);  // still selected: modified
  pvc = Copy(noted);
  (*pvc.mutable_metadata()->mutable_labels())["tier"] = "lead";
  const ObjectPtr leaded = *api_->Update(pvc);  // no longer: deleted

  const std::vector<WatchEvent> events =
      *api_->Watch("PersistentVolumeClaim", start.resource_version, gold, false);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, WatchEventType::kAdded);
  EXPECT_EQ(Version(events[0].object), Version(gilded));
  EXPECT_EQ(events[1].type, WatchEventType::kModified);
  EXPECT_EQ(events[2].type, WatchEventType::kDeleted);
  // The last state it was selected in, at the version that unselected it.
  EXPECT_EQ(Version(events[2].object), Version(leaded));
  EXPECT_EQ(MetadataOf(*events[2].object).labels().at("tier"), "gold");
}

TEST_P(KubeApiConformance, BookmarksCarryAQuietWatchForward) {
  const ObjectList start = *api_->List("PersistentVolume", "", {});
  const ObjectPtr pvc = *api_->Create(TestPvc("a"));
  // Asked for, a bookmark says how far the watch read past what it did not
  // deliver; it carries only the resourceVersion, in an object of the kind.
  std::vector<WatchEvent> events =
      *api_->Watch("PersistentVolume", start.resource_version, {}, /*bookmarks=*/true);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, WatchEventType::kBookmark);
  EXPECT_EQ(Version(events[0].object), Version(pvc));
  EXPECT_NE(dynamic_cast<const k8s::PersistentVolume*>(events[0].object.get()), nullptr);
  EXPECT_EQ(MetadataOf(*events[0].object).name(), "");
  // From the bookmark: nothing new, and no bookmark repeated.
  EXPECT_THAT(*api_->Watch("PersistentVolume", MetadataOf(*events[0].object).resource_version(),
                           {}, true),
              IsEmpty());
  // Not asked for: none.
  EXPECT_THAT(*api_->Watch("PersistentVolume", start.resource_version, {}, false), IsEmpty());
}

TEST_P(KubeApiConformance, ClusterScopedKindsTakeNoNamespace) {
  k8s::PersistentVolume pv;
  pv.mutable_metadata()->set_name("pv-1");
  pv.mutable_metadata()->set_namespace_("ns");
  (*pv.mutable_spec()->mutable_capacity())["storage"] = "1Gi";
  pv.mutable_spec()->add_access_modes("ReadWriteOnce");
  pv.mutable_spec()->mutable_host_path()->set_path("/mnt/pv-1");
  EXPECT_EQ(api_->Create(pv).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::ports
