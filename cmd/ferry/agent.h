// `ferry agent --node NAME [--libvirt URI] [process flags]`: the
// storage-migration agent of one node as a production process
// (cmd/ferry/runtime_process.h): the agent reconciler
// (core/storage_migration/agent_reconciler.h) over the Kubernetes API and
// the node's libvirt (adapters/libvirt; default qemu:///system). One per
// node (a DaemonSet), so no leader election. The libvirt adapter's live
// migration with non-shared storage is the libvirt issue's (19): until then
// its migrate call blocks the agent's loop while it runs.
#ifndef FERRY_CMD_FERRY_AGENT_H_
#define FERRY_CMD_FERRY_AGENT_H_

#include <ostream>
#include <string>
#include <vector>

namespace ferry::cli {

int RunAgentCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_AGENT_H_
