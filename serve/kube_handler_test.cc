#include "serve/kube_handler.h"

#include <string>

#include "absl/strings/str_split.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace ferry::serve {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kClaims[] = "/api/v1/namespaces/default/persistentvolumeclaims";

std::string Claim(const std::string& name, const std::string& extra_metadata = "") {
  return R"({"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":")" + name +
         "\"" + extra_metadata +
         R"(},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}})";
}

class KubeHandlerTest : public ::testing::Test {
 protected:
  HttpResponse Call(std::string method, std::string path, std::string body = "",
                    std::vector<std::pair<std::string, std::string>> query = {},
                    std::string content_type = "application/json") {
    HttpRequest r{.method = std::move(method), .path = std::move(path), .query = std::move(query)};
    r.headers["content-type"] = std::move(content_type);
    r.body = std::move(body);
    return handler_.Handle(r);
  }
  static Json Parse(const HttpResponse& r) { return Json::parse(r.body); }

  ports::ManualClock clock_;
  fakes::FakeKubeApi api_{clock_};
  KubeHandler handler_{api_};
};

TEST_F(KubeHandlerTest, CreateGetAndListAnswerAsTheApiServerDoes) {
  HttpResponse created = Call("POST", kClaims, Claim("data", R"(,"labels":{"app":"db"})"));
  ASSERT_EQ(created.status, 201) << created.body;
  const Json object = Parse(created);
  EXPECT_EQ(object["apiVersion"], "v1");
  EXPECT_EQ(object["kind"], "PersistentVolumeClaim");
  EXPECT_EQ(object["metadata"]["namespace"], "default");
  EXPECT_FALSE(object["metadata"]["resourceVersion"].get<std::string>().empty());
  ASSERT_EQ(Call("POST", kClaims, Claim("other")).status, 201);

  const HttpResponse got = Call("GET", std::string(kClaims) + "/data");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Parse(got)["metadata"]["uid"], object["metadata"]["uid"]);

  const HttpResponse list = Call("GET", kClaims, "", {{"labelSelector", "app=db"}, {"limit", "500"}});
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(Parse(list)["kind"], "PersistentVolumeClaimList");
  ASSERT_EQ(Parse(list)["items"].size(), 1u);
  EXPECT_EQ(Parse(list)["items"][0]["metadata"]["name"], "data");
  EXPECT_EQ(Parse(Call("GET", "/api/v1/persistentvolumeclaims"))["items"].size(), 2u)
      << "every namespace";

  const HttpResponse missing = Call("GET", std::string(kClaims) + "/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Parse(missing)["kind"], "Status");
  EXPECT_EQ(Parse(missing)["reason"], "NotFound");
  EXPECT_EQ(Call("POST", kClaims, Claim("data")).status, 409);
  EXPECT_EQ(Parse(Call("POST", kClaims, Claim("data")))["reason"], "AlreadyExists");
}

TEST_F(KubeHandlerTest, MetadataAloneWhenTheClientAsksForPartialObjectMetadata) {
  ASSERT_EQ(Call("POST", kClaims, Claim("data", R"(,"labels":{"app":"db"})")).status, 201);
  HttpRequest get{.method = "GET", .path = std::string(kClaims) + "/data"};
  get.headers["accept"] = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
  const HttpResponse one = handler_.Handle(get);
  ASSERT_EQ(one.status, 200) << one.body;
  const Json meta = Parse(one);
  EXPECT_EQ(meta["kind"], "PartialObjectMetadata");
  EXPECT_EQ(meta["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(meta["metadata"]["name"], "data");
  EXPECT_EQ(meta["metadata"]["labels"]["app"], "db");
  EXPECT_FALSE(meta["metadata"]["resourceVersion"].get<std::string>().empty());
  EXPECT_FALSE(meta.contains("spec"));
  EXPECT_EQ(one.body.find("ReadWriteOnce"), std::string::npos) << one.body;

  HttpRequest list{.method = "GET", .path = kClaims};
  list.headers["accept"] = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
  const HttpResponse all = handler_.Handle(list);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(Parse(all)["kind"], "PartialObjectMetadataList");
  ASSERT_EQ(Parse(all)["items"].size(), 1u);
  EXPECT_EQ(Parse(all)["items"][0]["metadata"]["name"], "data");
  EXPECT_FALSE(Parse(all)["items"][0].contains("spec"));

  HttpRequest missing{.method = "GET", .path = std::string(kClaims) + "/nothing"};
  missing.headers["accept"] = get.headers["accept"];
  EXPECT_EQ(handler_.Handle(missing).status, 404);
}

TEST_F(KubeHandlerTest, BadRequestsAreRefusedNamingWhatIsWrongAndChangeNothing) {
  const int64_t before = api_.resource_version();
  HttpResponse r = Call("GET", kClaims, "", {{"labelSelector", "a in ("}});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Parse(r)["message"].get<std::string>(), HasSubstr("labelSelector"));
  r = Call("GET", kClaims, "", {{"fieldSelector", "spec.nodeName=a"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Parse(r)["message"].get<std::string>(), HasSubstr("field label not supported"));
  // Strict field validation names the unknown field; the object is not made.
  r = Call("POST", kClaims,
           R"({"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"x"},"spec":{"acessModes":["ReadWriteOnce"]}})",
           {{"fieldValidation", "Strict"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Parse(r)["message"].get<std::string>(),
              ::testing::AllOf(HasSubstr("strict decoding error"), HasSubstr("acessModes")));
  r = Call("POST", kClaims, R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Parse(r)["message"].get<std::string>(), HasSubstr("the URL names v1 PersistentVolumeClaim"));
  r = Call("POST", kClaims, Claim("x", R"(,"namespace":"other")"));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Parse(r)["message"].get<std::string>(), HasSubstr("does not match the namespace"));
  // The store's own validation is 422 Invalid, naming the field.
  r = Call("POST", kClaims,
           R"({"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"Bad_Name"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(Parse(r)["reason"], "Invalid");
  EXPECT_THAT(Parse(r)["message"].get<std::string>(), HasSubstr("metadata.name"));
  EXPECT_EQ(Call("GET", "/apis/apps/v1/namespaces/default/deployments").status, 404);
  EXPECT_EQ(api_.resource_version(), before) << "nothing was written";
}

TEST_F(KubeHandlerTest, UpdatesAreConditionalOnTheResourceVersionAndStatusIsItsOwn) {
  const Json created = Parse(Call("POST", kClaims, Claim("data")));
  Json stale = created;
  stale["metadata"]["labels"] = {{"a", "b"}};
  ASSERT_EQ(Call("PUT", std::string(kClaims) + "/data", stale.dump()).status, 200);
  const HttpResponse conflict = Call("PUT", std::string(kClaims) + "/data", stale.dump());
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(Parse(conflict)["reason"], "Conflict");
  EXPECT_EQ(Call("PUT", std::string(kClaims) + "/other", stale.dump()).status, 400)
      << "the name must be the URL's";

  Json status = Parse(Call("GET", std::string(kClaims) + "/data"));
  status["status"] = {{"phase", "Bound"}};
  status["spec"]["accessModes"] = {"ReadWriteMany"};
  const HttpResponse written = Call("PUT", std::string(kClaims) + "/data/status", status.dump());
  ASSERT_EQ(written.status, 200) << written.body;
  EXPECT_EQ(Parse(written)["status"]["phase"], "Bound");
  EXPECT_EQ(Parse(written)["spec"]["accessModes"][0], "ReadWriteOnce") << "the spec is kept";
}

TEST_F(KubeHandlerTest, MergePatchAndServerSideApply) {
  ASSERT_EQ(Call("POST", kClaims, Claim("data")).status, 201);
  HttpResponse r = Call("PATCH", std::string(kClaims) + "/data",
                        R"({"metadata":{"labels":{"tier":"gold"}}})", {},
                        "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Parse(r)["metadata"]["labels"]["tier"], "gold");
  EXPECT_EQ(Parse(r)["spec"]["resources"]["requests"]["storage"], "1Gi");

  // Apply creates, then merges into what is stored.
  const std::string applied =
      "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: applied\n  labels: {x: one}\n"
      "spec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 2Gi}}\n";
  r = Call("PATCH", std::string(kClaims) + "/applied", applied, {{"fieldManager", "kubectl"}},
           "application/apply-patch+yaml");
  ASSERT_EQ(r.status, 201) << r.body;
  r = Call("PATCH", std::string(kClaims) + "/applied",
           "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: applied, labels: {z: two}}\n",
           {}, "application/apply-patch+yaml");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Parse(r)["metadata"]["labels"]["x"], "one");
  EXPECT_EQ(Parse(r)["metadata"]["labels"]["z"], "two");
  EXPECT_EQ(Parse(r)["spec"]["resources"]["requests"]["storage"], "2Gi");

  r = Call("PATCH", std::string(kClaims) + "/data", "{}", {}, "application/x-yaml-patch");
  EXPECT_EQ(r.status, 415);
  EXPECT_THAT(Parse(r)["message"].get<std::string>(), HasSubstr("json-patch+json"));
}

// RFC 6902, as `kubectl patch --type=json` sends it: a failed "test" is the
// precondition failing, and nothing changes.
TEST_F(KubeHandlerTest, JsonPatchAppliesOperationsInOrderOrNothing) {
  ASSERT_EQ(Call("POST", kClaims, Claim("data")).status, 201);
  HttpResponse r = Call("PATCH", std::string(kClaims) + "/data",
                        R"([{"op":"add","path":"/metadata/labels","value":{"tier":"gold"}},)"
                        R"({"op":"replace","path":"/spec/resources/requests/storage","value":"3Gi"}])",
                        {}, "application/json-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Parse(r)["metadata"]["labels"]["tier"], "gold");
  EXPECT_EQ(Parse(r)["spec"]["resources"]["requests"]["storage"], "3Gi");
  const std::string rv = Parse(r)["metadata"]["resourceVersion"];

  r = Call("PATCH", std::string(kClaims) + "/data",
           R"([{"op":"test","path":"/metadata/labels/tier","value":"lead"},)"
           R"({"op":"remove","path":"/metadata/labels"}])",
           {}, "application/json-patch+json");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_THAT(Parse(r)["message"].get<std::string>(), HasSubstr("cannot be applied"));
  EXPECT_EQ(Parse(Call("GET", std::string(kClaims) + "/data"))["metadata"]["resourceVersion"], rv);

  r = Call("PATCH", std::string(kClaims) + "/data", R"({"op":"add"})", {},
           "application/json-patch+json");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Parse(r)["message"].get<std::string>(), HasSubstr("array of operations"));
}

TEST_F(KubeHandlerTest, DeleteCollectionDeletesWhatTheSelectorSelects) {
  ASSERT_EQ(Call("POST", kClaims, Claim("a", R"(,"labels":{"app":"db"})")).status, 201);
  ASSERT_EQ(Call("POST", kClaims, Claim("b", R"(,"labels":{"app":"db"})")).status, 201);
  ASSERT_EQ(Call("POST", kClaims, Claim("c", R"(,"labels":{"app":"web"})")).status, 201);
  HttpResponse r = Call("DELETE", kClaims, "", {{"labelSelector", "app=db"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Parse(r)["kind"], "PersistentVolumeClaimList");
  EXPECT_EQ(Parse(r)["items"].size(), 2u);
  const Json left = Parse(Call("GET", kClaims));
  ASSERT_EQ(left["items"].size(), 1u);
  EXPECT_EQ(left["items"][0]["metadata"]["name"], "c");
  EXPECT_EQ(Call("DELETE", kClaims, "", {{"labelSelector", "app in (db"}}).status, 400);
}

// What `kubectl apply` sends a built-in kind the second time: a strategic
// merge patch with its directives. A custom resource refuses one, as the
// API server does.
TEST_F(KubeHandlerTest, StrategicMergeForBuiltInKindsOnly) {
  ASSERT_EQ(Call("POST", kClaims, Claim("data", R"(,"finalizers":["a.example/x"])")).status, 201);
  HttpResponse r = Call(
      "PATCH", std::string(kClaims) + "/data",
      R"({"metadata":{"labels":{"tier":"gold"},"finalizers":["b.example/y"],"$setElementOrder/finalizers":["a.example/x","b.example/y"]},"spec":{"resources":{"requests":{"storage":"2Gi"}}}})",
      {}, "application/strategic-merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Parse(r)["metadata"]["labels"]["tier"], "gold");
  EXPECT_EQ(Parse(r)["metadata"]["finalizers"], Json::array({"a.example/x", "b.example/y"}))
      << "finalizers merge as a set";
  EXPECT_EQ(Parse(r)["spec"]["resources"]["requests"]["storage"], "2Gi");
  r = Call("PATCH", std::string(kClaims) + "/data",
           R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a.example/x"]}})", {},
           "application/strategic-merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Parse(r)["metadata"]["finalizers"], Json::array({"b.example/y"}));
  r = Call("PATCH", "/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstancemigrations/m",
           "{}", {}, "application/strategic-merge-patch+json");
  EXPECT_EQ(r.status, 415);
  EXPECT_THAT(Parse(r)["message"].get<std::string>(), HasSubstr("custom resource"));
}

TEST_F(KubeHandlerTest, DeleteHonoursPreconditionsAndFinalizers) {
  ASSERT_EQ(Call("POST", kClaims, Claim("kept", R"(,"finalizers":["example.com/hold"])")).status, 201);
  ASSERT_EQ(Call("POST", kClaims, Claim("gone")).status, 201);
  HttpResponse r = Call("DELETE", std::string(kClaims) + "/gone",
                        R"({"preconditions":{"resourceVersion":"1"}})");
  EXPECT_EQ(r.status, 409) << r.body;
  r = Call("DELETE", std::string(kClaims) + "/gone", R"({"propagationPolicy":"Background"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Parse(r)["status"], "Success");
  EXPECT_EQ(Call("GET", std::string(kClaims) + "/gone").status, 404);
  r = Call("DELETE", std::string(kClaims) + "/kept");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(Parse(r)["metadata"]["deletionTimestamp"].get<std::string>().empty());
}

TEST_F(KubeHandlerTest, AWatchSendsWhatChangedInItsNamespaceAndBookmarks) {
  ASSERT_EQ(Call("POST", kClaims, Claim("first")).status, 201);
  HttpRequest request{.method = "GET", .path = kClaims};
  request.query = {{"watch", "true"}, {"allowWatchBookmarks", "true"}, {"timeoutSeconds", "5"}};
  ASSERT_TRUE(KubeHandler::IsWatch(request));
  absl::StatusOr<WatchRequest> watch = handler_.ParseWatch(request);
  ASSERT_TRUE(watch.ok()) << watch.status();
  EXPECT_EQ(watch->timeout, absl::Seconds(5));
  absl::StatusOr<std::string> events = handler_.NextEvents(*watch);
  ASSERT_TRUE(events.ok()) << events.status();
  std::vector<std::string> lines = absl::StrSplit(*events, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u) << "the current object, as ADDED";
  EXPECT_EQ(Json::parse(lines[0])["type"], "ADDED");

  ASSERT_EQ(Call("POST", "/api/v1/namespaces/elsewhere/persistentvolumeclaims", Claim("x")).status, 201);
  ASSERT_EQ(Call("PATCH", std::string(kClaims) + "/first", R"({"metadata":{"labels":{"a":"b"}}})", {},
                 "application/merge-patch+json")
                .status,
            200);
  events = handler_.NextEvents(*watch);
  ASSERT_TRUE(events.ok()) << events.status();
  lines = absl::StrSplit(*events, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u) << *events;
  EXPECT_EQ(Json::parse(lines[0])["type"], "MODIFIED");
  EXPECT_EQ(Json::parse(lines[0])["object"]["metadata"]["labels"]["a"], "b");
  EXPECT_EQ(watch->resource_version, std::to_string(api_.resource_version()));

}

// A watch from a version the history no longer holds ends with 410 Expired:
// the client lists again.
TEST(KubeHandlerWatchTest, AWatchBehindTheHistoryEndsWithGone) {
  ports::ManualClock clock;
  fakes::FakeKubeApi api(clock, {.watch_history = 2});
  KubeHandler handler(api);
  for (const char* name : {"a", "b", "c", "d"}) {
    HttpRequest create{.method = "POST", .path = kClaims, .body = Claim(name)};
    ASSERT_EQ(handler.Handle(create).status, 201);
  }
  HttpRequest request{.method = "GET", .path = kClaims};
  request.query = {{"watch", "1"}, {"resourceVersion", "1"}};
  absl::StatusOr<WatchRequest> watch = handler.ParseWatch(request);
  ASSERT_TRUE(watch.ok()) << watch.status();
  const absl::StatusOr<std::string> gone = handler.NextEvents(*watch);
  ASSERT_EQ(gone.status().code(), absl::StatusCode::kOutOfRange) << gone.status();
  const Json error = Json::parse(KubeHandler::ErrorEvent(gone.status()));
  EXPECT_EQ(error["type"], "ERROR");
  EXPECT_EQ(error["object"]["code"], 410);
  EXPECT_EQ(error["object"]["reason"], "Expired");
  // The same request without a watch is a 410 answer.
  request.query = {{"watch", "true"}, {"resourceVersion", "1"}};
  EXPECT_EQ(handler.Handle(request).status, 410);
}

}  // namespace
}  // namespace ferry::serve
