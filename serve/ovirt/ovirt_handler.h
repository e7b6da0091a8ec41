// OvirtHandler: the oVirt engine's REST API v4 and its SSO, in front of the
// fake engine (fakes/ovirt), as `ferry ovirt-serve` and `ferry up` serve it.
// Independent of the server library: one request in, one answer out.
//
// Served, in the engine's own JSON (api/ovirt_json.h):
//   POST /ovirt-engine/sso/oauth/token  password grant -> a bearer token
//   GET  /ovirt-engine/api              product_info
//   GET  /ovirt-engine/api/vms[/{id}]   ?follow=disk_attachments embeds them
//   GET  /ovirt-engine/api/disks[/{id}] a list never carries LUN details
//   GET  /ovirt-engine/api/vms/{id}/diskattachments[/{id}]
//   POST /ovirt-engine/api/vms/{id}/diskattachments        attach
//   PUT  /ovirt-engine/api/vms/{id}/diskattachments/{id}   {"active":"false"} only
//   DELETE /ovirt-engine/api/vms/{id}/diskattachments/{id} detach only
//   POST /ovirt-engine/api/vms/{id}/{shutdown,stop,start}
// Everything under /ovirt-engine/api needs `Authorization: Bearer TOKEN`
// with a token the SSO issued and not expired (401 otherwise). Errors are
// the engine's fault bodies.
//
// Ferry's engine never deletes a disk: DELETE with detach_only=false and a
// PUT changing anything but `active: false` are refused (400), saying so.
// Not thread-safe: the caller serializes requests with the engine's users.
//
//   OvirtHandler handler(engine, {.user = "admin@internal", .password = pw,
//                                 .new_token = [] { return *RandomToken(); }});
//   HttpResponse a = handler.Handle({.method = "GET", .path = "/ovirt-engine/api"});
#ifndef FERRY_SERVE_OVIRT_OVIRT_HANDLER_H_
#define FERRY_SERVE_OVIRT_OVIRT_HANDLER_H_

#include <functional>
#include <map>
#include <string>

#include "absl/time/time.h"
#include "fakes/ovirt/fake_engine.h"
#include "serve/http_message.h"

namespace ferry::serve {

class OvirtHandler {
 public:
  struct Options {
    std::string user = "admin@internal";
    std::string password;  // required; compared in constant time, never logged
    absl::Duration token_lifetime = absl::Hours(10);
    std::function<std::string()> new_token;  // a fresh unguessable token
    std::function<absl::Time()> now;         // the tokens' clock
  };

  OvirtHandler(fakes::FakeEngine& engine, Options options);

  HttpResponse Handle(const HttpRequest& request);

  // Every issued token expires now (for tests of a client's renewal).
  void ExpireTokens();

 private:
  HttpResponse Sso(const HttpRequest& request);
  HttpResponse Api(const HttpRequest& request, absl::string_view path);
  bool Authorized(const HttpRequest& request);

  fakes::FakeEngine& engine_;
  Options options_;
  std::map<std::string, absl::Time> tokens_;  // token -> expiry
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_OVIRT_OVIRT_HANDLER_H_
