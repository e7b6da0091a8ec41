// PlannedStep: one step of a process that still observes by listing each
// period (the storage agent, the LUN plan): what to do and why, as a
// closure to run. The caller runs the steps one at a time (the simulator
// schedules each as its own event, so a crash can fall between any two)
// and stops a pass at the first that fails. Processes on the Manager return
// Effects instead (effect.h); PlannedStep goes when the last pass does.
#ifndef FERRY_CORE_RUNTIME_PLANNED_STEP_H_
#define FERRY_CORE_RUNTIME_PLANNED_STEP_H_

#include <functional>
#include <string>

#include "absl/status/status.h"

namespace ferry::runtime {

struct PlannedStep {
  std::string what;
  std::function<absl::Status()> run;
};

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_PLANNED_STEP_H_
