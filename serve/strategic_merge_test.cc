#include "serve/strategic_merge.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::serve {
namespace {

using Json = nlohmann::ordered_json;

Json Merged(const char* target, const char* patch) {
  Json t = Json::parse(target);
  const absl::Status st = StrategicMerge(t, Json::parse(patch));
  EXPECT_TRUE(st.ok()) << st;
  return t;
}

TEST(StrategicMergeTest, ListsOfObjectsMergeByTheirKeyAndOthersAreReplaced) {
  const Json merged = Merged(
      R"({"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}],"args":["1","2"]}})",
      R"({"spec":{"containers":[{"name":"b","image":"z"},{"name":"c","image":"w"}],"args":["3"]}})");
  EXPECT_EQ(merged["spec"]["containers"],
            Json::parse(R"([{"name":"a","image":"x"},{"name":"b","image":"z"},{"name":"c","image":"w"}])"));
  EXPECT_EQ(merged["spec"]["args"], Json::array({"3"})) << "no merge key: replaced";
}

TEST(StrategicMergeTest, DirectivesDeleteReplaceAndAreNeverStored) {
  Json merged = Merged(R"({"spec":{"volumes":[{"name":"a"},{"name":"b"}],"x":{"k":1,"l":2}}})",
                       R"({"spec":{"volumes":[{"name":"a","$patch":"delete"}],
                           "$setElementOrder/volumes":[{"name":"b"}],
                           "x":{"$patch":"replace","m":3}}})");
  EXPECT_EQ(merged["spec"]["volumes"], Json::parse(R"([{"name":"b"}])"));
  EXPECT_EQ(merged["spec"]["x"], Json::parse(R"({"m":3})"));
  EXPECT_EQ(merged.dump().find('$'), std::string::npos) << merged.dump();
  merged = Merged(R"({"a":1,"b":2})", R"({"a":null})");
  EXPECT_EQ(merged, Json::parse(R"({"b":2})"));
}

TEST(StrategicMergeTest, MalformedPatchesNameTheField) {
  Json t = Json::parse(R"({"spec":{"volumes":[]}})");
  EXPECT_THAT(StrategicMerge(t, Json::parse(R"({"spec":{"volumes":[{"size":1}]}})")).message(),
              ::testing::HasSubstr("spec.volumes: an item without its merge key \"name\""));
  EXPECT_THAT(StrategicMerge(t, Json::parse(R"({"spec":{"$patch":"explode"}})")).message(),
              ::testing::HasSubstr("spec: unknown $patch directive \"explode\""));
  EXPECT_FALSE(StrategicMerge(t, Json::array()).ok());
}

}  // namespace
}  // namespace ferry::serve
