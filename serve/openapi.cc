#include "serve/openapi.h"

#include <deque>
#include <map>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "api/manifest/kinds.h"
#include "base/fnv.h"
#include "google/protobuf/descriptor.h"
#include "nlohmann/json.hpp"
#include "serve/discovery.h"
#include "api/manifest/api_object.h"

namespace ferry::serve {
namespace {

using Json = nlohmann::ordered_json;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using manifest::KindInfo;

std::string SchemaName(const Descriptor* d) { return d->full_name(); }

Json Ref(const Descriptor* d) {
  return {{"$ref", absl::StrCat("#/components/schemas/", SchemaName(d))}};
}

Json ScalarSchema(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_UINT32:
      return {{"type", "integer"}, {"format", "int32"}};
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT64:
      return {{"type", "integer"}, {"format", "int64"}};
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      return {{"type", "number"}};
    case FieldDescriptor::CPPTYPE_BOOL:
      return {{"type", "boolean"}};
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return Ref(f->message_type());
    default:
      return {{"type", "string"}};
  }
}

// A message's schema; the messages it refers to are queued.
Json MessageSchema(const Descriptor* d, std::deque<const Descriptor*>& queue) {
  Json properties = Json::object();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    Json schema;
    if (f->is_map()) {
      const FieldDescriptor* value = f->message_type()->map_value();
      if (value->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) queue.push_back(value->message_type());
      schema = {{"type", "object"}, {"additionalProperties", ScalarSchema(value)}};
    } else {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) queue.push_back(f->message_type());
      schema = f->is_repeated() ? Json{{"type", "array"}, {"items", ScalarSchema(f)}} : ScalarSchema(f);
    }
    properties[f->json_name()] = std::move(schema);
  }
  return {{"type", "object"}, {"properties", std::move(properties)}};
}

Json Gvk(const KindInfo& k) {
  return {{"group", std::string(manifest::GroupOf(k.api_version))},
          {"version", std::string(manifest::VersionOf(k.api_version))},
          {"kind", std::string(k.kind)}};
}

Json Operation(const KindInfo& k, const std::string& id, const std::string& action, bool write,
               bool list) {
  Json op = {{"operationId", id}, {"x-kubernetes-action", action},
             {"x-kubernetes-group-version-kind", Gvk(k)}};
  Json parameters = Json::array();
  if (write) {
    for (const char* name : {"fieldValidation", "fieldManager", "dryRun"}) {
      parameters.push_back({{"name", name}, {"in", "query"}, {"schema", {{"type", "string"}}}});
    }
    op["requestBody"] = {{"content", {{"*/*", {{"schema", Ref(k.prototype->GetDescriptor())}}}}}};
  }
  if (list) {
    for (const char* name : {"labelSelector", "fieldSelector", "resourceVersion", "watch",
                             "allowWatchBookmarks", "timeoutSeconds", "limit"}) {
      parameters.push_back({{"name", name}, {"in", "query"}, {"schema", {{"type", "string"}}}});
    }
  }
  op["parameters"] = std::move(parameters);
  op["responses"] = {{"200", {{"description", "OK"}}}};
  return op;
}

// The document of one group-version.
Json Document(absl::string_view api_version) {
  Json paths = Json::object();
  Json schemas = Json::object();
  std::deque<const Descriptor*> queue;
  for (const KindInfo& k : manifest::AllKinds()) {
    if (k.api_version != api_version) continue;
    const std::string ns = k.namespaced ? "{namespace}" : "";
    const std::string collection = manifest::ApiPath(k, ns);
    const std::string item = manifest::ApiPath(k, ns, "{name}");
    const std::string status = manifest::ApiPath(k, ns, "{name}", "status");
    const std::string id = std::string(k.kind);
    paths[collection] = {{"get", Operation(k, "list" + id, "list", false, true)},
                         {"post", Operation(k, "create" + id, "post", true, false)}};
    paths[item] = {{"get", Operation(k, "read" + id, "get", false, false)},
                   {"put", Operation(k, "replace" + id, "put", true, false)},
                   {"patch", Operation(k, "patch" + id, "patch", true, false)},
                   {"delete", Operation(k, "delete" + id, "delete", false, false)}};
    paths[status] = {{"get", Operation(k, "read" + id + "Status", "get", false, false)},
                     {"put", Operation(k, "replace" + id + "Status", "put", true, false)},
                     {"patch", Operation(k, "patch" + id + "Status", "patch", true, false)}};
    queue.push_back(k.prototype->GetDescriptor());
  }
  std::set<std::string> done;
  while (!queue.empty()) {
    const Descriptor* d = queue.front();
    queue.pop_front();
    if (!done.insert(SchemaName(d)).second) continue;
    schemas[SchemaName(d)] = MessageSchema(d, queue);
  }
  for (const KindInfo& k : manifest::AllKinds()) {
    if (k.api_version != api_version) continue;
    schemas[SchemaName(k.prototype->GetDescriptor())]["x-kubernetes-group-version-kind"] =
        Json::array({Gvk(k)});
  }
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "Ferry (not a kube-apiserver)"},
                    {"version", absl::StrCat("v", kServedMajor, ".", kServedMinor, ".0")}}},
          {"paths", std::move(paths)},
          {"components", {{"schemas", std::move(schemas)}}}};
}

// "api/v1" or "apis/GROUP/VERSION".
std::string Key(absl::string_view api_version) {
  return manifest::GroupOf(api_version).empty() ? absl::StrCat("api/", api_version)
                                                : absl::StrCat("apis/", api_version);
}

// Path -> document, for the index and every group-version: made once (they
// depend only on the kinds compiled in), answered many times (kubectl reads
// them on every apply).
const std::map<std::string, std::string>& Documents() {
  static const auto* documents = [] {
    auto* out = new std::map<std::string, std::string>;
    Json index = Json::object();
    for (absl::string_view gv : manifest::ApiVersions()) {
      const std::string document = Document(gv).dump();
      const std::string path = absl::StrCat("/openapi/v3/", Key(gv));
      (*out)[path] = document;
      index[Key(gv)] = {{"serverRelativeURL",
                         absl::StrCat(path, "?hash=",
                                      absl::AsciiStrToUpper(absl::StrCat(
                                          absl::Hex(Fnv1a64(document), absl::kZeroPad16))))}};
    }
    (*out)["/openapi/v3"] = Json{{"paths", index}}.dump();
    return out;
  }();
  return *documents;
}

}  // namespace

std::optional<HttpResponse> OpenApi(const HttpRequest& request) {
  if (request.method != "GET") return std::nullopt;
  auto it = Documents().find(request.path);
  if (it == Documents().end()) return std::nullopt;
  return HttpResponse{.body = it->second};
}

}  // namespace ferry::serve
