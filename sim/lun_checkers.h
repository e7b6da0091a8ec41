// LunCheckers: the LUN-migration invariants, asserted after every event of a
// run in a world with an oVirt engine (docs/lun-migration.md, "Single
// writer"). Stable names, for scenario files' expect.violation:
//
//   lun-single-writer    a LUN a pod's node is logged in to is held by no
//                        oVirt VM (running or down: a down VM is one start
//                        away from writing), nor held by pods of two VMs,
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
// An independent oracle: who holds a LUN is read from the SAN
// (fakes/san: the engine's attachments and the kubelet's logins), which
// claims a pod mounted from the kubelet's own record, which LUN a PV names
// is resolved against the SAN here, and the rest from the API objects and
// the engine; never through the core's helpers, so a defect in those cannot
// hide itself. Only the API's contract (label and annotation names, phase
// names) is shared with the core.
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

#include "api/core.pb.h"
#include "sim/api_mirror.h"
#include "sim/violation.h"
#include "sim/world.h"

namespace ferry::sim {

class LunCheckers {
 public:
  explicit LunCheckers(World& world);

  std::optional<Violation> Check();

  static const std::vector<std::string>& Names();

 private:
  // What a check judges again: PVs by name, LUNs by the SAN's id.
  struct Dirty {
    std::set<std::string> pvs, luns;
  };
  // Brings the indexes below up to date with the mirror's and the SAN's
  // last changes.
  void Reindex(Dirty* dirty);
  // The SAN's LUN a PV names ("" none): its iscsi portal, IQN and LUN
  // number, or the first of its fc WWIDs that the SAN has.
  std::string LunOfPv(const k8s::PersistentVolume& pv) const;
  std::optional<Violation> CheckNames() const;
  std::optional<Violation> CheckPvClaims(const std::set<std::string>& dirty_pvs) const;
  std::optional<Violation> CheckSingleWriter(const std::set<std::string>& dirty_luns);
  std::optional<Violation> CheckOneRunPerVm();
  std::optional<Violation> CheckEndedVms();
  const ports::ObjectPtr* FindNamespaced(absl::string_view kind, const std::string& ns,
                                         const std::string& name) const;

  World& world_;
  // The objects the checkers read, kept from the watch history: each check
  // reads only what changed since the last one, and keeps the indexes below
  // up to date with it.
  ApiMirror mirror_;
  std::set<std::string> ended_;  // "migration ns/name VM id" already judged
  // What the last check saw: the API's resourceVersion, the engine's change
  // count and the SAN's journal length. Every checker here is a function of
  // those (and of the steps refused as invalid), so while they stand the
  // last verdict (no violation; a violation ends the run) stands too.
  int64_t checked_rv_ = -1;
  uint64_t checked_engine_ = 0;
  size_t checked_san_ = 0;
  size_t checked_refused_ = 0;

  // Indexes. Claims and pods are "ns/name" with the namespace defaulted.
  std::map<std::string, std::string> lun_of_pv_;               // PV -> its SAN LUN ("" none)
  std::map<std::string, std::set<std::string>> pvs_of_lun_;    // SAN LUN -> PVs
  std::map<std::string, std::string> pv_of_claim_;             // bound claim -> PV
  std::map<std::string, std::set<std::string>> claims_of_pv_;  // PV -> claims bound to it
  std::map<std::string, std::set<std::string>> vms_of_run_;     // Migration -> VMs in flight
  std::map<std::string, std::set<std::string>> runs_of_vm_;     // source VM -> Migrations
  // Objects a plan made, by "<plan uid> <source VM id>": "<kind index> ns/name".
  std::map<std::string, std::set<std::string>> made_by_;
  std::map<std::string, std::string> owner_of_;  // "<kind index> ns/name" -> its owner ("" none)
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_LUN_CHECKERS_H_
