// OvirtServer: the fake oVirt engine's REST API v4 over HTTPS on one
// address (`ferry ovirt-serve`, and `ferry up` for its world's engine):
// OvirtHandler behind the shared HTTPS transport (serve/https_server.h).
// Requests are served one at a time against the engine: `mu` is held
// around each, so the caller shares the engine with other threads (a
// simulated world's steps) under the same mutex. One line per request to
// `log` when set: method, path and status, never a header, body or query
// (the SSO's form carries the password).
//
//   OvirtServer server(engine, mu, identity, {.handler = {.password = pw, ...}});
//   RETURN_IF_ERROR(server.Start());  // https://127.0.0.1:<server.port()>/ovirt-engine/api
#ifndef FERRY_SERVE_OVIRT_OVIRT_SERVER_H_
#define FERRY_SERVE_OVIRT_OVIRT_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "fakes/ovirt/fake_engine.h"
#include "serve/ovirt/ovirt_handler.h"
#include "serve/tls_identity.h"

namespace httplib {
class SSLServer;
}

namespace ferry::serve {

class OvirtServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    int port = 0;  // 0: any free port
    OvirtHandler::Options handler;
    std::function<void(const std::string&)> log = nullptr;
  };

  OvirtServer(fakes::FakeEngine& engine, absl::Mutex& mu, const TlsIdentity& identity,
              Options options);
  ~OvirtServer();  // stops
  OvirtServer(const OvirtServer&) = delete;
  OvirtServer& operator=(const OvirtServer&) = delete;

  // Binds and serves on a thread of its own. FailedPrecondition when the
  // identity or the password is unusable; Unavailable when the address
  // cannot be bound.
  absl::Status Start();
  int port() const { return port_; }
  // "https://ADDRESS:PORT/ovirt-engine/api", a Forklift Provider's spec.url.
  std::string url() const;
  void Stop();
  // Every issued token expires now (tests of a client's renewal). Takes `mu`.
  void ExpireTokens();

 private:
  absl::Mutex& mu_;
  Options options_;
  OvirtHandler handler_;
  const TlsIdentity& identity_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_OVIRT_OVIRT_SERVER_H_
