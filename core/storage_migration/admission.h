// Admission of a storage migration (a VirtualMachineInstanceMigration with
// spec.localStorageMigration): a pure decision over a ClusterView, taken
// before anything is changed. Every broken rule is reported, each naming the
// field and the problem; a VMI or destination claim that does not exist yet
// (or is still starting, or importing) is not an error but a reason to wait.
//
//   const Admission admission = Admit(migration, view);
//   if (admission.verdict == Verdict::kReject) { fail with admission.reasons }
#ifndef FERRY_CORE_STORAGE_MIGRATION_ADMISSION_H_
#define FERRY_CORE_STORAGE_MIGRATION_ADMISSION_H_

#include <string>
#include <vector>

#include "api/kubevirt.pb.h"
#include "core/storage_migration/cluster_view.h"

namespace ferry::storage_migration {

enum class Verdict {
  kAdmit,   // every rule holds: the migration may start
  kWait,    // nothing is wrong, but the VMI or a destination is not ready
            // yet, or an earlier migration of the VM is still cleaning up
  kReject,  // a rule is broken: the migration fails, nothing changes
};

struct Admission {
  Verdict verdict = Verdict::kAdmit;
  // kReject: every broken rule; kWait: what is awaited. "field path: message".
  std::vector<std::string> reasons;
  // kWait: the condition reason of the first thing awaited,
  // kWaitingForVmi, kWaitingForSource, "WaitingForDestination" or
  // "WaitingForPreviousMigration".
  std::string wait_reason;
};

inline constexpr char kWaitingForVmi[] = "WaitingForVMI";
// A source claim the VMI runs on, not in the reader's cache yet.
inline constexpr char kWaitingForSource[] = "WaitingForSource";

Admission Admit(const kubevirt::VirtualMachineInstanceMigration& migration,
                const ClusterView& view);

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_ADMISSION_H_
