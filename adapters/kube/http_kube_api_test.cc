// The adapter against a stub HTTP server (plain HTTP on loopback, which the
// adapter accepts for tests and proxies): a 429 or 503 with a Retry-After is
// waited out and tried again; without one, or asking too long, it is
// Unavailable at once; a server's answer with fields Ferry does not know,
// even in a migration's spec, is read.
#include "adapters/kube/http_kube_api.h"

#include <atomic>
#include <string>
#include <thread>

#include "api/kubevirt.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace ferry::adapters {
namespace {

using ::testing::HasSubstr;

constexpr char kPvc[] =
    R"({"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"d","namespace":"ns","resourceVersion":"5"}})";

class Stub {
 public:
  // Answers every GET with `answer(n)` for the n-th request (from 1).
  explicit Stub(std::function<void(int, httplib::Response&)> answer) {
    server_.Get(".*", [this, answer](const httplib::Request&, httplib::Response& res) {
      answer(++requests_, res);
    });
    // A PUT is answered with what it sent, at the next resourceVersion.
    server_.Put(".*", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests_;
      put_ = req.body;
      auto sent = nlohmann::json::parse(req.body);
      sent["metadata"]["resourceVersion"] = "8";
      res.set_content(sent.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Stub() {
    server_.stop();
    thread_.join();
  }
  HttpKubeApi Api(absl::Duration max_retry_wait = absl::Seconds(5)) {
    return HttpKubeApi(KubeClientConfig{.server = absl::StrCat("http://127.0.0.1:", port_)},
                       {.timeout = absl::Seconds(10), .max_retry_wait = max_retry_wait});
  }
  int requests() const { return requests_; }
  const std::string& put() const { return put_; }

 private:
  std::string put_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
};

void TooMany(httplib::Response& res, const char* retry_after) {
  res.status = 429;
  if (retry_after != nullptr) res.set_header("Retry-After", retry_after);
  res.set_content(R"({"kind":"Status","code":429,"reason":"TooManyRequests","message":"slow down"})",
                  "application/json");
}

TEST(HttpKubeApiTest, ARetryAfterIsWaitedOutAndTheCallTriedAgain) {
  Stub stub([](int n, httplib::Response& res) {
    if (n == 1) return TooMany(res, "1");
    res.set_content(kPvc, "application/json");
  });
  HttpKubeApi api = stub.Api();
  const absl::Time start = absl::Now();
  absl::StatusOr<ports::ObjectPtr> got = api.Get({"PersistentVolumeClaim", "ns", "d"});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_GE(absl::Now() - start, absl::Seconds(1));
  EXPECT_EQ(stub.requests(), 2);
}

TEST(HttpKubeApiTest, WithoutARetryAfterOrAskingTooLongItIsUnavailableAtOnce) {
  Stub plain([](int, httplib::Response& res) { TooMany(res, nullptr); });
  HttpKubeApi api = plain.Api();
  absl::Status st = api.Get({"PersistentVolumeClaim", "ns", "d"}).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(st.message(), HasSubstr("slow down"));
  EXPECT_EQ(plain.requests(), 1);

  Stub slow([](int, httplib::Response& res) { TooMany(res, "60"); });
  HttpKubeApi impatient = slow.Api(absl::Seconds(5));
  const absl::Time start = absl::Now();
  EXPECT_EQ(impatient.Get({"PersistentVolumeClaim", "ns", "d"}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(slow.requests(), 1);
}

TEST(HttpKubeApiTest, ThreeTriesAtMost) {
  Stub stub([](int, httplib::Response& res) { TooMany(res, "1"); });
  HttpKubeApi api = stub.Api();
  EXPECT_EQ(api.Get({"PersistentVolumeClaim", "ns", "d"}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(stub.requests(), 3);
}

TEST(HttpKubeApiTest, AnAnswerWithFieldsFerryDoesNotKnowIsRead) {
  Stub stub([](int, httplib::Response& res) {
    res.set_content(
        R"({"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstanceMigration",)"
        R"("metadata":{"name":"m","namespace":"ns"},"spec":{"vmiName":"vm",)"
        R"("addedNodeSelector":{"zone":"a"}},"status":{"phase":"Running","newField":1}})",
        "application/json");
  });
  HttpKubeApi api = stub.Api();
  absl::StatusOr<ports::ObjectPtr> got = api.Get({"VirtualMachineInstanceMigration", "ns", "m"});
  ASSERT_TRUE(got.ok()) << got.status();
  auto m = ports::As<kubevirt::VirtualMachineInstanceMigration>(*got);
  EXPECT_EQ(m->spec().vmi_name(), "vm");
  EXPECT_EQ(m->status().phase(), "Running");
}

// A real VM holds fields Ferry does not model; switching its volume must not
// erase them (adapters/kube/kept_fields.h).
TEST(HttpKubeApiTest, AnUpdateWritesBackWhatFerryDoesNotModel) {
  Stub stub([](int, httplib::Response& res) {
    res.set_content(
        R"({"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm",)"
        R"("namespace":"ns","uid":"u1","resourceVersion":"7"},"spec":{"running":true,)"
        R"("template":{"spec":{"domain":{"cpu":{"cores":4},"firmware":{"uuid":"f-1"},"devices":{}},)"
        R"("volumes":[{"name":"root","dataVolume":{"name":"dv"}}]}}}})",
        "application/json");
  });
  HttpKubeApi api = stub.Api();
  absl::StatusOr<ports::ObjectPtr> got = api.Get({"VirtualMachine", "ns", "vm"});
  ASSERT_TRUE(got.ok()) << got.status();
  kubevirt::VirtualMachine vm = *ports::As<kubevirt::VirtualMachine>(*got);
  auto* volume = vm.mutable_spec()->mutable_template_()->mutable_spec()->mutable_volumes(0);
  volume->clear_data_volume();
  volume->mutable_persistent_volume_claim()->set_claim_name("dest");
  ASSERT_TRUE(api.Update(vm).ok());
  const nlohmann::json put = nlohmann::json::parse(stub.put());
  EXPECT_EQ(put["spec"]["template"]["spec"]["domain"]["cpu"]["cores"], 4);
  // Not in Ferry's model: kept as the server had it.
  EXPECT_EQ(put["spec"]["template"]["spec"]["domain"]["firmware"]["uuid"], "f-1");
  EXPECT_EQ(put["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
            "dest");
  EXPECT_FALSE(put["spec"]["template"]["spec"]["volumes"][0].contains("dataVolume"));
}

}  // namespace
}  // namespace ferry::adapters
