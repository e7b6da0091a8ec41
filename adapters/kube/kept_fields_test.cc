// Writing an object back keeps what the server wrote that Ferry does not
// model, and applies exactly Ferry's changes, removals included.
#include "adapters/kube/kept_fields.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::adapters {
namespace {

using Json = KeptFields::Json;

const Json kRaw = Json::parse(R"({
  "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine",
  "metadata": {"name": "vm", "uid": "u1", "resourceVersion": "7",
               "annotations": {"a": "1", "b": "2"}},
  "spec": {"running": true,
           "template": {"spec": {"domain": {"cpu": {"cores": 4}, "firmware": {"uuid": "x"}},
                                 "volumes": [{"name": "root", "dataVolume": {"name": "dv"},
                                              "hotpluggable": false}]}}}})");
// Ferry's JSON of it: what its model holds (no cpu, firmware, hotpluggable).
const Json kKnown = Json::parse(R"({
  "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine",
  "metadata": {"name": "vm", "uid": "u1", "resourceVersion": "7",
               "annotations": {"a": "1", "b": "2"}},
  "spec": {"running": true,
           "template": {"spec": {"volumes": [{"name": "root", "dataVolume": {"name": "dv"}}]}}}})");

TEST(KeptFieldsTest, AnUpdateKeepsWhatFerryDoesNotModelAndAppliesItsChanges) {
  KeptFields kept;
  kept.Remember(kRaw, kKnown);
  Json next = kKnown;
  next["spec"]["template"]["spec"]["volumes"][0] =
      Json::parse(R"({"name": "root", "persistentVolumeClaim": {"claimName": "dest"}})");
  next["metadata"]["annotations"].erase("b");
  const Json body = *kept.BodyFor(next);
  EXPECT_EQ(body["spec"]["template"]["spec"]["domain"]["cpu"]["cores"], 4);
  EXPECT_EQ(body["spec"]["template"]["spec"]["domain"]["firmware"]["uuid"], "x");
  EXPECT_EQ(body["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
            "dest");
  EXPECT_FALSE(body["spec"]["template"]["spec"]["volumes"][0].contains("dataVolume"));
  EXPECT_FALSE(body["metadata"]["annotations"].contains("b")) << "a removal is applied";
  EXPECT_EQ(body["metadata"]["annotations"]["a"], "1");
}

TEST(KeptFieldsTest, AnotherVersionIsAConflictAndAnObjectNeverReadIsWrittenAsFerryHasIt) {
  KeptFields kept;
  kept.Remember(kRaw, kKnown);
  Json stale = kKnown;
  stale["metadata"]["resourceVersion"] = "6";
  EXPECT_EQ(kept.BodyFor(stale).status().code(), absl::StatusCode::kAborted);
  Json other = kKnown;
  other["metadata"]["uid"] = "u2";
  EXPECT_EQ(*kept.BodyFor(other), other);
  kept.Forget("u1");
  EXPECT_EQ(kept.size(), 0u);
  EXPECT_EQ(*kept.BodyFor(kKnown), kKnown);
}

// A late watch event of an older version (the write's answer came first)
// never replaces the newer one kept.
TEST(KeptFieldsTest, AnOlderVersionArrivingLateIsIgnored) {
  KeptFields kept;
  Json newer = kRaw;
  newer["metadata"]["resourceVersion"] = "9";
  Json newer_known = kKnown;
  newer_known["metadata"]["resourceVersion"] = "9";
  kept.Remember(newer, newer_known);
  kept.Remember(kRaw, kKnown);  // version 7, late
  EXPECT_EQ((*kept.BodyFor(newer_known))["spec"]["template"]["spec"]["domain"]["firmware"]["uuid"],
            "x");
  EXPECT_EQ(kept.BodyFor(kKnown).status().code(), absl::StatusCode::kAborted);
}

// Removing the first of two named elements keeps each element's own
// unmodelled fields (an index-wise diff would move them onto the other).
TEST(KeptFieldsTest, NamedListElementsFollowTheirNames) {
  const Json raw = Json::parse(R"({"t": [{"name": "root", "checkpoints": [1]},
                                          {"name": "data", "finalCheckpoint": true}]})");
  const Json known = Json::parse(R"({"t": [{"name": "root"}, {"name": "data"}]})");
  const Json next = Json::parse(R"({"t": [{"name": "data"}]})");
  EXPECT_EQ(KeptFields::Rebase(raw, known, next),
            Json::parse(R"({"t": [{"name": "data", "finalCheckpoint": true}]})"));
}

// Where Ferry changed nothing the server's own representation stays
// ("1Gi", not the number Ferry would write).
TEST(KeptFieldsTest, UnchangedValuesKeepTheServersRepresentation) {
  const Json raw = Json::parse(R"({"size": "1Gi", "x": 1})");
  const Json known = Json::parse(R"({"size": "1073741824", "x": 1})");
  const Json next = Json::parse(R"({"size": "1073741824", "x": 2})");
  EXPECT_EQ(KeptFields::Rebase(raw, known, next), Json::parse(R"({"size": "1Gi", "x": 2})"));
}

}  // namespace
}  // namespace ferry::adapters
