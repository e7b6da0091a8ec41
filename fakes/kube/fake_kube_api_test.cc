#include "fakes/kube/fake_kube_api.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/core.pb.h"
#include "core/ports/kube_api_conformance.h"
#include "core/ports/test_objects.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace ferry::fakes {
namespace {

using ports::KubeApiConformance;
using ports::KubeApiFactory;
using ports::ObjectKey;
using ports::ObjectPtr;
using ports::TestPvc;
using testing::ElementsAre;
using testing::HasSubstr;

ports::ManualClock& SharedClock() {
  static ports::ManualClock clock;
  return clock;
}

INSTANTIATE_TEST_SUITE_P(Fake, KubeApiConformance,
                         testing::Values(KubeApiFactory([] {
                           return std::make_unique<FakeKubeApi>(SharedClock());
                         })));

k8s::PersistentVolumeClaim Copy(const ObjectPtr& object) {
  return *ports::As<k8s::PersistentVolumeClaim>(object);
}

const std::string& Rv(const ObjectPtr& object) {
  return ports::MetadataOf(*object).resource_version();
}

// "namespace/name@resourceVersion" of each item, in the list's order.
std::vector<std::string> Items(const ports::ObjectList& list) {
  std::vector<std::string> out;
  for (const ObjectPtr& item : list.items) {
    const k8s::ObjectMeta& meta = ports::MetadataOf(*item);
    out.push_back(meta.namespace_() + "/" + meta.name() + "@" + meta.resource_version());
  }
  return out;
}

const ObjectKey kA{"PersistentVolumeClaim", "ns", "a"};

TEST(FakeKubeApi, ASecretsStringDataIsMergedIntoDataAndNeverStored) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  k8s::Secret secret;
  secret.mutable_metadata()->set_name("chap");
  (*secret.mutable_data())["node.session.auth.username"] = "old";
  (*secret.mutable_string_data())["node.session.auth.username"] = "ferry";
  (*secret.mutable_string_data())["node.session.auth.password"] = "pw";
  ASSERT_TRUE(api.Create(secret).ok());
  auto stored = ports::As<k8s::Secret>(*api.Get({"Secret", "default", "chap"}));
  EXPECT_TRUE(stored->string_data().empty());
  EXPECT_EQ(stored->data().at("node.session.auth.username"), "ferry");  // stringData wins
  EXPECT_EQ(stored->data().at("node.session.auth.password"), "pw");
  k8s::Secret update = *stored;
  (*update.mutable_string_data())["node.session.auth.password"] = "new";
  ASSERT_TRUE(api.Update(update).ok());
  stored = ports::As<k8s::Secret>(*api.Get({"Secret", "default", "chap"}));
  EXPECT_EQ(stored->data().at("node.session.auth.password"), "new");
  EXPECT_TRUE(stored->string_data().empty());
}

TEST(FakeKubeApi, FaultHookFailsTheCallAndChangesNothing) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  api.SetFaultHook([](const FakeKubeApi::Call& call) {
    return call.verb == "create" && call.key.name == "b"
               ? absl::UnavailableError("injected: etcd leader lost")
               : absl::OkStatus();
  });
  ASSERT_TRUE(api.Create(TestPvc("a")).ok());
  const int64_t before = api.resource_version();
  EXPECT_EQ(api.Create(TestPvc("b")).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(api.resource_version(), before);
  EXPECT_EQ(api.Get({"PersistentVolumeClaim", "ns", "b"}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(FakeKubeApi, DelayHookChargesLatencyToTheCallerAndChangesNothingElse) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  api.SetDelayHook([](const FakeKubeApi::Call& call) {
    return call.verb == "create" ? absl::Seconds(3) : absl::ZeroDuration();
  });
  ASSERT_TRUE(api.Create(TestPvc("a")).ok());
  ASSERT_TRUE(api.Create(TestPvc("b")).ok());
  ASSERT_TRUE(api.Get({"PersistentVolumeClaim", "ns", "a"}).ok());
  EXPECT_EQ(api.TakeLatency(), absl::Seconds(6));
  EXPECT_EQ(api.TakeLatency(), absl::ZeroDuration());  // taken once
  EXPECT_EQ(api.resource_version(), 2);
}

TEST(FakeKubeApi, DelayedWatchDeliversEventsOnlyOnceTheyAreOldEnough) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  api.set_watch_delay(absl::Seconds(5));
  const std::string start = api.List("PersistentVolumeClaim", "", {})->resource_version;
  ASSERT_TRUE(api.Create(TestPvc("a")).ok());
  clock.Advance(absl::Seconds(2));
  ASSERT_TRUE(api.Create(TestPvc("b")).ok());
  EXPECT_TRUE(api.Watch("PersistentVolumeClaim", start)->empty());
  clock.Advance(absl::Seconds(3));
  std::vector<ports::WatchEvent> events = *api.Watch("PersistentVolumeClaim", start);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(ports::MetadataOf(*events[0].object).name(), "a");
  clock.Advance(absl::Seconds(2));
  events = *api.Watch("PersistentVolumeClaim", start);
  ASSERT_EQ(events.size(), 2u);  // in order, none skipped
  EXPECT_EQ(ports::MetadataOf(*events[1].object).name(), "b");
}

TEST(FakeKubeApi, ALaggingReadersWatchDeliversOnlyEventsAsOldAsItsLag) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  const std::string start = api.List("PersistentVolumeClaim", "", {})->resource_version;
  ASSERT_TRUE(api.Create(TestPvc("a")).ok());
  clock.Advance(absl::Seconds(4));
  ASSERT_TRUE(api.Create(TestPvc("b")).ok());
  absl::Duration lag = absl::Seconds(3);
  std::vector<absl::string_view> verbs;
  api.SetStaleHook([&](const FakeKubeApi::Call& call) {
    verbs.push_back(call.verb);
    return lag;
  });
  std::vector<ports::WatchEvent> events = *api.Watch("PersistentVolumeClaim", start);
  ASSERT_EQ(events.size(), 1u) << "b is 0 s old, a 4 s";
  EXPECT_EQ(ports::MetadataOf(*events[0].object).name(), "a");
  EXPECT_THAT(verbs, ::testing::ElementsAre("watch"));
  lag = absl::ZeroDuration();
  EXPECT_EQ(api.Watch("PersistentVolumeClaim", start)->size(), 2u);
}

TEST(FakeKubeApi, WatchFromACompactedVersionIsOutOfRange) {
  ports::ManualClock clock;
  FakeKubeApi api(clock, {.watch_history = 2});
  const std::string start = api.List("PersistentVolumeClaim", "", {})->resource_version;
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(api.Create(TestPvc(name)).ok());
  EXPECT_EQ(api.Watch("PersistentVolumeClaim", start).status().code(),
            absl::StatusCode::kOutOfRange);
  // From the version just before the two kept events, nothing is missing.
  EXPECT_EQ(api.Watch("PersistentVolumeClaim", "1")->size(), 2u);
  EXPECT_EQ(api.Watch("PersistentVolumeClaim", "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FakeKubeApi, StaleGetReturnsTheVersionFromBeforeLaterChanges) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  absl::Duration lag;
  api.SetStaleHook([&lag](const FakeKubeApi::Call&) { return lag; });
  const ObjectPtr created = *api.Create(TestPvc("a"));  // t0, rv 1
  clock.Advance(absl::Seconds(10));
  k8s::PersistentVolumeClaim respec = Copy(created);
  respec.mutable_spec()->set_volume_name("pv-1");
  const ObjectPtr updated = *api.Update(respec);  // t10, rv 2
  clock.Advance(absl::Seconds(10));
  k8s::PersistentVolumeClaim bound = Copy(updated);
  bound.mutable_status()->set_phase("Bound");
  ASSERT_TRUE(api.UpdateStatus(bound).ok());  // t20, rv 3
  clock.Advance(absl::Seconds(10));           // now t30

  lag = absl::Seconds(25);  // as of t5
  ObjectPtr seen = *api.Get(kA);
  EXPECT_EQ(seen, created);
  EXPECT_EQ(Rv(seen), "1");
  EXPECT_EQ(Copy(seen).spec().volume_name(), "");
  EXPECT_EQ(ports::MetadataOf(*seen).generation(), 1);

  lag = absl::Seconds(15);  // as of t15
  seen = *api.Get(kA);
  EXPECT_EQ(Rv(seen), "2");
  EXPECT_EQ(Copy(seen).spec().volume_name(), "pv-1");
  EXPECT_EQ(Copy(seen).status().phase(), "");

  lag = absl::Seconds(10);  // as of t20: a change at the cutoff is seen
  EXPECT_EQ(Rv(*api.Get(kA)), "3");
  EXPECT_EQ(Copy(*api.Get(kA)).status().phase(), "Bound");
}

TEST(FakeKubeApi, StaleGetOfAnObjectCreatedAfterTheCutoffIsNotFound) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  absl::Duration lag;
  api.SetStaleHook([&lag](const FakeKubeApi::Call&) { return lag; });
  ASSERT_TRUE(api.Create(TestPvc("a")).ok());
  clock.Advance(absl::Seconds(10));
  ASSERT_TRUE(api.Create(TestPvc("b")).ok());
  clock.Advance(absl::Seconds(1));

  lag = absl::Seconds(5);
  const absl::Status missing = api.Get({"PersistentVolumeClaim", "ns", "b"}).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "persistentvolumeclaims \"ns/b\" not found");
  EXPECT_TRUE(api.Get(kA).ok());
  EXPECT_THAT(Items(*api.List("PersistentVolumeClaim", "ns", {})), ElementsAre("ns/a@1"));

  lag = absl::Seconds(1);  // as of b's creation
  EXPECT_TRUE(api.Get({"PersistentVolumeClaim", "ns", "b"}).ok());
}

TEST(FakeKubeApi, StaleReadsStillSeeAnObjectDeletedAfterTheCutoff) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  absl::Duration lag;
  api.SetStaleHook([&lag](const FakeKubeApi::Call&) { return lag; });
  const ObjectPtr created = *api.Create(TestPvc("a"));
  clock.Advance(absl::Seconds(10));
  ASSERT_TRUE(api.Delete(kA).ok());  // no finalizers: gone at once, rv 2
  ASSERT_EQ(api.Get(kA).status().code(), absl::StatusCode::kNotFound);

  lag = absl::Seconds(5);
  const ObjectPtr seen = *api.Get(kA);
  EXPECT_EQ(seen, created);  // the last version before the delete, not the delete event's
  EXPECT_EQ(Rv(seen), "1");
  const ports::ObjectList list = *api.List("PersistentVolumeClaim", "", {});
  EXPECT_THAT(Items(list), ElementsAre("ns/a@1"));
  EXPECT_EQ(list.resource_version, "1");
}

TEST(FakeKubeApi, StaleReadsOfAFinalizedDeletionSeeEachVersionBeforeIt) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  absl::Duration lag;
  api.SetStaleHook([&lag](const FakeKubeApi::Call&) { return lag; });
  k8s::PersistentVolumeClaim protected_pvc = TestPvc("a");
  protected_pvc.mutable_metadata()->add_finalizers("kubernetes.io/pvc-protection");
  ASSERT_TRUE(api.Create(protected_pvc).ok());  // t0, rv 1
  clock.Advance(absl::Seconds(10));
  ASSERT_TRUE(api.Delete(kA).ok());  // t10, rv 2: deletionTimestamp set
  clock.Advance(absl::Seconds(10));
  k8s::PersistentVolumeClaim released = Copy(*api.Get(kA));
  released.mutable_metadata()->clear_finalizers();
  ASSERT_TRUE(api.Update(released).ok());  // t20, rv 3: gone
  clock.Advance(absl::Seconds(10));        // now t30

  lag = absl::Seconds(5);  // as of t25
  EXPECT_EQ(api.Get(kA).status().code(), absl::StatusCode::kNotFound);
  lag = absl::Seconds(15);  // as of t15: being deleted
  ObjectPtr seen = *api.Get(kA);
  EXPECT_EQ(Rv(seen), "2");
  EXPECT_EQ(ports::MetadataOf(*seen).deletion_timestamp(), "2023-08-17T08:00:10Z");
  EXPECT_THAT(ports::MetadataOf(*seen).finalizers(),
              ElementsAre("kubernetes.io/pvc-protection"));
  lag = absl::Seconds(25);  // as of t5: not yet deleted
  seen = *api.Get(kA);
  EXPECT_EQ(Rv(seen), "1");
  EXPECT_EQ(ports::MetadataOf(*seen).deletion_timestamp(), "");
}

TEST(FakeKubeApi, StaleListFiltersPastLabelsInOrderWithThePastResourceVersion) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  absl::Duration lag;
  api.SetStaleHook([&lag](const FakeKubeApi::Call&) { return lag; });
  auto create = [&api](const std::string& ns, const std::string& name,
                       const std::string& app) {
    k8s::PersistentVolumeClaim pvc = TestPvc(name);
    pvc.mutable_metadata()->set_namespace_(ns);
    (*pvc.mutable_metadata()->mutable_labels())["app"] = app;
    return *api.Create(pvc);
  };
  auto relabel = [&api](const ObjectKey& key, const std::string& app) {
    k8s::PersistentVolumeClaim pvc = Copy(*api.Get(key));
    (*pvc.mutable_metadata()->mutable_labels())["app"] = app;
    ASSERT_TRUE(api.Update(pvc).ok());
  };
  create("ns", "c", "x");   // rv 1
  create("ns", "a", "x");   // rv 2
  create("ns", "b", "y");   // rv 3
  create("ns2", "a", "x");  // rv 4
  clock.Advance(absl::Seconds(10));
  create("ns", "d", "w");                                // rv 5
  relabel({"PersistentVolumeClaim", "ns", "d"}, "x");    // rv 6
  relabel({"PersistentVolumeClaim", "ns", "b"}, "x");    // rv 7
  relabel({"PersistentVolumeClaim", "ns", "c"}, "y");    // rv 8
  relabel({"PersistentVolumeClaim", "ns2", "a"}, "y");   // rv 9
  ASSERT_TRUE(api.Delete({"PersistentVolumeClaim", "ns", "a"}).ok());  // rv 10
  k8s::LabelSelector app_x;
  (*app_x.mutable_match_labels())["app"] = "x";

  ports::ObjectList now = *api.List("PersistentVolumeClaim", "ns", app_x);
  EXPECT_THAT(Items(now), ElementsAre("ns/b@7", "ns/d@6"));
  EXPECT_EQ(now.resource_version, "10");

  lag = absl::Seconds(5);
  ports::ObjectList past = *api.List("PersistentVolumeClaim", "ns", app_x);
  EXPECT_THAT(Items(past), ElementsAre("ns/a@2", "ns/c@1"));
  EXPECT_EQ(past.resource_version, "4");
  past = *api.List("PersistentVolumeClaim", "", app_x);
  EXPECT_THAT(Items(past), ElementsAre("ns/a@2", "ns/c@1", "ns2/a@4"));
  past = *api.List("PersistentVolumeClaim", "", {});
  EXPECT_THAT(Items(past), ElementsAre("ns/a@2", "ns/b@3", "ns/c@1", "ns2/a@4"));
  // Watching from the stale list's version replays what it missed, once
  // the reader no longer lags.
  lag = absl::ZeroDuration();
  EXPECT_EQ(api.Watch("PersistentVolumeClaim", past.resource_version)->size(), 6u);
}

TEST(FakeKubeApi, UpdateOfAStaleReadIsAConflict) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  absl::Duration lag;
  api.SetStaleHook([&lag](const FakeKubeApi::Call&) { return lag; });
  k8s::PersistentVolumeClaim first = Copy(*api.Create(TestPvc("a")));
  (*first.mutable_metadata()->mutable_labels())["x"] = "1";
  clock.Advance(absl::Seconds(10));
  ASSERT_TRUE(api.Update(first).ok());  // rv 2

  lag = absl::Seconds(5);
  k8s::PersistentVolumeClaim stale = Copy(*api.Get(kA));
  ASSERT_EQ(stale.metadata().resource_version(), "1");
  (*stale.mutable_metadata()->mutable_labels())["x"] = "2";
  const absl::Status conflict = api.Update(stale).status();
  EXPECT_EQ(conflict.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(conflict.message(), HasSubstr("the object has been modified"));
  stale.mutable_status()->set_phase("Bound");
  EXPECT_EQ(api.UpdateStatus(stale).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(api.Delete(kA, "1").code(), absl::StatusCode::kAborted);
  EXPECT_EQ(api.resource_version(), 2);

  lag = absl::ZeroDuration();
  k8s::PersistentVolumeClaim fresh = Copy(*api.Get(kA));
  (*fresh.mutable_metadata()->mutable_labels())["x"] = "2";
  EXPECT_TRUE(api.Update(fresh).ok());
}

// The core's fence: an object written back exactly as read changes nothing
// (not the resourceVersion, no watch event), and fails with Conflict when
// the read was stale.
TEST(FakeKubeApi, WritingBackAReadObjectIsANoOpThatConflictsWhenTheReadWasStale) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  absl::Duration lag;
  api.SetStaleHook([&lag](const FakeKubeApi::Call&) { return lag; });
  ASSERT_TRUE(api.Create(TestPvc("a")).ok());  // rv 1
  clock.Advance(absl::Seconds(10));
  k8s::PersistentVolumeClaim bound = Copy(*api.Get(kA));
  bound.mutable_status()->set_phase("Bound");
  ASSERT_TRUE(api.UpdateStatus(bound).ok());  // rv 2

  const ObjectPtr read = *api.Get(kA);
  const k8s::PersistentVolumeClaim copy = Copy(read);
  const std::vector<const google::protobuf::Message*> same_as_stored = {read.get(), &copy};
  for (const google::protobuf::Message* same : same_as_stored) {  // itself, and a copy
    absl::StatusOr<ObjectPtr> fenced = api.UpdateStatus(*same);
    ASSERT_TRUE(fenced.ok()) << fenced.status();
    EXPECT_EQ(Rv(*fenced), "2");
  }
  EXPECT_EQ(api.resource_version(), 2);
  EXPECT_EQ(api.Watch("PersistentVolumeClaim", "2")->size(), 0u);

  lag = absl::Seconds(5);
  const ObjectPtr stale = *api.Get(kA);
  ASSERT_EQ(Rv(stale), "1");
  EXPECT_EQ(api.UpdateStatus(*stale).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(api.resource_version(), 2);
}

TEST(FakeKubeApi, ZeroOrNegativeLagReadsTheCurrentState) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  int consulted = 0;
  absl::Duration lag;
  api.SetStaleHook([&](const FakeKubeApi::Call&) {
    ++consulted;
    return lag;
  });
  const ObjectPtr created = *api.Create(TestPvc("a"));
  clock.Advance(absl::Seconds(10));
  k8s::PersistentVolumeClaim labelled = Copy(created);
  (*labelled.mutable_metadata()->mutable_labels())["x"] = "1";
  const ObjectPtr updated = *api.Update(labelled);
  ASSERT_TRUE(api.Create(TestPvc("b")).ok());

  for (absl::Duration l : {absl::ZeroDuration(), -absl::Seconds(5)}) {
    lag = l;
    EXPECT_EQ(*api.Get(kA), updated);
    const ports::ObjectList list = *api.List("PersistentVolumeClaim", "ns", {});
    EXPECT_THAT(Items(list), ElementsAre("ns/a@2", "ns/b@3"));
    EXPECT_EQ(list.resource_version, "3");
  }
  EXPECT_EQ(consulted, 4);
}

TEST(FakeKubeApi, StaleHookSeesReadsAndWatchesOnlyWithTheFaultHooksCall) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  std::vector<std::string> faulted, staled;
  auto describe = [](const FakeKubeApi::Call& call) {
    return absl::StrCat(call.verb, " ", call.key.kind, "/", call.key.namespace_, "/",
                        call.key.name);
  };
  api.SetFaultHook([&](const FakeKubeApi::Call& call) {
    faulted.push_back(describe(call));
    return call.key.name == "broken" ? absl::UnavailableError("injected")
                                     : absl::OkStatus();
  });
  api.SetStaleHook([&](const FakeKubeApi::Call& call) {
    staled.push_back(describe(call));
    return absl::Seconds(1);
  });
  const ObjectPtr a = *api.Create(TestPvc("a"));
  clock.Advance(absl::Seconds(5));
  ASSERT_TRUE(api.Get(kA).ok());
  ASSERT_TRUE(api.List("PersistentVolumeClaim", "ns", {}).ok());
  ASSERT_TRUE(api.Update(Copy(a)).ok());
  ASSERT_TRUE(api.Watch("PersistentVolumeClaim", "0").ok());
  ASSERT_TRUE(api.Delete(kA).ok());
  EXPECT_FALSE(api.Get({"PersistentVolumeClaim", "ns", "broken"}).ok());
  EXPECT_THAT(staled, ElementsAre("get PersistentVolumeClaim/ns/a",
                                  "list PersistentVolumeClaim/ns/",
                                  "watch PersistentVolumeClaim//"));
  EXPECT_THAT(faulted, ElementsAre("create PersistentVolumeClaim/ns/a",
                                   "get PersistentVolumeClaim/ns/a",
                                   "list PersistentVolumeClaim/ns/",
                                   "update PersistentVolumeClaim/ns/a",
                                   "watch PersistentVolumeClaim//",
                                   "delete PersistentVolumeClaim/ns/a",
                                   "get PersistentVolumeClaim/ns/broken"));
}

TEST(FakeKubeApi, StaleReadsGoNoFurtherBackThanTheCompactedHistory) {
  ports::ManualClock clock;
  FakeKubeApi api(clock, {.watch_history = 2});
  absl::Duration lag;
  api.SetStaleHook([&lag](const FakeKubeApi::Call&) { return lag; });
  const ObjectPtr created = *api.Create(TestPvc("a"));  // t0, rv 1
  clock.Advance(absl::Seconds(10));
  ASSERT_TRUE(api.Create(TestPvc("b")).ok());  // t10, rv 2
  clock.Advance(absl::Seconds(10));
  k8s::PersistentVolumeClaim labelled = Copy(created);
  (*labelled.mutable_metadata()->mutable_labels())["x"] = "1";
  ASSERT_TRUE(api.Update(labelled).ok());  // t20, rv 3
  clock.Advance(absl::Seconds(10));
  ASSERT_TRUE(api.Create(TestPvc("c")).ok());  // t30, rv 4; rv 1 and 2 compacted
  clock.Advance(absl::Seconds(10));        // now t40

  lag = absl::Seconds(35);  // as of t5, but served as of rv 2, the newest compacted change
  ports::ObjectList list = *api.List("PersistentVolumeClaim", "ns", {});
  EXPECT_THAT(Items(list), ElementsAre("ns/a@1", "ns/b@2"));
  EXPECT_EQ(list.resource_version, "2");
  EXPECT_EQ(*api.Get(kA), created);  // its own event is compacted; the update kept it
  EXPECT_EQ(api.Get({"PersistentVolumeClaim", "ns", "c"}).status().code(),
            absl::StatusCode::kNotFound);
  lag = absl::ZeroDuration();
  EXPECT_EQ(api.Watch("PersistentVolumeClaim", list.resource_version)->size(), 2u);

  lag = absl::Seconds(15);  // as of t25
  list = *api.List("PersistentVolumeClaim", "ns", {});
  EXPECT_THAT(Items(list), ElementsAre("ns/a@3", "ns/b@2"));
  EXPECT_EQ(list.resource_version, "3");
}

// List in two halves, for a model that keeps the objects itself: the hooks
// run once, as for List, and the answer is List's.
TEST(FakeKubeApi, ListHooksThenListAtIsList) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  int faults = 0;
  absl::Duration lag;
  api.SetFaultHook([&](const FakeKubeApi::Call& call) {
    ++faults;
    return call.key.namespace_ == "broken" ? absl::UnavailableError("injected")
                                           : absl::OkStatus();
  });
  api.SetStaleHook([&lag](const FakeKubeApi::Call&) { return lag; });
  ASSERT_TRUE(api.Create(TestPvc("a")).ok());
  ASSERT_TRUE(api.Create(TestPvc("b", "ns-2")).ok());
  ASSERT_TRUE(api.Create(TestPvc("c", "ns")).ok());
  clock.Advance(absl::Seconds(10));
  ASSERT_TRUE(api.Delete({"PersistentVolumeClaim", "ns", "c"}).ok());
  faults = 0;

  for (const absl::Duration l : {absl::ZeroDuration(), absl::Seconds(5)}) {
    lag = l;
    for (const char* ns : {"", "ns"}) {
      const absl::StatusOr<absl::Duration> hooks = api.ListHooks("PersistentVolumeClaim", ns);
      ASSERT_TRUE(hooks.ok());
      EXPECT_EQ(*hooks, l);
      const ports::ObjectList at = api.ListAt("PersistentVolumeClaim", ns, {}, *hooks);
      const ports::ObjectList list = *api.List("PersistentVolumeClaim", ns, {});
      EXPECT_EQ(Items(at), Items(list)) << ns << " " << l;
      EXPECT_EQ(at.resource_version, list.resource_version);
    }
  }
  EXPECT_EQ(faults, 8);  // each ListHooks and each List: once
  lag = absl::ZeroDuration();
  EXPECT_THAT(Items(api.ListAt("PersistentVolumeClaim", "ns", {}, lag)), ElementsAre("ns/a@1"));
  EXPECT_THAT(Items(api.ListAt("PersistentVolumeClaim", "", {}, lag)),
              ElementsAre("ns/a@1", "ns-2/b@2"));
  EXPECT_EQ(api.ListHooks("PersistentVolumeClaim", "broken").status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(FakeKubeApi, ChangesSinceAVersionComeOldestFirstWithoutHooks) {
  ports::ManualClock clock;
  FakeKubeApi api(clock, {.watch_history = 3});
  api.SetFaultHook([](const FakeKubeApi::Call&) { return absl::UnavailableError("no calls"); });
  auto changes = [&](int64_t since) {
    std::vector<std::string> out;
    const bool reached = api.ForEachChangeSince(
        since, [&](const ObjectKey& key, const ObjectPtr& object) {
          out.push_back(absl::StrCat(key.kind, " ", key.namespace_, "/", key.name, " ",
                                     object == nullptr ? "deleted" : Rv(object)));
        });
    if (!reached) out.push_back("too old");
    return out;
  };
  api.SetFaultHook(nullptr);
  ASSERT_TRUE(api.Create(TestPvc("a")).ok());     // rv 1
  ASSERT_TRUE(api.Create(TestPvc("b")).ok());     // rv 2
  api.SetFaultHook([](const FakeKubeApi::Call&) { return absl::UnavailableError("no calls"); });
  EXPECT_THAT(changes(0), ElementsAre("PersistentVolumeClaim ns/a 1", "PersistentVolumeClaim ns/b 2"));
  EXPECT_THAT(changes(1), ElementsAre("PersistentVolumeClaim ns/b 2"));
  EXPECT_THAT(changes(2), testing::IsEmpty());
  api.SetFaultHook(nullptr);
  ASSERT_TRUE(api.Delete(kA).ok());                // rv 3
  ASSERT_TRUE(api.Create(TestPvc("c")).ok());     // rv 4: rv 1 compacted
  EXPECT_THAT(changes(2), ElementsAre("PersistentVolumeClaim ns/a deleted",
                                      "PersistentVolumeClaim ns/c 4"));
  EXPECT_THAT(changes(0), ElementsAre("too old"));
  std::vector<std::string> all;
  api.ForEachObject("PersistentVolumeClaim", [&](const ObjectPtr& object) {
    all.push_back(ports::MetadataOf(*object).name());
  });
  EXPECT_THAT(all, ElementsAre("b", "c"));
}

TEST(FakeKubeApi, TimestampsComeFromTheInjectedClock) {
  ports::ManualClock clock(absl::FromUnixSeconds(1692260085));  // 2023-08-17T08:14:45Z
  FakeKubeApi api(clock);
  const ObjectPtr pvc = *api.Create(TestPvc("a"));
  EXPECT_EQ(ports::MetadataOf(*pvc).creation_timestamp(), "2023-08-17T08:14:45Z");
}

TEST(FakeKubeApi, SameCallsGiveByteIdenticalObjects) {
  auto run = [] {
    ports::ManualClock clock;
    FakeKubeApi api(clock);
    k8s::PersistentVolumeClaim generated = TestPvc("");
    generated.mutable_metadata()->set_generate_name("dest-");
    EXPECT_TRUE(api.Create(TestPvc("a")).ok());
    return *api.Create(generated);
  };
  const ObjectPtr first = run();
  const ObjectPtr second = run();
  EXPECT_EQ(ports::MetadataOf(*first).name(), "dest-00001");
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString());
}

}  // namespace
}  // namespace ferry::fakes
