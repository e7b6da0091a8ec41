#include "serve/discovery.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace ferry::serve {
namespace {

const std::vector<std::string> kVerbs = {"get", "list"};

nlohmann::json Body(const std::optional<HttpResponse>& r) {
  EXPECT_TRUE(r.has_value());
  return r.has_value() ? nlohmann::json::parse(r->body) : nlohmann::json();
}

TEST(DiscoveryTest, VersionNamesTheMinorKubectlPicksItsClientBy) {
  const nlohmann::json v = Body(Discovery({.method = "GET", .path = "/version"}, kVerbs));
  EXPECT_EQ(v["major"], "1");
  EXPECT_EQ(v["minor"], kServedMinor);
  EXPECT_FALSE(Discovery({.method = "GET", .path = "/api/v1/pods"}, kVerbs).has_value());
}

// kubectl 1.32 accepts aggregated discovery only with this exact content type.
TEST(DiscoveryTest, AggregatedDiscoveryAnswersInTheVersionAsked) {
  HttpRequest r{.method = "GET", .path = "/apis"};
  r.headers["accept"] =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
  std::optional<HttpResponse> a = Discovery(r, kVerbs);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->content_type, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  const nlohmann::json body = nlohmann::json::parse(a->body);
  EXPECT_EQ(body["apiVersion"], "apidiscovery.k8s.io/v2");
  bool found = false;
  for (const auto& group : body["items"]) {
    if (group["metadata"]["name"] != "kubevirt.io") continue;
    for (const auto& resource : group["versions"][0]["resources"]) {
      if (resource["resource"] != "virtualmachineinstancemigrations") continue;
      found = true;
      EXPECT_EQ(resource["responseKind"]["kind"], "VirtualMachineInstanceMigration");
      EXPECT_EQ(resource["scope"], "Namespaced");
      EXPECT_EQ(resource["shortNames"], nlohmann::json::array({"vmim", "vmims"}));
      EXPECT_EQ(resource["verbs"], nlohmann::json(kVerbs));
    }
  }
  EXPECT_TRUE(found);
  r.path = "/api";
  r.headers["accept"] = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
  const nlohmann::json core = Body(Discovery(r, kVerbs));
  EXPECT_EQ(core["apiVersion"], "apidiscovery.k8s.io/v2beta1");
  ASSERT_EQ(core["items"].size(), 1u);
  EXPECT_EQ(core["items"][0]["metadata"]["name"], "");
}

TEST(DiscoveryTest, LegacyDocumentsListGroupsAndResources) {
  const nlohmann::json groups = Body(Discovery({.method = "GET", .path = "/apis"}, kVerbs));
  EXPECT_EQ(groups["kind"], "APIGroupList");
  std::vector<std::string> names;
  for (const auto& g : groups["groups"]) names.push_back(g["name"]);
  EXPECT_THAT(names, ::testing::Contains("forklift.konveyor.io"));
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("")));
  const nlohmann::json core = Body(Discovery({.method = "GET", .path = "/api/v1"}, kVerbs));
  EXPECT_EQ(core["groupVersion"], "v1");
  std::vector<std::string> resources;
  for (const auto& r : core["resources"]) resources.push_back(r["name"]);
  EXPECT_THAT(resources, ::testing::IsSupersetOf({"pods", "pods/status", "persistentvolumeclaims"}));
  EXPECT_EQ(Body(Discovery({.method = "GET", .path = "/apis/kubevirt.io"}, kVerbs))["preferredVersion"]["groupVersion"],
            "kubevirt.io/v1");
}

}  // namespace
}  // namespace ferry::serve
