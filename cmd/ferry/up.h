// `ferry up [--world FILE] [--outside controller] [--speed X]
// [--guest-write-mib-per-s N] [--link-mib-per-s N] [--trace] [serving flags]`:
// the simulated world (cluster model, simulated libvirt hosts, an oVirt
// engine when the world has one, and Ferry's processes) run in real time,
// its API served as `ferry serve` serves it (cmd/ferry/served_api.h), until
// SIGINT or SIGTERM. Without --world it is two nodes, node-a and node-b,
// with the storage classes of the storage scenarios (`local`, the default,
// `fast` and `manual`); with it, the world block of a scenario file and
// its api_fault actions meant for the cluster model (up_faults.h; the rest
// of its actions and its expectations are not run). A VirtualMachine applied with
// kubectl starts on the node running the fewest VMs (sim/live_world.h).
// `--outside controller` leaves the storage-migration controller to a real
// `ferry controller` process over the served API.
//
// Exit codes: 0 stopped by a signal; 1 it could not start (the message
// says why and what to do); 2 usage error.
#ifndef FERRY_CMD_FERRY_UP_H_
#define FERRY_CMD_FERRY_UP_H_

#include <ostream>
#include <string>
#include <vector>

namespace ferry::cli {

int RunUpCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_UP_H_
