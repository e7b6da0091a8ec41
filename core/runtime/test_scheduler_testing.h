// TestScheduler: the runtime's Scheduler (scheduler.h) for tests, on a
// ManualClock: calls run in (time, order scheduled) when the test says.
#ifndef FERRY_CORE_RUNTIME_TEST_SCHEDULER_TESTING_H_
#define FERRY_CORE_RUNTIME_TEST_SCHEDULER_TESTING_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/ports/clock.h"
#include "core/runtime/scheduler.h"

namespace ferry::runtime {

// Calls in (time, order scheduled); Crash drops every call not yet run.
class TestScheduler : public Scheduler {
 public:
  explicit TestScheduler(ports::ManualClock& clock) : clock_(clock) {}
  absl::Time Now() const override { return clock_.Now(); }
  void After(absl::Duration delay, std::string what, std::function<void()> fn) override {
    calls_.emplace(std::make_pair(clock_.Now() + delay, seq_++), Call{std::move(what), std::move(fn)});
  }
  // Runs calls due until `end`; the clock ends at `end`.
  void RunUntil(absl::Time end, const std::function<bool(const std::string&)>& stop = nullptr) {
    while (!calls_.empty() && calls_.begin()->first.first <= end) {
      auto node = calls_.extract(calls_.begin());
      clock_.Set(node.key().first);
      ran_.push_back(node.mapped().what);
      node.mapped().fn();
      if (stop && stop(node.mapped().what)) return;
    }
    clock_.Set(end);
  }
  void Crash() { calls_.clear(); }
  const std::vector<std::string>& ran() const { return ran_; }

 private:
  struct Call {
    std::string what;
    std::function<void()> fn;
  };
  ports::ManualClock& clock_;
  std::map<std::pair<absl::Time, uint64_t>, Call> calls_;
  uint64_t seq_ = 0;
  std::vector<std::string> ran_;
};

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_TEST_SCHEDULER_TESTING_H_
