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
// They are an independent oracle: they read the API objects themselves (a
// list per kind) and the fakes' own state, never the core's helpers, so a
// bug in a helper the core uses is not mirrored by the judge:
//   - which disk image a running domain has open on each device: the
//     fabric's record (FakeFabric::OpenDisks), not its XML;
//   - which device each VMI volume is to the guest: recorded by the world
//     when it set the VM up from its manifest (World::guest_disks); a volume
//     keeps its name across a migration, whatever claim it is switched to;
//   - which fabric volume holds a claim's data: the claim's Bound phase and
//     spec.volumeName, then the cluster model's record of the volume behind
//     that PV (Cluster::VolumeOf);
//   - what the guest was acknowledged, per device: the fabric's record.
//
//   Checkers checkers(world);
//   checkers.Baseline();                 // after the world is set up
//   if (std::optional<Violation> v = checkers.Check()) ...
#ifndef FERRY_SIM_CHECKERS_H_
#define FERRY_SIM_CHECKERS_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"

#include "api/core.pb.h"
#include "api/kubevirt.pb.h"
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

  // The API objects judged, as the checkers read them; by "ns/name".
  struct Objects {
    std::vector<std::shared_ptr<const kubevirt::VirtualMachineInstance>> vmis;
    std::vector<std::shared_ptr<const kubevirt::VirtualMachineInstanceMigration>> migrations;
    std::map<std::string, std::shared_ptr<const kubevirt::VirtualMachineInstance>> vmi;
    std::map<std::string, std::shared_ptr<const kubevirt::VirtualMachine>> vm;
    std::map<std::string, std::shared_ptr<const k8s::PersistentVolumeClaim>> pvc;
  };
  // Reads them anew when the API changed since the last read.
  absl::Status Refresh();
  // The fabric volume holding claim ns/claim ("" while it is not bound).
  std::string ClaimVolume(const std::string& ns, const std::string& claim) const;
  std::optional<Violation> CheckGuest(const std::string& domain, const std::string& ns,
                                      const std::string& name) const;

  World& world_;
  LunCheckers lun_;
  std::map<std::string, std::string> baseline_;   // "VMI ns/name" -> spec bytes
  std::map<std::string, Tracked> migrations_;     // "ns/name" -> what it moves
  Objects objects_;                               // as of objects_rv_
  int64_t objects_rv_ = -1;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_CHECKERS_H_
