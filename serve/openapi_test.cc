#include "serve/openapi.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

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

// YAML (as yaml-cpp reads it) as JSON: every scalar a string.
Json FromYaml(const YAML::Node& node) {
  if (node.IsMap()) {
    Json j = Json::object();
    for (const auto& kv : node) j[kv.first.as<std::string>()] = FromYaml(kv.second);
    return j;
  }
  if (node.IsSequence()) {
    Json j = Json::array();
    for (const auto& item : node) j.push_back(FromYaml(item));
    return j;
  }
  return node.IsScalar() ? Json(node.as<std::string>()) : Json();
}

// Where `declared` (a CRD schema) disagrees with `generated` (the model's,
// $refs resolved in `schemas`): a property the model lacks, or a type or
// format that differs.
void Compare(const Json& declared, Json generated, const Json& schemas, const std::string& at,
             std::vector<std::string>* problems) {
  if (generated.contains("$ref")) {
    const std::string ref = generated["$ref"];
    generated = schemas[ref.substr(ref.rfind('/') + 1)];
  }
  if (declared["type"] != generated["type"]) {
    problems->push_back(at + ": type " + declared["type"].dump() + ", the model's " +
                        generated["type"].dump());
  }
  if (declared.contains("format") && declared["format"] != generated.value("format", Json())) {
    problems->push_back(at + ": format " + declared["format"].dump());
  }
  if (declared.contains("items")) Compare(declared["items"], generated["items"], schemas, at + "[]", problems);
  if (!declared.contains("properties")) return;
  for (const auto& [name, property] : declared["properties"].items()) {
    if (!generated["properties"].contains(name)) {
      problems->push_back(at + "." + name + ": not in the model");
    } else {
      Compare(property, generated["properties"][name], schemas, at + "." + name, problems);
    }
  }
}

// deploy/vmim-crd-fields.yaml, the fields Ferry adds to KubeVirt's CRD, says
// what the model (api/kubevirt.proto) holds, by JSON name, type and format.
TEST(OpenApiTest, TheCrdFieldsInDeployAreTheModels) {
  const Json schemas = Get("/openapi/v3/apis/kubevirt.io/v1")["components"]["schemas"];
  const YAML::Node patch = YAML::LoadFile("deploy/vmim-crd-fields.yaml");
  ASSERT_TRUE(patch.IsSequence());
  std::vector<std::string> problems;
  int checked = 0;
  for (const auto& op : patch) {
    const std::string path = op["path"].as<std::string>();
    // .../properties/spec/properties/X or .../status/properties/[migrationState/properties/]X
    const std::string field = path.substr(path.rfind('/') + 1);
    std::string message = "ferry.kubevirt.VirtualMachineInstanceMigrationStatus";
    if (path.find("/properties/spec/") != std::string::npos) {
      message = "ferry.kubevirt.VirtualMachineInstanceMigrationSpec";
    } else if (path.find("/migrationState/") != std::string::npos) {
      message = "ferry.kubevirt.VirtualMachineInstanceMigrationState";
    }
    ASSERT_TRUE(schemas[message]["properties"].contains(field)) << path << ": not in " << message;
    Json declared = FromYaml(op["value"]);
    // yaml-cpp reads every scalar as text; the schemas' types are text too.
    Compare(declared, schemas[message]["properties"][field], schemas, field, &problems);
    ++checked;
  }
  EXPECT_EQ(checked, 6);
  EXPECT_THAT(problems, ::testing::IsEmpty());
}

}  // namespace
}  // namespace ferry::serve
