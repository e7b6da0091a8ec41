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
  const Json body = kept.BodyFor(next);
  EXPECT_EQ(body["spec"]["template"]["spec"]["domain"]["cpu"]["cores"], 4);
  EXPECT_EQ(body["spec"]["template"]["spec"]["domain"]["firmware"]["uuid"], "x");
  EXPECT_EQ(body["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
            "dest");
  EXPECT_FALSE(body["spec"]["template"]["spec"]["volumes"][0].contains("dataVolume"));
  EXPECT_FALSE(body["metadata"]["annotations"].contains("b")) << "a removal is applied";
  EXPECT_EQ(body["metadata"]["annotations"]["a"], "1");
}

TEST(KeptFieldsTest, AnotherVersionOrAnUnknownObjectIsWrittenAsFerryHasIt) {
  KeptFields kept;
  kept.Remember(kRaw, kKnown);
  Json stale = kKnown;
  stale["metadata"]["resourceVersion"] = "6";
  EXPECT_EQ(kept.BodyFor(stale), stale);
  Json other = kKnown;
  other["metadata"]["uid"] = "u2";
  EXPECT_EQ(kept.BodyFor(other), other);
  kept.Forget("u1");
  EXPECT_EQ(kept.size(), 0u);
  EXPECT_EQ(kept.BodyFor(kKnown), kKnown);
}

}  // namespace
}  // namespace ferry::adapters
