#include "adapters/kube/http_kube_api.h"

#include <memory>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/kube_status.h"
#include "api/manifest/api_object.h"
#include "api/manifest/kinds.h"
#include "api/manifest/reader.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"

namespace ferry::adapters {
namespace {

using Json = nlohmann::ordered_json;
using manifest::KindInfo;

absl::StatusOr<const KindInfo*> KindOf(absl::string_view kind) {
  const KindInfo* info = manifest::FindKindNamed(kind);
  if (info == nullptr)
    return absl::InvalidArgumentError(absl::StrCat("kind \"", kind, "\" is not one Ferry knows"));
  return info;
}

std::string QueryOf(const ports::Selector& selector) {
  const auto [labels, fields] = ports::SelectorQuery(selector);
  std::string q;
  if (!labels.empty()) absl::StrAppend(&q, "&labelSelector=", UrlEscape(labels));
  if (!fields.empty()) absl::StrAppend(&q, "&fieldSelector=", UrlEscape(fields));
  return q;
}

// What client-go's metadata client asks for: the object's metadata alone.
constexpr char kPartialObjectMetadata[] =
    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

// An object of `kind` from the server's JSON.
absl::StatusOr<ports::ObjectPtr> Decode(const KindInfo& kind, const std::string& json) {
  std::unique_ptr<google::protobuf::Message> object(kind.prototype->New());
  if (absl::Status st =
          manifest::ParseDocument(json, object.get(), {.lenient = true}, "the server's answer");
      !st.ok()) {
    return absl::InternalError(
        absl::StrCat("the server answered a ", kind.kind, " Ferry cannot read: ", st.message()));
  }
  return ports::ObjectPtr(std::move(object));
}

int64_t VersionOf(absl::string_view rv) {
  int64_t v = 0;
  return absl::SimpleAtoi(rv, &v) ? v : 0;
}

// One line of a watch stream: its event (and the object's JSON as sent),
// or the Status of an ERROR event.
absl::StatusOr<ports::WatchEvent> ParseEventLine(const KindInfo& kind, absl::string_view line,
                                                 Json* raw) {
  const Json event = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (event.is_object() && event.value("kind", "") == "Status") {
    // The watch was refused (401, 403, 404...): its Status, not an event.
    return api::StatusFromHttp(event.value("code", 500), std::string(line));
  }
  if (!event.is_object() || !event.contains("object")) {
    return absl::InternalError(
        absl::StrCat("a watch of ", kind.kind, " sent a line that is not an event"));
  }
  const std::string type = event.value("type", "");
  if (type == "ERROR") {
    const Json& status = event["object"];
    return api::StatusFromHttp(status.value("code", 500), status.dump());
  }
  *raw = event["object"];
  ASSIGN_OR_RETURN(ports::ObjectPtr object, Decode(kind, raw->dump()));
  const ports::WatchEventType t = type == "ADDED"      ? ports::WatchEventType::kAdded
                                  : type == "MODIFIED" ? ports::WatchEventType::kModified
                                  : type == "BOOKMARK" ? ports::WatchEventType::kBookmark
                                                       : ports::WatchEventType::kDeleted;
  return ports::WatchEvent{t, std::move(object)};
}

}  // namespace

HttpKubeApi::HttpKubeApi(KubeClientConfig config, Options options)
    : config_(std::move(config)),
      options_(std::move(options)),
      client_({.base_url = config_.server,
               .ca_pem = config_.ca_pem,
               .insecure_skip_tls_verify = config_.insecure_skip_tls_verify,
               .client_cert_pem = config_.client_cert_pem,
               .client_key_pem = config_.client_key_pem},
              {.max_retry_wait = options_.max_retry_wait, .warn = options_.warn}) {}

absl::StatusOr<HttpsClient::Answer> HttpKubeApi::Call(
    const std::string& method, const std::string& path_and_query, const std::string& body,
    const std::string& content_type, absl::Duration timeout,
    std::function<bool(absl::string_view)> on_data, const std::atomic<bool>* cancel,
    const std::string& accept) {
  HttpsClient::Request request{.method = method,
                               .path = path_and_query,
                               .body = body,
                               .content_type = content_type,
                               .timeout = timeout,
                               .on_data = std::move(on_data),
                               .cancel = cancel};
  if (!config_.token.empty()) {
    request.headers.push_back(absl::StrCat("Authorization: Bearer ", config_.token));
  }
  if (!accept.empty()) request.headers.push_back(absl::StrCat("Accept: ", accept));
  return client_.Call(request);
}

absl::Status HttpKubeApi::Fence(const google::protobuf::Message& read) {
  ASSIGN_OR_RETURN(const ports::ObjectKey key, ports::KeyOf(read));
  ASSIGN_OR_RETURN(const KindInfo* kind, KindOf(key.kind));
  ASSIGN_OR_RETURN(HttpsClient::Answer a,
                   Call("GET", manifest::ApiPath(*kind, key.namespace_, key.name), "", "",
                        options_.timeout, nullptr, nullptr, kPartialObjectMetadata));
  if (a.code != 200) return api::StatusFromHttp(static_cast<int>(a.code), a.body);
  const Json meta = Json::parse(a.body, nullptr, /*allow_exceptions=*/false);
  const Json* version = nullptr;
  if (meta.is_object() && meta.value("kind", "") == "PartialObjectMetadata" &&
      meta.contains("metadata") && meta["metadata"].is_object() &&
      meta["metadata"].contains("resourceVersion") && meta["metadata"]["resourceVersion"].is_string()) {
    version = &meta["metadata"]["resourceVersion"];
  }
  if (version == nullptr) {
    return absl::InternalError(absl::StrCat("the server answered ", kind->kind, " ", key.name,
                                            "'s metadata without a PartialObjectMetadata and its "
                                            "resourceVersion"));
  }
  const std::string& expected = ports::MetadataOf(read).resource_version();
  if (version->get_ref<const std::string&>() != expected) {
    // The API server's words for a stale write.
    return absl::AbortedError(absl::StrCat(
        "Operation cannot be fulfilled on ", kind->plural, " \"", key.name,
        "\": the object has been modified; please apply your changes to the latest version "
        "and try again (read at ", expected, ", now ", version->get_ref<const std::string&>(), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::Get(const ports::ObjectKey& key) {
  ASSIGN_OR_RETURN(const KindInfo* kind, KindOf(key.kind));
  ASSIGN_OR_RETURN(
      HttpsClient::Answer a,
      Call("GET", manifest::ApiPath(*kind, key.namespace_, key.name), "", "", options_.timeout));
  if (a.code != 200) return api::StatusFromHttp(static_cast<int>(a.code), a.body);
  return Read(*kind, a.body);
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::Read(const KindInfo& kind, const std::string& body) {
  const Json raw = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (raw.is_discarded()) {
    return absl::InternalError(
        absl::StrCat("the server answered a ", kind.kind, " that is not JSON"));
  }
  return Read(kind, raw);
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::Read(const KindInfo& kind, const Json& raw) {
  ASSIGN_OR_RETURN(ports::ObjectPtr object, Decode(kind, raw.dump()));
  // Events are created and never updated: nothing to keep for them.
  if (kind.kind != "Event") kept_.Remember(raw, manifest::ApiObjectJson(*object, kind));
  return object;
}

absl::StatusOr<ports::ObjectList> HttpKubeApi::List(absl::string_view kind_name,
                                                    absl::string_view namespace_,
                                                    const ports::Selector& selector) {
  ASSIGN_OR_RETURN(const KindInfo* kind, KindOf(kind_name));
  RETURN_IF_ERROR(ports::ValidateSelector(kind_name, selector));
  std::string query = QueryOf(selector);
  if (!query.empty()) query[0] = '?';
  ASSIGN_OR_RETURN(HttpsClient::Answer a, Call("GET", manifest::ApiPath(*kind, namespace_) + query,
                                               "", "", options_.timeout));
  if (a.code != 200) return api::StatusFromHttp(static_cast<int>(a.code), a.body);
  const Json list = Json::parse(a.body, nullptr, /*allow_exceptions=*/false);
  if (!list.is_object() || !list.contains("items") || !list["items"].is_array()) {
    return absl::InternalError(
        absl::StrCat("the server's answer to a list of ", kind_name, " is not a list"));
  }
  ports::ObjectList out;
  if (list.contains("metadata") && list["metadata"].is_object()) {
    out.resource_version = list["metadata"].value("resourceVersion", "");
  }
  for (const Json& item : list["items"]) {
    ASSIGN_OR_RETURN(ports::ObjectPtr object, Read(*kind, item));
    out.items.push_back(std::move(object));
  }
  return out;
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::Write(const std::string& method,
                                                    const google::protobuf::Message& object,
                                                    bool status, bool create) {
  ASSIGN_OR_RETURN(ports::ObjectKey key, ports::KeyOf(object));
  ASSIGN_OR_RETURN(const KindInfo* kind, KindOf(key.kind));
  const std::string path =
      create ? manifest::ApiPath(*kind, key.namespace_)
             : manifest::ApiPath(*kind, key.namespace_, key.name, status ? "status" : "");
  // An update writes back what the server has that Ferry does not model.
  const Json ours = manifest::ApiObjectJson(object, *kind);
  absl::StatusOr<Json> body = create ? absl::StatusOr<Json>(ours) : kept_.BodyFor(ours);
  if (!body.ok()) return body.status();
  ASSIGN_OR_RETURN(HttpsClient::Answer a,
                   Call(method, path, body->dump(), "application/json", options_.timeout));
  if (a.code != 200 && a.code != 201) return api::StatusFromHttp(static_cast<int>(a.code), a.body);
  return Read(*kind, a.body);
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::Create(const google::protobuf::Message& object) {
  return Write("POST", object, false, true);
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::Update(const google::protobuf::Message& object) {
  // The port's Update is conditional: without a resourceVersion the server
  // would update unconditionally, so it is refused here as the fake does.
  if (ports::MetadataOf(object).resource_version().empty()) {
    return absl::InvalidArgumentError("metadata.resourceVersion: required for an update");
  }
  return Write("PUT", object, false, false);
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::UpdateStatus(
    const google::protobuf::Message& object) {
  if (ports::MetadataOf(object).resource_version().empty()) {
    return absl::InvalidArgumentError("metadata.resourceVersion: required for an update");
  }
  return Write("PUT", object, true, false);
}

absl::Status HttpKubeApi::Delete(const ports::ObjectKey& key, absl::string_view resource_version) {
  ASSIGN_OR_RETURN(const KindInfo* kind, KindOf(key.kind));
  Json options = {
      {"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
  if (!resource_version.empty()) {
    options["preconditions"] = {{"resourceVersion", std::string(resource_version)}};
  }
  ASSIGN_OR_RETURN(HttpsClient::Answer a,
                   Call("DELETE", manifest::ApiPath(*kind, key.namespace_, key.name),
                        options.dump(), "application/json", options_.timeout));
  if (a.code != 200 && a.code != 202) return api::StatusFromHttp(static_cast<int>(a.code), a.body);
  return absl::OkStatus();
}

absl::Status HttpKubeApi::WatchStream(absl::string_view kind_name,
                                      absl::string_view resource_version,
                                      const ports::Selector& selector, absl::Duration length,
                                      const std::function<bool(ports::WatchEvent)>& on_event,
                                      const std::atomic<bool>* cancel) {
  ASSIGN_OR_RETURN(const KindInfo* kind, KindOf(kind_name));
  RETURN_IF_ERROR(ports::ValidateSelector(kind_name, selector));
  const int64_t length_s =
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(length, absl::Seconds(1))));
  const std::string path = absl::StrCat(
      manifest::ApiPath(*kind, ""),
      "?watch=true&allowWatchBookmarks=true&resourceVersion=", UrlEscape(resource_version),
      "&timeoutSeconds=", length_s, QueryOf(selector));
  std::string pending;  // a line not complete yet
  absl::Status failed;
  const std::function<bool(absl::string_view)> on_data = [&](absl::string_view data) {
    pending.append(data.data(), data.size());
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      const std::string line = pending.substr(0, newline);
      pending.erase(0, newline + 1);
      if (line.empty()) continue;
      Json raw;
      absl::StatusOr<ports::WatchEvent> event = ParseEventLine(*kind, line, &raw);
      if (!event.ok()) {
        failed = event.status();
        return false;
      }
      if (event->type == ports::WatchEventType::kDeleted) {
        kept_.Forget(ports::MetadataOf(*event->object).uid());
      } else if (event->type != ports::WatchEventType::kBookmark) {
        kept_.Remember(raw, manifest::ApiObjectJson(*event->object, *kind));
      }
      if (!on_event(*std::move(event))) return false;
    }
    return true;
  };
  // The server ends the watch after `length`; the client waits a little
  // longer for that end rather than cutting it.
  ASSIGN_OR_RETURN(HttpsClient::Answer a,
                   Call("GET", path, "", "", length + absl::Seconds(5), on_data, cancel));
  if (!failed.ok()) return failed;
  if (a.code != 200) return api::StatusFromHttp(static_cast<int>(a.code), a.body);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ports::WatchEvent>> HttpKubeApi::Watch(
    absl::string_view kind_name, absl::string_view resource_version,
    const ports::Selector& selector, bool bookmarks) {
  ASSIGN_OR_RETURN(const KindInfo* kind, KindOf(kind_name));
  RETURN_IF_ERROR(ports::ValidateSelector(kind_name, selector));
  // How far the server is now: the watch reads until it gets there.
  ASSIGN_OR_RETURN(ports::ObjectList now, List(kind->kind, "", selector));
  const int64_t target = VersionOf(now.resource_version);
  if (target <= VersionOf(resource_version)) return std::vector<ports::WatchEvent>{};
  std::vector<ports::WatchEvent> events;
  ports::ObjectPtr bookmark;  // the last bookmark past the last event
  RETURN_IF_ERROR(WatchStream(
      kind->kind, resource_version, selector, options_.watch_wait, [&](ports::WatchEvent event) {
        const int64_t rv = VersionOf(ports::MetadataOf(*event.object).resource_version());
        if (event.type == ports::WatchEventType::kBookmark) {
          bookmark = event.object;
        } else {
          bookmark = nullptr;
          events.push_back(std::move(event));
        }
        return rv < target;  // until caught up
      }));
  if (bookmarks && bookmark != nullptr)
    events.push_back({ports::WatchEventType::kBookmark, bookmark});
  return events;
}

}  // namespace ferry::adapters
