// Metrics in Prometheus' text format, the API calls' instrumentation, and
// the health endpoint a kubelet probes and Prometheus scrapes.
#include "adapters/runtime/metrics.h"

#include <atomic>
#include <string>

#include "adapters/runtime/health_server.h"
#include "adapters/runtime/instrumented_kube_api.h"
#include "core/ports/test_objects.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace ferry::adapters {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, TheTextFormatHasHelpTypeAndSortedSeries) {
  Metrics m;
  m.Describe("ferry_reconciles_total", "counter", "Reconciles run.");
  m.Add("ferry_reconciles_total", {{"process", "controller"}}, 2);
  m.Add("ferry_reconciles_total", {{"process", "controller"}}, 1);
  m.Set("kubevirt_vmi_migration_data_remaining_bytes", {{"name", "vm \"1\""}}, 1.5);
  EXPECT_EQ(m.Text(),
            "# HELP ferry_reconciles_total Reconciles run.\n"
            "# TYPE ferry_reconciles_total counter\n"
            "ferry_reconciles_total{process=\"controller\"} 3\n"
            "# TYPE kubevirt_vmi_migration_data_remaining_bytes gauge\n"
            "kubevirt_vmi_migration_data_remaining_bytes{name=\"vm \\\"1\\\"\"} 1.5\n");
  m.Clear("kubevirt_vmi_migration_data_remaining_bytes");
  EXPECT_THAT(m.Text(), testing::Not(HasSubstr("remaining")));
}

TEST(MetricsTest, AHistogramCountsEachBucketCumulatively) {
  Metrics m;
  m.Describe("lat", "histogram", "");
  m.Observe("lat", {}, 0.003);
  m.Observe("lat", {}, 0.2);
  const std::string text = m.Text();
  EXPECT_THAT(text, HasSubstr("lat_bucket{le=\"0.001\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("lat_bucket{le=\"0.005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("lat_bucket{le=\"0.25\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("lat_bucket{le=\"+Inf\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("lat_count 2\n"));
}

// Creates once, then AlreadyExists; gets whatever it created.
class OneObjectApi : public ports::KubeApi {
 public:
  absl::StatusOr<ports::ObjectPtr> Get(const ports::ObjectKey&) override {
    if (object_ == nullptr) return absl::NotFoundError("none");
    return object_;
  }
  absl::StatusOr<ports::ObjectList> List(absl::string_view, absl::string_view,
                                         const ports::Selector&) override {
    return ports::ObjectList{};
  }
  absl::StatusOr<ports::ObjectPtr> Create(const google::protobuf::Message& o) override {
    if (object_ != nullptr) return absl::AlreadyExistsError("exists");
    std::shared_ptr<google::protobuf::Message> copy(o.New());
    copy->CopyFrom(o);
    object_ = copy;
    return object_;
  }
  absl::StatusOr<ports::ObjectPtr> Update(const google::protobuf::Message&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<ports::ObjectPtr> UpdateStatus(const google::protobuf::Message&) override {
    return absl::UnimplementedError("");
  }
  absl::Status Delete(const ports::ObjectKey&, absl::string_view) override {
    return absl::UnimplementedError("");
  }
  using ports::KubeApi::Watch;
  absl::StatusOr<std::vector<ports::WatchEvent>> Watch(absl::string_view, absl::string_view,
                                                        const ports::Selector&, bool) override {
    return std::vector<ports::WatchEvent>{};
  }

 private:
  ports::ObjectPtr object_;
};

TEST(InstrumentedKubeApiTest, EveryCallIsTimedAndCountedByItsResult) {
  OneObjectApi fake;
  Metrics m;
  InstrumentedKubeApi api(fake, m);
  ASSERT_TRUE(api.Create(ports::TestPvc("a")).ok());
  EXPECT_EQ(api.Create(ports::TestPvc("a")).status().code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(api.Get({"PersistentVolumeClaim", "ns", "a"}).ok());
  EXPECT_EQ(m.Value("ferry_kube_api_requests_total", {{"verb", "create"}, {"code", "OK"}}), 1);
  EXPECT_EQ(m.Value("ferry_kube_api_requests_total", {{"verb", "create"}, {"code", "ALREADY_EXISTS"}}), 1);
  EXPECT_EQ(m.Value("ferry_kube_api_request_duration_seconds",
                    {{"verb", "get"}, {"kind", "PersistentVolumeClaim"}}),
            1);
}

TEST(HealthServerTest, ProbesAnswerWhyNotAndMetricsAreScraped) {
  Metrics m;
  m.Set("ferry_leader", {}, 1);
  std::atomic<bool> ready{false};
  HealthServer server(m, {.healthy = [] { return std::string(); },
                          .ready = [&] { return ready ? std::string() : std::string("not leading"); }});
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  auto healthz = client.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);
  auto readyz = client.Get("/readyz");
  ASSERT_TRUE(readyz);
  EXPECT_EQ(readyz->status, 503);
  EXPECT_EQ(readyz->body, "not leading\n");
  ready = true;
  EXPECT_EQ(client.Get("/readyz")->status, 200);
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, HasSubstr("ferry_leader 1\n"));
  EXPECT_THAT(metrics->get_header_value("Content-Type"), HasSubstr("version=0.0.4"));
  server.Stop();
}

// A process refused right after it started stops its health server at
// once: Stop must return even when listening had barely begun (a stop()
// before cpp-httplib's listen loop ran was lost, and Stop hung). The test
// would time out rather than fail.
TEST(HealthServerTest, StopRightAfterStartReturns) {
  Metrics m;
  for (int i = 0; i < 50; ++i) {
    HealthServer server(m, {.healthy = [] { return std::string(); },
                            .ready = [] { return std::string(); }});
    ASSERT_TRUE(server.Start().ok());
    EXPECT_GT(server.port(), 0);
    server.Stop();
  }
}

}  // namespace
}  // namespace ferry::adapters
