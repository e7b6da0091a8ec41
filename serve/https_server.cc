#include "serve/https_server.h"

#include <openssl/pem.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "httplib.h"

namespace ferry::serve {

absl::StatusOr<std::unique_ptr<httplib::SSLServer>> NewHttpsServer(const TlsIdentity& identity) {
  BIO* cert_bio =
      BIO_new_mem_buf(identity.cert_pem.data(), static_cast<int>(identity.cert_pem.size()));
  BIO* key_bio =
      BIO_new_mem_buf(identity.key_pem.data(), static_cast<int>(identity.key_pem.size()));
  X509* cert =
      cert_bio != nullptr ? PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr) : nullptr;
  EVP_PKEY* key =
      key_bio != nullptr ? PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr) : nullptr;
  std::unique_ptr<httplib::SSLServer> server;
  if (cert != nullptr && key != nullptr) server = std::make_unique<httplib::SSLServer>(cert, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  BIO_free(cert_bio);
  BIO_free(key_bio);
  if (server == nullptr || !server->is_valid()) {
    return absl::FailedPreconditionError("the server's certificate or key cannot be used");
  }
  // Nothing is compressed: a request's Accept-Encoding is dropped before
  // cpp-httplib reads it (its own Request object, not const; the handlers
  // get a const view). Otherwise it compresses every JSON answer with
  // brotli at its slowest quality for a client accepting br, as libcurl
  // does: 75% of ferry up's CPU in a 20-VM LUN plan (bin/bench-lun-plan).
  // kube-apiserver compresses only answers of 128 KiB and more, and only
  // with gzip: on loopback, plain answers are the faster choice.
  server->set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server->new_task_queue = [] { return new httplib::ThreadPool(256); };
  server->set_keep_alive_max_count(100000);
  server->set_tcp_nodelay(true);
  return server;
}

absl::StatusOr<int> BindHttps(httplib::SSLServer& server, const std::string& address, int port) {
  const int bound = port == 0 ? server.bind_to_any_port(address.c_str())
                              : (server.bind_to_port(address.c_str(), port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address, ":", port,
                                               " (in use, or not an address of this host)"));
  }
  return bound;
}

std::thread ServeInBackground(httplib::Server& server) {
  std::thread thread([&server] { server.listen_after_bind(); });
  // Bounded: a listen that fails at once returns without ever running.
  for (int i = 0; i < 5000 && !server.is_running(); ++i) absl::SleepFor(absl::Milliseconds(1));
  return thread;
}

HttpRequest FromHttplib(const httplib::Request& r) {
  HttpRequest out;
  out.method = r.method;
  out.path = r.path;
  for (const auto& [key, value] : r.params) out.query.emplace_back(key, value);
  for (const auto& [key, value] : r.headers) out.headers[absl::AsciiStrToLower(key)] = value;
  out.body = r.body;
  return out;
}

}  // namespace ferry::serve
