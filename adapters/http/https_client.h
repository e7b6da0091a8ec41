// HttpsClient: HTTP(S) calls to one server with libcurl, for the adapters
// that speak a REST API (adapters/kube, adapters/ovirt). Calls may come from
// any thread: each takes an idle easy handle (whose kept-alive connection
// it reuses) or a new one; TLS sessions and DNS answers are shared across
// threads. TLS is verified against the configured CA (the system's trust
// store when none) unless `insecure_skip_tls_verify`, which warns once.
// Every call has a timeout. A 429 or 503 with a Retry-After of up to
// `max_retry_wait` is waited and tried again within the call (three tries
// at most); a longer one is the caller's to back off from.
//
// Headers may carry secrets (a bearer token): they are never put in an
// error or a log line, and neither is a request's body.
//
//   HttpsClient client({.base_url = "https://127.0.0.1:6443", .ca_pem = ca});
//   ASSIGN_OR_RETURN(HttpsClient::Answer a,
//                    client.Call({.method = "GET", .path = "/version",
//                                 .headers = {"Authorization: Bearer " + token}}));
#ifndef FERRY_ADAPTERS_HTTP_HTTPS_CLIENT_H_
#define FERRY_ADAPTERS_HTTP_HTTPS_CLIENT_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ferry::adapters {

struct HttpsTarget {
  std::string base_url = {};  // "https://host:port[/prefix]": every path is appended to it
  std::string ca_pem = {};    // "" : the system's trust store
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem = {};  // a client certificate and its key (secret)
  std::string client_key_pem = {};
};

class HttpsClient {
 public:
  struct Options {
    // A 429 or 503 with a Retry-After up to this long is retried within the call.
    absl::Duration max_retry_wait = absl::Seconds(5);
    // Where warnings go (an unverified TLS connection); stderr when unset.
    std::function<void(const std::string&)> warn = nullptr;
  };
  struct Request {
    std::string method = "GET";
    std::string path = {};  // with its query, appended to the base URL
    std::string body = {};
    std::string content_type = {};          // sent when set
    std::vector<std::string> headers = {};  // "Name: value"; Accept: application/json by default
    absl::Duration timeout = absl::Seconds(30);
    // When set, receives the body as it streams and returns false to end
    // the exchange early; the answer's body stays empty. Not retried.
    std::function<bool(absl::string_view)> on_data = nullptr;
    // When set and true, the exchange ends within about a second.
    const std::atomic<bool>* cancel = nullptr;
  };
  struct Answer {
    long code = 0;
    std::string body;
    absl::Duration retry_after = absl::ZeroDuration();  // the Retry-After header
  };

  explicit HttpsClient(HttpsTarget target) : HttpsClient(std::move(target), Options{}) {}
  HttpsClient(HttpsTarget target, Options options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // Unavailable (with the method, URL and libcurl's reason) when no answer
  // came; an answer of any HTTP code otherwise. A streamed exchange that
  // on_data, the timeout or `cancel` ended is an answer too.
  absl::StatusOr<Answer> Call(const Request& request);

  const HttpsTarget& target() const { return target_; }

 private:
  absl::StatusOr<Answer> CallOnce(const Request& request, absl::Duration timeout);

  struct Share;
  HttpsTarget target_;
  Options options_;
  std::atomic<bool> warned_{false};  // the insecure-TLS warning, said once
  std::unique_ptr<Share> share_;
};

// `text` escaped for a URL's path or query.
std::string UrlEscape(absl::string_view text);

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_HTTP_HTTPS_CLIENT_H_
