// Checkers: the storage-migration invariants, asserted after every event of
// a run. Each has a stable name (used by scenario files' expect.violation):
//
//   reclaim-after-success      a migration's source claim or DataVolume is
//                              deleted only after that migration succeeded
//                              and both VMI and VM name the destination
//   single-runner              a guest's domain runs on at most one host
//   running-disks-complete     the disks the guest runs on hold every write
//                              it was acknowledged
//   spec-disks-complete        every disk the VMI and the VM name holds every
//                              acknowledged write (so a restart loses none)
//   source-untouched           the VMI and VM specs change only after a
//                              switchover to the destination was recorded
//   terminal-has-reason        a Failed or Succeeded migration says why
//
// and, in worlds with an oVirt engine, the LUN checkers (sim/lun_checkers.h).
//
//   Checkers checkers(world);
//   checkers.Baseline();                 // after the world is set up
//   if (std::optional<Violation> v = checkers.Check()) ...
#ifndef FERRY_SIM_CHECKERS_H_
#define FERRY_SIM_CHECKERS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/storage_migration/cluster_view.h"
#include "sim/lun_checkers.h"
#include "sim/violation.h"
#include "sim/world.h"

namespace ferry::sim {

class Checkers {
 public:
  explicit Checkers(World& world) : world_(world), lun_(world) {}

  void Baseline();
  std::optional<Violation> Check();

  static const std::vector<std::string>& Names();

 private:
  struct Tracked {  // a migration seen at least once
    std::string ns, vmi, vm;
    std::set<std::string> sources;
    bool succeeded = false;
  };

  World& world_;
  LunCheckers lun_;
  std::map<std::string, std::string> baseline_;   // "VMI ns/name" -> spec bytes
  std::map<std::string, Tracked> migrations_;     // "ns/name" -> what it moves
  std::optional<storage_migration::ClusterView> view_;  // as of view_rv_
  int64_t view_rv_ = -1;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_CHECKERS_H_
