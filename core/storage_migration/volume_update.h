// The volume-update front-end: KubeVirt's shipped entry point to storage
// migration (a VM with spec.updateVolumesStrategy: Migration whose
// template's claim volumes the user edits) on the same core as the
// proposal's VirtualMachineInstanceMigration. A pure function from one VM
// and an observed ClusterView to the writes to make now; like
// ReconcileMigration it reads no clock and keeps nothing between calls.
//
// A change of the template's claims (KubeVirt's updatedVolumesMapping: the
// volumes in both the VMI and the template whose claim differs) becomes a
// VirtualMachineInstanceMigration of exactly those pairs, labelled and
// annotated as KubeVirt's workload updater labels its own. The migration
// controller admits, copies and switches it as any other: the VMI's spec
// changes only after the switchover to the destinations is recorded (KubeVirt
// switches it before the copy). The VMI's status tells the story in
// KubeVirt's shapes: `migratedVolumes[]` and the `VolumesChange` condition.
//
//   - in flight: VolumesChange True, migratedVolumes the pairs;
//   - reverted (every changed volume names its source again) before the
//     switchover is recorded: the migration is deleted (a cancel), VolumesChange
//     False with reason VolumesChangeCancellation, migratedVolumes emptied;
//   - changed again to other targets, or partly reverted: refused (the
//     condition's message says so), the migration goes on; once it ends the
//     remaining difference is a new change;
//   - a revert after the switchover is recorded comes too late: the decision
//     is carried out and the VM names the destinations (the delete is made
//     only at the version read, so one racing the decision is refused);
//   - the migration failed (admission refused it: a RWO volume left out, a
//     LUN, shareable or virtiofs volume, a smaller destination; or the copy
//     failed): VolumesChange False, reason VolumesChangeFailed, with the
//     migration's reason. It is not retried in a loop (KubeVirt's is): a
//     revert settles it (the condition goes), a new edit of the VM or
//     deleting the failed migration tries again;
//   - a containerDisk volume edited to a claim: the whole update is refused
//     (VolumesChange False, VolumesChangeFailed), the message naming the
//     {sourceVolume, destinationPvc} migration that moves it live;
//   - a new change waits while a cancelled migration still stops its copy;
//   - succeeded: the condition goes (as KubeVirt unsets it), migratedVolumes
//     stays.
//
// The VM records what moves in status.volumeUpdateState (KubeVirt's shape),
// written before the migration is created, and cleared once the VMI runs
// on what the template names. The template names claims the guest's data
// is not on yet, so a VMI that disappears meanwhile (shut down, deleted)
// must not be restarted from it: KubeVirt's VM controller then refuses to
// start the VM and requires a manual recovery. Ferry recovers by itself:
// the newest migration of each recorded pair says whether the switchover
// to the destination was recorded; the template is made to name the
// destination if so, else the source (the user's change is undone: it is
// applied again once the VM runs), and the record is cleared so the VM
// starts on disks holding every write. Only when no migration is left to
// say (or two are equally new) is it KubeVirt's ManualRecoveryRequired,
// with the reason.
//
// docs/storage-migration.md ("Three entry points") compares the paths.
//
//   std::vector<KubeAction> actions = ReconcileVolumeUpdate(vm, view, now);
#ifndef FERRY_CORE_STORAGE_MIGRATION_VOLUME_UPDATE_H_
#define FERRY_CORE_STORAGE_MIGRATION_VOLUME_UPDATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/kubevirt.pb.h"
#include "core/storage_migration/cluster_view.h"
#include "core/storage_migration/kube_action.h"

namespace ferry::storage_migration {

// KubeVirt's names (staging/src/kubevirt.io/api/core/v1).
inline constexpr char kVolumeUpdateLabel[] = "kubevirt.io/volume-update-migration";
inline constexpr char kWorkloadUpdateAnnotation[] = "kubevirt.io/workloadUpdateMigration";
inline constexpr char kVolumeUpdatePrefix[] = "kubevirt-workload-update-";
inline constexpr char kUpdateVolumesMigration[] = "Migration";
inline constexpr char kVolumesChange[] = "VolumesChange";
inline constexpr char kVolumesChangeCancellation[] = "VolumesChangeCancellation";
// Ferry's: KubeVirt retries a failed volume migration in a loop instead.
inline constexpr char kVolumesChangeFailed[] = "VolumesChangeFailed";
// The VM's condition while it may not start (KubeVirt's).
inline constexpr char kManualRecoveryRequired[] = "ManualRecoveryRequired";

struct VolumeChange {
  std::string volume;       // the volume's name: the disk the guest knows
  std::string source;       // the claim the VMI runs on (a PVC or DataVolume)
  std::string destination;  // the claim the VM's template names now
  friend bool operator==(const VolumeChange&, const VolumeChange&) = default;
};

// The volumes of `running` (the VMI's spec) that the template `wanted` also
// has, on another claim; in the VMI's volume order.
std::vector<VolumeChange> ChangedVolumes(const kubevirt::VirtualMachineInstanceSpec& running,
                                         const kubevirt::VirtualMachineInstanceSpec& wanted);

// The label's value: the VMI's name, or its uid when the name is longer
// than a label value may be (63), as KubeVirt does.
std::string VolumeUpdateLabelValue(const kubevirt::VirtualMachineInstance& vmi);

// The migration `changes` of `vmi` become: the same for the same VMI (by
// uid), VM spec (its generation) and changes, so a restarted front-end finds
// what it created and a failure is not retried by itself; another for other
// changes, a new edit of the VM (a move back to claims left before, a retry
// after a revert) or a restarted VMI.
std::string VolumeUpdateMigrationName(const kubevirt::VirtualMachineInstance& vmi,
                                      const std::vector<VolumeChange>& changes,
                                      int64_t vm_generation);

std::vector<KubeAction> ReconcileVolumeUpdate(const kubevirt::VirtualMachine& vm,
                                              const ClusterView& view, absl::Time now);

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_VOLUME_UPDATE_H_
