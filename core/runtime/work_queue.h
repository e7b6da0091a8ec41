// WorkQueue: the keys waiting to be reconciled, as client-go's rate-limited
// delaying queue keeps them, without threads or a clock: time is passed in.
//
//   WorkQueue queue;
//   queue.Add(key);                              // an informer saw it change
//   while (std::optional<Key> key = queue.Pop(now)) {
//     if (reconcile(*key).ok()) {
//       queue.Forget(*key);                      // its back-off starts over
//     } else {
//       queue.AddRateLimited(*key, now);         // back off: 5 ms, 10 ms, ...
//     }
//     queue.Done(*key);
//   }
//   ... wait until queue.NextReady() or an informer's next change ...
//
// Invariants (client-go's workqueue):
//   - a key is queued at most once: adding a queued key does nothing;
//   - a key is never handed out twice at once: one added while it is being
//     processed (between Pop and Done) is queued again by Done;
//   - ready keys come out first in, first out; delayed keys become ready in
//     order of their time, then of when they were added, so a run is the
//     same every time;
//   - a delayed add keeps the earliest time asked for a key.
// Back-off per key: base * 2^(failures - 1), capped, until Forget.
#ifndef FERRY_CORE_RUNTIME_WORK_QUEUE_H_
#define FERRY_CORE_RUNTIME_WORK_QUEUE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/time/time.h"
#include "core/runtime/key.h"

namespace ferry::runtime {

class WorkQueue {
 public:
  struct Options {
    // client-go's DefaultControllerRateLimiter per-item back-off.
    absl::Duration base_delay = absl::Milliseconds(5);
    absl::Duration max_delay = absl::Seconds(1000);
  };

  WorkQueue() : WorkQueue(Options{}) {}
  explicit WorkQueue(Options options) : options_(options) {}

  // Queues `key` now.
  void Add(const Key& key);
  // Queues `key` at `ready_at` (now, if that is not later than the next Pop).
  void AddAfter(const Key& key, absl::Time ready_at);
  // Queues `key` after its back-off from `now`, and counts a failure.
  void AddRateLimited(const Key& key, absl::Time now);
  // Forgets the key's failures: its next back-off starts at the base.
  void Forget(const Key& key);
  int Failures(const Key& key) const;

  // The first ready key at `now`, marked in process; nothing when none is.
  std::optional<Key> Pop(absl::Time now);
  // The key's processing ended; queues it again if it was added meanwhile.
  void Done(const Key& key);

  // When the earliest delayed key becomes ready; nothing when none waits.
  std::optional<absl::Time> NextReady() const;
  // Keys ready now, and keys waiting for their time.
  size_t ready() const { return queue_.size(); }
  size_t waiting() const { return waiting_.size(); }

 private:
  void Promote(absl::Time now);

  Options options_;
  std::deque<Key> queue_;
  std::set<Key> dirty_;       // queued, or added while in process
  std::set<Key> processing_;  // between Pop and Done
  // Delayed keys by (ready time, add order), and each key's entry there.
  std::map<std::pair<absl::Time, uint64_t>, Key> waiting_;
  std::map<Key, std::pair<absl::Time, uint64_t>> waiting_at_;
  uint64_t next_seq_ = 0;
  std::map<Key, int> failures_;
};

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_WORK_QUEUE_H_
