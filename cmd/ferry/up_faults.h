// UpFaults: what `ferry up` runs of its world file's actions: the api_fault
// actions meant for the cluster model (`cluster: true`), each armed at its
// at_seconds + delay_seconds on the world's clock, so a served world can be
// one whose platform is broken (every PersistentVolume update failing: a
// claim that never binds). In ferry up such a fault hits the cluster
// model's own calls only (Kubernetes' controllers, CDI, the scheduler),
// never Ferry's processes, inside or outside, nor kubectl. Every other
// action, the expectations and the liveness block are not run: NotRun
// says which, a line each.
//
//   UpFaults faults(world, scenario, log);  // world built, not started
//   for (const std::string& line : UpFaults::NotRun(scenario)) warn(line);
#ifndef FERRY_CMD_FERRY_UP_FAULTS_H_
#define FERRY_CMD_FERRY_UP_FAULTS_H_

#include <functional>
#include <string>
#include <vector>

#include "sim/armed_faults.h"
#include "sim/coverage.h"
#include "sim/scenario.pb.h"
#include "sim/world.h"

namespace ferry::cli {

class UpFaults {
 public:
  // `log` gets a line as each fault is armed.
  UpFaults(sim::World& world, const scenario::Scenario& s,
           std::function<void(const std::string&)> log);
  UpFaults(const UpFaults&) = delete;
  UpFaults& operator=(const UpFaults&) = delete;

  // What of `s` ferry up does not run, a line each (none: it runs it all).
  static std::vector<std::string> NotRun(const scenario::Scenario& s);

 private:
  sim::Coverage coverage_;
  bool observing_ = false;  // the harness's own calls: ferry up makes none
  sim::ArmedFaults faults_;
};

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_UP_FAULTS_H_
