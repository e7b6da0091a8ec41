#include "serve/kube_server.h"

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/kube_status.h"
#include "httplib.h"

namespace ferry::serve {
namespace {

HttpRequest FromHttplib(const httplib::Request& r) {
  HttpRequest out;
  out.method = r.method;
  out.path = r.path;
  for (const auto& [key, value] : r.params) out.query.emplace_back(key, value);
  for (const auto& [key, value] : r.headers) out.headers[absl::AsciiStrToLower(key)] = value;
  out.body = r.body;
  return out;
}

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
  BIO* cert_bio = BIO_new_mem_buf(identity.cert_pem.data(), static_cast<int>(identity.cert_pem.size()));
  BIO* key_bio = BIO_new_mem_buf(identity.key_pem.data(), static_cast<int>(identity.key_pem.size()));
  X509* cert = cert_bio != nullptr ? PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr) : nullptr;
  EVP_PKEY* key = key_bio != nullptr ? PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr) : nullptr;
  if (cert != nullptr && key != nullptr) server_ = std::make_unique<httplib::SSLServer>(cert, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  BIO_free(cert_bio);
  BIO_free(key_bio);
}

KubeServer::~KubeServer() { Stop(); }

absl::Status KubeServer::Start() {
  if (server_ == nullptr || !server_->is_valid()) {
    return absl::FailedPreconditionError("the server's certificate or key cannot be used");
  }
  if (options_.token.empty()) return absl::FailedPreconditionError("no bearer token: every request would be let in");
  // Watches hold a thread each for as long as they stream.
  server_->new_task_queue = [] { return new httplib::ThreadPool(256); };
  // A client keeps its connection for many requests (libcurl, kubectl, a
  // load tool), not cpp-httplib's default of 5.
  server_->set_keep_alive_max_count(100000);
  // Small answers go out at once: with Nagle's algorithm a kept-alive
  // connection waits out the client's delayed ACK (40 ms) on every answer.
  server_->set_tcp_nodelay(true);
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
          // Not "application/json": cpp-httplib compresses that for a
          // client accepting gzip or br, and its compressor holds the
          // events back until the stream ends.
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
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.address.c_str());
  } else {
    port_ = server_->bind_to_port(options_.address.c_str(), options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.address, ":",
                                               options_.port, " (in use, or not an address of this host)"));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
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
