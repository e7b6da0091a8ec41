// ServedEngine: a fake oVirt engine on a manual clock, served over HTTPS on
// loopback with a fresh CA and password, and the REST adapter's config to
// reach it; for tests of the adapter and of what drives it.
//
//   ServedEngine served("4.5.5-1.el8");
//   served.WithEngine([](fakes::FakeEngine& e) { e.AddVm({.id = "vm-1", .name = "db"}); });
//   adapters::HttpOvirt engine(served.config());
#ifndef FERRY_SERVE_OVIRT_SERVED_ENGINE_TESTING_H_
#define FERRY_SERVE_OVIRT_SERVED_ENGINE_TESTING_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "adapters/ovirt/ovirt_client_config.h"
#include "core/ports/clock.h"
#include "fakes/ovirt/fake_engine.h"
#include "serve/ovirt/ovirt_server.h"
#include "serve/tls_identity.h"

namespace ferry::serve {

class ServedEngine {
 public:
  // Fails the test (ADD_FAILURE) when the server cannot start.
  explicit ServedEngine(const std::string& version = "4.5.5-1.el8",
                        absl::Duration token_lifetime = absl::Hours(10));
  ~ServedEngine();

  // Runs `f` with the engine under the server's mutex.
  void WithEngine(const std::function<void(fakes::FakeEngine&)>& f);
  // The engine's clock (it starts at the real clock's now) and moving it on.
  absl::Time Now();
  void Advance(absl::Duration d);
  // The adapter's view: the URL, admin@internal, the password and the CA.
  adapters::OvirtClientConfig config() const;
  OvirtServer& server() { return *server_; }
  const TlsIdentity& identity() const { return identity_; }

 private:
  ports::ManualClock clock_;
  fakes::FakeEngine engine_;
  absl::Mutex mu_;
  TlsIdentity identity_;
  std::string password_;
  int tokens_ = 0;
  std::unique_ptr<OvirtServer> server_;
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_OVIRT_SERVED_ENGINE_TESTING_H_
