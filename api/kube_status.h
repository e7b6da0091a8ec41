// The Kubernetes API's errors over HTTP: a `Status` object (kind: Status,
// status: Failure, message, reason, code) and its HTTP code, both ways, so
// the served fake API and the HTTP adapter map the port's canonical codes
// the same way (core/ports/kube_api.h):
//
//   NotFound           404 NotFound
//   AlreadyExists      409 AlreadyExists
//   Aborted            409 Conflict (a stale resourceVersion, a failed precondition)
//   InvalidArgument    422 Invalid (the object), 400 BadRequest (the request)
//   OutOfRange         410 Expired ("too old resource version": relist)
//   Unavailable        503 ServiceUnavailable, 429 TooManyRequests, 504 Timeout
//   Unauthenticated    401 Unauthorized
//   PermissionDenied   403 Forbidden
//   anything else      500 InternalError
//
//   KubeError e = KubeErrorOf(absl::NotFoundError("pods \"x\" not found"));
//   std::string body = StatusBody(e);                   // {"kind":"Status",...,"code":404}
//   absl::Status back = StatusFromHttp(404, body);      // NotFound, the server's message
#ifndef FERRY_API_KUBE_STATUS_H_
#define FERRY_API_KUBE_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ferry::api {

struct KubeError {
  int code = 500;                   // HTTP status
  std::string reason;               // "NotFound", "Conflict", "Invalid"...
  std::string message;
};

// The error a failed call answers with. `bad_request`: an InvalidArgument
// about the request itself (a query parameter, a path, a body that is not
// an object) rather than the object it carries.
KubeError KubeErrorOf(const absl::Status& status, bool bad_request = false);

// A `Status` object's JSON for `error`.
std::string StatusBody(const KubeError& error);

// The canonical error of an HTTP answer `code` (not 2xx) with `body`: the
// Status object's message and reason when the body is one, else the body's
// first 200 bytes. A 409 is AlreadyExists when its reason says so, else
// Aborted (Conflict).
absl::Status StatusFromHttp(int code, absl::string_view body);

}  // namespace ferry::api

#endif  // FERRY_API_KUBE_STATUS_H_
