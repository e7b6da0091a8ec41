// Every example manifest loads with no finding, and writing it back (YAML or
// JSON) and reading that again yields the same object.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "api/manifest/encoder.h"
#include "api/core.pb.h"
#include "api/ovirt.pb.h"
#include "api/manifest/reader.h"
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

INSTANTIATE_TEST_SUITE_P(Strings, MultiLine,
                         testing::Values("#cloud-config\npassword: x\n",  // literal block
                                         "multi\nline no newline", "tail\n\n",
                                         "  indented\nsecond\n", "a\n  b\n", "\n",
                                         "crlf\r\nline\r\n", "tab\there\n"));

}  // namespace
}  // namespace ferry::manifest
