// Where a Kubernetes API request points: the kind (by group, version and
// resource), the namespace, the object's name and a subresource, parsed
// from the URL path as the API server lays it out:
//
//   /api/v1/namespaces/NS/RESOURCE[/NAME[/status]]      core group, namespaced
//   /api/v1/RESOURCE[/NAME]                             cluster-scoped, or every namespace
//   /apis/GROUP/VERSION/namespaces/NS/RESOURCE[/NAME[/status]]
//
//   absl::StatusOr<ResourcePath> p = ParseResourcePath("/api/v1/namespaces/default/pods/x");
//   p->kind->kind == "Pod", p->namespace_ == "default", p->name == "x"
//
// Its inverse is manifest::ApiPath (api/manifest/api_object.h).
#ifndef FERRY_SERVE_RESOURCE_PATH_H_
#define FERRY_SERVE_RESOURCE_PATH_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/manifest/kinds.h"

namespace ferry::serve {

struct ResourcePath {
  const manifest::KindInfo* kind = nullptr;
  std::string namespace_;   // "" for a cluster-scoped kind, or a list of every namespace
  std::string name;         // "" for the collection
  std::string subresource;  // "" or "status"
};

// NotFound (the API server's 404) for a path that names no resource Ferry
// serves, saying what is served instead; InvalidArgument for a namespace
// given to a cluster-scoped kind or a subresource that does not exist.
absl::StatusOr<ResourcePath> ParseResourcePath(absl::string_view path);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_RESOURCE_PATH_H_
