#include "api/ovirt_json.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace ferry::api {

absl::Status ParseOvirtJson(absl::string_view json, google::protobuf::Message& out) {
  out.Clear();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto status = google::protobuf::util::JsonStringToMessage(std::string(json), &out, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the engine's ", out.GetDescriptor()->name(),
                     " is not what oVirt's API v4 sends: ", status.ToString()));
  }
  return absl::OkStatus();
}

std::string OvirtJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

namespace {

struct Mapping {
  absl::StatusCode status;
  int code;
  const char* reason;
};

constexpr Mapping kMappings[] = {
    {absl::StatusCode::kNotFound, 404, "Resource not found"},
    {absl::StatusCode::kFailedPrecondition, 409, "Operation Failed"},
    {absl::StatusCode::kInvalidArgument, 400, "Incomplete parameters"},
    {absl::StatusCode::kUnauthenticated, 401, "Unauthorized"},
    {absl::StatusCode::kPermissionDenied, 403, "Forbidden"},
    {absl::StatusCode::kUnavailable, 503, "Service Unavailable"},
};

}  // namespace

OvirtFault OvirtFaultOf(const absl::Status& status) {
  OvirtFault out;
  out.fault.set_reason("Internal Server Error");
  for (const Mapping& m : kMappings) {
    if (m.status == status.code()) {
      out.code = m.code;
      out.fault.set_reason(m.reason);
    }
  }
  const absl::string_view message = status.message();
  if (const size_t colon = message.find(": "); colon != absl::string_view::npos) {
    out.fault.set_reason(std::string(message.substr(0, colon)));
    out.fault.set_detail(std::string(message.substr(colon + 2)));
  } else {
    out.fault.set_detail(std::string(message));
  }
  return out;
}

absl::Status OvirtStatusFromHttp(int code, absl::string_view body, absl::string_view request) {
  std::string message;
  absl::StatusOr<ovirt::Fault> fault = ParseOvirt<ovirt::Fault>(body);
  if (fault.ok() && !(fault->reason().empty() && fault->detail().empty())) {
    message = absl::StrCat(fault->reason(), ": ", fault->detail());
  } else {
    message = absl::StrCat("HTTP ", code, ": [", request, "]");
    if (!body.empty()) absl::StrAppend(&message, " ", body.substr(0, 200));
  }
  switch (code) {
    case 404:
      return absl::NotFoundError(message);
    case 409:
      return absl::FailedPreconditionError(message);
    case 400:
      if (fault.ok() && fault->reason() == "Operation Failed") {
        return absl::FailedPreconditionError(message);
      }
      return absl::InvalidArgumentError(message);
    case 401:
      return absl::UnauthenticatedError(message);
    case 403:
      return absl::PermissionDeniedError(message);
    case 429:
      return absl::UnavailableError(message);
    default:
      if (code >= 500) return absl::UnavailableError(message);
      return absl::UnknownError(message);
  }
}

}  // namespace ferry::api
