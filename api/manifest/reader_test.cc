#include "api/manifest/reader.h"

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
}  // namespace ferry::manifest
