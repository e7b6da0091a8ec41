// KubeHandler: the Kubernetes API over HTTP in front of any ports::KubeApi
// (the fake API server's store, for `ferry serve`), one request at a time,
// without a socket: the server binding (serve/kube_server.h) parses HTTP
// and streams watches; this decides every answer.
//
// Served: discovery (serve/discovery.h); get, list (labelSelector,
// fieldSelector; `limit` is accepted and every item returned, without a
// continue token); create; update; the status subresource (get, update,
// patch); JSON patch (RFC 6902), merge-patch (RFC 7386), strategic merge
// for the built-in kinds (serve/strategic_merge.h) and server-side apply
// (application/apply-patch+yaml: create, or merge into the stored object;
// field managers are not tracked); delete with preconditions;
// deletecollection with selectors; watch (resourceVersion,
// allowWatchBookmarks, namespace and selectors; from "" or "0" it first
// sends every current object as ADDED). Errors are Status bodies
// (api/kube_status.h). `fieldValidation=Strict` refuses unknown fields.
// With an Accept asking for a meta.k8s.io/v1 Table, get, list and watch
// answer Tables (serve/table.h). Not served: dryRun (400). It is not a
// kube-apiserver: no admission chain, no RBAC, no garbage collector
// (propagationPolicy is accepted and ignored).
//
//   KubeHandler handler(api);
//   HttpResponse r = handler.Handle({.method = "GET", .path = "/api/v1/namespaces/default/pods"});
#ifndef FERRY_SERVE_KUBE_HANDLER_H_
#define FERRY_SERVE_KUBE_HANDLER_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/manifest/kinds.h"
#include "core/ports/kube_api.h"
#include "serve/http_message.h"
#include "serve/table.h"

namespace ferry::serve {

// A watch request, parsed: what it covers and how far it has read.
struct WatchRequest {
  const manifest::KindInfo* kind = nullptr;
  std::string namespace_;  // "" for every namespace
  ports::Selector selector;
  bool bookmarks = false;
  std::string resource_version;  // advanced past every event sent
  absl::Duration timeout = absl::Minutes(30);  // timeoutSeconds
  bool started = false;  // the initial ADDED events of a watch from ""/"0" were sent
  bool table = false;  // each event's object is a Table of one row (serve/table.h)
  IncludeObject include = IncludeObject::kMetadata;
};

class KubeHandler {
 public:
  // `now` is the store's clock, for the ages of Table output (absl::Now
  // when unset).
  explicit KubeHandler(ports::KubeApi& api, std::function<absl::Time()> now = nullptr)
      : api_(api), now_(now ? std::move(now) : [] { return absl::Now(); }) {}

  // Every request but a watch's stream (a watch here answers what it has
  // now, for tests; IsWatch tells the server binding to stream instead).
  HttpResponse Handle(const HttpRequest& request);

  // Whether `request` asks to watch (watch=true, 1 or True).
  static bool IsWatch(const HttpRequest& request);
  // InvalidArgument (400) or NotFound for a malformed or unknown watch.
  absl::StatusOr<WatchRequest> ParseWatch(const HttpRequest& request);
  // The watch's next events as JSON lines ("" when none), advancing
  // `watch.resource_version`; OutOfRange when it fell behind the history
  // (the stream then ends with an ERROR event of 410, as the API server's).
  absl::StatusOr<std::string> NextEvents(WatchRequest& watch);
  // A watch's closing ERROR event for `status`.
  static std::string ErrorEvent(const absl::Status& status);

 private:
  absl::StatusOr<HttpResponse> Serve(const HttpRequest& request);
  absl::StatusOr<HttpResponse> List(const HttpRequest& request, const manifest::KindInfo& kind,
                                    const std::string& namespace_);
  absl::StatusOr<HttpResponse> Create(const HttpRequest& request, const manifest::KindInfo& kind,
                                      const std::string& namespace_);
  absl::StatusOr<HttpResponse> DeleteCollection(const HttpRequest& request,
                                                const manifest::KindInfo& kind,
                                                const std::string& namespace_);
  absl::StatusOr<HttpResponse> Replace(const HttpRequest& request, const ports::ObjectKey& key,
                                       const manifest::KindInfo& kind, bool status);
  absl::StatusOr<HttpResponse> Patch(const HttpRequest& request, const ports::ObjectKey& key,
                                     const manifest::KindInfo& kind, bool status);
  absl::StatusOr<HttpResponse> Delete(const HttpRequest& request, const ports::ObjectKey& key,
                                      const manifest::KindInfo& kind);

  // An object's answer: its JSON, or with an Accept asking for it, a Table.
  HttpResponse ObjectAnswer(const HttpRequest& request, const ports::ObjectPtr& object,
                            const manifest::KindInfo& kind, int status = 200) const;
  std::string EventLine(const WatchRequest& watch, absl::string_view type,
                        const google::protobuf::Message& object) const;

  ports::KubeApi& api_;
  std::function<absl::Time()> now_;
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_KUBE_HANDLER_H_
