#include "serve/resource_path.h"

#include "api/manifest/api_object.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::serve {
namespace {

using ::testing::HasSubstr;

TEST(ResourcePathTest, ReadsCoreAndGroupPathsAndApiPathWritesThemBack) {
  absl::StatusOr<ResourcePath> p =
      ParseResourcePath("/api/v1/namespaces/default/persistentvolumeclaims/data/status");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->kind->kind, "PersistentVolumeClaim");
  EXPECT_EQ(p->namespace_, "default");
  EXPECT_EQ(p->name, "data");
  EXPECT_EQ(p->subresource, "status");
  EXPECT_EQ(manifest::ApiPath(*p->kind, "default", "data", "status"),
            "/api/v1/namespaces/default/persistentvolumeclaims/data/status");

  p = ParseResourcePath("/apis/kubevirt.io/v1/virtualmachineinstancemigrations");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->kind->kind, "VirtualMachineInstanceMigration");
  EXPECT_EQ(p->namespace_, "");
  EXPECT_EQ(p->name, "");
  EXPECT_EQ(manifest::ApiPath(*p->kind, ""), "/apis/kubevirt.io/v1/virtualmachineinstancemigrations");

  p = ParseResourcePath("/api/v1/persistentvolumes/pv-1");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->kind->kind, "PersistentVolume");
  EXPECT_EQ(p->name, "pv-1");
  EXPECT_EQ(manifest::ApiPath(*p->kind, "ignored", "pv-1"), "/api/v1/persistentvolumes/pv-1");
}

TEST(ResourcePathTest, WhatIsNotServedIsNotFoundSayingWhy) {
  EXPECT_THAT(ParseResourcePath("/apis/apps/v1/namespaces/x/deployments").status().message(),
              HasSubstr("deployments in apps/v1 is not served here"));
  EXPECT_EQ(ParseResourcePath("/healthz").status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(ParseResourcePath("/api/v1/namespaces/x/pods/p/exec").status().message(),
              HasSubstr("no subresource \"exec\""));
  EXPECT_THAT(ParseResourcePath("/api/v1/namespaces/x/nodes/n").status().message(),
              HasSubstr("cluster-scoped"));
}

}  // namespace
}  // namespace ferry::serve
