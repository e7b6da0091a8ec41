#include "api/kube_status.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace ferry::api {
namespace {

// Every canonical code the port uses goes over the wire and comes back the same.
TEST(KubeStatusTest, EveryPortCodeRoundTripsThroughHttp) {
  const absl::Status cases[] = {
      absl::NotFoundError("persistentvolumeclaims \"x\" not found"),
      absl::AlreadyExistsError("persistentvolumeclaims \"x\" already exists"),
      absl::AbortedError("the object has been modified"),
      absl::InvalidArgumentError("spec.resources.requests.storage: required"),
      absl::OutOfRangeError("too old resource version: 5 (100)"),
      absl::UnavailableError("etcd leader lost"),
  };
  for (const absl::Status& st : cases) {
    const KubeError e = KubeErrorOf(st);
    const absl::Status back = StatusFromHttp(e.code, StatusBody(e));
    EXPECT_EQ(back.code(), st.code()) << st;
    EXPECT_EQ(back.message(), st.message()) << st;
  }
}

TEST(KubeStatusTest, TheBodyIsAKubernetesStatusObject) {
  const KubeError e = KubeErrorOf(absl::AbortedError("stale"));
  EXPECT_EQ(e.code, 409);
  const nlohmann::json body = nlohmann::json::parse(StatusBody(e));
  EXPECT_EQ(body["kind"], "Status");
  EXPECT_EQ(body["apiVersion"], "v1");
  EXPECT_EQ(body["status"], "Failure");
  EXPECT_EQ(body["reason"], "Conflict");
  EXPECT_EQ(body["code"], 409);
  EXPECT_EQ(KubeErrorOf(absl::InvalidArgumentError("x"), /*bad_request=*/true).code, 400);
  EXPECT_EQ(KubeErrorOf(absl::InvalidArgumentError("x")).code, 422);
}

TEST(KubeStatusTest, AnswersThatAreNotStatusObjectsStillMapByCode) {
  EXPECT_EQ(StatusFromHttp(429, "slow down").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusFromHttp(502, "<html>bad gateway</html>").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusFromHttp(502, "<html>bad gateway</html>").message(), "<html>bad gateway</html>");
  EXPECT_EQ(StatusFromHttp(409, "").code(), absl::StatusCode::kAborted);
  EXPECT_EQ(StatusFromHttp(409, "").message(), "HTTP 409");
  EXPECT_EQ(StatusFromHttp(418, "teapot").code(), absl::StatusCode::kUnknown);
}

}  // namespace
}  // namespace ferry::api
