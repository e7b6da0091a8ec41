// Scheduler: how the manager (manager.h) is run, and the only way it learns
// the time. The simulator implements it in virtual time (each call its own
// event, dropped when the process crashes); the production binary with a
// real event loop.
#ifndef FERRY_CORE_RUNTIME_SCHEDULER_H_
#define FERRY_CORE_RUNTIME_SCHEDULER_H_

#include <functional>
#include <string>

#include "absl/time/time.h"

namespace ferry::runtime {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual absl::Time Now() const = 0;
  // Runs `fn` `delay` from now (zero: as the next thing, after what is
  // already due). `what` names it in traces.
  virtual void After(absl::Duration delay, std::string what, std::function<void()> fn) = 0;
};

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_SCHEDULER_H_
