// KubeServer: the Kubernetes API over HTTPS on one address (`ferry serve`),
// in front of a KubeApi store, with cpp-httplib (Debian's libcpp-httplib:
// a small, well-kept server with OpenSSL support, threads per connection,
// and chunked responses for watches; Boost.Beast would bring Boost and
// asynchronous code for no gain at this size, libmicrohttpd a C API).
//
// Every request must carry `Authorization: Bearer TOKEN` (401 otherwise);
// the token is compared in constant time and never logged. Requests are
// served one at a time against the store (the store is single-threaded):
// `mu` is held around each call into it, so the caller can share the store
// with other threads under the same mutex. A watch streams chunked JSON
// lines, looking at the store after every write (and every `poll` at the
// latest) until its timeoutSeconds, the client leaves, or the server stops; a watch that fell behind the history
// ends with an ERROR event of 410.
//
//   KubeServer server(api, mu, identity, {.token = token});
//   RETURN_IF_ERROR(server.Start());          // listens on 127.0.0.1:<server.port()>
//   ...
//   server.Stop();
#ifndef FERRY_SERVE_KUBE_SERVER_H_
#define FERRY_SERVE_KUBE_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/ports/kube_api.h"
#include "serve/kube_handler.h"
#include "serve/tls_identity.h"

namespace httplib {
class SSLServer;
}

namespace ferry::serve {

class KubeServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    int port = 0;  // 0: any free port
    std::string token;  // required
    absl::Duration poll = absl::Milliseconds(10);  // how often a watch looks for events
    // The store's clock, for the ages of Table output (absl::Now when unset).
    std::function<absl::Time()> now = nullptr;
    // One line per request (method, path, status; never a header or body).
    std::function<void(const std::string&)> log = nullptr;
  };

  KubeServer(ports::KubeApi& api, absl::Mutex& mu, const TlsIdentity& identity, Options options);
  ~KubeServer();  // stops
  KubeServer(const KubeServer&) = delete;
  KubeServer& operator=(const KubeServer&) = delete;

  // Binds and serves on a thread of its own. FailedPrecondition when the
  // identity or token is unusable; Unavailable when the address cannot be bound.
  absl::Status Start();
  // The port it listens on (after Start).
  int port() const { return port_; }
  // Ends open watches and stops listening; returns once the server thread ended.
  void Stop();
  // The store changed other than through this server (a simulated world's
  // step): open watches look now rather than at their next poll. Writes
  // served here notify by themselves.
  void Notify();

 private:
  ports::KubeApi& api_;
  absl::Mutex& mu_;
  Options options_;
  KubeHandler handler_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;
  // Bumped by every write (Notify): a watch waits on it, up to `poll`.
  absl::Mutex changes_mu_;
  absl::CondVar changed_;
  uint64_t changes_ ABSL_GUARDED_BY(changes_mu_) = 0;
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_KUBE_SERVER_H_
