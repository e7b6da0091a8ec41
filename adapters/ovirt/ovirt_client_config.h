// How a client reaches an oVirt engine: the API's URL and the credentials,
// as a Forklift Provider of type ovirt gives them: `spec.url` (the API's
// root, "https://engine.example.com/ovirt-engine/api") and the Secret
// `spec.secret` names, with `user`, `password`, `cacert` (the engine's CA,
// PEM) and optionally `insecureSkipVerify: "true"`.
//
//   ASSIGN_OR_RETURN(OvirtClientConfig c, OvirtConfigOf(provider, secret));
#ifndef FERRY_ADAPTERS_OVIRT_OVIRT_CLIENT_CONFIG_H_
#define FERRY_ADAPTERS_OVIRT_OVIRT_CLIENT_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "api/core.pb.h"
#include "api/forklift.pb.h"

namespace ferry::adapters {

struct OvirtClientConfig {
  std::string url = {};       // the API's root: "https://host[:port]/ovirt-engine/api"
  std::string user = {};      // "admin@internal"
  std::string password = {};  // secret
  std::string ca_pem = {};    // "" : the system's trust store
  bool insecure_skip_verify = false;
};

// InvalidArgument naming the field (`spec.url`, `data.user`, ...) when the
// Provider is not an oVirt one, its URL is not https://.../ovirt-engine/api
// (http:// is refused: the password would travel in clear), or the Secret
// lacks the user or the password. Without a cacert the system's trust
// store verifies the engine, as Forklift does.
// Nothing of the password is ever in a message.
absl::StatusOr<OvirtClientConfig> OvirtConfigOf(const forklift::Provider& provider,
                                                const k8s::Secret& secret);

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_OVIRT_OVIRT_CLIENT_CONFIG_H_
