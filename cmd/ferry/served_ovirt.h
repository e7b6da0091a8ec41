// What `ferry ovirt-serve` and `ferry up` share: a fake oVirt engine served
// over HTTPS on loopback (serve/ovirt/ovirt_server.h) with a fresh CA and
// admin password, and the Forklift Provider and Secret that reach it:
// spec.url the engine's API, the Secret's user, password and cacert.
//
//   absl::StatusOr<std::unique_ptr<ServedOvirt>> served = ServedOvirt::Start(engine, mu, flags,
//   now);
//   (*served)->PointProvider(api, "default", "ovirt-engine");  // under mu
#ifndef FERRY_CMD_FERRY_SERVED_OVIRT_H_
#define FERRY_CMD_FERRY_SERVED_OVIRT_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "api/core.pb.h"
#include "api/forklift.pb.h"
#include "core/ports/kube_api.h"
#include "fakes/ovirt/fake_engine.h"
#include "serve/ovirt/ovirt_server.h"
#include "serve/tls_identity.h"

namespace ferry::cli {

struct OvirtServeFlags {
  std::string address = "127.0.0.1";
  int port = 0;
  bool log = false;  // a line per request (method, path, status)
};

class ServedOvirt {
 public:
  // Serves `engine` (guarded by `mu`; `now` is the clock its tokens expire
  // by). The error says what failed; the caller adds which of its options
  // to change.
  static absl::StatusOr<std::unique_ptr<ServedOvirt>> Start(fakes::FakeEngine& engine,
                                                            absl::Mutex& mu,
                                                            const OvirtServeFlags& flags,
                                                            std::function<absl::Time()> now,
                                                            std::ostream& log);
  std::string url() const { return server_->url(); }
  void Stop() { server_->Stop(); }

  // A Secret (user, password, cacert) and a Provider of type ovirt whose
  // spec.url is this engine, named `name` in `namespace_`.
  k8s::Secret SecretFor(const std::string& namespace_, const std::string& name) const;
  forklift::Provider ProviderFor(const std::string& namespace_, const std::string& name) const;
  // Both as a file kubectl applies (JSON documents separated by ---).
  std::string ProviderManifest(const std::string& namespace_, const std::string& name) const;

  // Every Provider of type ovirt in `api` is pointed at this engine: its
  // spec.url set, its Secret's user, password and cacert replaced (the
  // Secret created when missing). Returns the Providers' namespace/name.
  absl::StatusOr<std::vector<std::string>> PointProviders(ports::KubeApi& api) const;

 private:
  ServedOvirt() = default;
  serve::TlsIdentity identity_;
  std::string password_;
  std::unique_ptr<serve::OvirtServer> server_;
};

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_SERVED_OVIRT_H_
