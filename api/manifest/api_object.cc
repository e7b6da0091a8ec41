#include "api/manifest/api_object.h"

#include "absl/strings/str_cat.h"
#include "api/manifest/encoder.h"

namespace ferry::manifest {

nlohmann::ordered_json ApiObjectJson(const google::protobuf::Message& object, const KindInfo& kind) {
  nlohmann::ordered_json out = {{"apiVersion", std::string(kind.api_version)},
                                {"kind", std::string(kind.kind)}};
  nlohmann::ordered_json tree = Encode(object);
  for (auto& [key, value] : tree.items()) {
    if (key != "apiVersion" && key != "kind") out[key] = std::move(value);
  }
  return out;
}

std::string ApiPath(const KindInfo& kind, absl::string_view namespace_, absl::string_view name,
                    absl::string_view subresource) {
  std::string path = GroupOf(kind.api_version).empty() ? absl::StrCat("/api/", kind.api_version)
                                                       : absl::StrCat("/apis/", kind.api_version);
  if (kind.namespaced && !namespace_.empty()) absl::StrAppend(&path, "/namespaces/", namespace_);
  absl::StrAppend(&path, "/", kind.plural);
  if (!name.empty()) absl::StrAppend(&path, "/", name);
  if (!subresource.empty()) absl::StrAppend(&path, "/", subresource);
  return path;
}

}  // namespace ferry::manifest
