// Every example manifest loads with no finding, and writing it back (YAML or
// JSON) and reading that again yields the same object.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "api/manifest/encoder.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "api/core.pb.h"
#include "api/ovirt.pb.h"
#include "api/manifest/reader.h"
#include "api/manifest/round_trip.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace ferry::manifest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> ExampleFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator("examples")) {
    const std::string ext = entry.path().extension().string();
    // oVirt engine JSON has no apiVersion/kind: OvirtExamples reads it.
    if (entry.path().string().find("/ovirt/") != std::string::npos) continue;
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".json")) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

class RoundTrip : public testing::TestWithParam<std::string> {};

TEST_P(RoundTrip, LoadsCleanAndWritesBackTheSameObject) {
  absl::StatusOr<ManifestSet> set = ReadManifestFile(GetParam());
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_THAT(set->findings, IsEmpty());
  ASSERT_FALSE(set->objects.empty());
  for (const Object& object : set->objects) {
    for (const Finding& f : object.findings) ADD_FAILURE() << FormatFinding(f);

    const std::string yaml = ToYaml(*object.message);
    absl::StatusOr<ManifestSet> again = ParseManifests("written.yaml", yaml);
    ASSERT_TRUE(again.ok()) << again.status() << "\n" << yaml;
    ASSERT_EQ(again->objects.size(), 1u) << yaml;
    EXPECT_THAT(again->objects[0].findings, IsEmpty()) << yaml;
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        *object.message, *again->objects[0].message))
        << "YAML written:\n" << yaml;
    // Writing is idempotent: the second write is byte for byte the first.
    EXPECT_EQ(ToYaml(*again->objects[0].message), yaml);

    const std::string json = ToJson(*object.message);
    absl::StatusOr<ManifestSet> from_json = ParseManifests("written.json", json);
    ASSERT_TRUE(from_json.ok()) << from_json.status() << "\n" << json;
    ASSERT_EQ(from_json->objects.size(), 1u);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        *object.message, *from_json->objects[0].message))
        << "JSON written:\n" << json;
  }
}

INSTANTIATE_TEST_SUITE_P(Examples, RoundTrip, testing::ValuesIn(ExampleFiles()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(RoundTripExamples, CoverEverySeedManifest) {
  EXPECT_GE(ExampleFiles().size(), 8u);
}

TEST(OvirtExamples, LunDiskReadsStrictlyAndWritesBackTheSameJson) {
  std::ifstream in("examples/lun-migration/ovirt/disk-lun.json");
  std::stringstream text;
  text << in.rdbuf();
  const DecodeOptions ovirt{.names = FieldNames::kProto, .strict = true};
  ovirt::Disk disk;
  ASSERT_TRUE(ParseDocument(text.str(), &disk, ovirt).ok());
  EXPECT_EQ(disk.lun_storage().logical_units().logical_unit(0).lun_mapping(), "1");
  // Written with oVirt's names and string scalars, it reads back the same.
  const std::string json = ToJson(disk, FieldNames::kProto);
  EXPECT_THAT(json, HasSubstr("\"storage_type\": \"lun\""));
  EXPECT_THAT(json, HasSubstr("\"size\": \"10737418240\""));
  ovirt::Disk again;
  ASSERT_TRUE(ParseDocument(json, &again, ovirt).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(disk, again));
}

TEST(Encoder, WritesTheSeedMigrationAsTheSeedSpellsIt) {
  absl::StatusOr<ManifestSet> set = ReadManifestFile("examples/storage-migration/migration.yaml");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(ToYaml(*set->objects[0].message),
            "apiVersion: kubevirt.io/v1\n"
            "kind: VirtualMachineInstanceMigration\n"
            "metadata:\n"
            "  name: migration-local-storage\n"
            "spec:\n"
            "  vmiName: vm-alpine-datavolume\n"
            "  localStorageMigration:\n"
            "    migrateNonSharedDisks:\n"
            "      - sourcePvc: alpine-dv\n"
            "        destinationPvc: pvc-dest\n");
}

TEST(Encoder, QuotesStringsThatWouldReadAsOtherTypesAndKeepsIntegersNumbers) {
  absl::StatusOr<ManifestSet> set = ParseManifests(
      "q.yaml",
      "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: a\n  generation: 12\n"
      "  labels: {flag: \"yes\", num: \"123\", empty: \"\"}\n");
  ASSERT_TRUE(set.ok());
  const std::string yaml = ToYaml(*set->objects[0].message);
  EXPECT_THAT(yaml, HasSubstr("generation: 12\n"));
  EXPECT_THAT(yaml, HasSubstr("flag: \"yes\""));
  EXPECT_THAT(yaml, HasSubstr("num: \"123\""));
  EXPECT_THAT(yaml, HasSubstr("empty: \"\""));
  EXPECT_THAT(ToJson(*set->objects[0].message), HasSubstr("\"generation\": 12"));
}

// Strings YAML's literal block (|) cannot carry exactly: they must come back
// byte for byte all the same.
class MultiLine : public testing::TestWithParam<std::string> {};

TEST_P(MultiLine, SurvivesAYamlRoundTrip) {
  k8s::Secret secret;
  secret.set_api_version("v1");
  secret.set_kind("Secret");
  secret.mutable_metadata()->set_name("s");
  (*secret.mutable_string_data())["v"] = GetParam();
  const std::string yaml = ToYaml(secret);
  absl::StatusOr<ManifestSet> again = ParseManifests("s.yaml", yaml);
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << yaml;
  ASSERT_EQ(again->objects.size(), 1u) << yaml;
  EXPECT_EQ(again->objects[0].As<k8s::Secret>()->string_data().at("v"), GetParam()) << yaml;
}

// Anything YAML cannot carry literally is written quoted and escaped: every
// string comes back byte for byte, as a value and as a key, from YAML and
// from JSON.
struct Tricky {
  const char* name;
  std::string value;
};

void PrintTo(const Tricky& t, std::ostream* os) { *os << t.name; }

class AnyString : public testing::TestWithParam<Tricky> {};

k8s::Secret SecretHolding(const std::string& s) {
  k8s::Secret secret;
  secret.set_api_version("v1");
  secret.set_kind("Secret");
  secret.mutable_metadata()->set_name("s");
  (*secret.mutable_metadata()->mutable_annotations())["v"] = s;
  (*secret.mutable_metadata()->mutable_annotations())[s] = "key";
  (*secret.mutable_string_data())["v"] = s;
  return secret;
}

void ExpectRereads(const k8s::Secret& secret, const std::string& written) {
  absl::StatusOr<ManifestSet> again = ParseManifests("w", written);
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << written;
  ASSERT_EQ(again->objects.size(), 1u) << written;
  EXPECT_THAT(again->objects[0].findings, IsEmpty()) << written;
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  EXPECT_TRUE(differencer.Compare(secret, *again->objects[0].message))
      << difference << "written:\n" << written;
}

// Characters a YAML 1.1 reader (go-yaml, kubectl's) refuses raw or reads as a
// line break or byte order mark: C0 but line feed, DEL, C1 (NEL included),
// U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF.
bool HasRawUnprintable(absl::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
    const absl::string_view rest = text.substr(i);
    if (c == 0xc2 && rest.size() > 1 && static_cast<unsigned char>(rest[1]) < 0xa0) return true;
    for (absl::string_view bad : {"\xe2\x80\xa8", "\xe2\x80\xa9", "\xef\xbb\xbf", "\xef\xbf\xbe",
                                  "\xef\xbf\xbf"}) {
      if (absl::StartsWith(rest, bad)) return true;
    }
  }
  return false;
}

TEST_P(AnyString, SurvivesYaml) {
  const k8s::Secret secret = SecretHolding(GetParam().value);
  const std::string yaml = ToYaml(secret);
  ExpectRereads(secret, yaml);
  EXPECT_FALSE(HasRawUnprintable(yaml)) << yaml;
  EXPECT_TRUE(CheckRoundTrip(yaml).ok()) << CheckRoundTrip(yaml);
}

TEST_P(AnyString, SurvivesJson) {
  const k8s::Secret secret = SecretHolding(GetParam().value);
  ExpectRereads(secret, ToJson(secret));
}

INSTANTIATE_TEST_SUITE_P(
    Strings, AnyString,
    testing::Values(
        Tricky{"MultiLineWithNul", std::string("a\0b\nc\n", 6)}, Tricky{"Nul", std::string("\0", 1)},
        Tricky{"Bell", "ring\a"}, Tricky{"BellInLines", "ring\a\nme\n"},
        Tricky{"Escape", "\x1b[31mred\x1b[0m"}, Tricky{"Del", "x\x7f"},
        Tricky{"C1", "\xc2\x80\xc2\x9f"}, Tricky{"Nel", "a\xc2\x85" "b"},
        Tricky{"NelInLines", "a\xc2\x85\nb\n"}, Tricky{"LineSeparator", "a\xe2\x80\xa8" "b"},
        Tricky{"ParagraphSeparatorInLines", "a\xe2\x80\xa9\nb\n"},
        Tricky{"BomFirst", "\xef\xbb\xbf" "x"}, Tricky{"BomInside", "x\xef\xbb\xbfy"},
        Tricky{"Noncharacter", "\xef\xbf\xbe\xef\xbf\xbf"}, Tricky{"NoncharacterFdd0", "\xef\xb7\x90"},
        Tricky{"NoncharacterQuoted", " \xef\xbf\xbe \xef\xb7\x90"},
        Tricky{"Nbsp", "\xc2\xa0lead and trail\xc2\xa0"}, Tricky{"Emoji", "\xf0\x9f\x98\x80 caf\xc3\xa9\n"},
        Tricky{"LoneNewline", "\n"}, Tricky{"LoneCarriageReturn", "\r"}, Tricky{"Crlf", "a\r\nb\r\n"},
        Tricky{"Tab", "\t"}, Tricky{"TabInside", "a\tb"}, Tricky{"TabLeadingLines", "\ta\nb\n"},
        Tricky{"TabAfterNewline", "a\n\tb\n"}, Tricky{"LeadingSpace", " x"}, Tricky{"TrailingSpace", "x "},
        Tricky{"Spaces", "  "}, Tricky{"Empty", ""}, Tricky{"TrailingSpacesInLines", "a  \nb\n"},
        Tricky{"LeadingNewline", "\nx\n"}, Tricky{"TwoTrailingNewlines", "x\n\n"},
        Tricky{"NoTrailingNewline", "x\ny"}, Tricky{"CommentLine", "#x\n"},
        Tricky{"DocumentMarkerLine", "---\n...\n"}, Tricky{"Dash", "- x"}, Tricky{"DashAlone", "-"},
        Tricky{"Question", "? x"}, Tricky{"Colon", ": x"}, Tricky{"ColonSpace", "a: b"},
        Tricky{"ColonEnd", "a:"}, Tricky{"Hash", "a #b"}, Tricky{"HashFirst", "#c"},
        Tricky{"DocumentStart", "---"}, Tricky{"DocumentStartText", "--- x"}, Tricky{"DocumentEnd", "..."},
        Tricky{"Yes", "yes"}, Tricky{"Integer", "0x1F"}, Tricky{"Float", "1e3"}, Tricky{"Inf", ".inf"},
        Tricky{"Tilde", "~"}, Tricky{"Null", "null"}, Tricky{"At", "@x"}, Tricky{"Backtick", "`x"},
        Tricky{"Percent", "%x"}, Tricky{"SingleQuote", "'x"}, Tricky{"DoubleQuote", "\"x"},
        Tricky{"Backslash", "a\\b"}, Tricky{"FlowSequence", "[a]"}, Tricky{"FlowMapping", "{a: b}"},
        Tricky{"Comma", "a,b"}, Tricky{"Anchor", "&a"}, Tricky{"Alias", "*a"}, Tricky{"Tag", "!x"},
        Tricky{"Pipe", "|"}, Tricky{"Greater", ">"}, Tricky{"EscapesAsText", "\\N\\_\\0"},
        Tricky{"LongestSimpleKey", std::string(1000, 'k')},
        Tricky{"KeyLongOnlyInYaml", std::string(300, '\x7f')},  // "\x7f" each: "? " key
        Tricky{"LongestJsonKey", std::string(511, '\t')}),
    [](const testing::TestParamInfo<Tricky>& info) { return std::string(info.param.name); });

TEST(CheckRoundTrip, PassesEveryExample) {
  for (const std::string& file : ExampleFiles()) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_TRUE(CheckRoundTrip(text.str()).ok()) << file << ": " << CheckRoundTrip(text.str());
  }
}

TEST(CheckRoundTrip, HasNothingToCheckInUnreadableText) {
  EXPECT_TRUE(CheckRoundTrip(",").ok());
  EXPECT_TRUE(CheckRoundTrip("a: [").ok());
}

TEST(CheckRoundTrip, ReadsEscapesYamlCppGetsWrong) {
  // \N and \_ were read as the bytes 85 and a0, then written as U+FFFD.
  EXPECT_TRUE(CheckRoundTrip("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
                             "stringData: {a: \"\\N\\_\"}\n")
                  .ok());
  absl::StatusOr<ManifestSet> set = ParseManifests(
      "n.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: \"\\N\\_\"}\n");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->objects[0].As<k8s::Secret>()->string_data().at("a"), "\xc2\x85\xc2\xa0");
}

INSTANTIATE_TEST_SUITE_P(Strings, MultiLine,
                         testing::Values("#cloud-config\npassword: x\n",  // literal block
                                         "multi\nline no newline", "tail\n\n",
                                         "  indented\nsecond\n", "a\n  b\n", "\n",
                                         "crlf\r\nline\r\n", "tab\there\n"));

}  // namespace
}  // namespace ferry::manifest
