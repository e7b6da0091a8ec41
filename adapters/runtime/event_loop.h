// EventLoop: the runtime's Scheduler (core/runtime/scheduler.h) on the real
// clock, for the production processes. Calls run one at a time, in (due
// time, order scheduled), on the thread that calls Run: the core stays
// single-threaded. After may be called from any thread (a watch stream's,
// a signal waiter's, an HTTP handler's); Stop ends Run once the call under
// way returns, so a process stops between two steps, never inside one.
//
//   EventLoop loop;
//   Manager manager(reconciler, api, executor, loop, {});
//   manager.Start();
//   std::thread signals([&] { wait for SIGTERM; loop.Stop(); });
//   loop.Run();
#ifndef FERRY_ADAPTERS_RUNTIME_EVENT_LOOP_H_
#define FERRY_ADAPTERS_RUNTIME_EVENT_LOOP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/runtime/scheduler.h"

namespace ferry::adapters {

class EventLoop : public runtime::Scheduler {
 public:
  absl::Time Now() const override { return absl::Now(); }
  void After(absl::Duration delay, std::string what, std::function<void()> fn) override;

  // Runs calls as they come due until Stop.
  void Run();
  void Stop();

  // Calls waiting (due or not), and run so far.
  size_t pending() const;
  int64_t ran() const;

 private:
  struct Call {
    std::string what;
    std::function<void()> fn;
  };
  mutable absl::Mutex mu_;
  std::map<std::pair<absl::Time, uint64_t>, Call> calls_ ABSL_GUARDED_BY(mu_);
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t ran_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_RUNTIME_EVENT_LOOP_H_
