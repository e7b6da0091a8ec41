#include "sim/process_scheduler.h"

#include <algorithm>
#include <memory>

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
  auto shared = std::make_shared<Pending>(std::move(call));
  sim_.After(delay, process_, shared->what, [this, shared] { Run(shared); });
}

void ProcessScheduler::Run(const std::shared_ptr<Pending>& call) {
  // Scheduled before a slow call that has not returned yet: the process
  // is still in that call, so this waits for it.
  if (sim_.now() < busy_until_) {
    sim_.After(busy_until_ - sim_.now(), process_, call->what, [this, call] { Run(call); });
    return;
  }
  take_latency_();  // owed by earlier calls: already waited for
  in_call_ = true;
  call->fn();
  in_call_ = false;
  const absl::Duration latency = take_latency_();
  busy_until_ = sim_.now() + latency;
  std::vector<Pending> calls = std::move(scheduled_in_call_);
  scheduled_in_call_.clear();
  for (Pending& c : calls) Schedule(std::move(c), latency);
}

}  // namespace ferry::sim
