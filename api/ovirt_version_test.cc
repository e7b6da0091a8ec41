#include "api/ovirt_version.h"

#include "gtest/gtest.h"

namespace ferry::api {
namespace {

TEST(OvirtVersion, ComparesNumericPartsOnly) {
  EXPECT_TRUE(OvirtVersionBefore("4.5.1-1.el8", kLunDetailsSince));
  EXPECT_TRUE(OvirtVersionBefore("4.4.10.7", kLunDetailsSince));
  EXPECT_TRUE(OvirtVersionBefore("4.5.2", kLunDetailsSince));
  EXPECT_FALSE(OvirtVersionBefore("4.5.2.1", kLunDetailsSince));
  EXPECT_FALSE(OvirtVersionBefore("4.5.5-1.el8", kLunDetailsSince));
  EXPECT_FALSE(OvirtVersionBefore("4.10", kLunDetailsSince));
  EXPECT_TRUE(OvirtVersionBefore("", kLunDetailsSince));  // unknown: treated as old
}

}  // namespace
}  // namespace ferry::api
