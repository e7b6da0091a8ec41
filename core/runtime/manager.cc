#include "core/runtime/manager.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ferry::runtime {
namespace {

std::map<std::string, ports::Selector, std::less<>> SelectorsOf(const Reconciler& reconciler) {
  std::map<std::string, ports::Selector, std::less<>> selectors;
  for (const std::string& kind : reconciler.Kinds()) selectors[kind] = reconciler.SelectorFor(kind);
  return selectors;
}

}  // namespace

Manager::Manager(Reconciler& reconciler, ports::KubeApi& api, Executor& executor,
                 Scheduler& scheduler, Options options)
    : reconciler_(reconciler),
      executor_(executor),
      scheduler_(scheduler),
      options_(std::move(options)),
      cache_(api, reconciler.Kinds(), options_.observe, SelectorsOf(reconciler)),
      queue_(options_.queue) {
  reconciler_.AddIndexes(cache_);
  for (const auto& [kind, informer] : cache_.informers()) {
    informer->AddHandler([this, kind = kind](const Key& key, const ports::ObjectPtr& before,
                                             const ports::ObjectPtr& now) {
      std::vector<Key> keys;
      reconciler_.Wake(Change{kind, key, before, now}, cache_, keys);
      for (const Key& k : keys) queue_.Add(k);
    });
  }
}

void Manager::Start() {
  scheduler_.After(absl::ZeroDuration(), "sync", [this] { Sync(); });
  scheduler_.After(options_.resync, "resync", [this] { Resync(); });
}

void Manager::Sync() {
  ++stats_.syncs;
  const absl::Status synced = cache_.Sync();
  if (!synced.ok()) {
    ++stats_.failed_syncs;
    Trace(absl::StrCat("sync failed, again in ", absl::FormatDuration(options_.sync_retry), ": ",
                       synced.message()));
    scheduler_.After(options_.sync_retry, "sync", [this] { Sync(); });
  } else {
    scheduler_.After(options_.watch_period, "sync", [this] { Sync(); });
  }
  Kick();
}

void Manager::SyncSoon() {
  if (sync_soon_) return;
  sync_soon_ = true;
  scheduler_.After(absl::ZeroDuration(), "sync (watch)", [this] {
    sync_soon_ = false;
    ++stats_.syncs;
    // A failure waits for the periodic sync's retry.
    if (!cache_.Sync().ok()) ++stats_.failed_syncs;
    Kick();
  });
}

void Manager::Resync() {
  for (const auto& [kind, informer] : cache_.informers()) {
    for (const auto& [key, object] : informer->objects()) {
      std::vector<Key> keys;
      reconciler_.Wake(Change{kind, key, object, object}, cache_, keys);
      for (const Key& k : keys) queue_.Add(k);
    }
  }
  scheduler_.After(options_.resync, "resync", [this] { Resync(); });
  Kick();
}

void Manager::Kick() {
  if (working_ || !cache_.has_synced()) return;
  const absl::Time now = scheduler_.Now();
  std::optional<absl::Time> next = queue_.ready() > 0 ? std::optional(now) : queue_.NextReady();
  if (!next.has_value()) return;
  if (*next < now) next = now;
  if (work_at_.has_value() && *work_at_ <= *next) return;
  work_at_ = *next;
  const uint64_t token = ++work_token_;  // as in KickPoll
  scheduler_.After(*next - now, "reconcile", [this, token] {
    if (token == work_token_) Work();
  });
}

void Manager::Work() {
  work_at_.reset();
  if (working_) return;
  const absl::Time now = scheduler_.Now();
  std::optional<Key> key = queue_.Pop(now);
  if (!key.has_value()) {
    Kick();
    return;
  }
  if (options_.min_interval > absl::ZeroDuration()) {
    auto last = last_reconciled_.find(*key);
    if (last != last_reconciled_.end() && now < last->second + options_.min_interval) {
      queue_.Done(*key);
      queue_.AddAfter(*key, last->second + options_.min_interval);
      Kick();
      return;
    }
    last_reconciled_[*key] = now;
  }
  ++stats_.reconciles;
  working_ = true;
  // The reconcile reads what the watches delivered up to now, as a real
  // informer's would be (a watch delivers in milliseconds; between the
  // periodic syncs this cache would lag a whole period, and a write retried
  // after a Conflict would conflict again until it caught up). A failed
  // sync leaves the cache as it was; the periodic one retries.
  (void)cache_.Sync();
  auto result = std::make_shared<const Result>(reconciler_.Reconcile(*key, cache_, now));
  cache_.observer().Want(*key, result->observe, now, result->keep);
  if (!result->refresh.empty()) cache_.observer().Invalidate(*key, now, result->refresh);
  KickPoll();
  if (!result->effects.empty()) {
    Trace(absl::StrCat("reconcile ", ToString(*key), ": ", result->effects.size(), " effects"));
  }
  executor_.BeginBatch();
  if (result->effects.empty()) {
    Finish(*key, *result, /*ok=*/true);
    return;
  }
  scheduler_.After(absl::ZeroDuration(), Describe(result->effects[0]),
                   [this, key = *key, result] { RunEffect(key, result, 0); });
}

void Manager::RunEffect(const Key& key, std::shared_ptr<const Result> result, size_t next) {
  ++stats_.effects;
  const absl::Status applied = executor_.Apply(result->effects[next]);
  if (options_.effect_done) options_.effect_done(result->effects[next], applied);
  if (!applied.ok()) {
    ++stats_.failed_effects;
    reconciler_.EffectFailed(key, result->effects[next], applied);
    Trace(absl::StrCat("effect failed, ", ToString(key), " backs off: ", applied.message()));
    Finish(key, *result, /*ok=*/false);
    return;
  }
  // What was just written is read back from the cache at once, as
  // client-go's mutation cache does: a reconcile before the watch delivers
  // it would decide again from the version before (and its writes conflict).
  cache_.Assume(executor_.last_written());
  if (++next == result->effects.size()) {
    Finish(key, *result, /*ok=*/true);
    return;
  }
  scheduler_.After(absl::ZeroDuration(), Describe(result->effects[next]),
                   [this, key, result, next] { RunEffect(key, result, next); });
}

void Manager::Finish(const Key& key, const Result& result, bool ok) {
  const absl::Time now = scheduler_.Now();
  if (ok) {
    queue_.Forget(key);
    if (result.requeue_after > absl::ZeroDuration()) queue_.AddAfter(key, now + result.requeue_after);
  } else {
    queue_.AddRateLimited(key, now);
  }
  queue_.Done(key);
  working_ = false;
  // An effect on a system without a watch (a libvirt or engine call) makes
  // what the key observed of it old: it is read again before the key
  // decides anything more. A Kubernetes write changes nothing observed.
  // After a failure the reads are only rechecked: an unchanged answer
  // must not cut the key's back-off short.
  Observer& observer = cache_.observer();
  bool acted = false;
  for (const Effect& e : result.effects) {
    if (std::holds_alternative<KubeWrite>(e.call)) continue;
    acted = true;
    if (e.invalidates.empty()) {
      ok ? observer.Invalidate(key, now) : observer.Recheck(key, now);
    } else {
      for (const Read& read : e.invalidates) {
        ok ? observer.Invalidate(read, now) : observer.Recheck(read, now);
      }
    }
  }
  if (acted) KickPoll();
  Kick();
}

void Manager::KickPoll() {
  std::optional<absl::Time> next = cache_.observer().NextDue();
  if (!next.has_value()) return;
  const absl::Time now = scheduler_.Now();
  if (*next < now) next = now;
  if (poll_at_.has_value() && *poll_at_ <= *next) return;
  poll_at_ = *next;
  // The poll scheduled before (later) is stale now: it must neither poll
  // nor schedule again, or each earlier need forked another chain of polls
  // (1.95 million empty polls in a 200-migration run).
  const uint64_t token = ++poll_token_;
  scheduler_.After(*next - now, "poll", [this, token] {
    if (token == poll_token_) Poll();
  });
}

void Manager::Poll() {
  poll_at_.reset();
  const absl::Time now = scheduler_.Now();
  if (const std::optional<Read> due = cache_.observer().FirstDue(now)) {
    ++stats_.polls;
    for (const Key& key : cache_.observer().Record(*due, executor_.Read(*due), now)) {
      queue_.Add(key);
    }
  }
  KickPoll();
  Kick();
}

void Manager::Trace(const std::string& line) const {
  if (options_.trace) options_.trace(line);
}

}  // namespace ferry::runtime
