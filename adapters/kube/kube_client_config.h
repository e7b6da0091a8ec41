// How a client reaches a Kubernetes API server: its URL (with any path
// prefix), the CA that signs its certificate, and the credentials, read
// from a kubeconfig (the current context, or a named one) or from a pod's
// service account (in-cluster).
//
//   ASSIGN_OR_RETURN(KubeClientConfig c, LoadKubeconfig(path, /*context=*/""));
//   ASSIGN_OR_RETURN(KubeClientConfig c, InClusterConfig());
#ifndef FERRY_ADAPTERS_KUBE_KUBE_CLIENT_CONFIG_H_
#define FERRY_ADAPTERS_KUBE_KUBE_CLIENT_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"

namespace ferry::adapters {

struct KubeClientConfig {
  std::string server = {};  // "https://host:port[/prefix]"
  std::string ca_pem = {};  // "" : the system's trust store
  bool insecure_skip_tls_verify = false;
  std::string token = {};            // a bearer token (secret)
  std::string client_cert_pem = {};  // a client certificate and its key (secret)
  std::string client_key_pem = {};
  std::string namespace_ = "default";
};

// InvalidArgument naming the kubeconfig field for a missing context,
// cluster, user or server; NotFound (with the path) when a file it names
// cannot be read. `context` "" is current-context. Relative file paths in
// it are relative to the kubeconfig's folder, as kubectl reads them.
absl::StatusOr<KubeClientConfig> LoadKubeconfig(const std::string& path, const std::string& context);

// The service account's token and CA under /var/run/secrets/kubernetes.io/
// serviceaccount and KUBERNETES_SERVICE_HOST/PORT. FailedPrecondition
// saying what is missing when not in a pod.
absl::StatusOr<KubeClientConfig> InClusterConfig(
    const std::string& account_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_KUBE_KUBE_CLIENT_CONFIG_H_
