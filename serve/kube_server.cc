#include "serve/kube_server.h"

#include <openssl/crypto.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/kube_status.h"
#include "serve/https_server.h"
#include "httplib.h"

namespace ferry::serve {
namespace {

bool Authorized(const httplib::Request& r, const std::string& token) {
  const std::string expected = absl::StrCat("Bearer ", token);
  const std::string got = r.get_header_value("Authorization");
  return got.size() == expected.size() &&
         CRYPTO_memcmp(got.data(), expected.data(), expected.size()) == 0;
}

void Answer(const HttpResponse& answer, httplib::Response& res) {
  res.status = answer.status;
  res.set_content(answer.body, answer.content_type.c_str());
}

}  // namespace

KubeServer::KubeServer(ports::KubeApi& api, absl::Mutex& mu, const TlsIdentity& identity,
                       Options options)
    : api_(api), mu_(mu), options_(std::move(options)), handler_(api, options_.now) {
  absl::StatusOr<std::unique_ptr<httplib::SSLServer>> server = NewHttpsServer(identity);
  if (server.ok()) server_ = *std::move(server);
}

KubeServer::~KubeServer() { Stop(); }

absl::Status KubeServer::Start() {
  if (server_ == nullptr) {
    return absl::FailedPreconditionError("the server's certificate or key cannot be used");
  }
  if (options_.token.empty()) {
    return absl::FailedPreconditionError("no bearer token: every request would be let in");
  }
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req, options_.token)) {
      api::KubeError e{.code = 401, .reason = "Unauthorized", .message = "Unauthorized"};
      res.status = 401;
      res.set_content(api::StatusBody(e), "application/json");
    } else {
      HttpRequest request = FromHttplib(req);
      if (KubeHandler::IsWatch(request)) {
        absl::StatusOr<WatchRequest> parsed;
        {
          absl::MutexLock lock(&mu_);
          parsed = handler_.ParseWatch(request);
        }
        if (!parsed.ok()) {
          const api::KubeError e = api::KubeErrorOf(parsed.status(), true);
          Answer(HttpResponse{.status = e.code, .body = api::StatusBody(e)}, res);
        } else {
          auto watch = std::make_shared<WatchRequest>(*std::move(parsed));
          const absl::Time end = absl::Now() + watch->timeout;
          res.status = 200;
          // Not "application/json", kube-apiserver's type for a watch: were
          // compression on (NewHttpsServer turns it off), cpp-httplib's
          // compressor would hold the events back until the stream ends.
          res.set_chunked_content_provider(
              "application/json;stream=watch", [this, watch, end](size_t, httplib::DataSink& sink) {
                uint64_t seen;
                {
                  absl::MutexLock lock(&changes_mu_);
                  seen = changes_;  // a write after this wakes the wait below
                }
                absl::StatusOr<std::string> events;
                {
                  absl::MutexLock lock(&mu_);
                  events = handler_.NextEvents(*watch);
                }
                if (!events.ok()) {
                  const std::string error = KubeHandler::ErrorEvent(events.status());
                  sink.write(error.data(), error.size());
                  sink.done();
                  return true;
                }
                if (!events->empty() && !sink.write(events->data(), events->size())) return false;
                if (stopping_ || absl::Now() >= end) {
                  sink.done();
                  return true;
                }
                if (!sink.is_writable()) return false;
                absl::MutexLock lock(&changes_mu_);
                const absl::Time until = absl::Now() + options_.poll;
                while (changes_ == seen && !stopping_ && absl::Now() < until) {
                  changed_.WaitWithDeadline(&changes_mu_, until);
                }
                return true;
              });
        }
      } else {
        HttpResponse answer;
        {
          absl::MutexLock lock(&mu_);
          answer = handler_.Handle(request);
        }
        if (request.method != "GET") Notify();
        Answer(answer, res);
      }
    }
    if (options_.log) {
      options_.log(absl::StrCat(req.method, " ", req.path, " ", res.status));
    }
  };
  server_->Get(".*", handle);
  server_->Post(".*", handle);
  server_->Put(".*", handle);
  server_->Patch(".*", handle);
  server_->Delete(".*", handle);
  absl::StatusOr<int> port = BindHttps(*server_, options_.address, options_.port);
  if (!port.ok()) return port.status();
  port_ = *port;
  thread_ = ServeInBackground(*server_);
  return absl::OkStatus();
}

void KubeServer::Notify() {
  absl::MutexLock lock(&changes_mu_);
  ++changes_;
  changed_.SignalAll();
}

void KubeServer::Stop() {
  stopping_ = true;
  Notify();
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ferry::serve
