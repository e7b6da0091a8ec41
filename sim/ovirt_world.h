// The oVirt side of a scenario's world: the engine's options, its disks and
// VMs from `world.ovirt` and the SAN its LUNs live on.
//
//   World::Options options;
//   options.engine = EngineOptions(scenario.world().ovirt());
//   RETURN_IF_ERROR(PopulateSan(scenario.world().ovirt(), world.san()));
//   RETURN_IF_ERROR(PopulateEngine(scenario.world().ovirt(), world.engine()));
#ifndef FERRY_SIM_OVIRT_WORLD_H_
#define FERRY_SIM_OVIRT_WORLD_H_

#include <string>

#include "absl/status/status.h"
#include "fakes/ovirt/fake_engine.h"
#include "fakes/san/fake_san.h"
#include "sim/scenario.pb.h"

namespace ferry::sim {

fakes::FakeEngine::Options EngineOptions(const scenario::Ovirt& ovirt);

// Disks, then VMs with their attachments; errors name the field.
absl::Status PopulateEngine(const scenario::Ovirt& ovirt, fakes::FakeEngine& engine);

// The SAN the engine's LUN disks live on: one LUN per LUN disk, named by
// its WWID (the logical unit id the engine shows), reached at the disk's
// portal, IQN and lun_mapping (iSCSI) or WWID (Fibre Channel), with the
// disk's CHAP credentials. A disk at an address already given is another
// view of the same LUN. Call before PopulateEngine: the engine's
// attachments hold LUNs on it.
absl::Status PopulateSan(const scenario::Ovirt& ovirt, fakes::FakeSan& san);

}  // namespace ferry::sim

#endif  // FERRY_SIM_OVIRT_WORLD_H_
