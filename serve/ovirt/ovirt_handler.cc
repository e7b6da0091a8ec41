#include "serve/ovirt/ovirt_handler.h"

#include <openssl/crypto.h>

#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/ovirt_json.h"
#include "google/protobuf/util/message_differencer.h"
#include "nlohmann/json.hpp"

namespace ferry::serve {
namespace {

constexpr absl::string_view kApi = "/ovirt-engine/api";
constexpr absl::string_view kSso = "/ovirt-engine/sso/oauth/token";

HttpResponse Json(const google::protobuf::Message& message, int status = 200) {
  return HttpResponse{.status = status, .body = api::OvirtJson(message)};
}

HttpResponse Fault(const absl::Status& status) {
  const api::OvirtFault f = api::OvirtFaultOf(status);
  return HttpResponse{.status = f.code, .body = api::OvirtJson(f.fault)};
}

HttpResponse NoSuchPath(const HttpRequest& request) {
  return Fault(
      absl::NotFoundError(absl::StrCat("Resource not found: [", request.method, " ", request.path,
                                       " is not a resource of this engine]")));
}

bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

ovirt::Vm Followed(ovirt::Vm vm, const HttpRequest& request) {
  if (!absl::StrContains(request.Query("follow"), "disk_attachments")) vm.clear_disk_attachments();
  return vm;
}

}  // namespace

OvirtHandler::OvirtHandler(fakes::FakeEngine& engine, Options options)
    : engine_(engine), options_(std::move(options)) {}

void OvirtHandler::ExpireTokens() {
  for (auto& [token, expiry] : tokens_) expiry = absl::InfinitePast();
}

HttpResponse OvirtHandler::Handle(const HttpRequest& request) {
  if (request.path == kSso) return Sso(request);
  if (request.path == kApi || absl::StartsWith(request.path, absl::StrCat(kApi, "/"))) {
    if (!Authorized(request)) {
      return Fault(absl::UnauthenticatedError(
          "Unauthorized: [a bearer token from /ovirt-engine/sso/oauth/token is required; "
          "it is missing, unknown or expired]"));
    }
    absl::string_view path = absl::string_view(request.path).substr(kApi.size());
    while (absl::EndsWith(path, "/")) path.remove_suffix(1);
    return Api(request, path);
  }
  return NoSuchPath(request);
}

bool OvirtHandler::Authorized(const HttpRequest& request) {
  const std::string header = request.Header("Authorization");
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWith(header, kBearer)) return false;
  auto it = tokens_.find(header.substr(kBearer.size()));
  return it != tokens_.end() && options_.now() < it->second;
}

HttpResponse OvirtHandler::Sso(const HttpRequest& request) {
  // The SSO service's own error shape, not the API's fault.
  auto refuse = [](int status, absl::string_view code, absl::string_view why) {
    nlohmann::json e = {{"error_code", code}, {"error", why}};
    return HttpResponse{.status = status, .body = e.dump()};
  };
  if (request.method != "POST") return refuse(405, "invalid_request", "use POST");
  if (request.Query("grant_type") != "password") {
    return refuse(400, "unsupported_grant_type", "grant_type must be password");
  }
  if (!absl::StrContains(request.Query("scope"), "ovirt-app-api")) {
    return refuse(400, "invalid_scope", "scope must include ovirt-app-api");
  }
  const std::string user = request.Query("username");
  if (!SameSecret(user, options_.user) ||
      !SameSecret(request.Query("password"), options_.password)) {
    return refuse(400, "access_denied",
                  absl::StrCat("Cannot authenticate user '", user,
                               "': The username or password is incorrect."));
  }
  const std::string token = options_.new_token();
  const absl::Time expiry = options_.now() + options_.token_lifetime;
  tokens_[token] = expiry;
  nlohmann::json answer = {{"access_token", token},
                           {"scope", "ovirt-app-api"},
                           {"exp", absl::StrCat(absl::ToUnixMillis(expiry))},
                           {"token_type", "bearer"}};
  return HttpResponse{.status = 200, .body = answer.dump()};
}

HttpResponse OvirtHandler::Api(const HttpRequest& request, absl::string_view path) {
  const std::vector<std::string> parts =
      path.empty() ? std::vector<std::string>{}
                   : absl::StrSplit(path.substr(1), '/');  // "/vms/x" -> {"vms", "x"}
  const std::string& method = request.method;
  const size_t n = parts.size();
  if (n == 0 && method == "GET") {
    ovirt::Api api;
    api.mutable_product_info()->set_name("oVirt Engine");
    api.mutable_product_info()->set_vendor("ovirt.org");
    *api.mutable_product_info()->mutable_version() = engine_.VersionForTest();
    return Json(api);
  }
  if (n == 0) return NoSuchPath(request);
  if (parts[0] == "disks" && method == "GET") {
    if (n == 1) {
      ovirt::Disks disks;
      for (const auto& [id, disk] : engine_.disks_for_test()) {
        *disks.add_disk() = fakes::ListedDisk(disk);
      }
      return Json(disks);
    }
    if (n == 2) {
      absl::StatusOr<ovirt::Disk> disk = engine_.GetDisk(parts[1]);
      return disk.ok() ? Json(*disk) : Fault(disk.status());
    }
  }
  if (parts[0] != "vms") return NoSuchPath(request);
  if (n == 1 && method == "GET") {
    absl::StatusOr<std::vector<ovirt::Vm>> vms = engine_.ListVms();
    if (!vms.ok()) return Fault(vms.status());
    ovirt::Vms out;
    for (ovirt::Vm& vm : *vms) *out.add_vm() = Followed(std::move(vm), request);
    return Json(out);
  }
  if (n < 2) return NoSuchPath(request);
  const std::string& vm_id = parts[1];
  if (n == 2 && method == "GET") {
    absl::StatusOr<ovirt::Vm> vm = engine_.GetVm(vm_id);
    return vm.ok() ? Json(Followed(*std::move(vm), request)) : Fault(vm.status());
  }
  if (n == 3 && method == "POST" &&
      (parts[2] == "shutdown" || parts[2] == "stop" || parts[2] == "start")) {
    const absl::Status s = parts[2] == "shutdown" ? engine_.Shutdown(vm_id)
                           : parts[2] == "stop"   ? engine_.Stop(vm_id)
                                                  : engine_.Start(vm_id);
    if (!s.ok()) return Fault(s);
    return HttpResponse{.status = 200, .body = R"({"status":"complete"})"};
  }
  if (n < 3 || parts[2] != "diskattachments" || n > 4) return NoSuchPath(request);
  if (n == 3 && method == "POST") {
    absl::StatusOr<ovirt::DiskAttachment> request_body =
        api::ParseOvirt<ovirt::DiskAttachment>(request.body);
    if (!request_body.ok()) {
      return Fault(absl::InvalidArgumentError(absl::StrCat("Request syntactically incorrect.: [",
                                                           request_body.status().message(), "]")));
    }
    absl::StatusOr<ovirt::DiskAttachment> attached = engine_.AttachDisk(vm_id, *request_body);
    return attached.ok() ? Json(*attached, 201) : Fault(attached.status());
  }
  if (n == 3 && method != "GET") return NoSuchPath(request);  // no attachment id
  if (method == "GET") {
    absl::StatusOr<ovirt::Vm> vm = engine_.GetVm(vm_id);
    if (!vm.ok()) return Fault(vm.status());
    if (n == 3) return Json(vm->disk_attachments());
    const std::string& attachment_id = parts[3];
    for (const ovirt::DiskAttachment& a : vm->disk_attachments().disk_attachment()) {
      if (a.id() == attachment_id) return Json(a);
    }
    return Fault(absl::NotFoundError(absl::StrCat(
        "Resource not found: [Entity not found: disk attachment ", attachment_id, "]")));
  }
  // A write is one call of the port (DetachDisk, DeactivateDisk) and
  // consults only that call's fault hook: no GetVm around it.
  const std::string& attachment_id = parts[3];
  if (method == "DELETE") {
    if (request.HasQuery("detach_only") && request.Query("detach_only") != "true") {
      return Fault(absl::InvalidArgumentError(
          "Bad Request: [Ferry's engine only detaches disks (detach_only=true); it never "
          "deletes one]"));
    }
    const absl::Status s = engine_.DetachDisk(vm_id, attachment_id);
    return s.ok() ? HttpResponse{.status = 200, .body = "{}"} : Fault(s);
  }
  if (method == "PUT") {
    absl::StatusOr<ovirt::DiskAttachment> change =
        api::ParseOvirt<ovirt::DiskAttachment>(request.body);
    ovirt::DiskAttachment only_inactive;
    only_inactive.set_active("false");
    if (!change.ok() ||
        !google::protobuf::util::MessageDifferencer::Equals(*change, only_inactive)) {
      return Fault(absl::InvalidArgumentError(
          "Request syntactically incorrect.: [Ferry's engine updates a disk attachment only to "
          "{\"active\": \"false\"}]"));
    }
    const absl::Status s = engine_.DeactivateDisk(vm_id, attachment_id);
    if (!s.ok()) return Fault(s);
    // The answer is part of the same call: read without a fault or a delay.
    const std::optional<ovirt::Vm> after = engine_.VmForTest(vm_id);
    if (after.has_value()) {
      for (const ovirt::DiskAttachment& a : after->disk_attachments().disk_attachment()) {
        if (a.id() == attachment_id) return Json(a);
      }
    }
    return HttpResponse{.status = 200, .body = "{}"};
  }
  return NoSuchPath(request);
}

}  // namespace ferry::serve
