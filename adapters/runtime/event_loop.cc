#include "adapters/runtime/event_loop.h"

namespace ferry::adapters {

void EventLoop::After(absl::Duration delay, std::string what, std::function<void()> fn) {
  absl::MutexLock lock(&mu_);
  calls_.emplace(std::make_pair(absl::Now() + delay, seq_++), Call{std::move(what), std::move(fn)});
}

void EventLoop::Run() {
  while (true) {
    Call call;
    {
      absl::MutexLock lock(&mu_);
      while (true) {
        if (stopped_) return;
        const absl::Time now = absl::Now();
        if (!calls_.empty() && calls_.begin()->first.first <= now) break;
        // Until the next call is due, a new call comes, or Stop.
        const absl::Duration wait =
            calls_.empty() ? absl::Seconds(1) : calls_.begin()->first.first - now;
        const uint64_t seq = seq_;
        auto woken = [this, seq]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return stopped_ || seq_ != seq;
        };
        mu_.AwaitWithTimeout(absl::Condition(&woken), wait);
      }
      auto node = calls_.extract(calls_.begin());
      call = std::move(node.mapped());
      ++ran_;
    }
    call.fn();
  }
}

void EventLoop::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

size_t EventLoop::pending() const {
  absl::MutexLock lock(&mu_);
  return calls_.size();
}

int64_t EventLoop::ran() const {
  absl::MutexLock lock(&mu_);
  return ran_;
}

}  // namespace ferry::adapters
