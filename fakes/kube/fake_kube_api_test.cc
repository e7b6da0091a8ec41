#include "fakes/kube/fake_kube_api.h"

#include <memory>

#include "api/core.pb.h"
#include "core/ports/kube_api_conformance.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace ferry::fakes {
namespace {

using ports::KubeApiConformance;
using ports::KubeApiFactory;
using ports::ObjectKey;
using ports::ObjectPtr;

ports::ManualClock& SharedClock() {
  static ports::ManualClock clock;
  return clock;
}

INSTANTIATE_TEST_SUITE_P(Fake, KubeApiConformance,
                         testing::Values(KubeApiFactory([] {
                           return std::make_unique<FakeKubeApi>(SharedClock());
                         })));

k8s::PersistentVolumeClaim Pvc(const std::string& name) {
  k8s::PersistentVolumeClaim pvc;
  pvc.mutable_metadata()->set_name(name);
  pvc.mutable_metadata()->set_namespace_("ns");
  pvc.mutable_spec()->add_access_modes("ReadWriteOnce");
  (*pvc.mutable_spec()->mutable_resources()->mutable_requests())["storage"] = "1Gi";
  return pvc;
}

TEST(FakeKubeApi, FaultHookFailsTheCallAndChangesNothing) {
  ports::ManualClock clock;
  FakeKubeApi api(clock);
  api.SetFaultHook([](const FakeKubeApi::Call& call) {
    return call.verb == "create" && call.key.name == "b"
               ? absl::UnavailableError("injected: etcd leader lost")
               : absl::OkStatus();
  });
  ASSERT_TRUE(api.Create(Pvc("a")).ok());
  const int64_t before = api.resource_version();
  EXPECT_EQ(api.Create(Pvc("b")).status().code(), absl::StatusCode::kUnavailable);
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
  ASSERT_TRUE(api.Create(Pvc("a")).ok());
  ASSERT_TRUE(api.Create(Pvc("b")).ok());
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
  ASSERT_TRUE(api.Create(Pvc("a")).ok());
  clock.Advance(absl::Seconds(2));
  ASSERT_TRUE(api.Create(Pvc("b")).ok());
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

TEST(FakeKubeApi, WatchFromACompactedVersionIsOutOfRange) {
  ports::ManualClock clock;
  FakeKubeApi api(clock, {.watch_history = 2});
  const std::string start = api.List("PersistentVolumeClaim", "", {})->resource_version;
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(api.Create(Pvc(name)).ok());
  EXPECT_EQ(api.Watch("PersistentVolumeClaim", start).status().code(),
            absl::StatusCode::kOutOfRange);
  // From the version just before the two kept events, nothing is missing.
  EXPECT_EQ(api.Watch("PersistentVolumeClaim", "1")->size(), 2u);
  EXPECT_EQ(api.Watch("PersistentVolumeClaim", "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FakeKubeApi, TimestampsComeFromTheInjectedClock) {
  ports::ManualClock clock(absl::FromUnixSeconds(1692260085));  // 2023-08-17T08:14:45Z
  FakeKubeApi api(clock);
  const ObjectPtr pvc = *api.Create(Pvc("a"));
  EXPECT_EQ(ports::MetadataOf(*pvc).creation_timestamp(), "2023-08-17T08:14:45Z");
}

TEST(FakeKubeApi, SameCallsGiveByteIdenticalObjects) {
  auto run = [] {
    ports::ManualClock clock;
    FakeKubeApi api(clock);
    k8s::PersistentVolumeClaim generated = Pvc("");
    generated.mutable_metadata()->set_generate_name("dest-");
    EXPECT_TRUE(api.Create(Pvc("a")).ok());
    return *api.Create(generated);
  };
  const ObjectPtr first = run();
  const ObjectPtr second = run();
  EXPECT_EQ(ports::MetadataOf(*first).name(), "dest-00001");
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString());
}

}  // namespace
}  // namespace ferry::fakes
