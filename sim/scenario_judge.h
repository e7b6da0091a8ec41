// Judging a scenario run from the API objects and the fakes' own state:
// whether every migration and plan has ended, what is still open, and the
// scenario's `expect` block (sim/scenario.proto). Call these while the
// harness observes (armed_faults.h, Observing): their reads must meet no
// injected fault and no stale read.
//
//   if (AllTerminal(world)) ...;
//   for (const std::string& f : JudgeExpectations(s.expect(), world, files)) ...;
#ifndef FERRY_SIM_SCENARIO_JUDGE_H_
#define FERRY_SIM_SCENARIO_JUDGE_H_

#include <string>
#include <vector>

#include "sim/scenario.pb.h"
#include "sim/scenario_files.h"
#include "sim/world.h"

namespace ferry::sim {

// Every VirtualMachineInstanceMigration has succeeded or failed and holds no
// finalizer, and every Forklift Migration has completed; false when the
// API does not answer.
bool AllTerminal(World& world);

// What is not terminal yet, one phrase each ("VirtualMachineInstanceMigration
// default/m in phase Running with its finalizer"), for a liveness failure.
std::vector<std::string> NotTerminal(World& world);

// The failures of the expectations that judge the end state: migrations'
// phases and reasons, fields, same_spec, oVirt VMs, absent and present
// objects, acknowledged writes. (An expected violation and untriggered
// actions are the runner's: they judge the run, not the state.)
std::vector<std::string> JudgeExpectations(const scenario::Expect& e, World& world,
                                           const ScenarioFiles& files);

}  // namespace ferry::sim

#endif  // FERRY_SIM_SCENARIO_JUDGE_H_
