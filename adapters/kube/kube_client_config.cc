#include "adapters/kube/kube_client_config.h"

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/read_file.h"
#include "yaml-cpp/yaml.h"

namespace ferry::adapters {
namespace {

constexpr int64_t kMaxFile = 4 << 20;  // a kubeconfig, a token, a certificate

// The entry of `list` (clusters, users, contexts) named `name`.
YAML::Node Named(const YAML::Node& list, const std::string& name) {
  if (!list.IsSequence()) return YAML::Node();
  for (const YAML::Node& entry : list) {
    if (entry["name"] && entry["name"].as<std::string>() == name) return entry;
  }
  return YAML::Node();
}

std::string Text(const YAML::Node& node, const char* key) {
  return node && node[key] && node[key].IsScalar() ? node[key].as<std::string>() : "";
}

// `key-data` (base64) or `key` (a file path, relative to `dir`).
absl::StatusOr<std::string> DataOrFile(const YAML::Node& node, const std::string& key,
                                       const std::string& dir, const std::string& field) {
  const std::string data = Text(node, absl::StrCat(key, "-data").c_str());
  if (!data.empty()) {
    std::string decoded;
    if (!absl::Base64Unescape(data, &decoded)) {
      return absl::InvalidArgumentError(absl::StrCat(field, "-data: not base64"));
    }
    return decoded;
  }
  std::string path = Text(node, key.c_str());
  if (path.empty()) return std::string();
  if (path[0] != '/') path = absl::StrCat(dir, "/", path);
  return ReadFileBounded(path, {.max_bytes = kMaxFile, .raise_with = ""});
}

}  // namespace

absl::StatusOr<KubeClientConfig> LoadKubeconfig(const std::string& path,
                                                const std::string& context) {
  absl::StatusOr<std::string> text =
      ReadFileBounded(path, {.max_bytes = kMaxFile, .raise_with = ""});
  if (!text.ok()) return text.status();
  const std::string dir =
      path.rfind('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a kubeconfig: ", e.what()));
  }
  const std::string name = context.empty() ? Text(root, "current-context") : context;
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": current-context: unset (name a context with --context)"));
  }
  const YAML::Node ctx = Named(root["contexts"], name)["context"];
  if (!ctx)
    return absl::InvalidArgumentError(absl::StrCat(path, ": contexts: no context \"", name, "\""));
  const std::string cluster_name = Text(ctx, "cluster");
  const std::string user_name = Text(ctx, "user");
  const YAML::Node cluster = Named(root["clusters"], cluster_name)["cluster"];
  if (!cluster) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": clusters: no cluster \"", cluster_name, "\" (context ", name, ")"));
  }
  KubeClientConfig c;
  c.server = std::string(absl::StripSuffix(Text(cluster, "server"), "/"));
  if (c.server.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": clusters[", cluster_name, "].cluster.server: unset"));
  }
  c.insecure_skip_tls_verify = Text(cluster, "insecure-skip-tls-verify") == "true";
  absl::StatusOr<std::string> ca =
      DataOrFile(cluster, "certificate-authority", dir, "clusters[].cluster.certificate-authority");
  if (!ca.ok()) return ca.status();
  c.ca_pem = *std::move(ca);
  if (const std::string ns = Text(ctx, "namespace"); !ns.empty()) c.namespace_ = ns;
  if (user_name.empty()) return c;
  const YAML::Node user = Named(root["users"], user_name)["user"];
  if (!user) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": users: no user \"", user_name, "\" (context ", name, ")"));
  }
  c.token = Text(user, "token");
  if (c.token.empty() && !Text(user, "tokenFile").empty()) {
    std::string file = Text(user, "tokenFile");
    if (file[0] != '/') file = absl::StrCat(dir, "/", file);
    absl::StatusOr<std::string> token =
        ReadFileBounded(file, {.max_bytes = kMaxFile, .raise_with = ""});
    if (!token.ok()) return token.status();
    c.token = std::string(absl::StripAsciiWhitespace(*token));
  }
  absl::StatusOr<std::string> cert =
      DataOrFile(user, "client-certificate", dir, "users[].user.client-certificate");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = DataOrFile(user, "client-key", dir, "users[].user.client-key");
  if (!key.ok()) return key.status();
  c.client_cert_pem = *std::move(cert);
  c.client_key_pem = *std::move(key);
  return c;
}

absl::StatusOr<KubeClientConfig> InClusterConfig(const std::string& account_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr) {
    return absl::FailedPreconditionError(
        "not in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset "
        "(give a kubeconfig instead)");
  }
  KubeClientConfig c;
  const std::string h = host;
  c.server = absl::StrCat(
      "https://", h.find(':') != std::string::npos ? absl::StrCat("[", h, "]") : h, ":", port);
  absl::StatusOr<std::string> token = ReadFileBounded(absl::StrCat(account_dir, "/token"),
                                                      {.max_bytes = kMaxFile, .raise_with = ""});
  if (!token.ok()) return token.status();
  c.token = std::string(absl::StripAsciiWhitespace(*token));
  absl::StatusOr<std::string> ca = ReadFileBounded(absl::StrCat(account_dir, "/ca.crt"),
                                                   {.max_bytes = kMaxFile, .raise_with = ""});
  if (!ca.ok()) return ca.status();
  c.ca_pem = *std::move(ca);
  absl::StatusOr<std::string> ns = ReadFileBounded(absl::StrCat(account_dir, "/namespace"),
                                                   {.max_bytes = kMaxFile, .raise_with = ""});
  if (ns.ok()) c.namespace_ = std::string(absl::StripAsciiWhitespace(*ns));
  return c;
}

}  // namespace ferry::adapters
