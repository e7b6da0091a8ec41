// ReadJsonDocument builds, from a JSON object, the very tree YamlStream
// builds from the same text (positions aside), and gives up on anything
// else so that YamlStream reports it.
#include "api/manifest/json_document.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::manifest {
namespace {

// Every difference between two trees, by path.
void Compare(const YamlNode& json, const YamlNode& yaml, const std::string& path,
             std::vector<std::string>* diffs) {
  auto differ = [&](absl::string_view what, const auto& a, const auto& b) {
    if (a != b) diffs->push_back(absl::StrCat(path, ": ", what, " ", a, " vs ", b));
  };
  differ("type", static_cast<int>(json.type()), static_cast<int>(yaml.type()));
  differ("tag", json.Tag(), yaml.Tag());
  differ("scalar", json.Scalar(), yaml.Scalar());
  differ("size", json.size(), yaml.size());
  differ("expanded_values", json.expanded_values(), yaml.expanded_values());
  differ("expanded_bytes", json.expanded_bytes(), yaml.expanded_bytes());
  differ("expanded_depth", json.expanded_depth(), yaml.expanded_depth());
  if (json.size() != yaml.size()) return;
  if (json.IsSequence()) {
    for (size_t i = 0; i < json.size(); ++i) {
      Compare(json[i], yaml[i], absl::StrCat(path, "[", i, "]"), diffs);
    }
  } else if (json.IsMap()) {
    for (size_t i = 0; i < json.size(); ++i) {
      const std::string at = absl::StrCat(path, ".", yaml.entries()[i].key->Scalar());
      Compare(*json.entries()[i].key, *yaml.entries()[i].key, at + "(key)", diffs);
      Compare(*json.entries()[i].value, *yaml.entries()[i].value, at, diffs);
    }
  }
}

void ExpectSameTree(absl::string_view text) {
  std::optional<YamlDocument> json = ReadJsonDocument(text);
  ASSERT_TRUE(json.has_value()) << text;
  YamlStream stream(text);
  YamlDocument yaml;
  absl::StatusOr<bool> read = stream.Next(&yaml);
  ASSERT_TRUE(read.ok() && *read) << read.status() << "\n" << text;
  std::vector<std::string> diffs;
  Compare(json->root(), yaml.root(), "", &diffs);
  EXPECT_THAT(diffs, ::testing::IsEmpty()) << text;
  EXPECT_TRUE(json->root().Mark().is_null());
}

TEST(ReadJsonDocumentTest, BuildsYamlStreamsTreeFromEveryKindOfValue) {
  ExpectSameTree(R"({"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv-1",)"
                 R"("labels":{}},"spec":{"capacity":{"storage":"1Gi"},"accessModes":[]}})");
  ExpectSameTree(R"({"a":null,"b":true,"c":false,"d":0,"e":-17,"f":1.5,"g":1e5,"h":-0.0,)"
                 R"("i":18446744073709551615,"j":123456789012345678901234567890,"k":2.50,)"
                 R"("l":[1,[2,[3,{}]],null,"x"],"m":"","n":{"":""}})");
  ExpectSameTree(R"({"esc":"a\"b\\c\/d\be\ff\ng\rh\ti","u":"\u00e9\u4e2d",)"
                 "\"raw\":\"\xc3\xa9 \xc2\x85 \xc2\xa0 \xe2\x80\xa8\",\"dup\":1,\"dup\":2}");
  ExpectSameTree("  \n\t{ \"spaced\" : [ 1 , 2 ] , \"out\" : { } }  \n ");
  std::string deep = "{\"a\":";
  for (int i = 0; i < 60; ++i) deep += "[";
  deep += "1";
  for (int i = 0; i < 60; ++i) deep += "]";
  ExpectSameTree(deep + "}");
}

TEST(ReadJsonDocumentTest, ReadsASurrogatePairAsJsonSaysWhereYamlCppRefusesIt) {
  // RFC 8259 writes a character beyond U+FFFF as two \u escapes;
  // yaml-cpp 0.7 takes each alone and refuses the first.
  constexpr char kText[] = R"({"smile":"\ud83d\ude00"})";
  std::optional<YamlDocument> json = ReadJsonDocument(kText);
  ASSERT_TRUE(json.has_value());
  const YamlNode* smile = json->root().Find("smile");
  ASSERT_NE(smile, nullptr);
  EXPECT_EQ(smile->Scalar(), "\xf0\x9f\x98\x80");
  YamlStream stream(kText);
  YamlDocument yaml;
  EXPECT_FALSE(stream.Next(&yaml).ok());
}

TEST(ReadJsonDocumentTest, BuildsTheSameTreeFromTheGoldenEngineAnswers) {
  for (const char* name : {"vm.json", "vms_follow_disk_attachments.json", "disks.json",
                           "disk_lun_iscsi.json", "disk_lun_fcp.json", "api.json",
                           "fault_not_found.json", "sso_token.json"}) {
    std::ifstream in(absl::StrCat("api/testdata/ovirt/", name));
    ASSERT_TRUE(in.good()) << name;
    std::stringstream text;
    text << in.rdbuf();
    SCOPED_TRACE(name);
    ExpectSameTree(text.str());
  }
}

TEST(ReadJsonDocumentTest, LeavesAnythingElseToYamlStream) {
  for (const char* text : {
           "",                           // nothing
           "[1, 2]",                     // not an object
           "\"a\"",                      //
           "kind: Pod",                  // YAML
           "{kind: Pod}",                // a YAML flow map, not JSON
           "{\"a\": 1} {\"b\": 2}",      // two values
           "{\"a\": 1}\n---\nb: 2\n",    // more documents
           "{\"a\": 1,}",                // a trailing comma
           "{\"a\": 01}",                // a leading zero
           "{\"a\": NaN}",               //
           "{\"a\": 1 // comment\n}",    //
           "{\"a\": \"\\ud800\"}",       // a lone surrogate
       }) {
    EXPECT_FALSE(ReadJsonDocument(text).has_value()) << text;
  }
}

TEST(ReadJsonDocumentTest, LeavesTextPastALimitToYamlStream) {
  std::string deep = "{\"a\":";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}";
  EXPECT_FALSE(ReadJsonDocument(deep).has_value()) << "101 levels";
  EXPECT_TRUE(ReadJsonDocument(deep, {.max_depth = 101}).has_value());
  EXPECT_FALSE(ReadJsonDocument(R"({"a":[1,2,3]})", {.max_values = 4}).has_value());
  EXPECT_TRUE(ReadJsonDocument(R"({"a":[1,2,3]})", {.max_values = 5}).has_value());
  EXPECT_FALSE(ReadJsonDocument(R"({"ab":"cde"})", {.max_bytes = 4}).has_value());
  EXPECT_TRUE(ReadJsonDocument(R"({"ab":"cde"})", {.max_bytes = 5}).has_value());
}

}  // namespace
}  // namespace ferry::manifest
