// `ferry ovirt-serve`: the fake oVirt engine (fakes/ovirt) served over
// HTTPS on loopback with oVirt's REST API v4 and SSO (serve/ovirt), its
// disks and VMs from a scenario file's world (`world.ovirt`), or none.
// Writes the Forklift Provider and Secret that reach it (a file kubectl
// applies, readable by its owner only: it holds the password).
#ifndef FERRY_CMD_FERRY_OVIRT_SERVE_H_
#define FERRY_CMD_FERRY_OVIRT_SERVE_H_

#include <ostream>
#include <string>
#include <vector>

namespace ferry::cli {

int RunOvirtServeCommand(const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err);

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_OVIRT_SERVE_H_
