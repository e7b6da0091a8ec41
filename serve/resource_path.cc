#include "serve/resource_path.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ferry::serve {

absl::StatusOr<ResourcePath> ParseResourcePath(absl::string_view path) {
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  std::string api_version;
  size_t at = 0;
  if (parts.size() >= 2 && parts[0] == "api") {
    api_version = std::string(parts[1]);
    at = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    api_version = absl::StrCat(parts[1], "/", parts[2]);
    at = 3;
  } else {
    return absl::NotFoundError(absl::StrCat("the server could not find the requested resource (", path, ")"));
  }
  ResourcePath out;
  if (parts.size() >= at + 3 && parts[at] == "namespaces") {
    out.namespace_ = std::string(parts[at + 1]);
    at += 2;
  }
  if (at >= parts.size()) {
    return absl::NotFoundError(absl::StrCat("the server could not find the requested resource (", path, ")"));
  }
  out.kind = manifest::FindKindByResource(api_version, parts[at]);
  if (out.kind == nullptr) {
    return absl::NotFoundError(absl::StrCat("the server could not find the requested resource: ",
                                            parts[at], " in ", api_version,
                                            " is not served here"));
  }
  if (!out.kind->namespaced && !out.namespace_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(out.kind->plural, " are cluster-scoped: no namespace in the path"));
  }
  if (at + 1 < parts.size()) out.name = std::string(parts[at + 1]);
  if (at + 2 < parts.size()) out.subresource = std::string(parts[at + 2]);
  if (at + 3 < parts.size() || (!out.subresource.empty() && out.subresource != "status")) {
    return absl::NotFoundError(absl::StrCat("the server could not find the requested resource: ",
                                            "no subresource \"", out.subresource, "\" of ",
                                            out.kind->plural, " (only status)"));
  }
  return out;
}

}  // namespace ferry::serve
