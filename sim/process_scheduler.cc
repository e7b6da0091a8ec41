#include "sim/process_scheduler.h"

#include <algorithm>

namespace ferry::sim {

void ProcessScheduler::After(absl::Duration delay, std::string what, std::function<void()> fn) {
  Pending call{delay, std::move(what), std::move(fn)};
  if (in_call_) {
    scheduled_in_call_.push_back(std::move(call));  // once the call's latency is known
    return;
  }
  Schedule(std::move(call), absl::ZeroDuration());
}

void ProcessScheduler::Schedule(Pending call, absl::Duration latency) {
  const absl::Duration delay =
      std::max(std::max(call.delay, gap_) + latency, busy_until_ - sim_.now());
  sim_.After(delay, process_, call.what,
             [this, fn = std::move(call.fn)] {
               take_latency_();  // owed by earlier calls: already waited for
               in_call_ = true;
               fn();
               in_call_ = false;
               const absl::Duration latency = take_latency_();
               busy_until_ = sim_.now() + latency;
               std::vector<Pending> calls = std::move(scheduled_in_call_);
               scheduled_in_call_.clear();
               for (Pending& c : calls) Schedule(std::move(c), latency);
             });
}

}  // namespace ferry::sim
