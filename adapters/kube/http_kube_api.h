// HttpKubeApi: the KubeApi port over the Kubernetes API's HTTPS, with
// libcurl (adapters/http/https_client.h: calls may come from any thread,
// connections and TLS sessions are kept alive and shared). Objects go
// as the API's JSON (api/manifest: the project's own codec, the one `lint`
// and `ferry serve` use: integers stay numbers; fields Ferry does not model
// are read past, in strict messages too, and written back as the server
// had them (kept_fields.h)), errors come back as the port's
// canonical codes (api/kube_status.h: 409 Conflict -> Aborted, 410 ->
// OutOfRange, 422 -> InvalidArgument with the server's message naming the
// field, 429/5xx -> Unavailable, a Retry-After of up to max_retry_wait
// waited and the call tried again first). Every call has a timeout. TLS is
// verified against the configured CA unless the configuration says
// `insecure_skip_tls_verify` (then a warning is logged once); the token
// never appears in an error or a log line.
//
// Watch is pull-based like the port: each call opens a watch from the
// given resourceVersion (with bookmarks) and reads until it has caught up
// with the server's current resourceVersion (read by a List of the kind
// beforehand), or until `watch_wait` passes: a quiet kind of a real API
// server may send its bookmark only later, and its informer then sees the
// events on its next Sync. Against `ferry serve`, which bookmarks at once,
// a Watch returns exactly what the fake's would.
//
//   ASSIGN_OR_RETURN(KubeClientConfig config, LoadKubeconfig("ferry.kubeconfig", ""));
//   HttpKubeApi api(config);
//   ASSIGN_OR_RETURN(ports::ObjectPtr pvc, api.Get({"PersistentVolumeClaim", "default", "d"}));
#ifndef FERRY_ADAPTERS_KUBE_HTTP_KUBE_API_H_
#define FERRY_ADAPTERS_KUBE_HTTP_KUBE_API_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/http/https_client.h"
#include "adapters/kube/kept_fields.h"
#include "adapters/kube/kube_client_config.h"
#include "api/manifest/kinds.h"
#include "core/ports/kube_api.h"
#include "nlohmann/json.hpp"

namespace ferry::adapters {

class HttpKubeApi : public ports::KubeApi {
 public:
  struct Options {
    absl::Duration timeout = absl::Seconds(30);    // every call but a watch's reading
    absl::Duration watch_wait = absl::Seconds(2);  // how long a Watch waits to catch up
    // A 429 or 503 with a Retry-After up to this long is retried within the
    // call (three tries at most); a longer one is Unavailable at once.
    absl::Duration max_retry_wait = absl::Seconds(5);
    // Where warnings go (an unverified TLS connection); stderr when unset.
    std::function<void(const std::string&)> warn = nullptr;
  };

  explicit HttpKubeApi(KubeClientConfig config) : HttpKubeApi(std::move(config), Options{}) {}
  HttpKubeApi(KubeClientConfig config, Options options);

  absl::StatusOr<ports::ObjectPtr> Get(const ports::ObjectKey& key) override;
  absl::StatusOr<ports::ObjectList> List(absl::string_view kind, absl::string_view namespace_,
                                         const ports::Selector& selector) override;
  absl::StatusOr<ports::ObjectPtr> Create(const google::protobuf::Message& object) override;
  absl::StatusOr<ports::ObjectPtr> Update(const google::protobuf::Message& object) override;
  absl::StatusOr<ports::ObjectPtr> UpdateStatus(const google::protobuf::Message& object) override;
  // A GET of the object's metadata alone (Accept: PartialObjectMetadata,
  // as client-go's metadata client asks), its resourceVersion compared:
  // a fence costs a few hundred bytes, not the object twice.
  absl::Status Fence(const google::protobuf::Message& read) override;
  absl::Status Delete(const ports::ObjectKey& key,
                      absl::string_view resource_version = "") override;
  using ports::KubeApi::Watch;
  absl::StatusOr<std::vector<ports::WatchEvent>> Watch(absl::string_view kind,
                                                       absl::string_view resource_version,
                                                       const ports::Selector& selector,
                                                       bool bookmarks) override;

  // One watch stream from `resource_version` (with bookmarks), each event
  // handed to `on_event` as it arrives, until on_event returns false, the
  // server ends it after `length` (OK), or `*cancel` turns true (OK, within
  // about a second). OutOfRange when the server no longer has that version
  // (relist); Unavailable when the connection fails.
  absl::Status WatchStream(absl::string_view kind, absl::string_view resource_version,
                           const ports::Selector& selector, absl::Duration length,
                           const std::function<bool(ports::WatchEvent)>& on_event,
                           const std::atomic<bool>* cancel = nullptr);

 private:
  // One HTTP exchange with the token. `on_data`, when set, receives the
  // body as it streams and returns false to end the exchange early (a
  // watch that caught up).
  absl::StatusOr<HttpsClient::Answer> Call(const std::string& method,
                                           const std::string& path_and_query,
                                           const std::string& body, const std::string& content_type,
                                           absl::Duration timeout,
                                           std::function<bool(absl::string_view)> on_data = nullptr,
                                           const std::atomic<bool>* cancel = nullptr,
                                           const std::string& accept = "");
  // An object of `kind` from the server's JSON, remembered in kept_.
  absl::StatusOr<ports::ObjectPtr> Read(const manifest::KindInfo& kind, const std::string& body);
  absl::StatusOr<ports::ObjectPtr> Read(const manifest::KindInfo& kind,
                                        const nlohmann::ordered_json& raw);
  absl::StatusOr<ports::ObjectPtr> Write(const std::string& method,
                                         const google::protobuf::Message& object, bool status,
                                         bool create);

  KubeClientConfig config_;
  Options options_;
  HttpsClient client_;
  KeptFields kept_;  // what the server wrote that Ferry does not model
};

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_KUBE_HTTP_KUBE_API_H_
