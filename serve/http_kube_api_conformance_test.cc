// The KubeApi conformance suite against the HTTP adapter (adapters/kube)
// talking to `ferry serve` over HTTPS on 127.0.0.1: the same tests the
// in-process fake passes (fakes/kube/fake_kube_api_test.cc), through the
// wire: the adapter's encoding, its error mapping, its watch and its TLS.
#include <memory>

#include "absl/synchronization/mutex.h"
#include "adapters/kube/http_kube_api.h"
#include "core/ports/clock.h"
#include "core/ports/kube_api_conformance.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "serve/kube_server.h"
#include "serve/tls_identity.h"

namespace ferry::serve {
namespace {

using ports::KubeApiConformance;
using ports::KubeApiFactory;

// A fake store served on a port of its own, reached only through the adapter.
class ServedApi : public ports::KubeApi {
 public:
  ServedApi() {
    absl::StatusOr<TlsIdentity> id = MakeTlsIdentity({"127.0.0.1"}, {});
    absl::StatusOr<std::string> token = RandomToken();
    EXPECT_TRUE(id.ok() && token.ok());
    server_ = std::make_unique<KubeServer>(fake_, mu_, *id, KubeServer::Options{.token = *token});
    const absl::Status started = server_->Start();
    EXPECT_TRUE(started.ok()) << started;
    http_ = std::make_unique<adapters::HttpKubeApi>(adapters::KubeClientConfig{
        .server = absl::StrCat("https://127.0.0.1:", server_->port()), .ca_pem = id->ca_pem,
        .token = *token});
  }
  ~ServedApi() override { server_->Stop(); }

  absl::StatusOr<ports::ObjectPtr> Get(const ports::ObjectKey& key) override { return http_->Get(key); }
  absl::StatusOr<ports::ObjectList> List(absl::string_view kind, absl::string_view ns,
                                         const ports::Selector& selector) override {
    return http_->List(kind, ns, selector);
  }
  absl::StatusOr<ports::ObjectPtr> Create(const google::protobuf::Message& o) override {
    return http_->Create(o);
  }
  absl::StatusOr<ports::ObjectPtr> Update(const google::protobuf::Message& o) override {
    return http_->Update(o);
  }
  absl::StatusOr<ports::ObjectPtr> UpdateStatus(const google::protobuf::Message& o) override {
    return http_->UpdateStatus(o);
  }
  absl::Status Delete(const ports::ObjectKey& key, absl::string_view rv) override {
    return http_->Delete(key, rv);
  }
  using ports::KubeApi::Watch;
  absl::StatusOr<std::vector<ports::WatchEvent>> Watch(absl::string_view kind, absl::string_view rv,
                                                        const ports::Selector& selector,
                                                        bool bookmarks) override {
    return http_->Watch(kind, rv, selector, bookmarks);
  }

 private:
  ports::ManualClock clock_;
  fakes::FakeKubeApi fake_{clock_, {.first_resource_version = 1}};
  absl::Mutex mu_;
  std::unique_ptr<KubeServer> server_;
  std::unique_ptr<adapters::HttpKubeApi> http_;
};

INSTANTIATE_TEST_SUITE_P(HttpAdapterToFerryServe, KubeApiConformance,
                         testing::Values(KubeApiFactory([] { return std::make_unique<ServedApi>(); })));

// TLS is verified: a client trusting another CA is refused before any request.
TEST(HttpKubeApiTlsTest, AServerSignedByAnotherCaIsRefused) {
  ports::ManualClock clock;
  fakes::FakeKubeApi fake(clock);
  absl::Mutex mu;
  absl::StatusOr<TlsIdentity> id = MakeTlsIdentity({"127.0.0.1"}, {});
  absl::StatusOr<TlsIdentity> other = MakeTlsIdentity({"127.0.0.1"}, {});
  ASSERT_TRUE(id.ok() && other.ok());
  KubeServer server(fake, mu, *id, {.token = "t0ken-t0ken-t0ken"});
  ASSERT_TRUE(server.Start().ok());
  adapters::HttpKubeApi api(adapters::KubeClientConfig{
      .server = absl::StrCat("https://127.0.0.1:", server.port()), .ca_pem = other->ca_pem,
      .token = "t0ken-t0ken-t0ken"});
  const absl::Status refused = api.List("PersistentVolumeClaim", "", {}).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.message(), ::testing::HasSubstr("SSL"));
  EXPECT_THAT(refused.message(), ::testing::Not(::testing::HasSubstr("t0ken")));
  // A wrong token is Unauthenticated, and the token is not in the error.
  adapters::HttpKubeApi wrong(adapters::KubeClientConfig{
      .server = absl::StrCat("https://127.0.0.1:", server.port()), .ca_pem = id->ca_pem,
      .token = "wrong-wrong-wrong"});
  const absl::Status unauthorized = wrong.List("PersistentVolumeClaim", "", {}).status();
  EXPECT_EQ(unauthorized.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(unauthorized.message(), ::testing::Not(::testing::HasSubstr("wrong-wrong")));
  // Skipping verification works only when asked, and says so once.
  std::vector<std::string> warnings;
  adapters::HttpKubeApi insecure(
      adapters::KubeClientConfig{.server = absl::StrCat("https://127.0.0.1:", server.port()),
                                 .insecure_skip_tls_verify = true,
                                 .token = "t0ken-t0ken-t0ken"},
      {.warn = [&](const std::string& w) { warnings.push_back(w); }});
  EXPECT_TRUE(insecure.List("PersistentVolumeClaim", "", {}).ok());
  EXPECT_TRUE(insecure.List("PersistentVolumeClaim", "", {}).ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], ::testing::HasSubstr("is not verified"));
  EXPECT_THAT(warnings[0], ::testing::Not(::testing::HasSubstr("t0ken")));
  server.Stop();
}

}  // namespace
}  // namespace ferry::serve
