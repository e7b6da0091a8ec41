// Manager: informers -> work queue -> reconcile -> execute, for one
// reconciler, driven by a Scheduler (controller-runtime's controller with
// one worker). Each step is its own scheduled call, so a process may crash
// between any two: a sync of the informers, one reconcile, each effect.
// Nothing it holds matters across a crash: a new manager lists afresh and
// reconciles every key again (state that matters lives in API objects).
//
//   Manager manager(reconciler, api, executor, scheduler, {});
//   manager.Start();
//
// Invariants:
//   - one key at a time: a key's effects run in order, and the next key is
//     reconciled only when they are done or one failed;
//   - an effect that fails stops the rest of its batch and requeues its key
//     with back-off (WorkQueue); a batch that succeeds forgets the key's
//     back-off and requeues it after the Result's requeue_after, if any;
//   - a failed sync is retried after sync_retry; reconciles wait for the
//     first sync that succeeds, and each catches the informers up first;
//   - every resync period, every object of every kind wakes the keys it
//     concerns, as if it had changed (a safety net for a missed change);
//   - what a reconcile asks to observe (Result::observe) is polled, one
//     read per call, while its key asks for it; a result that changed
//     wakes the keys that want it; after a batch with a libvirt or engine
//     call, the key's results are dropped and read again before it
//     decides anything more.
#ifndef FERRY_CORE_RUNTIME_MANAGER_H_
#define FERRY_CORE_RUNTIME_MANAGER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "core/ports/kube_api.h"
#include "core/runtime/cache.h"
#include "core/runtime/executor.h"
#include "core/runtime/reconciler.h"
#include "core/runtime/scheduler.h"
#include "core/runtime/work_queue.h"

namespace ferry::runtime {

class Manager {
 public:
  struct Options {
    // How often the informers catch up with the watch (the port's watch is
    // pull-based; the production event loop syncs when a stream delivers).
    absl::Duration watch_period = absl::Seconds(1);
    absl::Duration sync_retry = absl::Seconds(1);
    absl::Duration resync = absl::Minutes(10);
    WorkQueue::Options queue = {};
    // How often what a reconciler asked to observe is polled (observer.h).
    Observer::Options observe = {};
    // A line per reconcile that asked for effects and per failed sync, for
    // traces and logs (never an object's content: effects print as
    // Describe does).
    std::function<void(const std::string&)> trace = nullptr;
    // Called after each effect with what the executor returned.
    std::function<void(const Effect&, const absl::Status&)> effect_done = nullptr;
    // A key is reconciled at most once per this long: the changes in
    // between are taken together (a plan of a thousand VMs reconciled per
    // VM's change would decide for every VM a thousand times as often).
    // Zero: at once.
    absl::Duration min_interval = absl::ZeroDuration();
  };
  struct Stats {
    int64_t syncs = 0, failed_syncs = 0, reconciles = 0, effects = 0, failed_effects = 0,
            polls = 0;
  };

  Manager(Reconciler& reconciler, ports::KubeApi& api, Executor& executor, Scheduler& scheduler,
          Options options);
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Schedules the first sync.
  void Start();
  // Syncs the informers as the next call (once, however often asked before
  // it runs): a streaming watch has events waiting (production), beside
  // the periodic sync every watch_period.
  void SyncSoon();

  const Cache& cache() const { return cache_; }
  const WorkQueue& queue() const { return queue_; }
  const Stats& stats() const { return stats_; }

 private:
  void Sync();
  void Resync();
  void Work();
  void RunEffect(const Key& key, std::shared_ptr<const Result> result, size_t next);
  void Finish(const Key& key, const Result& result, bool ok);
  // Schedules the next reconcile when a key is (or will be) ready.
  void Kick();
  // One read the observer has due (each its own call), then the next.
  void Poll();
  // Schedules the next poll when a read is (or will be) due.
  void KickPoll();
  void Trace(const std::string& line) const;

  Reconciler& reconciler_;
  Executor& executor_;
  Scheduler& scheduler_;
  std::map<Key, absl::Time> last_reconciled_;  // with options_.min_interval
  const Options options_;
  Cache cache_;
  WorkQueue queue_;
  Stats stats_;
  bool working_ = false;                  // a key's batch is under way
  bool sync_soon_ = false;                // a SyncSoon call is scheduled
  std::optional<absl::Time> work_at_;     // the reconcile scheduled next, if any
  std::optional<absl::Time> poll_at_;     // the poll scheduled next, if any
  // Which scheduled reconcile or poll is the live one: an earlier one
  // scheduled since makes the one before a no-op when it comes.
  uint64_t work_token_ = 0, poll_token_ = 0;
};

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_MANAGER_H_
