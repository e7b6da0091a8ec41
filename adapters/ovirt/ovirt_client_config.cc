#include "adapters/ovirt/ovirt_client_config.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ferry::adapters {
namespace {

std::string DataOf(const k8s::Secret& secret, const std::string& key) {
  if (auto it = secret.data().find(key); it != secret.data().end()) return it->second;
  if (auto it = secret.string_data().find(key); it != secret.string_data().end()) {
    return it->second;
  }
  return "";
}

}  // namespace

absl::StatusOr<OvirtClientConfig> OvirtConfigOf(const forklift::Provider& provider,
                                                const k8s::Secret& secret) {
  const std::string where =
      absl::StrCat("Provider ", provider.metadata().namespace_(), "/", provider.metadata().name());
  if (provider.spec().has_type() && provider.spec().type() != "ovirt") {
    return absl::InvalidArgumentError(absl::StrCat(where, ": spec.type is \"",
                                                   provider.spec().type(),
                                                   "\"; Ferry's LUN controller reads ovirt"));
  }
  OvirtClientConfig c;
  c.url = provider.spec().url();
  while (absl::EndsWith(c.url, "/")) c.url.pop_back();
  const size_t scheme = c.url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t end = c.url.find('/', start);
  const std::string authority =
      c.url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (absl::StrContains(authority, "@")) {  // never quoted: it may hold a password
    return absl::InvalidArgumentError(
        absl::StrCat(where,
                     ": spec.url carries credentials (user@ or user:password@); they belong in the "
                     "Secret spec.secret names"));
  }
  if (!absl::StartsWith(c.url, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": spec.url \"", c.url,
                     "\" must be https:// (the engine's password is sent to it)"));
  }
  if (!absl::EndsWith(c.url, "/ovirt-engine/api")) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": spec.url \"", c.url,
                     "\" must be the engine's API root, https://HOST/ovirt-engine/api"));
  }
  const std::string secret_where =
      absl::StrCat("Secret ", secret.metadata().namespace_(), "/", secret.metadata().name());
  c.user = DataOf(secret, "user");
  c.password = DataOf(secret, "password");
  c.ca_pem = DataOf(secret, "cacert");
  c.insecure_skip_verify = absl::AsciiStrToLower(DataOf(secret, "insecureSkipVerify")) == "true";
  if (c.user.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(secret_where, ": data.user is missing"));
  }
  if (c.password.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(secret_where, ": data.password is missing"));
  }
  return c;
}

}  // namespace ferry::adapters
