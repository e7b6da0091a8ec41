// The migration controller as a pure function: from one migration and an
// observed ClusterView (which includes the node agents' reports in the
// migration's status), the writes to make now. It never reads a clock (the
// caller passes `now`) and keeps nothing between calls: a restarted
// controller observes the same objects and plans the same writes.
//
// Phases, the switchover protocol and the crash table are in
// docs/storage-migration.md; this is their implementation.
//
//   std::vector<KubeAction> actions = ReconcileMigration(migration, view, now, options);
#ifndef FERRY_CORE_STORAGE_MIGRATION_CONTROLLER_H_
#define FERRY_CORE_STORAGE_MIGRATION_CONTROLLER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/kubevirt.pb.h"
#include "core/ports/hypervisor.h"
#include "core/storage_migration/cluster_view.h"
#include "core/storage_migration/kube_action.h"

namespace ferry::storage_migration {

inline constexpr char kMigrationLabel[] = "ferry.io/migration";
inline constexpr char kRoleLabel[] = "ferry.io/role";
// status.copyMode once the copy mirrors the guest's writes synchronously, and
// the condition that says why (api/kubevirt.proto).
inline constexpr char kWriteBlocking[] = "WriteBlocking";
inline constexpr char kSynchronousWrites[] = "SynchronousWrites";

struct ControllerOptions {
  // KubeVirt's completionTimeoutPerGiB: the copy (disks and memory) must end
  // within this much per GiB, counted from TargetReady.
  absl::Duration completion_timeout_per_gib = absl::Seconds(150);
  // How long a migration waits for a destination claim to exist and be ready.
  absl::Duration destination_wait_timeout = absl::Minutes(5);
  // How long the target launcher may take to be scheduled and start.
  absl::Duration target_start_timeout = absl::Minutes(5);
  // How long an agent asked for a fresh report (rule 4) may stay silent
  // before condition AwaitingReport says AgentNotReporting. The switchover
  // stays undecided past it (docs/storage-migration.md, rule 4).
  absl::Duration report_wait_timeout = absl::Minutes(1);
  // KubeVirt's progressTimeout: a copy whose disks have not come closer to
  // in sync (a new lowest diskRemaining) for this long is not converging (the
  // guest writes faster than the link). KubeVirt fails it; Ferry starts it
  // again with synchronous writes (status.copyMode WriteBlocking), once.
  absl::Duration progress_timeout = absl::Seconds(150);
};

std::vector<KubeAction> ReconcileMigration(
    const kubevirt::VirtualMachineInstanceMigration& migration, const ClusterView& view,
    absl::Time now, const ControllerOptions& options);

// Names the controller and the agents agree on.
std::string TargetPodName(const kubevirt::VirtualMachineInstanceMigration& migration);
std::string DomainName(absl::string_view ns, absl::string_view vmi);
// The report an agent of `role` ("Source", "Target") last wrote, or nullptr.
const kubevirt::DomainReport* FindReport(
    const kubevirt::VirtualMachineInstanceMigrationStatus& status, absl::string_view role);
bool NodeReady(const ClusterView& view, absl::string_view node);

// Where a claim's data lives on its node: the bound PV's name, mode, capacity
// and node-local path (a `local` or `hostPath` PV's device, or "disk.img" in
// its directory). nullopt while the claim is not bound to a PV. The
// controller records it in the migration's status.destinationVolumes when the
// target is ready; the source agent copies onto what is recorded there.
std::optional<ports::VolumeSource> VolumeSourceOf(const ClusterView& view, absl::string_view ns,
                                                  absl::string_view claim);

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_CONTROLLER_H_
