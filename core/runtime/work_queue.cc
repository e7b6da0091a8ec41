#include "core/runtime/work_queue.h"

#include <algorithm>

namespace ferry::runtime {

void WorkQueue::Add(const Key& key) {
  if (!dirty_.insert(key).second) return;
  if (processing_.contains(key)) return;  // Done queues it
  queue_.push_back(key);
}

void WorkQueue::AddAfter(const Key& key, absl::Time ready_at) {
  if (auto at = waiting_at_.find(key); at != waiting_at_.end()) {
    if (at->second.first <= ready_at) return;  // the earlier time stands
    waiting_.erase(at->second);
    waiting_at_.erase(at);
  }
  const std::pair<absl::Time, uint64_t> slot{ready_at, next_seq_++};
  waiting_.emplace(slot, key);
  waiting_at_.emplace(key, slot);
}

void WorkQueue::AddRateLimited(const Key& key, absl::Time now) {
  const int failures = failures_[key]++;
  absl::Duration delay = options_.max_delay;
  // base * 2^failures, without overflowing: stop doubling at the cap.
  if (failures < 62) {
    delay = options_.base_delay;
    for (int i = 0; i < failures && delay < options_.max_delay; ++i) delay *= 2;
    delay = std::min(delay, options_.max_delay);
  }
  AddAfter(key, now + delay);
}

void WorkQueue::Forget(const Key& key) { failures_.erase(key); }

int WorkQueue::Failures(const Key& key) const {
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::Promote(absl::Time now) {
  while (!waiting_.empty() && waiting_.begin()->first.first <= now) {
    const Key key = waiting_.begin()->second;
    waiting_at_.erase(key);
    waiting_.erase(waiting_.begin());
    Add(key);
  }
}

std::optional<Key> WorkQueue::Pop(absl::Time now) {
  Promote(now);
  if (queue_.empty()) return std::nullopt;
  Key key = std::move(queue_.front());
  queue_.pop_front();
  dirty_.erase(key);
  processing_.insert(key);
  return key;
}

void WorkQueue::Done(const Key& key) {
  processing_.erase(key);
  if (dirty_.contains(key)) queue_.push_back(key);
}

std::optional<absl::Time> WorkQueue::NextReady() const {
  if (waiting_.empty()) return std::nullopt;
  return waiting_.begin()->first.first;
}

}  // namespace ferry::runtime
