// An API object as the Kubernetes API sends it over the wire: its JSON with
// apiVersion and kind first, whether or not the message carries them (the
// store keeps objects as written; the kind comes from the message type), and
// its URL path (`/api/v1/namespaces/NS/persistentvolumeclaims/NAME/status`).
// Shared by the served API (serve/) and the HTTP adapter (adapters/kube).
//
//   nlohmann::ordered_json json = ApiObjectJson(pvc, *FindKind("v1", "PersistentVolumeClaim"));
//   std::string path = ApiPath(*kind, "default", "data", "status");
#ifndef FERRY_API_MANIFEST_API_OBJECT_H_
#define FERRY_API_MANIFEST_API_OBJECT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "api/manifest/kinds.h"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"

namespace ferry::manifest {

nlohmann::ordered_json ApiObjectJson(const google::protobuf::Message& object, const KindInfo& kind);

// The collection ("" name) or object path; a cluster-scoped kind's path
// has no namespace whatever `namespace_` says, and "" lists every namespace.
std::string ApiPath(const KindInfo& kind, absl::string_view namespace_, absl::string_view name = "",
                    absl::string_view subresource = "");

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_API_OBJECT_H_
