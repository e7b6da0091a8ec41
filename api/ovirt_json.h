// The oVirt engine's JSON, both ways, and its errors over HTTP, so the
// REST adapter (adapters/ovirt) and the served fake engine (serve/ovirt)
// read and write the same shapes.
//
// Objects: api/ovirt.proto with oVirt's snake_case names; a single object
// is sent without a root element ({"id": ..., "name": ...}), a collection
// wrapped ({"vm": [...]}). Every scalar is a string. Fields Ferry does not
// model (links, actions, creation_time, ...) are read past.
//
// Errors: a `fault` body {"reason": ..., "detail": ...}; the port's
// message is "<reason>: <detail>" (core/ports/ovirt.h). Both ways:
//
//   NotFound            404 "Resource not found"
//   FailedPrecondition  409 "Operation Failed" (the engine refuses in this
//                       state); a 400 whose reason is "Operation Failed"
//                       reads back as FailedPrecondition too
//   InvalidArgument     400 "Incomplete parameters" and other bad requests
//   Unauthenticated     401 (a token expired or never valid)
//   PermissionDenied    403
//   Unavailable         503; 429 and every 5xx read back as Unavailable
//   anything else       500
//
//   ASSIGN_OR_RETURN(ovirt::Vm vm, ParseOvirt<ovirt::Vm>(body));
//   OvirtFault f = OvirtFaultOf(absl::NotFoundError("Resource not found: [Entity not found: VM
//   x]")); absl::Status back = OvirtStatusFromHttp(f.code, OvirtJson(f.fault));
#ifndef FERRY_API_OVIRT_JSON_H_
#define FERRY_API_OVIRT_JSON_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/ovirt.pb.h"
#include "google/protobuf/message.h"

namespace ferry::api {

// `json` into `out` (cleared first). InvalidArgument naming the field when
// the body is not JSON or a field has the wrong type.
absl::Status ParseOvirtJson(absl::string_view json, google::protobuf::Message& out);

template <typename M>
absl::StatusOr<M> ParseOvirt(absl::string_view json) {
  M m;
  if (absl::Status s = ParseOvirtJson(json, m); !s.ok()) return s;
  return m;
}

// `message` as the engine writes it: snake_case names, empty fields left out.
std::string OvirtJson(const google::protobuf::Message& message);

struct OvirtFault {
  int code = 500;  // HTTP status
  ovirt::Fault fault;
};

// The answer to a failed call: the message split at its first ": " into
// reason and detail (a message without one is all detail, the reason
// chosen by the code).
OvirtFault OvirtFaultOf(const absl::Status& status);

// The canonical status of an HTTP answer with code >= 400, its message the
// fault's "<reason>: <detail>". The engine answers most 404s with no body
// at all: then the message is "HTTP <code>: [<request>]" (`request`, e.g.
// "GET /vms/x", names what was not found) followed by the body's start.
absl::Status OvirtStatusFromHttp(int code, absl::string_view body, absl::string_view request = "");

}  // namespace ferry::api

#endif  // FERRY_API_OVIRT_JSON_H_
