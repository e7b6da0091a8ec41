#include "sim/api_mirror.h"

#include <string>
#include <vector>

#include "api/core.pb.h"
#include "core/ports/clock.h"
#include "core/ports/test_objects.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::sim {
namespace {

using ::ferry::ports::TestPvc;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

k8s::PersistentVolume Pv(const std::string& name) {
  k8s::PersistentVolume pv;
  pv.mutable_metadata()->set_name(name);
  pv.mutable_spec()->add_access_modes("ReadWriteOnce");
  (*pv.mutable_spec()->mutable_capacity())["storage"] = "1Gi";
  pv.mutable_spec()->mutable_host_path()->set_path("/data");
  return pv;
}

std::vector<std::string> Keys(const std::set<std::string>& keys) { return {keys.begin(), keys.end()}; }

std::string Phase(const ApiMirror& mirror, const std::string& key) {
  const ports::ObjectPtr* o = mirror.Find("PersistentVolumeClaim", key);
  return o == nullptr ? "<none>" : ports::As<k8s::PersistentVolumeClaim>(*o)->status().phase();
}

TEST(ApiMirror, FirstSyncListsEverythingThenOnlyChangesCount) {
  ports::ManualClock clock;
  fakes::FakeKubeApi api(clock);
  ASSERT_TRUE(api.Create(TestPvc("a")).ok());
  ASSERT_TRUE(api.Create(TestPvc("b")).ok());
  ASSERT_TRUE(api.Create(Pv("pv-1")).ok());
  ApiMirror mirror(api, {"PersistentVolumeClaim", "PersistentVolume"});
  ASSERT_TRUE(mirror.Sync().ok());
  EXPECT_THAT(Keys(mirror.Changed("PersistentVolumeClaim")), ElementsAre("ns/a", "ns/b"));
  EXPECT_THAT(Keys(mirror.Changed("PersistentVolume")), ElementsAre("/pv-1"));

  ASSERT_TRUE(mirror.Sync().ok());  // nothing happened
  EXPECT_THAT(mirror.Changed("PersistentVolumeClaim"), IsEmpty());
  EXPECT_THAT(mirror.Changed("PersistentVolume"), IsEmpty());

  k8s::PersistentVolumeClaim a = *ports::As<k8s::PersistentVolumeClaim>(*api.Get({"PersistentVolumeClaim", "ns", "a"}));
  a.mutable_status()->set_phase("Bound");
  ASSERT_TRUE(api.UpdateStatus(a).ok());
  ASSERT_TRUE(api.Delete({"PersistentVolumeClaim", "ns", "b"}).ok());
  ASSERT_TRUE(api.Create(TestPvc("c")).ok());
  ASSERT_TRUE(mirror.Sync().ok());
  EXPECT_THAT(Keys(mirror.Changed("PersistentVolumeClaim")), ElementsAre("ns/a", "ns/b", "ns/c"));
  EXPECT_THAT(mirror.Changed("PersistentVolume"), IsEmpty());
  EXPECT_EQ(Phase(mirror, "ns/a"), "Bound");
  EXPECT_EQ(Phase(mirror, "ns/b"), "<none>");
  EXPECT_EQ(Phase(mirror, "ns/c"), "");
  EXPECT_EQ(mirror.Objects("PersistentVolumeClaim").size(), 2u);
}

TEST(ApiMirror, ListsAfreshWhenTheWatchHistoryWasCompactedPastIt) {
  ports::ManualClock clock;
  fakes::FakeKubeApi api(clock, {.watch_history = 2});
  ASSERT_TRUE(api.Create(TestPvc("a")).ok());
  ASSERT_TRUE(api.Create(TestPvc("b")).ok());
  ApiMirror mirror(api, {"PersistentVolumeClaim"});
  ASSERT_TRUE(mirror.Sync().ok());
  ASSERT_TRUE(api.Delete({"PersistentVolumeClaim", "ns", "a"}).ok());
  for (const char* name : {"c", "d", "e"}) ASSERT_TRUE(api.Create(TestPvc(name)).ok());
  ASSERT_TRUE(mirror.Sync().ok());  // the watch is OutOfRange: a fresh list
  EXPECT_THAT(Keys(mirror.Changed("PersistentVolumeClaim")),
              ElementsAre("ns/a", "ns/b", "ns/c", "ns/d", "ns/e"));
  std::vector<std::string> now;
  for (const auto& [key, object] : mirror.Objects("PersistentVolumeClaim")) now.push_back(key);
  EXPECT_THAT(now, ElementsAre("ns/b", "ns/c", "ns/d", "ns/e"));
}

}  // namespace
}  // namespace ferry::sim
