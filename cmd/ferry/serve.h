// `ferry serve [--address ADDR] [--port N] [--kubeconfig PATH] [-f FILE]...
// [--log]`: the fake API server's store served as the Kubernetes API over
// HTTPS (serve/kube_server.h) until SIGINT or SIGTERM. It makes a CA, a
// certificate for ADDR and a bearer token at start and writes a kubeconfig
// (mode 0600) that kubectl and client-go use as is. FILEs are created in
// the store before it serves. It is not a kube-apiserver (docs/serve.md).
//
// Exit codes: 0 stopped by a signal; 1 it could not start (the message
// says why and what to do); 2 usage error.
#ifndef FERRY_CMD_FERRY_SERVE_H_
#define FERRY_CMD_FERRY_SERVE_H_

#include <ostream>
#include <string>
#include <vector>

namespace ferry::cli {

int RunServeCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_SERVE_H_
