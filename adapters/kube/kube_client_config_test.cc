#include "adapters/kube/kube_client_config.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::adapters {
namespace {

using ::testing::HasSubstr;

std::string Dir() { return std::getenv("TEST_TMPDIR"); }

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = Dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string Kubeconfig() {
  return "apiVersion: v1\nkind: Config\ncurrent-context: one\n"
         "clusters:\n"
         "- name: c1\n  cluster:\n    server: https://127.0.0.1:6443/prefix/\n"
         "    certificate-authority-data: " + absl::Base64Escape("CA ONE") + "\n"
         "- name: c2\n  cluster:\n    server: https://127.0.0.2:6443\n"
         "    certificate-authority: ca-two.pem\n    insecure-skip-tls-verify: false\n"
         "users:\n"
         "- name: u1\n  user:\n    token: token-one\n"
         "- name: u2\n  user:\n    tokenFile: token-two\n"
         "    client-certificate-data: " + absl::Base64Escape("CERT") + "\n"
         "    client-key-data: " + absl::Base64Escape("KEY") + "\n"
         "contexts:\n"
         "- name: one\n  context: {cluster: c1, user: u1}\n"
         "- name: two\n  context: {cluster: c2, user: u2, namespace: prod}\n"
         "- name: broken\n  context: {cluster: nowhere, user: u1}\n";
}

TEST(KubeconfigTest, TheCurrentContextByDefaultAndANamedOneOnRequest) {
  Write("ca-two.pem", "CA TWO");
  Write("token-two", "token-two\n");
  const std::string path = Write("config", Kubeconfig());
  absl::StatusOr<KubeClientConfig> one = LoadKubeconfig(path, "");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->server, "https://127.0.0.1:6443/prefix");
  EXPECT_EQ(one->ca_pem, "CA ONE");
  EXPECT_EQ(one->token, "token-one");
  EXPECT_EQ(one->namespace_, "default");
  absl::StatusOr<KubeClientConfig> two = LoadKubeconfig(path, "two");
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->server, "https://127.0.0.2:6443");
  EXPECT_EQ(two->ca_pem, "CA TWO") << "a relative path is the kubeconfig's folder's";
  EXPECT_EQ(two->token, "token-two");
  EXPECT_EQ(two->client_cert_pem, "CERT");
  EXPECT_EQ(two->client_key_pem, "KEY");
  EXPECT_EQ(two->namespace_, "prod");
  EXPECT_FALSE(two->insecure_skip_tls_verify);
}

TEST(KubeconfigTest, WhatIsMissingIsNamedAndTheTokenIsNot) {
  const std::string path = Write("config2", Kubeconfig());
  absl::Status st = LoadKubeconfig(path, "three").status();
  EXPECT_THAT(st.message(), HasSubstr("contexts: no context \"three\""));
  st = LoadKubeconfig(path, "broken").status();
  EXPECT_THAT(st.message(), HasSubstr("clusters: no cluster \"nowhere\""));
  EXPECT_THAT(st.message(), ::testing::Not(HasSubstr("token-one")));
  EXPECT_EQ(LoadKubeconfig(Dir() + "/none", "").status().code(), absl::StatusCode::kNotFound);
  st = LoadKubeconfig(Write("bad", "clusters: [\n"), "").status();
  EXPECT_THAT(st.message(), HasSubstr("not a kubeconfig"));
}

TEST(InClusterConfigTest, ReadsTheServiceAccountOrSaysItIsNotInAPod) {
  unsetenv("KUBERNETES_SERVICE_HOST");
  EXPECT_EQ(InClusterConfig(Dir()).status().code(), absl::StatusCode::kFailedPrecondition);
  setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  Write("token", "sa-token\n");
  Write("ca.crt", "SA CA");
  Write("namespace", "ferry-system");
  absl::StatusOr<KubeClientConfig> c = InClusterConfig(Dir());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->token, "sa-token");
  EXPECT_EQ(c->ca_pem, "SA CA");
  EXPECT_EQ(c->namespace_, "ferry-system");
}

}  // namespace
}  // namespace ferry::adapters
