// Coverage goals ("sometimes" properties): named rare situations a sweep must
// reach at least once. Each run reports the goals it reached; a sweep that
// misses a goal of its workload says so (docs/simulation.md).
//
// The runner tells Coverage what happens (BeforeAction, FaultHit, EngineCall)
// and asks at the end what the run reached:
//
//   Coverage coverage(world);
//   coverage.BeforeAction(action);  // snapshots what a crash or a delete hits
//   std::vector<std::string> reached = coverage.Reached();
#ifndef FERRY_SIM_COVERAGE_H_
#define FERRY_SIM_COVERAGE_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "sim/scenario.pb.h"
#include "sim/world.h"

namespace ferry::sim {

struct CoverageGoal {
  const char* name;
  const char* description;
  bool storage;  // a storage sweep must reach it
  bool lun;      // a LUN sweep must reach it
};

// Every goal, in a fixed order.
const std::vector<CoverageGoal>& CoverageGoals();

class Coverage {
 public:
  explicit Coverage(World& world) : world_(world) {}

  // Before a scenario action runs: what a crash, a node loss or a delete
  // catches in flight.
  void BeforeAction(const scenario::Action& action);
  // An injected fault hit a call of `port` ("api", "libvirt", "ovirt").
  void FaultHit(absl::string_view port) { ++faults_hit_[std::string(port)]; }
  // The LUN controller called the engine (the runner's hook sees every call).
  void EngineCall(absl::string_view verb);

  // The goals this run reached, sorted by name; reads the world's final state.
  std::vector<std::string> Reached() const;
  // VMs the run migrated, from the world's final state: storage migrations
  // Succeeded plus VMs of LUN plans Completed.
  int64_t Migrated() const;

 private:
  World& world_;
  std::map<std::string, int> faults_hit_;
  std::set<std::string> controller_crash_mid_copy_;   // "ns/name" of migrations
  std::set<std::string> agent_crash_mid_copy_;
  std::set<std::string> crash_after_destination_;
  std::set<std::string> node_lost_;
  std::set<std::string> cancelled_mid_copy_;
  // Volume updates' migrations in flight, undecided, when the user applied.
  std::set<std::string> reverted_in_flight_;
  std::set<std::string> restarted_mid_move_;  // "namespace/name" of VMs
  std::set<std::string> lun_crash_;                   // Forklift Migrations
  bool reattached_ = false;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_COVERAGE_H_
