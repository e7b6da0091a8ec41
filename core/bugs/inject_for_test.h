// Test-only: switches one broken variant of the core on for the lifetime of
// the object (core/bugs/bugs.h). Not thread-safe with runs in flight.
//
//   ScopedBug bug(Bug::kRollbackForgetsReattach);
//   ... a sweep must now find a violation ...
#ifndef FERRY_CORE_BUGS_INJECT_FOR_TEST_H_
#define FERRY_CORE_BUGS_INJECT_FOR_TEST_H_

#include "core/bugs/bugs.h"

namespace ferry::bugs {

class ScopedBug {
 public:
  explicit ScopedBug(Bug bug);
  ~ScopedBug();
  ScopedBug(const ScopedBug&) = delete;
  ScopedBug& operator=(const ScopedBug&) = delete;
};

}  // namespace ferry::bugs

#endif  // FERRY_CORE_BUGS_INJECT_FOR_TEST_H_
