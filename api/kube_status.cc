#include "api/kube_status.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace ferry::api {

KubeError KubeErrorOf(const absl::Status& status, bool bad_request) {
  KubeError e;
  e.message = std::string(status.message());
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      e.code = 404, e.reason = "NotFound";
      break;
    case absl::StatusCode::kAlreadyExists:
      e.code = 409, e.reason = "AlreadyExists";
      break;
    case absl::StatusCode::kAborted:
      e.code = 409, e.reason = "Conflict";
      break;
    case absl::StatusCode::kInvalidArgument:
      if (bad_request) {
        e.code = 400, e.reason = "BadRequest";
      } else {
        e.code = 422, e.reason = "Invalid";
      }
      break;
    case absl::StatusCode::kOutOfRange:
      e.code = 410, e.reason = "Expired";
      break;
    case absl::StatusCode::kUnavailable:
      e.code = 503, e.reason = "ServiceUnavailable";
      break;
    case absl::StatusCode::kDeadlineExceeded:
      e.code = 504, e.reason = "Timeout";
      break;
    case absl::StatusCode::kUnauthenticated:
      e.code = 401, e.reason = "Unauthorized";
      break;
    case absl::StatusCode::kPermissionDenied:
      e.code = 403, e.reason = "Forbidden";
      break;
    case absl::StatusCode::kUnimplemented:
      e.code = 405, e.reason = "MethodNotAllowed";
      break;
    default:
      e.code = 500, e.reason = "InternalError";
      break;
  }
  return e;
}

std::string StatusBody(const KubeError& error) {
  nlohmann::ordered_json body = {
      {"kind", "Status"},     {"apiVersion", "v1"},         {"metadata", nlohmann::json::object()},
      {"status", "Failure"},  {"message", error.message}, {"reason", error.reason},
      {"code", error.code},
  };
  return body.dump();
}

absl::Status StatusFromHttp(int code, absl::string_view body) {
  std::string message;
  std::string reason;
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.value("kind", "") == "Status") {
    message = parsed.value("message", "");
    reason = parsed.value("reason", "");
  } else {
    message = std::string(body.substr(0, 200));
  }
  if (message.empty()) message = absl::StrCat("HTTP ", code);
  switch (code) {
    case 400:
    case 422:
      return absl::InvalidArgumentError(message);
    case 401:
      return absl::UnauthenticatedError(message);
    case 403:
      return absl::PermissionDeniedError(message);
    case 404:
      return absl::NotFoundError(message);
    case 405:
      return absl::UnimplementedError(message);
    case 409:
      return reason == "AlreadyExists" ? absl::AlreadyExistsError(message)
                                       : absl::AbortedError(message);
    case 410:
      return absl::OutOfRangeError(message);
    case 429:
    case 503:
      return absl::UnavailableError(message);
    case 504:
      return absl::DeadlineExceededError(message);
    default:
      if (code >= 500) return absl::UnavailableError(message);
      return absl::UnknownError(absl::StrCat("HTTP ", code, ": ", message));
  }
}

}  // namespace ferry::api
