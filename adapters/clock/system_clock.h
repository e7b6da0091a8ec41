// SystemClock: the Clock port (core/ports/clock.h) on the machine's clock,
// for the processes that run in real time (`ferry serve`, the production
// binary). The simulator uses its virtual clock instead.
//
//   adapters::SystemClock clock;
//   fakes::FakeKubeApi api(clock);
#ifndef FERRY_ADAPTERS_CLOCK_SYSTEM_CLOCK_H_
#define FERRY_ADAPTERS_CLOCK_SYSTEM_CLOCK_H_

#include "absl/time/clock.h"
#include "core/ports/clock.h"

namespace ferry::adapters {

class SystemClock : public ports::Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_CLOCK_SYSTEM_CLOCK_H_
