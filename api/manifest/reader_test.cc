#include "api/manifest/reader.h"

#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/core.pb.h"
#include "api/kubevirt.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::manifest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(Reader, ReadsEveryDocumentOfAStreamAndSkipsEmptyOnes) {
  absl::StatusOr<ManifestSet> set = ParseManifests(
      "s.yaml",
      "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: a}\n---\n"
      "---\napiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceMigration\n"
      "metadata: {name: m}\nspec: {vmiName: vm}\n---\n");
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->objects.size(), 2u);
  EXPECT_EQ(set->objects[0].Describe(), "PersistentVolumeClaim a");
  EXPECT_EQ(set->objects[0].location.line, 2);
  ASSERT_NE(set->objects[1].As<kubevirt::VirtualMachineInstanceMigration>(), nullptr);
  EXPECT_EQ(set->objects[1].As<kubevirt::VirtualMachineInstanceMigration>()->spec().vmi_name(),
            "vm");
  EXPECT_EQ(set->objects[1].location.line, 7);
  EXPECT_THAT(set->findings, IsEmpty());
}

TEST(Reader, ReadsJson) {
  absl::StatusOr<ManifestSet> set = ParseManifests(
      "p.json",
      R"({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
          "metadata": {"name": "a", "namespace": "ns"},
          "spec": {"resources": {"requests": {"storage": "1Gi"}}}})");
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->objects.size(), 1u);
  EXPECT_EQ(set->objects[0].Describe(), "PersistentVolumeClaim ns/a");
  EXPECT_THAT(set->objects[0].findings, IsEmpty());
}

TEST(Reader, ReadsListItems) {
  absl::StatusOr<ManifestSet> set = ParseManifests(
      "l.yaml",
      "apiVersion: v1\nkind: List\nitems:\n"
      "- apiVersion: v1\n  kind: PersistentVolumeClaim\n  metadata: {name: a}\n"
      "- apiVersion: v1\n  kind: PersistentVolumeClaim\n  metadata: {name: b}\n");
  ASSERT_TRUE(set.ok());
  ASSERT_EQ(set->objects.size(), 2u);
  EXPECT_EQ(set->objects[1].metadata().name(), "b");
  EXPECT_EQ(set->objects[1].location.line, 7);
}

TEST(Reader, SyntaxErrorIsUnreadableWithLineAndColumn) {
  absl::StatusOr<ManifestSet> set = ParseManifests("x.yaml", "a: [1, 2\nb: c\n");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(set.status().message()), HasSubstr("x.yaml:"));
  EXPECT_THAT(std::string(set.status().message()), HasSubstr("not valid YAML or JSON"));
}

TEST(Reader, UnknownKindAndMissingApiVersionAreFindings) {
  absl::StatusOr<ManifestSet> set = ParseManifests(
      "k.yaml", "apiVersion: v1\nkind: ConfigMapp\n---\nkind: PersistentVolumeClaim\n");
  ASSERT_TRUE(set.ok());
  EXPECT_THAT(set->objects, IsEmpty());
  ASSERT_EQ(set->findings.size(), 2u);
  EXPECT_EQ(FormatFinding(set->findings[0]).substr(0, 27), "k.yaml:2:7: error: kind: un");
  EXPECT_THAT(FormatFinding(set->findings[1]), HasSubstr("k.yaml:4:1: error: apiVersion: required"));
}

// Text that is not UTF-8 by Unicode's Table 3-7 is refused before YAML reads
// it, naming line, column and the bytes, whichever class of fault it is.
struct BadText {
  const char* name;
  std::string value;   // put in a string field on line 4, column 11
  std::string message; // the expected error after "b.yaml:4:11: error: "
};

void PrintTo(const BadText& c, std::ostream* os) { *os << c.name; }

class RefusesText : public testing::TestWithParam<BadText> {};

TEST_P(RefusesText, NamingLineColumnAndBytes) {
  const std::string text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
                           "data: {a: " + GetParam().value + "}\n";
  absl::StatusOr<ManifestSet> set = ParseManifests("b.yaml", text);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(set.status().message()),
              HasSubstr("b.yaml:4:11: error: " + GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Classes, RefusesText,
    testing::Values(
        BadText{"Surrogate", "\xed\xa0\x80", "not valid UTF-8 (bytes 0xed 0xa0 0x80: a UTF-16 surrogate"},
        BadText{"OverlongThreeByte", "\xe0\x80\xaf", "not valid UTF-8 (bytes 0xe0 0x80 0xaf: an overlong"},
        BadText{"OverlongFourByte", "\xf0\x80\x80\xaf", "not valid UTF-8 (bytes 0xf0 0x80 0x80 0xaf: an overlong"},
        BadText{"OverlongTwoByte", "\xc0\xaf", "not valid UTF-8 (bytes 0xc0 0xaf: an overlong"},
        BadText{"AboveMaximum", "\xf4\x90\x80\x80", "not valid UTF-8 (bytes 0xf4 0x90 0x80 0x80: above U+10FFFF"},
        BadText{"F5Lead", "\xf5\x80\x80\x80", "not valid UTF-8 (bytes 0xf5 0x80 0x80 0x80: not a UTF-8 lead byte"},
        BadText{"F7Lead", "\xf7\xbf\xbf\xbf", "not valid UTF-8 (bytes 0xf7 0xbf 0xbf 0xbf: not a UTF-8 lead byte"},
        BadText{"LoneContinuation", "\x80", "not valid UTF-8 (byte 0x80: a continuation byte"},
        BadText{"CutShort", "\xe2\x82x", "not valid UTF-8 (bytes 0xe2 0x82: a multi-byte sequence cut short"},
        BadText{"RawNul", std::string("\0", 1), "control character 0x00 is not allowed"},
        BadText{"RawBell", "\x07", "control character 0x07 is not allowed"}),
    [](const testing::TestParamInfo<BadText>& info) { return std::string(info.param.name); });

TEST(Reader, RefusesTextCutShortAtTheEnd) {
  absl::StatusOr<ManifestSet> set = ParseManifests("t.yaml", "a: b\nc: \xf0\x9f\x98");
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(std::string(set.status().message()),
              HasSubstr("t.yaml:2:4: error: not valid UTF-8 (bytes 0xf0 0x9f 0x98: a multi-byte "
                        "sequence cut short by the end of the file)"));
}

TEST(Reader, AcceptsEveryWellFormedClassAndTabsAndCarriageReturns) {
  absl::StatusOr<ManifestSet> set = ParseManifests(
      "u.yaml", "apiVersion: v1\r\nkind: Secret\r\nmetadata: {name: s}\r\n"
                "stringData: {a: \"\tA \xc2\x80 \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 "
                "\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf\"}\r\n");
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->objects.size(), 1u);
  EXPECT_EQ(set->objects[0].As<k8s::Secret>()->string_data().at("a"),
            "\tA \xc2\x80 \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf");
}

// A stray ',' made yaml-cpp 0.7.0's LoadAll return empty documents forever.
class StrayToken : public testing::TestWithParam<std::string> {};

TEST_P(StrayToken, IsUnreadableNotAnEndlessStream) {
  absl::StatusOr<ManifestSet> set = ParseManifests("s.yaml", GetParam());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(set.status().message()), HasSubstr("s.yaml:"));
  EXPECT_THAT(std::string(set.status().message()), HasSubstr("error: not valid YAML or JSON"));
}

INSTANTIATE_TEST_SUITE_P(Inputs, StrayToken,
                         testing::Values(",", "]", "}", ",,,", "a: b\n,", "--- ,"));

TEST(Reader, StrayCommaNamesWhereAndWhat) {
  absl::StatusOr<ManifestSet> set = ParseManifests("s.yaml", "a: b\n---\n,");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().message(),
            "s.yaml:3:1: error: not valid YAML or JSON: unexpected ',' where a document or a "
            "value should start");
}

TEST(Reader, ParseDocumentReadsOnlyTheFirstDocumentOfAStrayComma) {
  k8s::Secret secret;
  EXPECT_TRUE(ParseDocument(",", &secret).ok());
}

// `kind: List` items aliased `levels` deep, ten to a level: 10^levels copies
// of `leaf` in a few hundred bytes.
std::string ListBomb(int levels, const std::string& leaf) {
  std::string text = absl::StrCat("apiVersion: v1\nkind: List\nx0: &a0 ", leaf, "\n");
  for (int i = 1; i <= levels; ++i) {
    std::vector<std::string> names(10, absl::StrCat("*a", i - 1));
    absl::StrAppend(&text, "x", i, ": &a", i, " {apiVersion: v1, kind: List, items: [",
                    absl::StrJoin(names, ","), "]}\n");
  }
  absl::StrAppend(&text, "items: [*a", levels, "]\n");
  return text;
}

struct Bomb {
  const char* name;
  int levels;
  std::string leaf;
};

void PrintTo(const Bomb& b, std::ostream* os) { *os << b.name; }

class AliasedListItems : public testing::TestWithParam<Bomb> {};

// Every item counts, read or skipped: a List, a null `items`, an unknown
// kind or a non-mapping is charged like an object.
// Time bounds here are generous (ASan, a loaded machine): these take under a
// second or two; before the fix they took minutes or never ended.
TEST_P(AliasedListItems, AreRefusedAsTooLargeAtOnce) {
  const std::string text = ListBomb(GetParam().levels, GetParam().leaf);
  ASSERT_LT(text.size(), 1000u);
  const absl::Time start = absl::Now();
  absl::StatusOr<ManifestSet> set = ParseManifests("bomb.yaml", text);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_THAT(set->objects, IsEmpty());
  ASSERT_EQ(set->findings.size(), 1u);
  // Located at the alias that passed the limit: x6.items[0] is the 7th line's
  // first *a5.
  EXPECT_THAT(FormatFinding(set->findings[0]),
              testing::MatchesRegex("bomb.yaml:[0-9]+:[0-9]+: error: x[0-9].items\\[[0-9]\\]: too "
                                    "large: more than 500000 values once YAML aliases are "
                                    "expanded .*"));
}

INSTANTIATE_TEST_SUITE_P(
    Leaves, AliasedListItems,
    testing::Values(
        Bomb{"Objects", 5,
             "{apiVersion: v1, kind: Secret, metadata: {name: x}, stringData: {a: b}}"},
        Bomb{"NullItems", 8, "{apiVersion: v1, kind: List, items: null}"},
        Bomb{"UnknownKinds", 8, "{apiVersion: v1, kind: Nope}"},
        Bomb{"NotMappings", 8, "x"}),
    [](const testing::TestParamInfo<Bomb>& info) { return std::string(info.param.name); });

TEST(Reader, KeepsTheObjectsBeforeADocumentTooLarge) {
  const std::string text =
      absl::StrCat("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n---\n",
                   ListBomb(8, "x"), "---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n");
  absl::StatusOr<ManifestSet> set = ParseManifests("k.yaml", text);
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->objects.size(), 1u);
  EXPECT_EQ(set->objects[0].metadata().name(), "a");
  ASSERT_EQ(set->findings.size(), 1u);
  EXPECT_THAT(set->findings[0].message, HasSubstr("once YAML aliases are expanded"));
}

TEST(Reader, NestingTooDeepSaysSoAndWhere) {
  std::string text = "apiVersion: v1\nkind: Secret\nmetadata:\n";
  for (int i = 1; i <= 100; ++i) absl::StrAppend(&text, std::string(2 * i, ' '), "a:\n");
  absl::StatusOr<ManifestSet> set = ParseManifests("n.yaml", text);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().message(), "n.yaml:103:201: error: nesting deeper than 100 levels");
}

TEST(Reader, AMillionBracketsAreUnreadableQuickly) {
  const absl::Time start = absl::Now();
  absl::StatusOr<ManifestSet> set = ParseManifests("b.json", std::string(1000000, '['));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(std::string(set.status().message()),
              HasSubstr("b.json:1:51: error: nesting deeper than 100 levels"));
}

TEST(Reader, RefusesAFileLargerThanTheLimitNamingTheFlag) {
  const std::string path = testing::TempDir() + "/big.yaml";
  std::ofstream(path) << "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n";
  absl::StatusOr<ManifestSet> set = ReadManifestFile(path, {.max_bytes = 10, .raise_with = "--max"});
  EXPECT_EQ(set.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(set.status().message()),
              HasSubstr("big.yaml: larger than the 10-byte input limit; if the file is really "
                        "meant to be read, raise it with --max"));
  EXPECT_TRUE(ReadManifestFile(path, {.max_bytes = 1000}).ok());
}

TEST(Reader, MissingFileIsNotFound) {
  EXPECT_EQ(ReadManifestFile("/nonexistent/x.yaml").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(Reader, LocatesFieldsForLaterFindings) {
  absl::StatusOr<ManifestSet> set = ParseManifests(
      "m.yaml", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: a\n"
                "spec:\n  resources:\n    requests:\n      storage: 1Gi\n");
  ASSERT_TRUE(set.ok());
  const Object& o = set->objects[0];
  EXPECT_EQ(o.LocationOf("spec.resources.requests[storage]").line, 8);
  EXPECT_EQ(o.LocationOf("spec.resources.limits[storage]").line, 6);  // nearest ancestor
  EXPECT_EQ(o.LocationOf("status.phase").line, 1);                    // the object itself
}

}  // namespace
TEST(Reader, FirstErrorNamesWhereAndIgnoresWarnings) {
  absl::StatusOr<ManifestSet> ok = ParseManifests("ok.yaml", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: a}\n");
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(FirstError(*ok).ok());
  absl::StatusOr<ManifestSet> bad = ParseManifests(
      "bad.yaml", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: a}\nspec: {accessModes: 3}\n");
  ASSERT_TRUE(bad.ok());
  const absl::Status st = FirstError(*bad);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("bad.yaml:4:"), absl::string_view::npos) << st;
  absl::StatusOr<ManifestSet> unknown = ParseManifests("k.yaml", "apiVersion: v9\nkind: Nope\n");
  ASSERT_TRUE(unknown.ok());
  EXPECT_NE(FirstError(*unknown).message().find("k.yaml"), absl::string_view::npos);
}

}  // namespace ferry::manifest
