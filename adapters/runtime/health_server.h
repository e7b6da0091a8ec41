// HealthServer: a production process's own HTTP endpoint (plain HTTP, as
// kubelet probes and Prometheus scrape it on the pod's address):
//   GET /healthz  200 "ok" while `healthy` says so (the event loop turns),
//                 else 503 with the reason;
//   GET /readyz   200 "ok" while `ready` says so (it leads and its caches
//                 synced), else 503 with the reason;
//   GET /metrics  Metrics::Text() as text/plain; version=0.0.4.
// cpp-httplib, as `ferry serve` uses; one thread of its own.
//
//   HealthServer health(metrics, {.address = "127.0.0.1", .port = 8081,
//                                 .healthy = [] { return std::string(); }, ...});
//   RETURN_IF_ERROR(health.Start());
#ifndef FERRY_ADAPTERS_RUNTIME_HEALTH_SERVER_H_
#define FERRY_ADAPTERS_RUNTIME_HEALTH_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "adapters/runtime/metrics.h"

namespace httplib {
class Server;
}

namespace ferry::adapters {

class HealthServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    int port = 0;  // 0: any free port
    // "" when healthy (ready), else why not. Called on the server's thread.
    std::function<std::string()> healthy = nullptr;
    std::function<std::string()> ready = nullptr;
  };
  HealthServer(const Metrics& metrics, Options options);
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // Unavailable when the address cannot be bound.
  absl::Status Start();
  int port() const { return port_; }
  void Stop();

 private:
  const Metrics& metrics_;
  Options options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_RUNTIME_HEALTH_SERVER_H_
