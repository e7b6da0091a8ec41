// Building a scenario's world (the `world` block of sim/scenario.proto):
// the options it asks for, then its nodes, manifests, running VMs and oVirt
// engine. The scenario runner builds every run's world with it; `ferry up`
// builds the world it serves.
//
//   World world(WorldOptionsOf(loaded.scenario));
//   RETURN_IF_ERROR(BuildWorld(loaded.scenario, loaded.files, world));
#ifndef FERRY_SIM_WORLD_BUILDER_H_
#define FERRY_SIM_WORLD_BUILDER_H_

#include "absl/status/status.h"
#include "sim/scenario.pb.h"
#include "sim/scenario_files.h"
#include "sim/world.h"

namespace ferry::sim {

// The seed, link, tuning and engine the scenario asks for (a LUN world when
// it has world.ovirt); everything else as World::Options has it.
World::Options WorldOptionsOf(const scenario::Scenario& s);

// Applies a manifest text's objects (World::Apply) as a user would; errors
// name `where`.
absl::Status ApplyManifests(absl::string_view where, absl::string_view text, World& world);

// Adds the nodes, applies the manifests (inline, then files, as a user
// would), brings the running VMs up and fills the SAN and engine. Errors
// name the field or file.
absl::Status BuildWorld(const scenario::Scenario& s, const ScenarioFiles& files, World& world);

}  // namespace ferry::sim

#endif  // FERRY_SIM_WORLD_BUILDER_H_
