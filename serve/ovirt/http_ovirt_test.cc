// The REST adapter's own behaviour, beyond the port's conformance: SSO
// tokens fetched once, renewed before they expire and when the engine
// answers 401; bad credentials and an untrusted engine refused without a
// secret in the message; reads tried again after a 5xx, writes not (a stub
// engine over plain HTTP on loopback counts the tries).
#include "adapters/ovirt/http_ovirt.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "serve/ovirt/served_engine_testing.h"

namespace ferry::serve {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

void AddDb(ServedEngine& served) {
  served.WithEngine([](fakes::FakeEngine& e) {
    e.AddDisk(fakes::IscsiLun("lun-1", "127.0.0.1", "iqn.2026-12.io.ferry:t1", 1, 1 << 30));
    e.AddVm({.id = "vm-1", .name = "db", .status = "up"});
  });
}

TEST(HttpOvirt, FetchesOneTokenAndKeepsUsingIt) {
  ServedEngine served;
  AddDb(served);
  adapters::HttpOvirt engine(served.config());
  EXPECT_EQ(engine.tokens_fetched(), 0);
  ASSERT_TRUE(engine.EngineVersion().ok());
  ASSERT_TRUE(engine.GetVm("vm-1").ok());
  ASSERT_TRUE(engine.GetDisk("lun-1").ok());
  EXPECT_EQ(engine.tokens_fetched(), 1);
}

TEST(HttpOvirt, ATokenTheEngineNoLongerTakesIsRenewedAndTheCallTriedAgain) {
  ServedEngine served;
  AddDb(served);
  adapters::HttpOvirt engine(served.config());
  ASSERT_TRUE(engine.GetVm("vm-1").ok());
  served.server().ExpireTokens();  // revoked, or the engine restarted
  absl::StatusOr<ovirt::Vm> vm = engine.GetVm("vm-1");
  ASSERT_TRUE(vm.ok()) << vm.status();
  EXPECT_EQ(vm->name(), "db");
  EXPECT_EQ(engine.tokens_fetched(), 2);
  // A write too: the refused token is not a reason to fail the stop.
  served.server().ExpireTokens();
  EXPECT_TRUE(engine.Stop("vm-1").ok());
  EXPECT_EQ(engine.tokens_fetched(), 3);
}

TEST(HttpOvirt, ATokenAboutToExpireIsRenewedBeforeUse) {
  ServedEngine served("4.5.5-1.el8", absl::Hours(1));
  AddDb(served);
  adapters::HttpOvirt engine(served.config(), {.now = [&] { return served.Now(); }});
  ASSERT_TRUE(engine.GetVm("vm-1").ok());
  served.Advance(absl::Minutes(58));
  ASSERT_TRUE(engine.GetVm("vm-1").ok());
  EXPECT_EQ(engine.tokens_fetched(), 1);
  served.Advance(absl::Seconds(90));  // 59.5 minutes on: within a minute of its end
  ASSERT_TRUE(engine.GetVm("vm-1").ok());
  EXPECT_EQ(engine.tokens_fetched(), 2);
}

TEST(HttpOvirt, ATokenWhoseExpiryIsAlreadyPastIsKeptUntilRefused) {
  // The engine's clock is a day ahead: by the adapter's, every token the
  // engine issues has expired already. It is used until the engine says 401.
  ServedEngine served;
  AddDb(served);
  adapters::HttpOvirt engine(served.config(),
                             {.now = [&] { return served.Now() + absl::Hours(24); }});
  ASSERT_TRUE(engine.GetVm("vm-1").ok());
  ASSERT_TRUE(engine.GetVm("vm-1").ok());
  EXPECT_EQ(engine.tokens_fetched(), 1);
}

TEST(HttpOvirt, WrongCredentialsAreUnauthenticatedNamingTheUserNotThePassword) {
  ServedEngine served;
  adapters::OvirtClientConfig config = served.config();
  config.password = "not-the-password-4711";
  adapters::HttpOvirt engine(config);
  const absl::Status s = engine.EngineVersion().status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << s;
  EXPECT_THAT(s.message(), HasSubstr("admin@internal"));
  EXPECT_THAT(s.message(), HasSubstr("username or password is incorrect"));
  EXPECT_THAT(s.message(), Not(HasSubstr("4711")));
  EXPECT_THAT(s.message(), Not(HasSubstr(served.config().password)));
}

TEST(HttpOvirt, AnEngineSignedByAnotherCaIsRefused) {
  ServedEngine served;
  ServedEngine other;
  adapters::OvirtClientConfig config = served.config();
  config.ca_pem = other.identity().ca_pem;
  adapters::HttpOvirt engine(config, {.timeout = absl::Seconds(5)});
  const absl::Status s = engine.EngineVersion().status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(s.message(), HasSubstr("certificate"));
  EXPECT_THAT(s.message(), Not(HasSubstr(config.password)));
}

TEST(HttpOvirt, SkippingVerificationWorksAndWarnsOnce) {
  ServedEngine served;
  AddDb(served);
  adapters::OvirtClientConfig config = served.config();
  config.ca_pem.clear();
  config.insecure_skip_verify = true;
  std::vector<std::string> warnings;
  adapters::HttpOvirt engine(config,
                             {.warn = [&](const std::string& w) { warnings.push_back(w); }});
  ASSERT_TRUE(engine.GetVm("vm-1").ok());
  ASSERT_TRUE(engine.GetVm("vm-1").ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("not verified"));
}

// An engine behind a failing proxy: the SSO works, the API answers 503
// `failures` times, then 200.
class FlakyEngine {
 public:
  explicit FlakyEngine(int failures) : failures_(failures) {
    server_.Post(
        "/ovirt-engine/sso/oauth/token", [](const httplib::Request&, httplib::Response& res) {
          res.set_content(R"({"access_token":"t","token_type":"bearer","exp":"99999999999999"})",
                          "application/json");
        });
    auto api = [this](const httplib::Request&, httplib::Response& res) {
      if (++requests_ <= failures_) {
        res.status = 503;
        res.set_content(R"({"reason":"Service Unavailable","detail":"[proxy]"})",
                        "application/json");
        return;
      }
      res.set_content(R"({"id":"vm-1","name":"db","status":"up"})", "application/json");
    };
    server_.Get("/ovirt-engine/api/.*", api);
    server_.Post("/ovirt-engine/api/.*", api);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FlakyEngine() {
    server_.stop();
    thread_.join();
  }
  adapters::HttpOvirt Adapter() {
    return adapters::HttpOvirt(
        {.url = absl::StrCat("http://127.0.0.1:", port_, "/ovirt-engine/api"),
         .user = "admin@internal",
         .password = "p"},
        {.timeout = absl::Seconds(10), .backoff = absl::Milliseconds(10)});
  }
  int requests() const { return requests_; }

 private:
  const int failures_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
};

TEST(HttpOvirt, AReadIsTriedAgainAfterA5xx) {
  FlakyEngine flaky(2);
  adapters::HttpOvirt engine = flaky.Adapter();
  absl::StatusOr<ovirt::Vm> vm = engine.GetVm("vm-1");
  ASSERT_TRUE(vm.ok()) << vm.status();
  EXPECT_EQ(vm->status(), "up");
  EXPECT_EQ(flaky.requests(), 3);
}

TEST(HttpOvirt, AReadGivesUpAfterThreeTriesWithTheEnginesFault) {
  FlakyEngine flaky(5);
  adapters::HttpOvirt engine = flaky.Adapter();
  const absl::Status s = engine.GetVm("vm-1").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "Service Unavailable: [proxy]");
  EXPECT_EQ(flaky.requests(), 3);
}

TEST(HttpOvirt, AWriteIsNotTriedAgain) {
  FlakyEngine flaky(1);
  adapters::HttpOvirt engine = flaky.Adapter();
  EXPECT_EQ(engine.Stop("vm-1").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(flaky.requests(), 1);
}

TEST(HttpOvirt, AnEngineThatDoesNotAnswerIsUnavailableNamingTheUrl) {
  adapters::HttpOvirt engine(
      {.url = "https://127.0.0.1:1/ovirt-engine/api", .user = "admin@internal", .password = "p"},
      {.timeout = absl::Seconds(2)});
  const absl::Status s = engine.ListVms().status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("127.0.0.1:1/ovirt-engine/sso/oauth/token"));
}

}  // namespace
}  // namespace ferry::serve
