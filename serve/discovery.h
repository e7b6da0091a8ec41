// API discovery as kubectl and client-go read it, for the kinds Ferry serves
// (api/manifest/kinds.h): /version, the legacy documents (/api, /apis,
// /api/v1, /apis/GROUP/VERSION) and the aggregated ones (/api and /apis
// asked with Accept: application/json;g=apidiscovery.k8s.io;v=v2 or v2beta1).
//
//   std::optional<HttpResponse> r = Discovery(request, verbs);  // nullopt: not a discovery path
#ifndef FERRY_SERVE_DISCOVERY_H_
#define FERRY_SERVE_DISCOVERY_H_

#include <optional>
#include <string>
#include <vector>

#include "serve/http_message.h"

namespace ferry::serve {

// The Kubernetes version /version reports (kubectl's dispatcher picks its
// client by the minor version).
inline constexpr char kServedMajor[] = "1";
inline constexpr char kServedMinor[] = "32";

// The answer to a discovery request, or nullopt when `request` is not one.
// `verbs`: what every resource serves ("get", "list", ...).
std::optional<HttpResponse> Discovery(const HttpRequest& request,
                                      const std::vector<std::string>& verbs);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_DISCOVERY_H_
