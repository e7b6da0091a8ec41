// OpenAPI v3 for the kinds Ferry serves, generated from their protobuf
// descriptors, as kubectl reads it: `/openapi/v3` (an index of
// group-versions, each with a serverRelativeURL carrying a content hash)
// and `/openapi/v3/api/v1`, `/openapi/v3/apis/GROUP/VERSION` (paths with
// their operations, and a schema per message: properties by JSON name,
// `x-kubernetes-group-version-kind` on each kind). Every write operation
// declares the `fieldValidation` query parameter, so kubectl leaves
// validation to the server and sends `fieldValidation=Strict`: an unknown
// field is refused naming it (serve/kube_handler.h).
//
//   std::optional<HttpResponse> r = OpenApi(request);  // nullopt: not an OpenAPI path
#ifndef FERRY_SERVE_OPENAPI_H_
#define FERRY_SERVE_OPENAPI_H_

#include <optional>

#include "serve/http_message.h"

namespace ferry::serve {

std::optional<HttpResponse> OpenApi(const HttpRequest& request);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_OPENAPI_H_
