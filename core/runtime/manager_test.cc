// The manager drives a reconciler from informers through the work queue
// and the executor, each step its own scheduled call; here with a toy
// reconciler (it labels every claim) on the fake API server and a
// scheduler that runs the calls in time order.
#include "core/runtime/manager.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/core.pb.h"
#include "core/ports/clock.h"
#include "core/ports/test_objects.h"
#include "core/runtime/mock_ports_testing.h"
#include "core/runtime/test_scheduler_testing.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::runtime {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ports::TestPvc;

constexpr char kPvc[] = "PersistentVolumeClaim";

// Labels every claim "seen", then (when asked) annotates it, two effects
// from one read; reconciles log the keys.
class Labeller : public Reconciler {
 public:
  std::vector<std::string> Kinds() const override { return {kPvc}; }
  void Wake(const Change& change, const Cache&, std::vector<Key>& keys) const override {
    keys.push_back(change.key);
  }
  Result Reconcile(const Key& key, const Cache& cache, absl::Time now) override {
    reconciled.push_back({key.name, now});
    Result r;
    r.requeue_after = requeue_after;
    auto pvc = cache.GetAs<k8s::PersistentVolumeClaim>(kPvc, key);
    if (pvc == nullptr) return r;
    k8s::PersistentVolumeClaim next = *pvc;
    if (!pvc->metadata().labels().contains("seen")) {
      (*next.mutable_metadata()->mutable_labels())["seen"] = "yes";
      r.effects.push_back(Effect::Update(next, "label"));
    }
    if (annotate && !pvc->metadata().annotations().contains("done")) {
      (*next.mutable_metadata()->mutable_annotations())["done"] = "yes";
      r.effects.push_back(Effect::Update(next, "annotate"));
    }
    return r;
  }
  std::vector<std::pair<std::string, absl::Time>> reconciled;
  bool annotate = false;
  absl::Duration requeue_after = absl::ZeroDuration();
};

class ManagerTest : public ::testing::Test {
 protected:
  std::unique_ptr<Manager> NewManager(Manager::Options options = {}) {
    options.trace = [this](const std::string& line) { trace_.push_back(line); };
    return std::make_unique<Manager>(labeller_, api_, executor_, scheduler_, options);
  }
  bool Labelled(const std::string& name, const char* what = "seen") {
    auto pvc = ports::As<k8s::PersistentVolumeClaim>(*api_.Get({kPvc, "ns", name}));
    return pvc->metadata().labels().contains(what) || pvc->metadata().annotations().contains(what);
  }
  int Reconciles(const std::string& name) const {
    int n = 0;
    for (const auto& [key, at] : labeller_.reconciled) n += key == name;
    return n;
  }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_{clock_};
  Executor executor_{{.kube = &api_}};
  TestScheduler scheduler_{clock_};
  Labeller labeller_;
  std::vector<std::string> trace_;
  const absl::Time t0_ = clock_.Now();
};

TEST_F(ManagerTest, EveryObjectIsReconciledOnceAfterTheFirstSyncAndAgainOnlyWhenItChanges) {
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(api_.Create(TestPvc(name)).ok());
  auto manager = NewManager();
  manager->Start();
  scheduler_.RunUntil(t0_ + absl::Seconds(10));
  for (const char* name : {"a", "b", "c"}) EXPECT_TRUE(Labelled(name)) << name;
  // Once to label, once more for the label's own change (level-based: it
  // then finds nothing to do), then never while nothing changes.
  EXPECT_EQ(Reconciles("a"), 2);
  EXPECT_EQ(manager->stats().effects, 3);

  ASSERT_TRUE(api_.Create(TestPvc("d")).ok());
  scheduler_.RunUntil(t0_ + absl::Seconds(20));
  EXPECT_TRUE(Labelled("d"));
  EXPECT_EQ(Reconciles("a"), 2) << "a did not change";
}

TEST_F(ManagerTest, SyncSoonHearsAChangeBeforeThePeriodicSyncAndOnceHoweverOftenAsked) {
  auto manager = NewManager({.watch_period = absl::Seconds(30)});
  manager->Start();
  scheduler_.RunUntil(t0_ + absl::Seconds(1));
  ASSERT_TRUE(api_.Create(TestPvc("late")).ok());
  const int64_t syncs = manager->stats().syncs;
  manager->SyncSoon();
  manager->SyncSoon();  // already scheduled: one sync
  scheduler_.RunUntil(t0_ + absl::Seconds(2));
  EXPECT_EQ(manager->stats().syncs, syncs + 1);
  EXPECT_TRUE(Labelled("late")) << "reconciled only at the periodic sync, 30 s later";
  // The periodic chain goes on as before: one sync per period.
  scheduler_.RunUntil(t0_ + absl::Seconds(62));
  EXPECT_EQ(manager->stats().syncs, syncs + 1 + 2);
}

TEST_F(ManagerTest, AFailedEffectBacksItsKeyOffAndTheRetrySucceeds) {
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  int refused = 0;
  api_.SetFaultHook([&](const fakes::FakeKubeApi::Call& call) {
    if (call.verb == "update" && refused < 3) {
      ++refused;
      return absl::UnavailableError("etcd leader changed");
    }
    return absl::OkStatus();
  });
  auto manager = NewManager(
      {.queue = {.base_delay = absl::Seconds(1), .max_delay = absl::Seconds(60)}});
  manager->Start();
  scheduler_.RunUntil(t0_ + absl::Seconds(30));
  EXPECT_TRUE(Labelled("a"));
  EXPECT_EQ(manager->stats().failed_effects, 3);
  // Reconciled at 0, then after back-offs of 1, 2 and 4 s.
  std::vector<absl::Duration> at;
  for (const auto& [key, when] : labeller_.reconciled) at.push_back(when - t0_);
  ASSERT_GE(at.size(), 4u);
  EXPECT_EQ(at[0], absl::ZeroDuration());
  EXPECT_EQ(at[1], absl::Seconds(1));
  EXPECT_EQ(at[2], absl::Seconds(3));
  EXPECT_EQ(at[3], absl::Seconds(7));
  EXPECT_THAT(trace_, Contains(HasSubstr("effect failed, ns/a backs off: etcd leader changed")));
}

TEST_F(ManagerTest, NothingIsReconciledBeforeTheFirstSyncSucceeds) {
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  bool down = true;
  api_.SetFaultHook([&](const fakes::FakeKubeApi::Call&) {
    return down ? absl::UnavailableError("connection refused") : absl::OkStatus();
  });
  auto manager = NewManager({.sync_retry = absl::Seconds(5)});
  manager->Start();
  scheduler_.RunUntil(t0_ + absl::Seconds(12));
  EXPECT_TRUE(labeller_.reconciled.empty());
  EXPECT_EQ(manager->stats().failed_syncs, 3);  // at 0, 5 and 10 s
  EXPECT_THAT(trace_, Contains(HasSubstr("sync failed, again in 5s: syncing the "
                                         "PersistentVolumeClaim informer: connection refused")));
  down = false;
  scheduler_.RunUntil(t0_ + absl::Seconds(20));
  EXPECT_TRUE(Labelled("a"));
}

TEST_F(ManagerTest, ACrashBetweenTwoEffectsOfABatchConvergesAfterARestart) {
  labeller_.annotate = true;
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  auto manager = NewManager();
  manager->Start();
  // Stop right after the first effect ran: the label is written, the
  // annotation not.
  scheduler_.RunUntil(t0_ + absl::Seconds(10),
                      [](const std::string& what) { return absl::StrContains(what, "(label)"); });
  ASSERT_TRUE(Labelled("a"));
  ASSERT_FALSE(Labelled("a", "done"));
  scheduler_.Crash();
  manager.reset();

  auto restarted = NewManager();
  restarted->Start();
  scheduler_.RunUntil(clock_.Now() + absl::Seconds(10));
  EXPECT_TRUE(Labelled("a", "done"));
  EXPECT_EQ(restarted->stats().failed_effects, 0);
}

TEST_F(ManagerTest, ManyChangesOfOneKeyBetweenSyncsAreOneReconcile) {
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  auto manager = NewManager({.watch_period = absl::Seconds(10)});
  manager->Start();
  scheduler_.RunUntil(t0_ + absl::Seconds(5));
  const int before = Reconciles("a");
  for (const char* volume : {"pv-1", "pv-2", "pv-3"}) {
    auto pvc = *ports::As<k8s::PersistentVolumeClaim>(*api_.Get({kPvc, "ns", "a"}));
    pvc.mutable_spec()->set_volume_name(volume);
    ASSERT_TRUE(api_.Update(pvc).ok());
  }
  scheduler_.RunUntil(t0_ + absl::Seconds(15));
  EXPECT_EQ(Reconciles("a"), before + 1);
}

TEST_F(ManagerTest, ARequeueAfterReconcilesAgainWithoutAChange) {
  labeller_.requeue_after = absl::Seconds(30);
  ASSERT_TRUE(api_.Create(TestPvc("a")).ok());
  auto manager = NewManager();
  manager->Start();
  scheduler_.RunUntil(t0_ + absl::Seconds(100));
  // 0 s (label), 1 s (its own change), then every 30 s: the requeue the
  // first asked for (30 s) stands against the later one's (31 s).
  std::vector<absl::Duration> at;
  for (const auto& [key, when] : labeller_.reconciled) at.push_back(when - t0_);
  EXPECT_THAT(at, ::testing::ElementsAre(absl::ZeroDuration(), absl::Seconds(1),
                                         absl::Seconds(30), absl::Seconds(60), absl::Seconds(90)));
}

TEST_F(ManagerTest, AResyncReconcilesEveryObjectAgain) {
  for (const char* name : {"a", "b"}) ASSERT_TRUE(api_.Create(TestPvc(name)).ok());
  auto manager = NewManager({.resync = absl::Minutes(10)});
  manager->Start();
  scheduler_.RunUntil(t0_ + absl::Minutes(9));
  const int before = Reconciles("a");
  scheduler_.RunUntil(t0_ + absl::Minutes(11));
  EXPECT_EQ(Reconciles("a"), before + 1);
  EXPECT_EQ(Reconciles("b"), before + 1);
}

// Watches the domain a claim names in its "domain" label, while it has one.
class DomainWatcher : public Reconciler {
 public:
  std::vector<std::string> Kinds() const override { return {kPvc}; }
  void Wake(const Change& change, const Cache&, std::vector<Key>& keys) const override {
    keys.push_back(change.key);
  }
  Result Reconcile(const Key& key, const Cache& cache, absl::Time now) override {
    Result r;
    auto pvc = cache.GetAs<k8s::PersistentVolumeClaim>(kPvc, key);
    if (pvc == nullptr) return r;
    auto label = pvc->metadata().labels().find("domain");
    if (label == pvc->metadata().labels().end()) return r;
    const DomainRead read{label->second};
    r.observe.push_back(read);
    const Observation* seen = cache.observer().Get(read);
    seen_present.push_back({now, seen == nullptr ? -1 : seen->As<DomainSeen>()->present});
    return r;
  }
  std::vector<std::pair<absl::Time, int>> seen_present;  // -1: not observed yet
};

// A claim labelled with the domain it watches, and the world around it.
class ManagerObserving : public ::testing::Test {
 protected:
  void Watch(const std::string& claim, const std::string& domain) {
    k8s::PersistentVolumeClaim pvc = TestPvc(claim);
    (*pvc.mutable_metadata()->mutable_labels())["domain"] = domain;
    ASSERT_TRUE(api.Create(pvc).ok());
  }

  ports::ManualClock clock;
  fakes::FakeKubeApi api{clock};
  MockHypervisor hypervisor;
  Executor executor{{.kube = &api, .hypervisor = &hypervisor}};
  TestScheduler scheduler{clock};
  DomainWatcher watcher;
  const absl::Time t0 = clock.Now();
};

TEST_F(ManagerObserving, ADomainIsPolledOnlyWhileAskedAndItsChangeWakesTheKey) {
  bool present = false;
  int lookups = 0;
  ON_CALL(hypervisor, LookupDomain(::testing::_))
      .WillByDefault([&](absl::string_view) -> absl::StatusOr<ports::DomainInfo> {
        ++lookups;
        if (!present) return absl::NotFoundError("no domain");
        ports::DomainInfo info;
        info.name = "ns_vm";
        return info;
      });
  ON_CALL(hypervisor, GetJobStats(::testing::_)).WillByDefault(::testing::Return(ports::JobStats{}));
  EXPECT_CALL(hypervisor, LookupDomain(::testing::_)).Times(::testing::AnyNumber());
  EXPECT_CALL(hypervisor, GetJobStats(::testing::_)).Times(::testing::AnyNumber());

  Watch("a", "ns_vm");
  Manager manager(watcher, api, executor, scheduler,
                  {.observe = {.first = absl::Seconds(1), .max = absl::Seconds(4)}});
  manager.Start();
  scheduler.RunUntil(t0 + absl::Seconds(10));
  // Reconciled before the first read, then once for its first result;
  // unchanged results wake nothing, however often polled.
  ASSERT_EQ(watcher.seen_present.size(), 2u);
  EXPECT_EQ(watcher.seen_present[0].second, -1);
  EXPECT_EQ(watcher.seen_present[1].second, 0);
  // Polled at 0, 1, 3 and 7 s: the interval doubles while nothing changes.
  EXPECT_EQ(lookups, 4);

  present = true;
  scheduler.RunUntil(t0 + absl::Seconds(20));
  ASSERT_EQ(watcher.seen_present.size(), 3u);
  EXPECT_EQ(watcher.seen_present[2].second, 1);
  EXPECT_EQ(watcher.seen_present[2].first, t0 + absl::Seconds(11)) << "polled at 11 s (7 + 4)";

  // The key stops asking: no more polls, however long.
  auto stored = *ports::As<k8s::PersistentVolumeClaim>(*api.Get({kPvc, "ns", "a"}));
  stored.mutable_metadata()->mutable_labels()->erase("domain");
  ASSERT_TRUE(api.Update(stored).ok());
  scheduler.RunUntil(t0 + absl::Seconds(25));
  const int after = lookups;
  scheduler.RunUntil(t0 + absl::Minutes(5));
  EXPECT_EQ(lookups, after);
  EXPECT_EQ(manager.cache().observer().wanted(), 0u);
}

TEST_F(ManagerObserving, EveryPollFindsAReadDueEvenWhenAnEarlierOneIsScheduledLater) {
  EXPECT_CALL(hypervisor, LookupDomain(::testing::_))
      .WillRepeatedly(::testing::Return(absl::NotFoundError("no domain")));
  Watch("a", "ns_a");
  Manager manager(watcher, api, executor, scheduler,
                  {.observe = {.first = absl::Seconds(1), .max = absl::Seconds(30)}});
  manager.Start();
  scheduler.RunUntil(t0 + absl::Seconds(20));
  // "a" backed off: its next poll is far off. A new read is due at once,
  // so an earlier poll is scheduled; the later one must not poll (or fork
  // another chain of polls) when its time comes.
  for (const char* name : {"b", "c", "d"}) {
    Watch(name, absl::StrCat("ns_", name));
    scheduler.RunUntil(clock.Now() + absl::Seconds(7));
  }
  scheduler.RunUntil(t0 + absl::Minutes(10));
  int64_t poll_calls = 0;
  for (const std::string& what : scheduler.ran()) poll_calls += what == "poll";
  EXPECT_GT(manager.stats().polls, 4);
  // Stale polls run as no-ops and are not counted: none found nothing due
  // and scheduled again, so the polls counted are all that did work.
  EXPECT_LE(poll_calls, manager.stats().polls + 4) << "a stale poll chain kept running";
}

}  // namespace
}  // namespace ferry::runtime
