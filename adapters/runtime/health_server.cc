#include "adapters/runtime/health_server.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "httplib.h"

namespace ferry::adapters {

HealthServer::HealthServer(const Metrics& metrics, Options options)
    : metrics_(metrics), options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {}

HealthServer::~HealthServer() { Stop(); }

absl::Status HealthServer::Start() {
  auto probe = [](const std::function<std::string()>& check) {
    return [check](const httplib::Request&, httplib::Response& res) {
      const std::string why = check ? check() : "";
      res.status = why.empty() ? 200 : 503;
      res.set_content(why.empty() ? "ok\n" : absl::StrCat(why, "\n"), "text/plain");
    };
  };
  server_->Get("/healthz", probe(options_.healthy));
  server_->Get("/readyz", probe(options_.ready));
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.Text(), "text/plain; version=0.0.4");
  });
  port_ = options_.port == 0 ? server_->bind_to_any_port(options_.address)
                             : (server_->bind_to_port(options_.address, options_.port)
                                    ? options_.port
                                    : -1);
  if (port_ < 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.address, ":",
                                               options_.port, " for health and metrics"));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // Back only once it runs: a stop() before listening began would be lost
  // (cpp-httplib sets its running flag inside listen) and Stop would hang.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) absl::SleepFor(absl::Milliseconds(1));
  return absl::OkStatus();
}

void HealthServer::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ferry::adapters
