// What `ferry serve` and `ferry up` share: their serving flags, and a store
// served over HTTPS on loopback with a fresh CA, certificate and token and a
// kubeconfig written for it (serve/kube_server.h).
//
//   ServeFlags flags;
//   for (i...) if (ParseServeFlag(args, i, &flags, &error)) continue; ...
//   absl::StatusOr<std::unique_ptr<ServedApi>> served = ServedApi::Start(api, mu, flags, err);
//   out << (*served)->url();
#ifndef FERRY_CMD_FERRY_SERVED_API_H_
#define FERRY_CMD_FERRY_SERVED_API_H_

#include <signal.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/ports/kube_api.h"
#include "serve/kube_server.h"

namespace ferry::cli {

struct ServeFlags {
  std::string address = "127.0.0.1";
  int port = 0;
  std::string kubeconfig = "ferry.kubeconfig";
  bool log = false;
};

// Parses the serving flag at args[*i] (--address, --port, --kubeconfig,
// --log), moving *i past its value. False when args[*i] is not one of them
// (then *error is empty) or its value is bad (*error says why).
bool ParseServeFlag(const std::vector<std::string>& args, size_t* i, ServeFlags* flags,
                    std::string* error);

class ServedApi {
 public:
  // Serves `api` (guarded by `mu`; `now` is its clock, absl::Now when
  // unset) and writes the kubeconfig. The error says what failed and what
  // to do.
  static absl::StatusOr<std::unique_ptr<ServedApi>> Start(
      ports::KubeApi& api, absl::Mutex& mu, const ServeFlags& flags, std::ostream& log,
      std::function<absl::Time()> now = nullptr);
  const std::string& url() const { return url_; }
  void Stop() { server_->Stop(); }
  // The store changed other than through the server: watches look now.
  void Notify() { server_->Notify(); }

 private:
  ServedApi() = default;
  std::unique_ptr<serve::KubeServer> server_;
  std::string url_;
};

// Blocks SIGINT and SIGTERM in this thread and every thread it starts later
// (call first) and returns that set: the command waits for them with
// sigwait or sigtimedwait.
sigset_t BlockStopSignals();

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_SERVED_API_H_
