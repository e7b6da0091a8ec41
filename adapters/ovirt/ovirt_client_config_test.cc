// OvirtConfigOf: a Forklift Provider of type ovirt and its Secret become a
// client's config; anything else is refused naming the field, and no
// refusal ever carries the password.
#include "adapters/ovirt/ovirt_client_config.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/core.pb.h"
#include "api/forklift.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::adapters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Distinctive, so that a message carrying it cannot pass by accident.
constexpr char kPassword[] = "Pa55-zq9!xylophone";
constexpr char kCaPem[] = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

forklift::Provider Provider(
    const std::string& url = "https://engine.example.com/ovirt-engine/api") {
  forklift::Provider p;
  p.mutable_metadata()->set_namespace_("konveyor-forklift");
  p.mutable_metadata()->set_name("rhv");
  p.mutable_spec()->set_type("ovirt");
  p.mutable_spec()->set_url(url);
  p.mutable_spec()->mutable_secret()->set_name("rhv-credentials");
  return p;
}

k8s::Secret Secret() {
  k8s::Secret s;
  s.mutable_metadata()->set_namespace_("konveyor-forklift");
  s.mutable_metadata()->set_name("rhv-credentials");
  (*s.mutable_data())["user"] = "admin@internal";
  (*s.mutable_data())["password"] = kPassword;
  (*s.mutable_data())["cacert"] = kCaPem;
  return s;
}

// The refusal's message, checked to be an InvalidArgument without the password.
std::string Refusal(const forklift::Provider& provider, const k8s::Secret& secret) {
  const absl::StatusOr<OvirtClientConfig> c = OvirtConfigOf(provider, secret);
  EXPECT_FALSE(c.ok());
  if (c.ok()) return "";
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << c.status();
  EXPECT_THAT(c.status().message(), Not(HasSubstr(kPassword)));
  return std::string(c.status().message());
}

TEST(OvirtConfigOf, AnOvirtProviderAndItsSecretGiveTheConfig) {
  const absl::StatusOr<OvirtClientConfig> c =
      OvirtConfigOf(Provider("https://engine.example.com/ovirt-engine/api/"), Secret());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->url, "https://engine.example.com/ovirt-engine/api");  // the slash trimmed
  EXPECT_EQ(c->user, "admin@internal");
  EXPECT_EQ(c->password, kPassword);
  EXPECT_EQ(c->ca_pem, kCaPem);
  EXPECT_FALSE(c->insecure_skip_verify);
}

TEST(OvirtConfigOf, AUrlWithAPortAndWithoutTrailingSlashIsKept) {
  const absl::StatusOr<OvirtClientConfig> c =
      OvirtConfigOf(Provider("https://10.0.0.9:8443/ovirt-engine/api"), Secret());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->url, "https://10.0.0.9:8443/ovirt-engine/api");
}

TEST(OvirtConfigOf, WithoutACaCertTheSystemTrustStoreVerifies) {
  k8s::Secret secret = Secret();
  secret.mutable_data()->erase("cacert");
  const absl::StatusOr<OvirtClientConfig> c = OvirtConfigOf(Provider(), secret);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->ca_pem, "");
  EXPECT_FALSE(c->insecure_skip_verify);
}

TEST(OvirtConfigOf, InsecureSkipVerifyTrueInAnyCaseSkipsVerification) {
  for (const std::string value : {"true", "True", "TRUE", "tRuE"}) {
    k8s::Secret secret = Secret();
    (*secret.mutable_data())["insecureSkipVerify"] = value;
    const absl::StatusOr<OvirtClientConfig> c = OvirtConfigOf(Provider(), secret);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_TRUE(c->insecure_skip_verify) << value;
  }
  for (const std::string value : {"false", "", "yes", "1"}) {
    k8s::Secret secret = Secret();
    (*secret.mutable_data())["insecureSkipVerify"] = value;
    const absl::StatusOr<OvirtClientConfig> c = OvirtConfigOf(Provider(), secret);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_FALSE(c->insecure_skip_verify) << value;
  }
}

TEST(OvirtConfigOf, StringDataIsReadToo) {
  k8s::Secret secret;
  secret.mutable_metadata()->set_name("rhv-credentials");
  (*secret.mutable_string_data())["user"] = "admin@internal";
  (*secret.mutable_string_data())["password"] = kPassword;
  (*secret.mutable_string_data())["cacert"] = kCaPem;
  (*secret.mutable_string_data())["insecureSkipVerify"] = "true";
  const absl::StatusOr<OvirtClientConfig> c = OvirtConfigOf(Provider(), secret);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->user, "admin@internal");
  EXPECT_EQ(c->password, kPassword);
  EXPECT_EQ(c->ca_pem, kCaPem);
  EXPECT_TRUE(c->insecure_skip_verify);
}

TEST(OvirtConfigOf, AProviderWithoutATypeIsReadAsOvirt) {
  forklift::Provider provider = Provider();
  provider.mutable_spec()->clear_type();
  EXPECT_TRUE(OvirtConfigOf(provider, Secret()).ok());
}

TEST(OvirtConfigOf, PlainHttpIsRefusedNamingTheUrl) {
  const std::string message =
      Refusal(Provider("http://engine.example.com/ovirt-engine/api"), Secret());
  EXPECT_THAT(message, HasSubstr("spec.url"));
  EXPECT_THAT(message, HasSubstr("https://"));
  EXPECT_THAT(message, HasSubstr("konveyor-forklift/rhv"));
}

TEST(OvirtConfigOf, AUrlThatIsNotTheApiRootIsRefused) {
  for (const std::string url :
       {"https://engine.example.com", "https://engine.example.com/ovirt-engine",
        "https://engine.example.com/ovirt-engine/api/v4",
        "https://engine.example.com/ovirt-engine/sso/oauth/token"}) {
    const std::string message = Refusal(Provider(url), Secret());
    EXPECT_THAT(message, HasSubstr("spec.url")) << url;
    EXPECT_THAT(message, HasSubstr("/ovirt-engine/api")) << url;
  }
}

TEST(OvirtConfigOf, AnotherProviderTypeIsRefusedNamingTheType) {
  forklift::Provider provider = Provider();
  provider.mutable_spec()->set_type("vsphere");
  const std::string message = Refusal(provider, Secret());
  EXPECT_THAT(message, HasSubstr("spec.type"));
  EXPECT_THAT(message, HasSubstr("vsphere"));
}

TEST(OvirtConfigOf, ASecretWithoutTheUserIsRefusedNamingTheKey) {
  k8s::Secret secret = Secret();
  secret.mutable_data()->erase("user");
  const std::string message = Refusal(Provider(), secret);
  EXPECT_THAT(message, HasSubstr("data.user"));
  EXPECT_THAT(message, HasSubstr("konveyor-forklift/rhv-credentials"));
}

TEST(OvirtConfigOf, ASecretWithoutThePasswordIsRefusedNamingTheKey) {
  k8s::Secret secret = Secret();
  secret.mutable_data()->erase("password");
  EXPECT_THAT(Refusal(Provider(), secret), HasSubstr("data.password"));
  (*secret.mutable_data())["password"] = "";
  EXPECT_THAT(Refusal(Provider(), secret), HasSubstr("data.password"));
}

TEST(OvirtConfigOf, NoRefusalCarriesThePassword) {
  // Refusal() checks the message of each case above; here the whole status,
  // payloads included, of every kind of refusal with the password present.
  k8s::Secret no_user = Secret();
  no_user.mutable_data()->erase("user");
  forklift::Provider vsphere = Provider();
  vsphere.mutable_spec()->set_type("vsphere");
  const std::pair<forklift::Provider, k8s::Secret> cases[] = {
      {Provider("http://engine.example.com/ovirt-engine/api"), Secret()},
      {Provider("https://engine.example.com/"), Secret()},
      {vsphere, Secret()},
      {Provider(), no_user},
  };
  for (const auto& [provider, secret] : cases) {
    const absl::StatusOr<OvirtClientConfig> c = OvirtConfigOf(provider, secret);
    ASSERT_FALSE(c.ok());
    EXPECT_THAT(c.status().ToString(), Not(HasSubstr(kPassword)));
  }
}

// Credentials in the URL are refused without quoting it: the password in
// user:password@ would otherwise land in the message, and in logs.
TEST(OvirtConfigOf, AUrlCarryingCredentialsIsRefusedWithoutQuotingIt) {
  const absl::Status s =
      OvirtConfigOf(
          Provider("https://admin:Pa55-zq9!xylophone@engine.example.com/ovirt-engine/api"),
          Secret())
          .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("spec.url carries credentials"));
  EXPECT_THAT(s.ToString(), Not(HasSubstr(kPassword)));
  // An @ in the path is not in the authority: no credentials there.
  EXPECT_TRUE(
      OvirtConfigOf(Provider("https://engine.example.com/a@b/ovirt-engine/api"), Secret()).ok());
}

}  // namespace
}  // namespace ferry::adapters
