// Clock: the only way Ferry code learns the time. Virtual in the simulator,
// the system clock in the production binary; the core never reads a clock of
// its own.
//
//   absl::Time now = clock.Now();
#ifndef FERRY_CORE_PORTS_CLOCK_H_
#define FERRY_CORE_PORTS_CLOCK_H_

#include "absl/time/time.h"

namespace ferry::ports {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// A clock that moves only when told to: for tests and the simulator.
class ManualClock : public Clock {
 public:
  explicit ManualClock(absl::Time start = absl::FromUnixSeconds(1692259200))  // 2023-08-17
      : now_(start) {}
  absl::Time Now() const override { return now_; }
  void Advance(absl::Duration d) { now_ += d; }
  void Set(absl::Time t) { now_ = t; }

 private:
  absl::Time now_;
};

}  // namespace ferry::ports

#endif  // FERRY_CORE_PORTS_CLOCK_H_
