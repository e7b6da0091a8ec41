#include "serve/ovirt/served_engine_testing.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace ferry::serve {

ServedEngine::ServedEngine(const std::string& version, absl::Duration token_lifetime)
    : engine_(clock_, {.version = version}) {
  clock_.Set(absl::Now());
  absl::StatusOr<TlsIdentity> identity = MakeTlsIdentity({"127.0.0.1"}, {});
  absl::StatusOr<std::string> password = RandomToken();
  if (!identity.ok() || !password.ok()) {
    ADD_FAILURE() << "no TLS identity or password: " << identity.status() << password.status();
    return;
  }
  identity_ = *identity;
  password_ = *password;
  server_ = std::make_unique<OvirtServer>(
      engine_, mu_, identity_,
      OvirtServer::Options{
          .handler = {.password = password_,
                      .token_lifetime = token_lifetime,
                      // Called under mu_.
                      .new_token = [this] { return absl::StrCat("token-", ++tokens_); },
                      .now = [this] { return clock_.Now(); }}});
  if (absl::Status s = server_->Start(); !s.ok())
    ADD_FAILURE() << "the engine did not start: " << s;
}

ServedEngine::~ServedEngine() {
  if (server_ != nullptr) server_->Stop();
}

void ServedEngine::WithEngine(const std::function<void(fakes::FakeEngine&)>& f) {
  absl::MutexLock lock(&mu_);
  f(engine_);
}

absl::Time ServedEngine::Now() {
  absl::MutexLock lock(&mu_);
  return clock_.Now();
}

void ServedEngine::Advance(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  clock_.Advance(d);
}

adapters::OvirtClientConfig ServedEngine::config() const {
  return {.url = server_ == nullptr ? "" : server_->url(),
          .user = "admin@internal",
          .password = password_,
          .ca_pem = identity_.ca_pem};
}

}  // namespace ferry::serve
