#include "api/ovirt_version.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::api {
namespace {

using ::testing::HasSubstr;

ovirt::Version Fields(std::string major, std::string minor, std::string build,
                      std::string revision, std::string full_version) {
  ovirt::Version v;
  v.set_major(major);
  v.set_minor(minor);
  v.set_build(build);
  v.set_revision(revision);
  v.set_full_version(full_version);
  return v;
}

ovirt::Version FullOnly(std::string full_version) { return Fields("", "", "", "", full_version); }

// The boundary both ways, from what the engine reports: 4.5.2.0 (packaged as
// 4.5.2-1.el8) lacks LUN details; 4.5.2.1 and later have them.
TEST(OvirtVersion, LunDetailsBoundaryFromTheReportedFields) {
  struct Case {
    ovirt::Version reported;
    std::string parsed;
    bool lacks_details;
  };
  const Case cases[] = {
      {Fields("4", "5", "2", "0", "4.5.2-1.el8"), "4.5.2.0", true},
      {Fields("4", "5", "2", "1", "4.5.2.1-1.el8"), "4.5.2.1", false},
      {Fields("4", "5", "3", "0", "4.5.3-1.el8"), "4.5.3.0", false},
      {Fields("4", "5", "1", "7", "4.5.1.7-1.el8"), "4.5.1.7", true},
      {Fields("4", "4", "10", "7", "4.4.10.7-1.el8"), "4.4.10.7", true},
      {Fields("4", "10", "0", "0", "4.10.0-1.el9"), "4.10.0.0", false},
      // What engine 4.5.2.1 really reports (api/testdata/ovirt/api_engine_4521.json):
      // revision "0", the fourth part in full_version only.
      {Fields("4", "5", "2", "0", "4.5.2.1-1.el8"), "4.5.2.1", false},
      {Fields("4", "5", "2", "0", "4.5.2.3"), "4.5.2.3", false},
      // Without a readable full_version, the fields.
      {Fields("4", "5", "2", "1", "unknown"), "4.5.2.1", false},
      // An absent build or revision is 0.
      {Fields("4", "5", "2", "", ""), "4.5.2.0", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reported.ShortDebugString());
    absl::StatusOr<OvirtVersion> v = ParseOvirtVersion(c.reported);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(OvirtVersionString(*v), c.parsed);
    EXPECT_EQ(*v < kLunDetailsSince, c.lacks_details);
  }
}

// Without major, full_version is read; the RPM release after '-' is never a
// version part (4.5.2-1.el8 is 4.5.2.0, not 4.5.2.1).
TEST(OvirtVersion, FullVersionIsAFallbackWithoutTheRpmRelease) {
  struct Case {
    std::string full_version;
    std::string parsed;
    bool lacks_details;
  };
  const Case cases[] = {
      {"4.5.2-1.el8", "4.5.2.0", true},   {"4.5.2-7.el8", "4.5.2.0", true},
      {"4.5.2.0", "4.5.2.0", true},       {"4.5.2.1", "4.5.2.1", false},
      {"4.5.2.1-1.el8", "4.5.2.1", false}, {"4.5.3", "4.5.3.0", false},
      {"4.5.5-1.el8", "4.5.5.0", false},  {"4.5.1-1.el8", "4.5.1.0", true},
      {"4.5", "4.5.0.0", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.full_version);
    absl::StatusOr<OvirtVersion> v = ParseOvirtVersion(FullOnly(c.full_version));
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(OvirtVersionString(*v), c.parsed);
    EXPECT_EQ(*v < kLunDetailsSince, c.lacks_details);
  }
}

TEST(OvirtVersion, UnreadableVersionsNameTheField) {
  absl::StatusOr<OvirtVersion> v = ParseOvirtVersion(FullOnly(""));
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("product_info.version"));
  v = ParseOvirtVersion(Fields("4", "5", "two", "0", ""));
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(),
              HasSubstr("product_info.version.build: \"two\" is not a version number"));
}

// What an engine of a package version reports: the shape of
// {"product_info":{"version":{"build":"2","full_version":"4.5.2-1.el8",
// "major":"4","minor":"5","revision":"0"}}}.
TEST(OvirtVersion, ReportedFieldsOfAPackageVersion) {
  const ovirt::Version v = ReportedOvirtVersion("4.5.2-1.el8");
  EXPECT_EQ(v.major(), "4");
  EXPECT_EQ(v.minor(), "5");
  EXPECT_EQ(v.build(), "2");
  EXPECT_EQ(v.revision(), "0");
  EXPECT_EQ(v.full_version(), "4.5.2-1.el8");
  // The engine fills the fields from major.minor.build: revision is "0".
  EXPECT_EQ(ReportedOvirtVersion("4.5.2.1-1.el8").revision(), "0");
  EXPECT_EQ(ReportedOvirtVersion("4.5.2.1-1.el8").full_version(), "4.5.2.1-1.el8");
}

}  // namespace
}  // namespace ferry::api
