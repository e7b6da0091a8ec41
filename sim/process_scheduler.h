// ProcessScheduler: the runtime's Scheduler (core/runtime/scheduler.h) for
// one simulated process. Each call is an event owned by the process, so a
// crash drops whatever it had not yet run; what the ports charged a call in
// latency (World::TakeLatency) delays the calls it schedules, and any call
// that comes due before a slow call has returned waits for it (the process
// is single-threaded: nothing of it runs while it is in a call); and every
// call is at least `gap` after the one that scheduled it, so a crash can
// fall between any two.
//
//   ProcessScheduler scheduler(sim, "controller", [&] { return TakeLatency(...); },
//                              absl::Milliseconds(1));
//   runtime::Manager manager(reconciler, api, executor, scheduler, {});
#ifndef FERRY_SIM_PROCESS_SCHEDULER_H_
#define FERRY_SIM_PROCESS_SCHEDULER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "core/runtime/scheduler.h"
#include "sim/simulation.h"

namespace ferry::sim {

class ProcessScheduler : public runtime::Scheduler {
 public:
  // The latency the process's calls incurred since the last take.
  using TakeLatency = std::function<absl::Duration()>;

  ProcessScheduler(Simulation& sim, std::string process, TakeLatency take_latency,
                   absl::Duration gap)
      : sim_(sim), process_(std::move(process)), take_latency_(std::move(take_latency)),
        gap_(gap) {}

  absl::Time Now() const override { return sim_.now(); }
  void After(absl::Duration delay, std::string what, std::function<void()> fn) override;

 private:
  struct Pending {
    absl::Duration delay;
    std::string what;
    std::function<void()> fn;
  };
  void Schedule(Pending call, absl::Duration latency);
  void Run(const std::shared_ptr<Pending>& call);

  Simulation& sim_;
  const std::string process_;
  TakeLatency take_latency_;
  const absl::Duration gap_;
  bool in_call_ = false;
  // The last call "returns" here (its latency): nothing of the process runs
  // earlier, even a call scheduled later by another of its calls.
  absl::Time busy_until_ = absl::InfinitePast();
  std::vector<Pending> scheduled_in_call_;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_PROCESS_SCHEDULER_H_
