// FakeKubeApi: an in-memory Kubernetes API server for the simulator, the
// scenario runner and tests. Deterministic (uids, resourceVersions and
// generated names come from counters; time from an injected clock) and
// faithful to the API server where the core depends on it: one global
// resourceVersion, Conflict on a stale update, AlreadyExists, validation of
// every write (api/validation), generation bumped by spec changes only,
// finalizers and deletionTimestamp, label selectors, ordered watch history
// with compaction. Faults are injected through hooks: failed calls, latency,
// stale reads.
//
//   ports::ManualClock clock;
//   FakeKubeApi api(clock);
//   api.SetFaultHook([](const FakeKubeApi::Call& call) {
//     return call.verb == "update" ? absl::UnavailableError("etcd leader lost")
//                                  : absl::OkStatus();
//   });
//   // Reads of Pods see the cluster as it was 2s ago (a lagging informer).
//   api.SetStaleHook([](const FakeKubeApi::Call& call) {
//     return call.key.kind == "Pod" ? absl::Seconds(2) : absl::ZeroDuration();
//   });
#ifndef FERRY_FAKES_KUBE_FAKE_KUBE_API_H_
#define FERRY_FAKES_KUBE_FAKE_KUBE_API_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

#include "api/manifest/kinds.h"
#include "core/ports/clock.h"
#include "core/ports/kube_api.h"

namespace ferry::fakes {

class FakeKubeApi : public ports::KubeApi {
 public:
  struct Options {
    // Watch events kept; a watch from before the oldest is OutOfRange ("410 Gone").
    size_t watch_history = 100000;
    // The resourceVersion before the first write (and the oldest a watch
    // may start from). Over HTTP, "0" means "any version" to a client, and
    // a real server's etcd revision is never 0: `ferry serve` starts at 1.
    int64_t first_resource_version = 0;
  };

  // One call, as a fault hook sees it.
  struct Call {
    absl::string_view verb;  // get, list, create, update, update_status, delete, watch
    ports::ObjectKey key;    // for list and watch: kind and namespace only
  };
  // Consulted before every call; a non-OK status fails the call, changing nothing.
  using FaultHook = std::function<absl::Status(const Call&)>;
  // Consulted before every call: how long it takes. The call's effect is
  // immediate; its latency is owed by the caller (TakeLatency), whose
  // runtime (the simulator) resumes it that much later, so other processes
  // act in between.
  using DelayHook = std::function<absl::Duration(const Call&)>;
  // Consulted on every get, list and watch, after the fault hook and with
  // the same Call: how far the reader's informer cache lags behind (delayed
  // or dropped watch events); a watch delivers only events at least that
  // old (as with set_watch_delay, the larger of the two). A positive lag answers from the state at Now() - lag,
  // rebuilt from the watch history: an object created since is absent, one
  // changed or deleted since appears as it was then (older resourceVersion),
  // and a List's resourceVersion is the one of that instant. Writes always
  // see the current state, so updating a stale object fails with Conflict.
  // Zero or negative: the current state. A read older than the kept watch
  // history sees the state as of its oldest event's resourceVersion (earlier
  // ones cannot be undone), so a Watch from a stale List is never OutOfRange.
  using StaleHook = std::function<absl::Duration(const Call&)>;

  explicit FakeKubeApi(const ports::Clock& clock) : FakeKubeApi(clock, Options{}) {}
  FakeKubeApi(const ports::Clock& clock, Options options);

  absl::StatusOr<ports::ObjectPtr> Get(const ports::ObjectKey& key) override;
  absl::StatusOr<ports::ObjectList> List(absl::string_view kind,
                                         absl::string_view namespace_,
                                         const ports::Selector& selector) override;
  absl::StatusOr<ports::ObjectPtr> Create(const google::protobuf::Message& object) override;
  absl::StatusOr<ports::ObjectPtr> Update(const google::protobuf::Message& object) override;
  absl::StatusOr<ports::ObjectPtr> UpdateStatus(
      const google::protobuf::Message& object) override;
  absl::Status Delete(const ports::ObjectKey& key,
                      absl::string_view resource_version = "") override;
  using ports::KubeApi::Watch;
  absl::StatusOr<std::vector<ports::WatchEvent>> Watch(absl::string_view kind,
                                                        absl::string_view resource_version,
                                                        const ports::Selector& selector,
                                                        bool bookmarks) override;

  void SetFaultHook(FaultHook hook) { fault_hook_ = std::move(hook); }
  void SetDelayHook(DelayHook hook) { delay_hook_ = std::move(hook); }
  void SetStaleHook(StaleHook hook) { stale_hook_ = std::move(hook); }
  // The latency of the calls since the last TakeLatency, and resets it.
  absl::Duration TakeLatency() { return std::exchange(latency_, absl::ZeroDuration()); }
  // Watch events are delivered this long after their change (a slow
  // watch cache); a Watch returns only events at least this old.
  void set_watch_delay(absl::Duration delay) { watch_delay_ = delay; }

  // Deliberate damage for showing a checker fires (never a real fault):
  // changes the stored object as `mutate` says, bypassing validation.
  absl::Status CorruptForTest(const ports::ObjectKey& key,
                              const std::function<void(google::protobuf::Message*)>& mutate);

  // The current global resourceVersion.
  int64_t resource_version() const { return resource_version_; }

  // For the simulator's own models of the platform, which keep the objects
  // they read and catch up on what changed (sim/cluster_state.h). These are
  // not client calls: no hook runs, except in ListHooks.
  //
  // List(kind, namespace_) in two halves: ListHooks runs its delay, fault
  // and stale hooks and returns the fault, or how far the read lags (zero:
  // the current state); ListAt answers a read that lags `lag`, every object
  // of the kind (no selector), without running them.
  absl::StatusOr<absl::Duration> ListHooks(absl::string_view kind, absl::string_view namespace_);
  ports::ObjectList ListAt(absl::string_view kind, absl::string_view namespace_,
                           const ports::Selector& selector, absl::Duration lag) const;
  // Calls `fn(key, object)` for each write after `resource_version`, oldest
  // first (object null for a delete). False, calling nothing, when the
  // history no longer reaches back that far: read every object afresh.
  bool ForEachChangeSince(
      int64_t resource_version,
      const std::function<void(const ports::ObjectKey&, const ports::ObjectPtr&)>& fn) const;
  // Calls `fn` for every object of `kind`, in API order.
  void ForEachObject(absl::string_view kind,
                     const std::function<void(const ports::ObjectPtr&)>& fn) const;

 private:
  struct Stored {
    ports::ObjectPtr object;
    const manifest::KindInfo* kind;
  };
  struct HistoryEntry {
    std::string kind;
    int64_t resource_version;
    absl::Time at;
    ports::WatchEvent event;
    ports::ObjectPtr previous;  // the object before this event; null for kAdded
  };
  using HistoryIterator = std::deque<HistoryEntry>::const_iterator;

  // The event a watch with `selector` gets of `entry` (of its kind), if any.
  static std::optional<ports::WatchEvent> Selected(const HistoryEntry& entry,
                                                   const ports::Selector& selector,
                                                   bool everything);
  // A bookmark of `kind` at `resource_version`; null for a kind not served.
  static ports::ObjectPtr Bookmark(absl::string_view kind, int64_t resource_version);

  // Runs the delay and fault hooks, then, for a read (`lag` non-null), the
  // stale hook; *lag is left alone when there is none.
  absl::Status Fault(absl::string_view verb, const ports::ObjectKey& key,
                     absl::Duration* lag = nullptr);
  // The first history entry a read `lag` behind has not seen yet: the state
  // it sees is the current one with this entry and all later ones undone.
  HistoryIterator Unseen(absl::Duration lag) const;
  // The object at `key` as of just before `unseen`; null when it did not exist.
  ports::ObjectPtr Past(const ports::ObjectKey& key, HistoryIterator unseen) const;
  // Checks the key, the resourceVersion precondition and existence for a write.
  absl::StatusOr<const Stored*> ForWrite(const google::protobuf::Message& object,
                                         ports::ObjectKey* key) const;
  ports::ObjectPtr Commit(const ports::ObjectKey& key,
                          std::unique_ptr<google::protobuf::Message> object,
                          ports::WatchEventType type);
  std::string Timestamp() const;

  const ports::Clock& clock_;
  Options options_;
  FaultHook fault_hook_;
  DelayHook delay_hook_;
  StaleHook stale_hook_;
  absl::Duration latency_;
  absl::Duration watch_delay_;
  std::map<ports::ObjectKey, Stored> objects_;  // ordered: List is sorted
  std::deque<HistoryEntry> history_;
  int64_t resource_version_ = 0;
  int64_t compacted_through_ = 0;  // events at or before this version are gone
  int64_t uid_counter_ = 0;
  int64_t name_counter_ = 0;
};

}  // namespace ferry::fakes

#endif  // FERRY_FAKES_KUBE_FAKE_KUBE_API_H_
