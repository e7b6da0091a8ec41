// Swarm runs: each seed draws its own workload and its own fault mix (some
// fault kinds off entirely, the others at rates of their own), as a recipe;
// the recipe renders to an ordinary scenario (sim/scenario.proto) with a
// liveness phase, which the scenario runner runs. Shrinking edits the recipe
// (sim/shrink.h), so a shrunk run is again a scenario file.
//
//   Recipe recipe = DrawRecipe(Workload::kStorage, /*seed=*/42, SwarmOptions{});
//   scenario::Scenario s = RenderRecipe(recipe);
//   ScenarioResult r = RunGenerated(s);   // sim/sweep.h
#ifndef FERRY_SIM_SWARM_H_
#define FERRY_SIM_SWARM_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sim/scenario.pb.h"

namespace ferry::sim {

enum class Workload { kStorage, kLun, kMixed };

absl::StatusOr<Workload> ParseWorkload(absl::string_view name);  // storage, lun, mixed
absl::string_view WorkloadName(Workload workload);
bool HasStorage(Workload workload);
bool HasLun(Workload workload);

struct SwarmOptions {
  // Workload sizes: each seed draws 1..max (or exactly `exact_*` when set,
  // for the scale benchmarks).
  int max_storage_vms = 3;
  int max_disks = 4;
  int max_nodes = 4;
  int max_lun_vms = 3;
  int max_luns = 3;
  int exact_storage_vms = 0;
  int exact_nodes = 0;
  int exact_lun_vms = 0;
  int exact_luns = 0;
  bool faults = true;   // false: the workload alone (benchmarks)
  // RunOptions::verify_waits (false: the benchmarks, which measure the memo).
  bool verify_waits = true;
  double liveness_bound_seconds = 1800;
};

// One storage VM and its migration.
struct StorageVm {
  struct Disk {
    int size_gib = 1;
    int destination_gib = 1;          // >= size_gib
    std::string destination_class;    // local or fast
    bool data_volume = false;         // the source is a DataVolume of the VM's templates
    // The source is a containerDisk (an image of size_gib under the
    // launcher's overlay), moved by a {sourceVolume, destinationPvc} pair.
    bool container_disk = false;
  };
  std::string name;
  std::string node;
  std::vector<Disk> disks;
  double write_mib_per_s = 0;
  // A hot guest writes faster than the link over more than a link-second of
  // its disks (each at least 4 GiB): its background copy cannot converge, the controller starts it
  // again with synchronous writes. Its memory converges (10 MiB/s dirty).
  bool hot = false;
  // KubeVirt's volume update instead of a VMIM: at migrate_at the user
  // applies the VM with updateVolumesStrategy: Migration and its volumes on
  // the destination claims; Ferry creates the migration. A drawn cancel of
  // its migration is a revert of the VM's volumes; a drawn crash "when its
  // migration ..." keys on its VMI instead (the migration's name is Ferry's).
  bool volume_update = false;
  double migrate_at = 0;              // the VMIM is created (the VM edited) then
  double destination_delay = 0;       // the destination claims come this much later
  bool reclaim_delete = false;
};

// One oVirt VM of the LUN plan.
struct LunVm {
  struct Lun {
    bool fibre_channel = false;
    int size_gib = 10;
    bool reservation = false;
  };
  std::string id;    // vm-<n>
  std::string name;  // db-<n>
  bool up = true;
  std::vector<Lun> luns;
  bool image_disk = false;
};

struct Recipe {
  Workload workload = Workload::kStorage;
  uint64_t seed = 1;
  std::vector<std::string> nodes;
  std::vector<StorageVm> storage_vms;
  std::vector<LunVm> lun_vms;
  bool warm = false;
  double cutover_at = 0;     // warm plans
  double stop_seconds = 5;   // oVirt power off
  // The drawn fault mix: kind -> events per 100 simulated seconds (0: off).
  std::map<std::string, double> mix;
  // Faults and user actions, in time order: what shrinking removes.
  std::vector<scenario::Action> faults;
  double heal_at = 0;
  double liveness_bound = 1800;
};

// Every fault kind a workload draws from (docs/simulation.md lists them).
std::vector<std::string> FaultKinds(Workload workload);

Recipe DrawRecipe(Workload workload, uint64_t seed, const SwarmOptions& options);
scenario::Scenario RenderRecipe(const Recipe& recipe);
// The simulated clock's start plus `seconds`, in RFC 3339 (warm cutovers).
std::string CutoverTimestamp(double seconds);

}  // namespace ferry::sim

#endif  // FERRY_SIM_SWARM_H_
