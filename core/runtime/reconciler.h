// Reconciler: a level-based decision for one key (controller-runtime's
// reconcile.Reconciler). It reads the current state from the cache, never
// the event that woke it, and returns the effects to take, in order; the
// manager (manager.h) runs them through the executor, one event each.
//
//   class MigrationReconciler : public Reconciler {
//     std::vector<std::string> Kinds() const override { return {kVmim, kPvc}; }
//     void Wake(const Change& c, const Cache& cache, std::vector<Key>& keys) const override {
//       if (c.kind == kVmim) keys.push_back(c.key);           // itself
//       else for (const Key& m : cache.informer(kVmim).ByIndex("claim", ...)) keys.push_back(m);
//     }
//     Result Reconcile(const Key& key, const Cache& cache, absl::Time now) override;
//   };
#ifndef FERRY_CORE_RUNTIME_RECONCILER_H_
#define FERRY_CORE_RUNTIME_RECONCILER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/ports/kube_api.h"
#include "core/runtime/cache.h"
#include "core/runtime/effect.h"
#include "core/runtime/key.h"
#include "core/runtime/observer.h"

namespace ferry::runtime {

struct Result {
  std::vector<Effect> effects;
  // Reconcile this key again after this long even if nothing changes
  // (waiting on something no informer sees: a copy's progress, a
  // deadline); zero: only when a change wakes it.
  absl::Duration requeue_after = absl::ZeroDuration();
  // What this key wants observed of systems with no watch (observer.h),
  // until its next reconcile; a result that changes wakes it.
  std::vector<Read> observe;
  // What it wants read, and then kept rather than polled (Observer::Want):
  // what a decision needs once, while nothing it decides hinges on a
  // change there. A read moved from here to `observe` is read anew first.
  std::vector<Read> keep;
  // Non-empty: what this key observed is dropped and read again, the new
  // results tagged with this (Observation::tag), before it decides: for a
  // decision that must rest on a read newer than something it just saw.
  std::string refresh;
};

// One object of a watched kind changed: before and now (null: absent).
struct Change {
  std::string kind;
  Key key;
  ports::ObjectPtr before;
  ports::ObjectPtr now;
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;

  // The kinds its decisions read: the manager's cache holds these.
  virtual std::vector<std::string> Kinds() const = 0;
  // Of a kind it reads, the objects the cache holds (every one: the
  // default); a selector keeps a process from holding and hearing of what
  // it never reads (a node's agent and other nodes' pods).
  virtual ports::Selector SelectorFor(absl::string_view /*kind*/) const { return {}; }
  // Indexes its Wake and Reconcile use, added to the cache once.
  virtual void AddIndexes(Cache& /*cache*/) const {}
  // The keys a change concerns (the cache already holds the change).
  virtual void Wake(const Change& change, const Cache& cache, std::vector<Key>& keys) const = 0;
  virtual Result Reconcile(const Key& key, const Cache& cache, absl::Time now) = 0;
  // An effect of `key`'s last result failed (the rest of that result was
  // not run; the key is requeued with back-off). Counting the failure, if
  // it counts, is the reconciler's decision, at its next reconcile.
  virtual void EffectFailed(const Key& /*key*/, const Effect& /*effect*/,
                            const absl::Status& /*status*/) {}
};

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_RECONCILER_H_
