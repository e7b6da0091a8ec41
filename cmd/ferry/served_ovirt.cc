#include "cmd/ferry/served_ovirt.h"

#include "absl/strings/str_cat.h"
#include "api/manifest/api_object.h"
#include "api/manifest/kinds.h"
#include "base/status_macros.h"

namespace ferry::cli {
namespace {

constexpr char kUser[] = "admin@internal";

}  // namespace

absl::StatusOr<std::unique_ptr<ServedOvirt>> ServedOvirt::Start(fakes::FakeEngine& engine,
                                                                absl::Mutex& mu,
                                                                const OvirtServeFlags& flags,
                                                                std::function<absl::Time()> now,
                                                                std::ostream& log) {
  std::unique_ptr<ServedOvirt> served(new ServedOvirt);
  ASSIGN_OR_RETURN(served->identity_, serve::MakeTlsIdentity({flags.address}, {"localhost"}));
  ASSIGN_OR_RETURN(served->password_, serve::RandomToken());
  serve::OvirtServer::Options options{
      .address = flags.address,
      .port = flags.port,
      .handler = {.user = kUser,
                  .password = served->password_,
                  .new_token = [] { return serve::RandomToken().value_or(""); },
                  .now = std::move(now)}};
  if (flags.log) options.log = [&log](const std::string& line) { log << line << std::endl; };
  served->server_ =
      std::make_unique<serve::OvirtServer>(engine, mu, served->identity_, std::move(options));
  if (absl::Status st = served->server_->Start(); !st.ok()) {
    return absl::Status(st.code(),
                        absl::StrCat("the oVirt engine cannot be served: ", st.message()));
  }
  return served;
}

k8s::Secret ServedOvirt::SecretFor(const std::string& namespace_, const std::string& name) const {
  k8s::Secret secret;
  secret.set_api_version("v1");
  secret.set_kind("Secret");
  secret.mutable_metadata()->set_name(name);
  secret.mutable_metadata()->set_namespace_(namespace_);
  secret.set_type("Opaque");
  (*secret.mutable_data())["user"] = kUser;
  (*secret.mutable_data())["password"] = password_;
  (*secret.mutable_data())["cacert"] = identity_.ca_pem;
  return secret;
}

forklift::Provider ServedOvirt::ProviderFor(const std::string& namespace_,
                                            const std::string& name) const {
  forklift::Provider provider;
  provider.set_api_version("forklift.konveyor.io/v1beta1");
  provider.set_kind("Provider");
  provider.mutable_metadata()->set_name(name);
  provider.mutable_metadata()->set_namespace_(namespace_);
  provider.mutable_spec()->set_type("ovirt");
  provider.mutable_spec()->set_url(url());
  provider.mutable_spec()->mutable_secret()->set_name(name);
  provider.mutable_spec()->mutable_secret()->set_namespace_(namespace_);
  return provider;
}

std::string ServedOvirt::ProviderManifest(const std::string& namespace_,
                                          const std::string& name) const {
  // JSON is YAML; kubectl applies each document.
  return absl::StrCat(
      manifest::ApiObjectJson(SecretFor(namespace_, name), *manifest::FindKindNamed("Secret"))
          .dump(2),
      "\n---\n",
      manifest::ApiObjectJson(ProviderFor(namespace_, name), *manifest::FindKindNamed("Provider"))
          .dump(2),
      "\n");
}

absl::StatusOr<std::vector<std::string>> ServedOvirt::PointProviders(ports::KubeApi& api) const {
  std::vector<std::string> pointed;
  ASSIGN_OR_RETURN(ports::ObjectList providers, api.List("Provider", "", ports::Selector{}));
  for (const ports::ObjectPtr& item : providers.items) {
    forklift::Provider provider = *ports::As<forklift::Provider>(item);
    if (provider.spec().has_type() && provider.spec().type() != "ovirt") continue;
    const std::string& ns = provider.metadata().namespace_();
    if (provider.spec().secret().name().empty()) {
      provider.mutable_spec()->mutable_secret()->set_name(provider.metadata().name());
    }
    const std::string secret_ns =
        provider.spec().secret().namespace_().empty() ? ns : provider.spec().secret().namespace_();
    const std::string& secret_name = provider.spec().secret().name();
    const k8s::Secret ours = SecretFor(secret_ns, secret_name);
    absl::StatusOr<ports::ObjectPtr> existing = api.Get({"Secret", secret_ns, secret_name});
    if (existing.ok()) {
      k8s::Secret secret = *ports::As<k8s::Secret>(*existing);
      secret.clear_string_data();
      for (const auto& [key, value] : ours.data()) (*secret.mutable_data())[key] = value;
      RETURN_IF_ERROR(api.Update(secret).status());
    } else if (absl::IsNotFound(existing.status())) {
      RETURN_IF_ERROR(api.Create(ours).status());
    } else {
      return existing.status();
    }
    provider.mutable_spec()->set_url(url());
    RETURN_IF_ERROR(api.Update(provider).status());
    pointed.push_back(absl::StrCat(ns, "/", provider.metadata().name()));
  }
  return pointed;
}

}  // namespace ferry::cli
