#include "serve/discovery.h"

#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/manifest/kinds.h"
#include "nlohmann/json.hpp"

namespace ferry::serve {
namespace {

using Json = nlohmann::ordered_json;
using manifest::KindInfo;

constexpr char kStatusVerbs[] = "get,patch,update";

Json ShortNames(const KindInfo& k) {
  Json names = Json::array();
  for (absl::string_view n : absl::StrSplit(k.short_names, ',', absl::SkipEmpty())) {
    names.push_back(std::string(n));
  }
  return names;
}

std::string Singular(const KindInfo& k) { return absl::AsciiStrToLower(k.kind); }

HttpResponse JsonResponse(const Json& body, std::string content_type = "application/json") {
  return HttpResponse{.status = 200, .content_type = std::move(content_type), .body = body.dump()};
}

// The legacy APIResourceList of one group-version.
Json ResourceList(absl::string_view api_version, const std::vector<std::string>& verbs) {
  Json resources = Json::array();
  for (const KindInfo& k : manifest::AllKinds()) {
    if (k.api_version != api_version) continue;
    resources.push_back({{"name", std::string(k.plural)},
                         {"singularName", Singular(k)},
                         {"namespaced", k.namespaced},
                         {"kind", std::string(k.kind)},
                         {"verbs", verbs},
                         {"shortNames", ShortNames(k)}});
    resources.push_back({{"name", absl::StrCat(k.plural, "/status")},
                         {"singularName", ""},
                         {"namespaced", k.namespaced},
                         {"kind", std::string(k.kind)},
                         {"verbs", absl::StrSplit(kStatusVerbs, ',')}});
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", std::string(api_version)},
          {"resources", resources}};
}

// The aggregated discovery document of the core group (`core`) or of the
// named groups, in `version` (v2 or v2beta1).
Json Aggregated(bool core, absl::string_view version, const std::vector<std::string>& verbs) {
  Json items = Json::array();
  std::map<std::string, Json> by_group;  // group -> its versions' resources
  std::vector<std::string> order;
  for (const KindInfo& k : manifest::AllKinds()) {
    const std::string group(manifest::GroupOf(k.api_version));
    if (group.empty() != core) continue;
    const std::string gv(k.api_version);
    if (!by_group.contains(gv)) order.push_back(gv);
    Json response_kind = {{"group", group},
                          {"version", std::string(manifest::VersionOf(k.api_version))},
                          {"kind", std::string(k.kind)}};
    by_group[gv].push_back(
        {{"resource", std::string(k.plural)},
         {"responseKind", response_kind},
         {"scope", k.namespaced ? "Namespaced" : "Cluster"},
         {"singularResource", Singular(k)},
         {"shortNames", ShortNames(k)},
         {"verbs", verbs},
         {"subresources",
          Json::array({{{"subresource", "status"},
                        {"responseKind", response_kind},
                        {"verbs", absl::StrSplit(kStatusVerbs, ',')}}})}});
  }
  for (const std::string& gv : order) {
    const std::string group(manifest::GroupOf(gv));
    items.push_back({{"metadata", {{"name", group}}},
                     {"versions",
                      Json::array({{{"version", std::string(manifest::VersionOf(gv))},
                                    {"resources", by_group[gv]},
                                    {"freshness", "Current"}}})}});
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", absl::StrCat("apidiscovery.k8s.io/", version)},
          {"metadata", Json::object()},
          {"items", items}};
}

// The aggregated discovery version the client accepts ("" for none).
std::string AggregatedVersion(const HttpRequest& request) {
  const std::string accept = request.Header("Accept");
  for (absl::string_view version : {"v2", "v2beta1"}) {
    if (absl::StrContains(accept, absl::StrCat("g=apidiscovery.k8s.io;v=", version, ";as=APIGroupDiscoveryList"))) {
      return std::string(version);
    }
  }
  return "";
}

}  // namespace

std::optional<HttpResponse> Discovery(const HttpRequest& request,
                                      const std::vector<std::string>& verbs) {
  if (request.method != "GET") return std::nullopt;
  const std::string& path = request.path;
  if (path == "/version") {
    return JsonResponse({{"major", kServedMajor},
                         {"minor", kServedMinor},
                         {"gitVersion", absl::StrCat("v", kServedMajor, ".", kServedMinor, ".0-ferry")},
                         {"gitCommit", ""},
                         {"gitTreeState", "clean"},
                         {"buildDate", "1970-01-01T00:00:00Z"},
                         {"goVersion", ""},
                         {"compiler", "ferry"},
                         {"platform", "linux/amd64"}});
  }
  if (path == "/api" || path == "/apis") {
    const bool core = path == "/api";
    if (const std::string v = AggregatedVersion(request); !v.empty()) {
      return JsonResponse(Aggregated(core, v, verbs),
                          absl::StrCat("application/json;g=apidiscovery.k8s.io;v=", v,
                                       ";as=APIGroupDiscoveryList"));
    }
    if (core) return JsonResponse({{"kind", "APIVersions"}, {"versions", {"v1"}}});
    Json groups = Json::array();
    for (absl::string_view gv : manifest::ApiVersions()) {
      const std::string group(manifest::GroupOf(gv));
      if (group.empty()) continue;
      Json version = {{"groupVersion", gv}, {"version", std::string(manifest::VersionOf(gv))}};
      groups.push_back({{"name", group}, {"versions", Json::array({version})}, {"preferredVersion", version}});
    }
    return JsonResponse({{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}});
  }
  for (absl::string_view gv : manifest::ApiVersions()) {
    const std::string at = manifest::GroupOf(gv).empty() ? absl::StrCat("/api/", gv)
                                                          : absl::StrCat("/apis/", gv);
    if (path == at) return JsonResponse(ResourceList(gv, verbs));
    if (!manifest::GroupOf(gv).empty() && path == absl::StrCat("/apis/", manifest::GroupOf(gv))) {
      Json version = {{"groupVersion", gv}, {"version", std::string(manifest::VersionOf(gv))}};
      return JsonResponse({{"kind", "APIGroup"},
                           {"apiVersion", "v1"},
                           {"name", std::string(manifest::GroupOf(gv))},
                           {"versions", Json::array({version})},
                           {"preferredVersion", version}});
    }
  }
  return std::nullopt;
}

}  // namespace ferry::serve
