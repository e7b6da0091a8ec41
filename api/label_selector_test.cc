#include "api/label_selector.h"

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace ferry::api {
namespace {

k8s::LabelSelector Selector(const char* text) {
  k8s::LabelSelector s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &s)) << text;
  return s;
}

google::protobuf::Map<std::string, std::string> Labels(
    std::initializer_list<std::pair<const char*, const char*>> pairs) {
  google::protobuf::Map<std::string, std::string> m;
  for (const auto& [k, v] : pairs) m[k] = v;
  return m;
}

TEST(SelectorMatches, EmptySelectorMatchesEverything) {
  EXPECT_TRUE(SelectorMatches(Selector(""), Labels({})));
  EXPECT_TRUE(SelectorMatches(Selector(""), Labels({{"a", "b"}})));
}

TEST(SelectorMatches, MatchLabelsNeedsEveryPair) {
  const auto s = Selector(R"(match_labels { key: "volume" value: "vm-1-vol-0" })");
  EXPECT_TRUE(SelectorMatches(s, Labels({{"volume", "vm-1-vol-0"}, {"x", "y"}})));
  EXPECT_FALSE(SelectorMatches(s, Labels({{"volume", "vm-1-vol-1"}})));
  EXPECT_FALSE(SelectorMatches(s, Labels({})));
}

TEST(SelectorMatches, Expressions) {
  const auto in = Selector(R"(match_expressions { key: "tier" operator: "In" values: "a" values: "b" })");
  EXPECT_TRUE(SelectorMatches(in, Labels({{"tier", "b"}})));
  EXPECT_FALSE(SelectorMatches(in, Labels({{"tier", "c"}})));
  EXPECT_FALSE(SelectorMatches(in, Labels({})));
  const auto not_in = Selector(R"(match_expressions { key: "tier" operator: "NotIn" values: "a" })");
  EXPECT_TRUE(SelectorMatches(not_in, Labels({})));
  EXPECT_FALSE(SelectorMatches(not_in, Labels({{"tier", "a"}})));
  const auto exists = Selector(R"(match_expressions { key: "tier" operator: "Exists" })");
  EXPECT_TRUE(SelectorMatches(exists, Labels({{"tier", ""}})));
  EXPECT_FALSE(SelectorMatches(exists, Labels({})));
  const auto absent = Selector(R"(match_expressions { key: "tier" operator: "DoesNotExist" })");
  EXPECT_TRUE(SelectorMatches(absent, Labels({})));
  EXPECT_FALSE(SelectorMatches(absent, Labels({{"tier", "a"}})));
  const auto bogus = Selector(R"(match_expressions { key: "tier" operator: "Equals" })");
  EXPECT_FALSE(SelectorMatches(bogus, Labels({{"tier", "a"}})));
}

}  // namespace
}  // namespace ferry::api
