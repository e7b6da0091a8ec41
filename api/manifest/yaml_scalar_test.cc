#include "api/manifest/yaml_scalar.h"

#include "gtest/gtest.h"

namespace ferry::manifest {
namespace {

struct Case {
  const char* text;
  PlainScalar kind;
};

class Resolve : public testing::TestWithParam<Case> {};

TEST_P(Resolve, ReadsLikeGoYamlV2) {
  EXPECT_EQ(ResolvePlainScalar(GetParam().text), GetParam().kind) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Resolve,
    testing::Values(Case{"", PlainScalar::kNull}, Case{"~", PlainScalar::kNull},
                    Case{"null", PlainScalar::kNull}, Case{"NULL", PlainScalar::kNull},
                    Case{"true", PlainScalar::kBool}, Case{"False", PlainScalar::kBool},
                    Case{"yes", PlainScalar::kBool}, Case{"off", PlainScalar::kBool},
                    Case{"y", PlainScalar::kBool}, Case{"N", PlainScalar::kBool},
                    Case{"0", PlainScalar::kInt}, Case{"-12", PlainScalar::kInt},
                    Case{"+7", PlainScalar::kInt}, Case{"0x1F", PlainScalar::kInt},
                    Case{"0o17", PlainScalar::kInt}, Case{"0755", PlainScalar::kInt},
                    Case{"0b101", PlainScalar::kInt}, Case{"1_000", PlainScalar::kInt},
                    Case{"1.5", PlainScalar::kFloat}, Case{".5", PlainScalar::kFloat},
                    Case{"1e3", PlainScalar::kFloat}, Case{"-2.5E-3", PlainScalar::kFloat},
                    Case{".inf", PlainScalar::kFloat}, Case{".nan", PlainScalar::kFloat},
                    Case{"1Gi", PlainScalar::kString}, Case{"0899", PlainScalar::kFloat},
                    Case{"1e", PlainScalar::kString}, Case{"yess", PlainScalar::kString},
                    Case{"True!", PlainScalar::kString},
                    Case{"docker://registry:5000/x", PlainScalar::kString},
                    Case{"1.2.3", PlainScalar::kString}, Case{"0x", PlainScalar::kString}));

TEST(PlainIntValue, ParsesEveryBaseAndRefusesOverflow) {
  EXPECT_EQ(PlainIntValue("42"), 42);
  EXPECT_EQ(PlainIntValue("-42"), -42);
  EXPECT_EQ(PlainIntValue("0x10"), 16);
  EXPECT_EQ(PlainIntValue("0o10"), 8);
  EXPECT_EQ(PlainIntValue("010"), 8);
  EXPECT_EQ(PlainIntValue("0b11"), 3);
  EXPECT_EQ(PlainIntValue("1_000"), 1000);
  EXPECT_EQ(PlainIntValue("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(PlainIntValue("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(PlainIntValue("9223372036854775808"), std::nullopt);
  EXPECT_EQ(PlainIntValue("abc"), std::nullopt);
}

TEST(PlainBoolValue, KnowsBothSpellings) {
  EXPECT_TRUE(PlainBoolValue("yes"));
  EXPECT_TRUE(PlainBoolValue("ON"));
  EXPECT_FALSE(PlainBoolValue("no"));
  EXPECT_FALSE(PlainBoolValue("false"));
}

}  // namespace
}  // namespace ferry::manifest
