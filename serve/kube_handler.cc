#include "serve/kube_handler.h"

#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/kube_status.h"
#include "api/manifest/api_object.h"
#include "api/manifest/encoder.h"
#include "api/manifest/reader.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"
#include "serve/discovery.h"
#include "serve/openapi.h"
#include "serve/resource_path.h"
#include "serve/strategic_merge.h"

namespace ferry::serve {
namespace {

using Json = nlohmann::ordered_json;
using manifest::KindInfo;

constexpr char kBadRequest[] = "ferry.serve/bad-request";

// An error about the request itself (400), not about the object it carries (422).
absl::Status BadRequest(absl::Status status) {
  if (!status.ok()) status.SetPayload(kBadRequest, absl::Cord("1"));
  return status;
}
absl::Status BadRequest(absl::string_view message) {
  return BadRequest(absl::InvalidArgumentError(message));
}

HttpResponse ErrorResponse(const absl::Status& status) {
  const api::KubeError e =
      api::KubeErrorOf(status, status.GetPayload(kBadRequest).has_value());
  return HttpResponse{.status = e.code, .body = api::StatusBody(e)};
}

HttpResponse ObjectResponse(const ports::ObjectPtr& object, const KindInfo& kind, int status = 200) {
  return HttpResponse{.status = status, .body = manifest::ApiObjectJson(*object, kind).dump()};
}

// The request's body as an object of `kind`: InvalidArgument (400) naming
// the field when it is not one, or names another kind.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> DecodeBody(const HttpRequest& request,
                                                                      const KindInfo& kind) {
  std::unique_ptr<google::protobuf::Message> object(kind.prototype->New());
  const bool strict = request.Query("fieldValidation") == "Strict";
  if (absl::Status st = manifest::ParseDocument(request.body, object.get(), {.strict = strict},
                                                "request body");
      !st.ok()) {
    return BadRequest(absl::InvalidArgumentError(
        absl::StrCat(strict ? "strict decoding error: " : "", st.message())));
  }
  const auto* descriptor = object->GetDescriptor();
  const auto* reflection = object->GetReflection();
  const auto* api_version = descriptor->FindFieldByName("api_version");
  const auto* kind_field = descriptor->FindFieldByName("kind");
  if (api_version != nullptr && kind_field != nullptr) {
    const std::string av = reflection->GetString(*object, api_version);
    const std::string k = reflection->GetString(*object, kind_field);
    if ((!av.empty() && av != kind.api_version) || (!k.empty() && k != kind.kind)) {
      return BadRequest(absl::StrCat("the body is a ", av, " ", k, ", the URL names ",
                                     kind.api_version, " ", kind.kind));
    }
    reflection->SetString(object.get(), api_version, std::string(kind.api_version));
    reflection->SetString(object.get(), kind_field, std::string(kind.kind));
  }
  return object;
}

// The object's namespace and name agree with the URL's (filled in when unset).
absl::Status MatchUrl(google::protobuf::Message* object, const KindInfo& kind,
                      const std::string& namespace_, const std::string& name) {
  k8s::ObjectMeta* meta = ports::MutableMetadataOf(object);
  if (kind.namespaced) {
    if (meta->namespace_().empty()) meta->set_namespace_(namespace_);
    if (meta->namespace_() != namespace_) {
      return BadRequest(absl::StrCat("the namespace of the provided object (", meta->namespace_(),
                                     ") does not match the namespace sent on the request (",
                                     namespace_, ")"));
    }
  }
  if (!name.empty()) {
    if (meta->name().empty()) meta->set_name(name);
    if (meta->name() != name) {
      return BadRequest(absl::StrCat("the name of the object (", meta->name(),
                                     ") does not match the name on the URL (", name, ")"));
    }
  }
  return absl::OkStatus();
}

std::string EventType(ports::WatchEventType type) {
  switch (type) {
    case ports::WatchEventType::kAdded:
      return "ADDED";
    case ports::WatchEventType::kModified:
      return "MODIFIED";
    case ports::WatchEventType::kDeleted:
      return "DELETED";
    case ports::WatchEventType::kBookmark:
      return "BOOKMARK";
  }
  return "ERROR";
}

// The kinds of Kubernetes itself (their groups end in k8s.io, or are the
// core group), which take strategic merge patches; the others are custom
// resources, which do not.
bool BuiltIn(const KindInfo& kind) {
  const absl::string_view group = manifest::GroupOf(kind.api_version);
  return group.empty() || absl::EndsWith(group, ".k8s.io");
}

absl::StatusOr<ports::Selector> SelectorOf(const HttpRequest& request, const KindInfo& kind) {
  absl::StatusOr<ports::Selector> selector =
      ports::ParseSelectorQuery(request.Query("labelSelector"), request.Query("fieldSelector"));
  if (!selector.ok()) return BadRequest(selector.status());
  if (absl::Status st = ports::ValidateSelector(kind.kind, *selector); !st.ok()) {
    return BadRequest(st);
  }
  return selector;
}

// Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1
// (or ...List): the objects' metadata alone, as client-go's metadata
// client asks for it.
bool WantsMetadataOnly(const HttpRequest& request) {
  const std::string accept = request.Header("Accept");
  return absl::StrContains(accept, "as=PartialObjectMetadata") &&
         absl::StrContains(accept, "g=meta.k8s.io") && absl::StrContains(accept, "v=v1");
}

Json PartialMetadata(const google::protobuf::Message& object) {
  return Json{{"kind", "PartialObjectMetadata"},
              {"apiVersion", "meta.k8s.io/v1"},
              {"metadata", manifest::Encode(ports::MetadataOf(object))}};
}

}  // namespace

bool KubeHandler::IsWatch(const HttpRequest& request) {
  const std::string w = request.Query("watch");
  return request.method == "GET" && (w == "true" || w == "1" || w == "True");
}

HttpResponse KubeHandler::Handle(const HttpRequest& request) {
  absl::StatusOr<HttpResponse> response = Serve(request);
  if (!response.ok()) return ErrorResponse(response.status());
  return *std::move(response);
}

absl::StatusOr<HttpResponse> KubeHandler::Serve(const HttpRequest& request) {
  static const std::vector<std::string> kVerbs = {"create", "delete", "deletecollection",
                                                  "get",    "list",   "patch",
                                                  "update", "watch"};
  if (std::optional<HttpResponse> d = Discovery(request, kVerbs)) return *std::move(d);
  if (std::optional<HttpResponse> o = OpenApi(request)) return *std::move(o);
  ASSIGN_OR_RETURN(ResourcePath path, ParseResourcePath(request.path));
  const KindInfo& kind = *path.kind;
  const ports::ObjectKey key{std::string(kind.kind), path.namespace_, path.name};
  const bool status = path.subresource == "status";
  if (path.name.empty()) {
    if (request.method == "GET" && IsWatch(request)) {
      ASSIGN_OR_RETURN(WatchRequest watch, ParseWatch(request));
      ASSIGN_OR_RETURN(std::string events, NextEvents(watch));
      return HttpResponse{.status = 200, .body = std::move(events)};
    }
    if (request.method == "GET") return List(request, kind, path.namespace_);
    if (request.method == "POST") return Create(request, kind, path.namespace_);
    if (request.method == "DELETE") return DeleteCollection(request, kind, path.namespace_);
    return absl::UnimplementedError(
        absl::StrCat(request.method, " is not served on a collection"));
  }
  if (kind.namespaced && path.namespace_.empty()) {
    return absl::NotFoundError(
        absl::StrCat(kind.plural, " are namespaced: name the namespace in the path"));
  }
  if (request.method == "GET") {
    ASSIGN_OR_RETURN(ports::ObjectPtr object, api_.Get(key));
    if (WantsMetadataOnly(request)) {
      return HttpResponse{.status = 200, .body = PartialMetadata(*object).dump()};
    }
    return ObjectAnswer(request, object, kind);
  }
  if (request.method == "PUT") return Replace(request, key, kind, status);
  if (request.method == "PATCH") return Patch(request, key, kind, status);
  if (request.method == "DELETE" && !status) return Delete(request, key, kind);
  return absl::UnimplementedError(absl::StrCat(request.method, " is not served on ",
                                               request.path));
}

absl::StatusOr<HttpResponse> KubeHandler::List(const HttpRequest& request, const KindInfo& kind,
                                               const std::string& namespace_) {
  ASSIGN_OR_RETURN(ports::Selector selector, SelectorOf(request, kind));
  ASSIGN_OR_RETURN(ports::ObjectList list, api_.List(kind.kind, namespace_, selector));
  if (WantsTable(request)) {
    std::vector<Json> objects;
    for (const ports::ObjectPtr& item : list.items) objects.push_back(manifest::ApiObjectJson(*item, kind));
    return HttpResponse{.status = 200,
                        .content_type = kTableContentType,
                        .body = TableOf(kind, objects, list.resource_version,
                                        IncludeObjectOf(request), now_())
                                    .dump()};
  }
  if (WantsMetadataOnly(request)) {
    Json items = Json::array();
    for (const ports::ObjectPtr& item : list.items) items.push_back(PartialMetadata(*item));
    Json body = {{"apiVersion", "meta.k8s.io/v1"},
                 {"kind", "PartialObjectMetadataList"},
                 {"metadata", {{"resourceVersion", list.resource_version}}},
                 {"items", std::move(items)}};
    return HttpResponse{.status = 200, .body = body.dump()};
  }
  Json items = Json::array();
  for (const ports::ObjectPtr& item : list.items) items.push_back(manifest::ApiObjectJson(*item, kind));
  Json body = {{"apiVersion", std::string(kind.api_version)},
               {"kind", absl::StrCat(kind.kind, "List")},
               {"metadata", {{"resourceVersion", list.resource_version}}},
               {"items", std::move(items)}};
  return HttpResponse{.status = 200, .body = body.dump()};
}

absl::StatusOr<HttpResponse> KubeHandler::DeleteCollection(const HttpRequest& request,
                                                           const KindInfo& kind,
                                                           const std::string& namespace_) {
  if (request.HasQuery("dryRun")) return BadRequest("dryRun is not supported by ferry serve");
  ASSIGN_OR_RETURN(ports::Selector selector, SelectorOf(request, kind));
  ASSIGN_OR_RETURN(ports::ObjectList list, api_.List(kind.kind, namespace_, selector));
  // Each as a DELETE of it would be; one gone meanwhile is no error. The
  // answer lists what was selected (finalizers may keep some a while).
  Json items = Json::array();
  for (const ports::ObjectPtr& item : list.items) {
    const k8s::ObjectMeta& meta = ports::MetadataOf(*item);
    const absl::Status st = api_.Delete({std::string(kind.kind), meta.namespace_(), meta.name()});
    if (!st.ok() && !absl::IsNotFound(st)) return st;
    items.push_back(manifest::ApiObjectJson(*item, kind));
  }
  Json body = {{"apiVersion", std::string(kind.api_version)},
               {"kind", absl::StrCat(kind.kind, "List")},
               {"metadata", {{"resourceVersion", list.resource_version}}},
               {"items", std::move(items)}};
  return HttpResponse{.status = 200, .body = body.dump()};
}

absl::StatusOr<HttpResponse> KubeHandler::Create(const HttpRequest& request, const KindInfo& kind,
                                                 const std::string& namespace_) {
  if (kind.namespaced && namespace_.empty()) {
    return BadRequest(absl::StrCat(kind.plural, " are namespaced: POST to .../namespaces/NS/",
                                   kind.plural));
  }
  if (request.HasQuery("dryRun")) return BadRequest("dryRun is not supported by ferry serve");
  ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> object, DecodeBody(request, kind));
  RETURN_IF_ERROR(MatchUrl(object.get(), kind, namespace_, ""));
  ASSIGN_OR_RETURN(ports::ObjectPtr created, api_.Create(*object));
  return ObjectResponse(created, kind, 201);
}

absl::StatusOr<HttpResponse> KubeHandler::Replace(const HttpRequest& request,
                                                  const ports::ObjectKey& key,
                                                  const KindInfo& kind, bool status) {
  if (request.HasQuery("dryRun")) return BadRequest("dryRun is not supported by ferry serve");
  ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> object, DecodeBody(request, kind));
  RETURN_IF_ERROR(MatchUrl(object.get(), kind, key.namespace_, key.name));
  k8s::ObjectMeta* meta = ports::MutableMetadataOf(object.get());
  if (meta->resource_version().empty()) {
    // An update without a resourceVersion is unconditional.
    ASSIGN_OR_RETURN(ports::ObjectPtr current, api_.Get(key));
    meta->set_resource_version(ports::MetadataOf(*current).resource_version());
  }
  ASSIGN_OR_RETURN(ports::ObjectPtr updated,
                   status ? api_.UpdateStatus(*object) : api_.Update(*object));
  return ObjectResponse(updated, kind);
}

absl::StatusOr<HttpResponse> KubeHandler::Patch(const HttpRequest& request,
                                                const ports::ObjectKey& key, const KindInfo& kind,
                                                bool status) {
  if (request.HasQuery("dryRun")) return BadRequest("dryRun is not supported by ferry serve");
  const std::string type = request.Header("Content-Type");
  const bool apply = absl::StartsWith(type, "application/apply-patch+yaml");
  const bool strategic = absl::StartsWith(type, "application/strategic-merge-patch+json");
  const bool json_patch = absl::StartsWith(type, "application/json-patch+json");
  if (strategic && !BuiltIn(kind)) {
    // As the API server answers for custom resources.
    return HttpResponse{
        .status = 415,
        .body = api::StatusBody({.code = 415,
                                 .reason = "UnsupportedMediaType",
                                 .message = absl::StrCat("the body of the request was in an unknown "
                                                         "format - accepted media types include: "
                                                         "application/json-patch+json, "
                                                         "application/merge-patch+json, "
                                                         "application/apply-patch+yaml (", kind.kind,
                                                         " is a custom resource: no strategic merge)")})};
  }
  if (!apply && !strategic && !json_patch &&
      !absl::StartsWith(type, "application/merge-patch+json")) {
    return HttpResponse{
        .status = 415,
        .body = api::StatusBody({.code = 415,
                                 .reason = "UnsupportedMediaType",
                                 .message = absl::StrCat("the patch type \"", type,
                                                         "\" is not served by ferry serve "
                                                         "(json-patch+json, merge-patch+json, "
                                                         "strategic-merge-patch+json and "
                                                         "apply-patch+yaml are)")})};
  }
  Json patch;
  if (apply) {
    // The applied configuration, decoded as an object of the kind (so its
    // fields are checked), is merged into the stored object.
    ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> applied, DecodeBody(request, kind));
    RETURN_IF_ERROR(MatchUrl(applied.get(), kind, key.namespace_, key.name));
    absl::StatusOr<ports::ObjectPtr> current = api_.Get(key);
    if (absl::IsNotFound(current.status()) && !status) {
      ASSIGN_OR_RETURN(ports::ObjectPtr created, api_.Create(*applied));
      return ObjectResponse(created, kind, 201);
    }
    patch = manifest::ApiObjectJson(*applied, kind);
  } else {
    patch = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (json_patch && (patch.is_discarded() || !patch.is_array())) {
      return BadRequest("a JSON patch (RFC 6902) is an array of operations");
    }
    if (!json_patch && (patch.is_discarded() || !patch.is_object())) {
      return BadRequest("the patch is not a JSON object");
    }
  }
  // Conflicts between the read and the write are retried, as the API server
  // retries a patch internally; a resourceVersion in the patch is a precondition.
  // (A JSON patch states its preconditions with "test" operations.)
  const bool precondition = patch.is_object() && patch.contains("metadata") &&
                            patch["metadata"].is_object() &&
                            patch["metadata"].contains("resourceVersion");
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(ports::ObjectPtr current, api_.Get(key));
    Json merged = manifest::ApiObjectJson(*current, kind);
    if (strategic) {
      RETURN_IF_ERROR(BadRequest(StrategicMerge(merged, patch)));
    } else if (json_patch) {
      // nlohmann's RFC 6902 (add, remove, replace, move, copy, test).
      try {
        merged = merged.patch(patch);
      } catch (const Json::exception& e) {
        return HttpResponse{.status = 422,
                            .body = api::StatusBody({.code = 422,
                                                     .reason = "Invalid",
                                                     .message = absl::StrCat(
                                                         "the JSON patch cannot be applied: ",
                                                         e.what())})};
      }
    } else {
      merged.merge_patch(patch);
    }
    HttpRequest as_body = request;
    as_body.body = merged.dump();
    ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> object, DecodeBody(as_body, kind));
    RETURN_IF_ERROR(MatchUrl(object.get(), kind, key.namespace_, key.name));
    absl::StatusOr<ports::ObjectPtr> written =
        status ? api_.UpdateStatus(*object) : api_.Update(*object);
    if (absl::IsAborted(written.status()) && !precondition && attempt < 5) continue;
    if (!written.ok()) return written.status();
    return ObjectResponse(*written, kind);
  }
}

absl::StatusOr<HttpResponse> KubeHandler::Delete(const HttpRequest& request,
                                                 const ports::ObjectKey& key,
                                                 const KindInfo& kind) {
  if (request.HasQuery("dryRun")) return BadRequest("dryRun is not supported by ferry serve");
  std::string resource_version;
  std::string uid;
  if (!request.body.empty()) {
    const Json options = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (options.is_discarded() || !options.is_object()) {
      return BadRequest("the DeleteOptions body is not a JSON object");
    }
    if (options.contains("preconditions") && options["preconditions"].is_object()) {
      resource_version = options["preconditions"].value("resourceVersion", "");
      uid = options["preconditions"].value("uid", "");
    }
  }
  if (!uid.empty()) {
    ASSIGN_OR_RETURN(ports::ObjectPtr current, api_.Get(key));
    if (ports::MetadataOf(*current).uid() != uid) {
      return absl::AbortedError(absl::StrCat("Precondition failed: UID in precondition: ", uid,
                                             ", UID in object meta: ",
                                             ports::MetadataOf(*current).uid()));
    }
  }
  RETURN_IF_ERROR(api_.Delete(key, resource_version));
  // An object kept by its finalizers is answered as it now is.
  absl::StatusOr<ports::ObjectPtr> after = api_.Get(key);
  if (after.ok()) return ObjectResponse(*after, kind);
  Json body = {{"kind", "Status"},
               {"apiVersion", "v1"},
               {"metadata", Json::object()},
               {"status", "Success"},
               {"details", {{"name", key.name}, {"kind", std::string(kind.plural)}}}};
  return HttpResponse{.status = 200, .body = body.dump()};
}

absl::StatusOr<WatchRequest> KubeHandler::ParseWatch(const HttpRequest& request) {
  ASSIGN_OR_RETURN(ResourcePath path, ParseResourcePath(request.path));
  if (!path.name.empty()) {
    return BadRequest("watch a collection, selecting one object with fieldSelector=metadata.name=NAME");
  }
  WatchRequest watch;
  watch.kind = path.kind;
  watch.namespace_ = path.namespace_;
  ASSIGN_OR_RETURN(watch.selector, SelectorOf(request, *path.kind));
  const std::string bookmarks = request.Query("allowWatchBookmarks");
  watch.bookmarks = bookmarks == "true" || bookmarks == "1" || bookmarks == "True";
  watch.resource_version = request.Query("resourceVersion");
  watch.table = WantsTable(request);
  watch.include = IncludeObjectOf(request);
  if (request.HasQuery("timeoutSeconds")) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(request.Query("timeoutSeconds"), &seconds) || seconds < 0) {
      return BadRequest(absl::StrCat("timeoutSeconds: \"", request.Query("timeoutSeconds"),
                                     "\" is not a number of seconds"));
    }
    if (seconds > 0) watch.timeout = absl::Seconds(seconds);
  }
  return watch;
}

absl::StatusOr<std::string> KubeHandler::NextEvents(WatchRequest& watch) {
  const KindInfo& kind = *watch.kind;
  std::string out;
  if (!watch.started && (watch.resource_version.empty() || watch.resource_version == "0")) {
    ASSIGN_OR_RETURN(ports::ObjectList list, api_.List(kind.kind, watch.namespace_, watch.selector));
    for (const ports::ObjectPtr& item : list.items) absl::StrAppend(&out, EventLine(watch, "ADDED", *item));
    watch.resource_version = list.resource_version;
  }
  watch.started = true;
  ASSIGN_OR_RETURN(std::vector<ports::WatchEvent> events,
                   api_.Watch(kind.kind, watch.resource_version, watch.selector, watch.bookmarks));
  for (const ports::WatchEvent& event : events) {
    const k8s::ObjectMeta& meta = ports::MetadataOf(*event.object);
    watch.resource_version = meta.resource_version();
    if (event.type != ports::WatchEventType::kBookmark && !watch.namespace_.empty() &&
        meta.namespace_() != watch.namespace_) {
      continue;
    }
    absl::StrAppend(&out, EventLine(watch, EventType(event.type), *event.object));
  }
  return out;
}

HttpResponse KubeHandler::ObjectAnswer(const HttpRequest& request, const ports::ObjectPtr& object,
                                       const KindInfo& kind, int status) const {
  if (!WantsTable(request)) return ObjectResponse(object, kind, status);
  return HttpResponse{
      .status = status,
      .content_type = kTableContentType,
      .body = TableOf(kind, {manifest::ApiObjectJson(*object, kind)},
                      ports::MetadataOf(*object).resource_version(), IncludeObjectOf(request), now_())
                  .dump()};
}

std::string KubeHandler::EventLine(const WatchRequest& watch, absl::string_view type,
                                   const google::protobuf::Message& object) const {
  const KindInfo& kind = *watch.kind;
  Json json = manifest::ApiObjectJson(object, kind);
  if (watch.table) {
    // A bookmark carries only its resourceVersion: a Table of no rows.
    const std::string rv = ports::MetadataOf(object).resource_version();
    json = TableOf(kind, type == "BOOKMARK" ? std::vector<Json>{} : std::vector<Json>{json}, rv,
                   watch.include, now_());
  }
  return absl::StrCat(Json{{"type", std::string(type)}, {"object", std::move(json)}}.dump(), "\n");
}

std::string KubeHandler::ErrorEvent(const absl::Status& status) {
  const api::KubeError e = api::KubeErrorOf(status);
  Json object = Json::parse(api::StatusBody(e));
  return absl::StrCat(Json{{"type", "ERROR"}, {"object", object}}.dump(), "\n");
}

}  // namespace ferry::serve
