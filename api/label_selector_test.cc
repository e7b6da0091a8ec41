#include "api/label_selector.h"

#include "gmock/gmock.h"
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

// The query syntax kubectl and client-go send (`-l` / labelSelector).
TEST(ParseLabelSelector, ReadsEveryFormTheApiServerTakes) {
  absl::StatusOr<k8s::LabelSelector> s =
      ParseLabelSelector("app=db, tier==web,env!=prod,zone in (a, b),rack notin (r1),gpu,!legacy");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->match_labels().at("app"), "db");
  EXPECT_EQ(s->match_labels().at("tier"), "web");
  ASSERT_EQ(s->match_expressions_size(), 5);
  EXPECT_EQ(s->match_expressions(0).ShortDebugString(),
            "key: \"env\" operator: \"NotIn\" values: \"prod\"");
  EXPECT_EQ(s->match_expressions(1).ShortDebugString(),
            "key: \"zone\" operator: \"In\" values: \"a\" values: \"b\"");
  EXPECT_EQ(s->match_expressions(2).operator_(), "NotIn");
  EXPECT_EQ(s->match_expressions(3).ShortDebugString(), "key: \"gpu\" operator: \"Exists\"");
  EXPECT_EQ(s->match_expressions(4).ShortDebugString(),
            "key: \"legacy\" operator: \"DoesNotExist\"");
  EXPECT_TRUE(SelectorMatches(*s, Labels({{"app", "db"}, {"tier", "web"}, {"zone", "b"}, {"gpu", "1"}})));
  EXPECT_FALSE(SelectorMatches(*s, Labels({{"app", "db"}, {"tier", "web"}, {"zone", "b"}, {"gpu", "1"},
                                           {"env", "prod"}})));
}

TEST(ParseLabelSelector, EmptySelectsEverythingAndFormatReadsBack) {
  absl::StatusOr<k8s::LabelSelector> empty = ParseLabelSelector("  ");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->ByteSizeLong(), 0u);
  const std::string text = "app=db,b=c,env notin (prod),zone in (a,b),gpu,!legacy";
  absl::StatusOr<k8s::LabelSelector> s = ParseLabelSelector(text);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(FormatLabelSelector(*s), text);
  absl::StatusOr<k8s::LabelSelector> again = ParseLabelSelector(FormatLabelSelector(*s));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ShortDebugString(), s->ShortDebugString());
}

TEST(ParseLabelSelector, MalformedRequirementsAreRefusedSayingWhich) {
  const struct {
    const char* text;
    const char* error;
  } cases[] = {
      {"a=b,,c", "an empty requirement"},
      {"zone in (a,b", "does not end with"},
      {"zone within (a)", "expected \"KEY in (V1,V2)\""},
      {"zone in ()", "the value list is empty"},
      {"a b=c", "expected \"KEY=VALUE\""},
      {"a=b,a=c", "also required to equal \"b\""},
      {"a>1", "not a label key"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<k8s::LabelSelector> s = ParseLabelSelector(c.text);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(s.status().message()), ::testing::HasSubstr("labelSelector: ")) << c.text;
    EXPECT_THAT(std::string(s.status().message()), ::testing::HasSubstr(c.error)) << c.text;
  }
}

}  // namespace
}  // namespace ferry::api
