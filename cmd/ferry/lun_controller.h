// `ferry lun-controller --provider NS/NAME [process flags]`: the direct-LUN
// plan controller as a production process (cmd/ferry/runtime_process.h):
// the LUN plan reconciler (core/lun_migration/plan_reconciler.h) and the
// plans' Events (events_reconciler.h) over the Kubernetes API, one leader
// by Lease ferry-system/ferry-lun-controller, driving the oVirt engine of
// one Forklift Provider over its REST API (adapters/ovirt/http_ovirt.h):
// the Provider's spec.url and the user, password and cacert of the Secret
// it names, read when it starts leading. Plans whose source is another
// Provider are left alone. Metrics beside the process's own:
// ferry_lun_migration_vms{phase} from the Migrations it holds.
#ifndef FERRY_CMD_FERRY_LUN_CONTROLLER_H_
#define FERRY_CMD_FERRY_LUN_CONTROLLER_H_

#include <ostream>
#include <string>
#include <vector>

namespace ferry::cli {

int RunLunControllerCommand(const std::vector<std::string>& args, std::ostream& out,
                            std::ostream& err);

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_LUN_CONTROLLER_H_
