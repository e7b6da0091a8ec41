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
//                              acknowledged write (so a restart loses none);
//                              a volume a user moved with a volume update is
//                              judged on the VMI's claim until it switches
//   source-untouched           the VMI and VM specs change only after a
//                              switchover to the destination was recorded
//                              (the VM's as a user last applied it)
//   terminal-has-reason        a Failed or Succeeded migration says why
//   image-flattened            a container disk moved to a claim (the disk
//                              the guest runs on, and the claim the VMI and
//                              VM name) holds its image wherever the guest
//                              never wrote: the chain was flattened, not
//                              only its overlay copied
//
// and, in worlds with an oVirt engine, the LUN checkers (sim/lun_checkers.h).
//
// After every event they judge what changed since the last check that
// found nothing (a check with the same inputs finds the same): the
// migrations, guests and VMIs whose API objects changed, and every guest
// when libvirt's side moved (FakeFabric::changes). Judging everything as
// well, for tests: set_verify_incremental_for_test.
//
// They are an independent oracle: they read the API objects themselves
// (from the API's history) and the fakes' own state, never the core's
// helpers, so a bug in a helper the core uses is not mirrored by the judge:
//   - which disk image a running domain has open on each device: the
//     fabric's record (FakeFabric::OpenDisks), not its XML;
//   - which device each VMI volume is to the guest: recorded by the world
//     when it set the VM up from its manifest (World::guest_disks); a volume
//     keeps its name across a migration, whatever claim it is switched to;
//   - which fabric volume holds a claim's data: the claim's Bound phase and
//     spec.volumeName, then the cluster model's record of the volume behind
//     that PV (Cluster::VolumeOf);
//   - what the guest was acknowledged, per device: the fabric's record;
//   - which overlay and image a container disk volume started on: recorded
//     by the world when it set the VM up (World::container_disks).
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
  // A user applied objects: the VMs' specs as they are now are the user's
  // (a volume update edits them), the baseline source-untouched judges
  // Ferry's later changes against. Every earlier change was judged already.
  void RebaselineVms();
  std::optional<Violation> Check();

  static const std::vector<std::string>& Names();

  // Judge everything after every event as well, and report a "harness"
  // violation when that finds other than the incremental judgement does.
  void set_verify_incremental_for_test(bool on) { verify_ = on; }

 private:
  struct Tracked {  // a migration seen at least once
    std::string ns, vmi, vm;
    std::set<std::string> sources;
    bool succeeded = false;
    friend bool operator==(const Tracked&, const Tracked&) = default;
  };

  // (namespace, name): the API's order.
  using ObjectKey = std::pair<std::string, std::string>;

  // The API objects judged, as the checkers read them: by (namespace,
  // name) for the loops, in API order, and by "ns/name" for lookups.
  struct Objects {
    std::map<ObjectKey, std::shared_ptr<const kubevirt::VirtualMachineInstance>> vmis;
    std::map<ObjectKey, std::shared_ptr<const kubevirt::VirtualMachineInstanceMigration>> migrations;
    std::map<std::string, std::shared_ptr<const kubevirt::VirtualMachineInstance>> vmi;
    std::map<std::string, std::shared_ptr<const kubevirt::VirtualMachine>> vm;
    std::map<std::string, std::shared_ptr<const k8s::PersistentVolumeClaim>> pvc;
  };
  // What changed since the last check that judged, by "ns/name"; `all`
  // until the first one (and after a history too short to catch up).
  struct Changes {
    bool all = true;
    std::set<std::string> vmis = {}, vms = {}, pvcs = {}, migrations = {};
    std::set<std::string> vmis_named = {};  // VMIs a changed migration names, before and after
  };
  // What one check judges: everything, or what a change may have touched.
  struct Scope {
    bool all = true;
    bool all_guests = true;
    std::set<std::string> migrations = {};  // tracked, "ns/name": reclaim-after-success
    std::set<std::string> guests = {};      // domains
    std::set<ObjectKey> vmis = {};          // source-untouched
    std::set<ObjectKey> terminal = {};      // migrations: terminal-has-reason
  };
  // A guest's inputs from the API besides its VMI: its VM and the claims
  // their specs name, as "ns/name".
  struct GuestDeps {
    std::string vm = "";
    std::set<std::string> claims = {};
  };

  // Catches the objects up with the API's history, noting what changed.
  absl::Status Refresh();
  void Put(const ports::ObjectKey& key, const ports::ObjectPtr& object);
  // Tracks migrations and what they move; baselines what succeeded.
  void Track(bool all);
  Scope Touched(bool all_guests);
  std::optional<Violation> Judge(const Scope& scope);
  void IndexGuest(const std::string& domain);
  // The fabric volume holding claim ns/claim ("" while it is not bound).
  std::string ClaimVolume(const std::string& ns, const std::string& claim) const;
  std::optional<Violation> CheckGuest(const std::string& domain, const std::string& ns,
                                      const std::string& name) const;

  // Everything the storage checkers read, as counts that move when it
  // changes: the same stamp as at a check that found nothing means the
  // same verdict, so the check is skipped (most events are passes that
  // neither write nor touch libvirt). Past that, a check judges only what
  // the API changes since touched, and every guest only when the fabric
  // (or the volume records, or the guests) moved too.
  struct Stamp {
    int64_t api_rv = -1;
    uint64_t fabric = 0;
    uint64_t volume_records = 0;
    size_t guests = 0;
    friend bool operator==(const Stamp&, const Stamp&) = default;
  };
  Stamp Now() const;
  // A spec the baseline holds, by its baseline key ("VMI ns/name"): the
  // object last found equal to it. An API object never changes, so the
  // same object is the same spec, compared again only once it is replaced
  // (or the baseline is).
  bool SameAsBaseline(const std::string& key,
                      const std::shared_ptr<const google::protobuf::Message>& object,
                      const google::protobuf::Message& spec);
  void SetBaseline(const std::string& key, std::string spec);
  // Whether `object` is the one baselined as `key` (by uid; true without one).
  bool SameObject(const std::string& key, const google::protobuf::Message& object) const;

  World& world_;
  LunCheckers lun_;
  bool verify_ = false;
  Stamp clean_;  // as of the last check that found nothing
  std::map<std::string, std::shared_ptr<const google::protobuf::Message>> same_as_baseline_;
  std::map<std::string, std::string> baseline_;   // "VMI ns/name" -> spec bytes
  // "VMI ns/name" -> the uid of the VMI the guest was started as: a VMI of
  // that name with another uid (a user deleted the VM and made a new one)
  // is another object, not this guest's.
  std::map<std::string, std::string> baseline_uid_;
  std::set<std::string> rebaselined_;             // baseline keys set since the last judgement
  std::map<std::string, Tracked> migrations_;     // "ns/name" -> what it moves
  Objects objects_;                               // as of objects_rv_
  int64_t objects_rv_ = -1;
  Changes pending_;
  // Indexes, by "ns/name": tracked migrations by the claims, VMI and VM
  // they concern; VMIs by their owner VM; each migration's VMI; guests by
  // their VMI, VM and claims.
  std::map<std::string, std::set<std::string>> tracked_by_pvc_, tracked_by_vmi_, tracked_by_vm_;
  std::map<std::string, std::set<std::string>> vmis_by_vm_;
  std::map<std::string, std::string> vm_of_vmi_;
  std::map<std::string, std::string> vmi_of_migration_;
  std::map<std::string, std::set<ObjectKey>> migrations_naming_;  // VMI -> migrations naming it
  std::set<std::string> untracked_;  // migrations seen without a vmiName: looked at each time
  std::map<std::string, GuestDeps> guest_deps_;
  std::map<std::string, std::set<std::string>> guests_by_vmi_, guests_by_vm_, guests_by_pvc_;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_CHECKERS_H_
