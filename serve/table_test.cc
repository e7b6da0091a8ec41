// Tables as the API server prints them for kubectl: each kind's columns,
// ages as kubectl shows them, and what a row carries.
#include "serve/table.h"

#include "api/manifest/kinds.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::serve {
namespace {

using Json = nlohmann::ordered_json;
using ::testing::ElementsAre;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'100);  // 2023-11-14T22:15:00Z

std::vector<std::string> Names(const Json& table) {
  std::vector<std::string> names;
  for (const Json& c : table["columnDefinitions"]) names.push_back(c["name"]);
  return names;
}

TEST(TableTest, AMigrationShowsPhaseVmiHowMuchIsCopiedAndAge) {
  const Json vmim = Json::parse(R"({
    "metadata": {"name": "m", "namespace": "default", "creationTimestamp": "2023-11-14T22:13:20Z"},
    "spec": {"vmiName": "vm-1"},
    "status": {"phase": "Running", "progress": {"diskTotal": 1000, "diskRemaining": 250}}})");
  const Json t = TableOf(*manifest::FindKindNamed("VirtualMachineInstanceMigration"), {vmim}, "7",
                         IncludeObject::kMetadata, kNow);
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(t["metadata"]["resourceVersion"], "7");
  EXPECT_THAT(Names(t), ElementsAre("Name", "Phase", "VMI", "Copied", "Age"));
  EXPECT_EQ(t["columnDefinitions"][0]["format"], "name");
  EXPECT_EQ(t["rows"][0]["cells"], Json::parse(R"(["m", "Running", "vm-1", "75%", "100s"])"));
  EXPECT_EQ(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(t["rows"][0]["object"]["metadata"]["namespace"], "default");
}

TEST(TableTest, AClaimShowsItsBindingWithShortAccessModes) {
  const Json pvc = Json::parse(R"({
    "metadata": {"name": "d", "creationTimestamp": "2023-11-14T22:15:00Z"},
    "spec": {"volumeName": "pv-1", "storageClassName": "local", "volumeMode": "Block"},
    "status": {"phase": "Bound", "capacity": {"storage": "1Gi"},
               "accessModes": ["ReadWriteOnce", "ReadWriteOncePod"]}})");
  const Json t = TableOf(*manifest::FindKindNamed("PersistentVolumeClaim"), {pvc}, "1",
                         IncludeObject::kNone, kNow);
  EXPECT_THAT(Names(t), ElementsAre("Name", "Status", "Volume", "Capacity", "Access Modes",
                                    "StorageClass", "Age", "VolumeMode"));
  EXPECT_EQ(t["rows"][0]["cells"],
            Json::parse(R"(["d", "Bound", "pv-1", "1Gi", "RWO,RWOP", "local", "0s", "Block"])"));
  EXPECT_FALSE(t["rows"][0].contains("object"));
  EXPECT_EQ(t["columnDefinitions"][7]["priority"], 1);  // -o wide only
}

TEST(TableTest, TheDefaultStorageClassIsMarkedAndUnknownKindsShowNameAndAge) {
  const Json sc = Json::parse(R"({"metadata": {"name": "local", "annotations":
      {"storageclass.kubernetes.io/is-default-class": "true"}}, "provisioner": "p"})");
  const Json t = TableOf(*manifest::FindKindNamed("StorageClass"), {sc}, "1",
                         IncludeObject::kObject, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][0], "local (default)");
  EXPECT_EQ(t["rows"][0]["object"], sc);
  const Json secret = TableOf(*manifest::FindKindNamed("Secret"), {Json::parse(R"({"metadata": {"name": "s"}})")},
                              "1", IncludeObject::kMetadata, kNow);
  EXPECT_THAT(Names(secret), ElementsAre("Name", "Age"));
  EXPECT_EQ(secret["rows"][0]["cells"][1], "<unknown>");  // no creationTimestamp
}

TEST(TableTest, AgesReadAsKubectlPrintsThem) {
  EXPECT_EQ(HumanDuration(absl::Seconds(-5)), "<invalid>");
  EXPECT_EQ(HumanDuration(absl::Milliseconds(-500)), "0s");
  EXPECT_EQ(HumanDuration(absl::Seconds(119)), "119s");
  EXPECT_EQ(HumanDuration(absl::Seconds(200)), "3m20s");
  EXPECT_EQ(HumanDuration(absl::Minutes(5)), "5m");
  EXPECT_EQ(HumanDuration(absl::Minutes(90)), "90m");
  EXPECT_EQ(HumanDuration(absl::Minutes(5 * 60 + 7)), "5h7m");
  EXPECT_EQ(HumanDuration(absl::Hours(30)), "30h");
  EXPECT_EQ(HumanDuration(absl::Hours(51)), "2d3h");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 100)), "100d");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * (3 * 365 + 20))), "3y20d");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 365 * 9)), "9y");
}

TEST(TableTest, OnlyAnAcceptNamingTheV1TableAsksForOne) {
  HttpRequest r;
  r.headers["accept"] =
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
  EXPECT_TRUE(WantsTable(r));
  r.headers["accept"] = "application/json";
  EXPECT_FALSE(WantsTable(r));
  r.query = {{"includeObject", "Object"}};
  EXPECT_EQ(IncludeObjectOf(r), IncludeObject::kObject);
}

}  // namespace
}  // namespace ferry::serve
