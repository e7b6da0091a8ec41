// The kubeconfig a served API hands its clients: one cluster (the server's
// URL and the CA that signed its certificate), one user (a bearer token),
// one context, current. kubectl, client-go and the official Python client
// read it as written. It holds the token: write it with mode 0600.
//
//   std::string yaml = Kubeconfig({.server = "https://127.0.0.1:6443", .ca_pem = id.ca_pem,
//                                  .token = token});
#ifndef FERRY_SERVE_KUBECONFIG_H_
#define FERRY_SERVE_KUBECONFIG_H_

#include <string>

#include "absl/status/status.h"

namespace ferry::serve {

struct KubeconfigFields {
  std::string server;  // https://HOST:PORT
  std::string ca_pem;
  std::string token;
  std::string name = "ferry";  // of the cluster, the user and the context
  std::string namespace_ = "default";
};

std::string Kubeconfig(const KubeconfigFields& fields);

// Writes `text` to `path` readable by its owner only (it holds a secret),
// replacing a file there. The error names the path and the reason.
absl::Status WritePrivateFile(const std::string& path, const std::string& text);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_KUBECONFIG_H_
