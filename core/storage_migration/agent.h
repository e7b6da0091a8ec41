// The node agent as a pure function: from one migration, what the agent's
// own libvirt shows of the VM's domain, and the observed cluster, the
// actions to take on this node and the report to write into the migration's
// status (status.domainReports). Agents decide nothing the controller has
// not recorded: the source starts the copy only while no decision exists,
// aborts it or destroys its domain only after a decision says so, and the
// target resumes only after the decision for the destination, the switched
// specs and the source's absence are all durable (docs/storage-migration.md,
// rule 3).
//
//   std::vector<AgentAction> actions = PlanAgent(view);
#ifndef FERRY_CORE_STORAGE_MIGRATION_AGENT_H_
#define FERRY_CORE_STORAGE_MIGRATION_AGENT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/kubevirt.pb.h"
#include "core/ports/hypervisor.h"
#include "core/storage_migration/cluster_view.h"
#include "core/storage_migration/kube_action.h"

namespace ferry::storage_migration {

// What this node's libvirt shows of the migration's domain.
struct LocalDomain {
  bool present = false;
  ports::DomainInfo info;
  ports::JobStats job;  // the active job, or the domain's last one
};

struct AgentView {
  std::string node;
  absl::Time now;
  const kubevirt::VirtualMachineInstanceMigration* migration = nullptr;
  const ClusterView* cluster = nullptr;
  LocalDomain domain;
  int64_t bandwidth_mib_per_s = 0;  // for the copies this node starts; 0: unlimited
};

struct AgentAction {
  // kUndefine: a domain that is only a definition (shut off: libvirt
  // refuses to destroy it) is removed instead of destroyed.
  enum class Kind { kWrite, kStartMigration, kAbortJob, kDestroy, kResume, kUndefine };
  Kind kind = Kind::kWrite;
  KubeAction write;                  // kWrite
  ports::MigrationRequest request;   // kStartMigration
  std::string domain;                // kAbortJob, kDestroy, kResume, kUndefine
  std::string what;
};

// The largest report sequence in `status` (reportsRequested included): a
// new report takes this plus one.
int64_t NewestReportSequence(const kubevirt::VirtualMachineInstanceMigrationStatus& status);

// "Source", "Target" or "" (this node has no part in the migration).
std::string RoleOf(const kubevirt::VirtualMachineInstanceMigration& migration,
                   absl::string_view node);

std::vector<AgentAction> PlanAgent(const AgentView& view);

// The guest device of a VMI volume, as virt-launcher names it: virtio disks
// vda, vdb..., SATA, SCSI and USB ones sda, sdb..., each prefix counted in
// spec order ("" for a volume with no disk).
std::string DiskTargetDev(const kubevirt::VirtualMachineInstanceSpec& spec,
                          absl::string_view volume);

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_AGENT_H_
