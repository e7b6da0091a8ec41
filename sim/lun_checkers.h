// LunCheckers: the LUN-migration invariants, asserted after every event of a
// run in a world with an oVirt engine (docs/lun-migration.md, "Single
// writer"). Stable names, for scenario files' expect.violation:
//
//   lun-single-writer    a LUN in use by a running pod is attached to no
//                        oVirt VM (running or down: a down VM is one start
//                        away from writing), nor in use by pods of two VMs,
//                        nor served by two PersistentVolumes
//   lun-plan-cleanup     when a VM of a plan ends Failed or Canceled, no
//                        PV, PVC, DataVolume or VM the plan made for it is left
//   lun-source-restored  ...and its source VM has every recorded LUN attached
//                        with the recorded attributes, in the recorded power state
//   lun-pv-claim         a LUN PV is bound only to the claim its claimRef names
//   lun-names-valid      every object a plan makes has a valid name and
//                        labels, and no step was refused as invalid
//   lun-one-run-per-vm   no source VM is in the unfinished part of two runs
//                        (a second run would see its LUNs detached by the
//                        first and migrate the VM without them)
//
//   LunCheckers lun(world);
//   if (std::optional<Violation> v = lun.Check()) ...
#ifndef FERRY_SIM_LUN_CHECKERS_H_
#define FERRY_SIM_LUN_CHECKERS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/violation.h"
#include "sim/world.h"

namespace ferry::sim {

class LunCheckers {
 public:
  explicit LunCheckers(World& world) : world_(world) {}

  std::optional<Violation> Check();

  static const std::vector<std::string>& Names();

 private:
  struct EngineLun {
    std::string disk_id;
    std::string unit_id;  // the logical unit's id, as LunHolders keys it
  };
  // The engine's LUNs by the key a PV names them with (PvLunKey).
  const std::map<std::string, EngineLun>& EngineLuns();

  World& world_;
  std::set<std::string> ended_;  // "migration ns/name VM id" already judged
  std::map<std::string, EngineLun> engine_luns_;
  size_t engine_luns_disks_ = 0;  // the engine's disk count engine_luns_ was built from
  int64_t names_checked_rv_ = 0;  // lun-names-valid judged every object up to this version
  // What the last check saw: the API's resourceVersion and the engine's
  // change count. Every checker here is a function of those two (and of the
  // steps refused as invalid), so while both stand the last verdict (no
  // violation; a violation ends the run) stands too.
  int64_t checked_rv_ = -1;
  uint64_t checked_engine_ = 0;
  size_t checked_refused_ = 0;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_LUN_CHECKERS_H_
