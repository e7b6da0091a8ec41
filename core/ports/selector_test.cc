#include "core/ports/selector.h"

#include <string>

#include "api/core.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::ports {
namespace {

using ::testing::HasSubstr;

TEST(SelectorQueryTest, AQueryReadsBackToTheSameSelector) {
  absl::StatusOr<Selector> s = ParseSelectorQuery("app=db,!legacy", "spec.nodeName=node-a");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->ToString(), "labels: app=db,legacy DoesNotExist (); fields: spec.nodeName=node-a");
  const auto [labels, fields] = SelectorQuery(*s);
  EXPECT_EQ(labels, "app=db,!legacy");
  EXPECT_EQ(fields, "spec.nodeName=node-a");
  absl::StatusOr<Selector> again = ParseSelectorQuery(labels, fields);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ToString(), s->ToString());
  EXPECT_TRUE(ParseSelectorQuery("", "")->everything());
}

TEST(SelectorQueryTest, FieldTermsAreEqualitiesAndTheSelectorSelectsByThem) {
  absl::StatusOr<Selector> s = ParseSelectorQuery("", "metadata.name==a, metadata.namespace=ns");
  ASSERT_TRUE(s.ok()) << s.status();
  k8s::Pod pod;
  pod.mutable_metadata()->set_name("a");
  pod.mutable_metadata()->set_namespace_("ns");
  EXPECT_TRUE(Selects(*s, pod));
  pod.mutable_metadata()->set_name("b");
  EXPECT_FALSE(Selects(*s, pod));
}

TEST(SelectorQueryTest, MalformedParametersAreRefusedNamingTheParameter) {
  EXPECT_THAT(ParseSelectorQuery("", "status.phase!=Running").status().message(),
              HasSubstr("fieldSelector: \"status.phase!=Running\": only \"FIELD=VALUE\""));
  EXPECT_THAT(ParseSelectorQuery("", "=x").status().message(), HasSubstr("the field is empty"));
  EXPECT_THAT(ParseSelectorQuery("", "metadata.name=a,metadata.name=b").status().message(),
              HasSubstr("also required to equal \"a\""));
  EXPECT_THAT(ParseSelectorQuery("a in (", "").status().message(), HasSubstr("labelSelector: "));
  // Parsing accepts any field; whether the kind selects on it is ValidateSelector's.
  absl::StatusOr<Selector> node = ParseSelectorQuery("", "spec.nodeName=a");
  ASSERT_TRUE(node.ok());
  EXPECT_THAT(ValidateSelector("PersistentVolumeClaim", *node).message(),
              HasSubstr("field label not supported: \"spec.nodeName\""));
}

}  // namespace
}  // namespace ferry::ports
