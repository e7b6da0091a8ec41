// Violation: what a checker reports when an invariant does not hold.
#ifndef FERRY_SIM_VIOLATION_H_
#define FERRY_SIM_VIOLATION_H_

#include <string>

namespace ferry::sim {

struct Violation {
  std::string checker;  // its stable name
  std::string message;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_VIOLATION_H_
