#include "adapters/ovirt/http_ovirt.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "api/ovirt_json.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"

namespace ferry::adapters {
namespace {

// "https://host:port/ovirt-engine/api" -> "https://host:port" and "/ovirt-engine/api".
std::pair<std::string, std::string> SplitUrl(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return {url, ""};
  return {url.substr(0, path), url.substr(path)};
}

// The SSO service beside the API: /ovirt-engine/api -> /ovirt-engine/sso/oauth/token.
std::string SsoPath(const std::string& api_path) {
  absl::string_view root = api_path;
  absl::ConsumeSuffix(&root, "/api");
  return absl::StrCat(root, "/sso/oauth/token");
}

std::string Form(absl::string_view key, absl::string_view value) {
  return absl::StrCat(key, "=", UrlEscape(value));
}

}  // namespace

HttpOvirt::HttpOvirt(OvirtClientConfig config, Options options)
    : config_(std::move(config)),
      options_(std::move(options)),
      api_path_(SplitUrl(config_.url).second),
      sso_path_(SsoPath(api_path_)),
      client_({.base_url = SplitUrl(config_.url).first,
               .ca_pem = config_.ca_pem,
               .insecure_skip_tls_verify = config_.insecure_skip_verify},
              {.max_retry_wait = absl::Seconds(5), .warn = options_.warn}) {}

int HttpOvirt::tokens_fetched() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tokens_fetched_;
}

absl::StatusOr<std::string> HttpOvirt::Token(const std::string& stale) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool fresh =
      !token_.empty() && token_ != stale && Now() + absl::Minutes(1) < token_expires_;
  if (fresh) return token_;
  ASSIGN_OR_RETURN(
      HttpsClient::Answer a,
      client_.Call({.method = "POST",
                    .path = sso_path_,
                    .body = absl::StrCat(
                        Form("grant_type", "password"), "&", Form("scope", "ovirt-app-api"), "&",
                        Form("username", config_.user), "&", Form("password", config_.password)),
                    .content_type = "application/x-www-form-urlencoded",
                    .timeout = options_.timeout}));
  const auto answer = nlohmann::json::parse(a.body, nullptr, /*allow_exceptions=*/false);
  if (a.code != 200 || !answer.is_object() || !answer.contains("access_token") ||
      !answer["access_token"].is_string()) {
    // The SSO service's error: {"error_code": "access_denied", "error": "Cannot authenticate..."}.
    std::string why = answer.is_object() && answer.contains("error") && answer["error"].is_string()
                          ? answer["error"].get<std::string>()
                          : absl::StrCat("HTTP ", a.code);
    const std::string what = absl::StrCat("the oVirt engine's SSO at ", client_.target().base_url,
                                          sso_path_, " refused user ", config_.user, ": ", why);
    if (a.code == 400 || a.code == 401 || a.code == 403) return absl::UnauthenticatedError(what);
    return absl::UnavailableError(what);
  }
  token_ = answer["access_token"].get<std::string>();
  ++tokens_fetched_;
  // exp: milliseconds since the epoch, as a string (or a number).
  int64_t exp_ms = 0;
  if (answer.contains("exp")) {
    const auto& exp = answer["exp"];
    if (exp.is_string()) (void)absl::SimpleAtoi(exp.get<std::string>(), &exp_ms);
    if (exp.is_number_integer()) exp_ms = exp.get<int64_t>();
  }
  const absl::Time exp = absl::FromUnixMillis(exp_ms);
  token_expires_ = exp > Now() ? exp : absl::InfiniteFuture();  // none, or skewed clocks
  return token_;
}

absl::StatusOr<std::string> HttpOvirt::Api(const std::string& method, const std::string& path,
                                           const std::string& body) {
  const bool read = method == "GET";
  const absl::Time deadline = absl::Now() + options_.timeout;
  absl::Duration backoff = options_.backoff;
  std::string refused;  // the token the engine answered 401 to
  for (int attempt = 1;; ++attempt) {
    ASSIGN_OR_RETURN(std::string token, Token(refused));
    absl::StatusOr<HttpsClient::Answer> a =
        client_.Call({.method = method,
                      .path = api_path_ + path,
                      .body = body,
                      .content_type = body.empty() ? "" : "application/json",
                      .headers = {"Version: 4", absl::StrCat("Authorization: Bearer ", token)},
                      .timeout = std::max(absl::Milliseconds(1), deadline - absl::Now())});
    absl::Status failed;
    if (!a.ok()) {
      failed = a.status();
    } else if (a->code >= 200 && a->code < 300) {
      return std::move(a->body);
    } else if (a->code == 401 && refused.empty()) {
      refused = token;  // expired early or revoked: a new one, once
      continue;
    } else {
      failed = api::OvirtStatusFromHttp(static_cast<int>(a->code), a->body,
                                        absl::StrCat(method, " ", path));
    }
    const bool again =
        read && attempt < 3 && absl::IsUnavailable(failed) && absl::Now() + backoff < deadline;
    if (!again) return failed;
    absl::SleepFor(backoff);
    backoff *= 2;
  }
}

absl::StatusOr<ovirt::Version> HttpOvirt::EngineVersion() {
  ASSIGN_OR_RETURN(std::string body, Api("GET", ""));
  ASSIGN_OR_RETURN(ovirt::Api api, api::ParseOvirt<ovirt::Api>(body));
  return api.product_info().version();
}

absl::StatusOr<std::vector<ovirt::Vm>> HttpOvirt::ListVms() {
  ASSIGN_OR_RETURN(std::string body, Api("GET", "/vms?follow=disk_attachments"));
  ASSIGN_OR_RETURN(ovirt::Vms vms, api::ParseOvirt<ovirt::Vms>(body));
  return std::vector<ovirt::Vm>(vms.vm().begin(), vms.vm().end());
}

absl::StatusOr<ovirt::Vm> HttpOvirt::GetVm(absl::string_view vm_id) {
  ASSIGN_OR_RETURN(std::string body,
                   Api("GET", absl::StrCat("/vms/", UrlEscape(vm_id), "?follow=disk_attachments")));
  return api::ParseOvirt<ovirt::Vm>(body);
}

absl::StatusOr<ovirt::Disk> HttpOvirt::GetDisk(absl::string_view disk_id) {
  ASSIGN_OR_RETURN(std::string body, Api("GET", absl::StrCat("/disks/", UrlEscape(disk_id))));
  return api::ParseOvirt<ovirt::Disk>(body);
}

absl::Status HttpOvirt::Action(absl::string_view vm_id, absl::string_view action) {
  return Api("POST", absl::StrCat("/vms/", UrlEscape(vm_id), "/", action), "{}").status();
}

absl::Status HttpOvirt::Shutdown(absl::string_view vm_id) { return Action(vm_id, "shutdown"); }
absl::Status HttpOvirt::Stop(absl::string_view vm_id) { return Action(vm_id, "stop"); }
absl::Status HttpOvirt::Start(absl::string_view vm_id) { return Action(vm_id, "start"); }

absl::Status HttpOvirt::DetachDisk(absl::string_view vm_id, absl::string_view attachment_id) {
  return Api("DELETE", absl::StrCat("/vms/", UrlEscape(vm_id), "/diskattachments/",
                                    UrlEscape(attachment_id), "?detach_only=true"))
      .status();
}

absl::Status HttpOvirt::DeactivateDisk(absl::string_view vm_id, absl::string_view attachment_id) {
  ovirt::DiskAttachment change;
  change.set_active("false");
  return Api("PUT",
             absl::StrCat("/vms/", UrlEscape(vm_id), "/diskattachments/", UrlEscape(attachment_id)),
             api::OvirtJson(change))
      .status();
}

absl::StatusOr<ovirt::DiskAttachment> HttpOvirt::AttachDisk(
    absl::string_view vm_id, const ovirt::DiskAttachment& attachment) {
  ASSIGN_OR_RETURN(std::string body,
                   Api("POST", absl::StrCat("/vms/", UrlEscape(vm_id), "/diskattachments"),
                       api::OvirtJson(attachment)));
  return api::ParseOvirt<ovirt::DiskAttachment>(body);
}

}  // namespace ferry::adapters
