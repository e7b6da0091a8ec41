// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for (`Accept:
// application/json;as=Table;v=v1;g=meta.k8s.io,...`), so `kubectl get` shows
// each kind's columns as a real cluster would: the API server's printers
// for the built-in kinds (pods, claims, volumes, storage classes, nodes,
// leases, events) and the CRDs' additionalPrinterColumns of KubeVirt, CDI
// and Forklift; a migration also shows its copy's progress. Other kinds
// show NAME and AGE. Ages are computed against `now` (the store's clock).
//
//   if (WantsTable(request)) body = TableOf(kind, objects, rv, include, now).dump();
#ifndef FERRY_SERVE_TABLE_H_
#define FERRY_SERVE_TABLE_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/manifest/kinds.h"
#include "nlohmann/json.hpp"
#include "serve/http_message.h"

namespace ferry::serve {

inline constexpr char kTableContentType[] = "application/json;as=Table;v=v1;g=meta.k8s.io";

// Whether the request's Accept asks for a meta.k8s.io/v1 Table.
bool WantsTable(const HttpRequest& request);

// What each row carries (includeObject): its metadata (the default), the
// whole object, or nothing.
enum class IncludeObject { kMetadata, kObject, kNone };
IncludeObject IncludeObjectOf(const HttpRequest& request);

// The Table of `objects` (each as the API writes it) of `kind`.
nlohmann::ordered_json TableOf(const manifest::KindInfo& kind,
                               const std::vector<nlohmann::ordered_json>& objects,
                               const std::string& resource_version, IncludeObject include,
                               absl::Time now);

// A duration as kubectl prints an age: 45s, 3m20s, 5h, 2d3h, 3y20d.
std::string HumanDuration(absl::Duration d);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_TABLE_H_
