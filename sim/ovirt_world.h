// The oVirt side of a scenario's world: the engine's options, its disks and
// VMs from `world.ovirt`, and the checks of `ovirt_fault` actions.
//
//   World::Options options;
//   options.engine = EngineOptions(scenario.world().ovirt());
//   RETURN_IF_ERROR(PopulateEngine(scenario.world().ovirt(), world.engine()));
#ifndef FERRY_SIM_OVIRT_WORLD_H_
#define FERRY_SIM_OVIRT_WORLD_H_

#include <string>

#include "absl/status/status.h"
#include "fakes/ovirt/fake_engine.h"
#include "sim/scenario.pb.h"

namespace ferry::sim {

fakes::FakeEngine::Options EngineOptions(const scenario::Ovirt& ovirt);

// Disks, then VMs with their attachments; errors name the field.
absl::Status PopulateEngine(const scenario::Ovirt& ovirt, fakes::FakeEngine& engine);

// An ovirt_fault's verb and code are ones the engine knows.
absl::Status CheckOvirtFault(const scenario::OvirtFault& fault, const std::string& where);

}  // namespace ferry::sim

#endif  // FERRY_SIM_OVIRT_WORLD_H_
