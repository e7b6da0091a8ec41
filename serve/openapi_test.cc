#include "serve/openapi.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace ferry::serve {
namespace {

using Json = nlohmann::json;

Json Get(const std::string& path) {
  std::optional<HttpResponse> r = OpenApi({.method = "GET", .path = path});
  EXPECT_TRUE(r.has_value()) << path;
  return r.has_value() ? Json::parse(r->body) : Json();
}

TEST(OpenApiTest, TheIndexPointsAtEachGroupVersionByHash) {
  const Json index = Get("/openapi/v3");
  ASSERT_TRUE(index["paths"].contains("api/v1"));
  ASSERT_TRUE(index["paths"].contains("apis/kubevirt.io/v1"));
  const std::string url = index["paths"]["apis/kubevirt.io/v1"]["serverRelativeURL"];
  EXPECT_THAT(url, ::testing::StartsWith("/openapi/v3/apis/kubevirt.io/v1?hash="));
  EXPECT_EQ(Get("/openapi/v3")["paths"], index["paths"]) << "the hash is of the content: stable";
  EXPECT_FALSE(OpenApi({.method = "GET", .path = "/openapi/v3/apis/apps/v1"}).has_value());
}

// kubectl sends fieldValidation=Strict only to a server whose PATCH
// declares the parameter, and finds a kind's schema by its GVK.
TEST(OpenApiTest, WritesDeclareFieldValidationAndKindsTheirGvk) {
  const Json doc = Get("/openapi/v3/apis/kubevirt.io/v1");
  const Json& item =
      doc["paths"]["/apis/kubevirt.io/v1/namespaces/{namespace}/virtualmachineinstancemigrations/{name}"];
  ASSERT_TRUE(item.contains("patch")) << doc["paths"].dump().substr(0, 400);
  bool declared = false;
  for (const Json& p : item["patch"]["parameters"]) declared = declared || p["name"] == "fieldValidation";
  EXPECT_TRUE(declared);
  EXPECT_EQ(item["patch"]["x-kubernetes-group-version-kind"]["kind"], "VirtualMachineInstanceMigration");
  const Json& schemas = doc["components"]["schemas"];
  const Json* vmim = nullptr;
  for (const auto& [name, schema] : schemas.items()) {
    if (schema.contains("x-kubernetes-group-version-kind") &&
        schema["x-kubernetes-group-version-kind"][0]["kind"] == "VirtualMachineInstanceMigration") {
      vmim = &schema;
    }
  }
  ASSERT_NE(vmim, nullptr);
  EXPECT_TRUE((*vmim)["properties"].contains("spec"));
  const std::string spec_ref = (*vmim)["properties"]["spec"]["$ref"];
  const Json& spec = schemas[spec_ref.substr(spec_ref.rfind('/') + 1)];
  EXPECT_TRUE(spec["properties"].contains("localStorageMigration")) << "JSON names, as the API spells them";
  EXPECT_TRUE(spec["properties"].contains("vmiName"));
}

TEST(OpenApiTest, ClusterScopedKindsHaveNoNamespaceInTheirPaths) {
  const Json doc = Get("/openapi/v3/api/v1");
  EXPECT_TRUE(doc["paths"].contains("/api/v1/persistentvolumes/{name}"));
  EXPECT_TRUE(doc["paths"].contains("/api/v1/namespaces/{namespace}/persistentvolumeclaims"));
  EXPECT_EQ(doc["openapi"], "3.0.0");
}

}  // namespace
}  // namespace ferry::serve
