// `ferry controller [process flags]`: the storage-migration controller as a
// production process (cmd/ferry/runtime_process.h): the migration
// reconciler (core/storage_migration/controller_reconciler.h) and the
// migrations' Events (events_reconciler.h) over the Kubernetes API, one
// leader by Lease ferry-system/ferry-controller, and KubeVirt's migration
// metrics (kubevirt_vmi_migration_data_{total,processed,remaining}_bytes,
// kubevirt_vmi_migration_disk_transfer_rate_bytes, the count of
// migrations per phase) beside the process's own.
#ifndef FERRY_CMD_FERRY_CONTROLLER_H_
#define FERRY_CMD_FERRY_CONTROLLER_H_

#include <ostream>
#include <string>
#include <vector>

namespace ferry::cli {

int RunControllerCommand(const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err);

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_CONTROLLER_H_
