#include "api/names.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::api {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

std::string Repeat(absl::string_view text, int times) {
  std::string result;
  for (int i = 0; i < times; ++i) absl::StrAppend(&result, text);
  return result;
}

// The cases of validation_test.go (TestIsDNS1123Subdomain), plus the limits.
TEST(Names, Dns1123SubdomainAcceptsValidNames) {
  const std::string label63 = Repeat("a", 63);
  for (const std::string& name : std::vector<std::string>{
           "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "0-1",
           "a.a", "ab.a", "abc.a", "a1.a", "a-1.a", "a--1--2--b.a", "a.1",
           "ab.1", "abc.1", "a1.1", "a-1.1", "a--1--2--b.1", "0.a", "01.a",
           "0.1", "1.2.3.4", "aaa.bbb.ccc", "a.b.c.d.e",
           Repeat("a", 253),  // a part may be longer than 63 here, as in Go
           absl::StrCat(label63, ".", label63, ".", label63, ".",
                        Repeat("a", 61))}) {
    SCOPED_TRACE(name);
    EXPECT_THAT(IsDns1123Subdomain(name), IsEmpty());
  }
}

TEST(Names, Dns1123SubdomainRejectsInvalidNames) {
  for (const absl::string_view name :
       {"", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1",
        "_", "a_", "_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a", "a..b",
        "1.", ".1", "1..2", " ", "a ", " a", "a b", "1 ", " 1", "1 2", "A.a",
        "aB.a", "ab.A", "A1.a", "a1.A", "A.1", "aB.1", "A1.1", "1A.1", "0.A",
        "01.A", "0.1A", "1.2.3.4.", "a.b.c.d.e.", "-.a", "a.-", "a@b", "a/b",
        "a:b", "a\n", "\xc3\xa9"}) {
    SCOPED_TRACE(name);
    const std::vector<std::string> problems = IsDns1123Subdomain(name);
    ASSERT_THAT(problems, SizeIs(1));
    EXPECT_THAT(problems[0],
                HasSubstr("a lowercase RFC 1123 subdomain must consist of"));
  }
}

TEST(Names, Dns1123SubdomainLimitsLengthTo253) {
  EXPECT_THAT(IsDns1123Subdomain(Repeat("a", 253)), IsEmpty());
  EXPECT_THAT(IsDns1123Subdomain(Repeat("a", 254)),
              ElementsAre("must be no more than 253 characters (got 254)"));
  const std::vector<std::string> both = IsDns1123Subdomain(Repeat("A", 254));
  ASSERT_THAT(both, SizeIs(2));
  EXPECT_EQ(both[0], "must be no more than 253 characters (got 254)");
  EXPECT_EQ(both[1],
            absl::StrCat(
                "a lowercase RFC 1123 subdomain must consist of lower case "
                "alphanumeric characters, '-' or '.', and must start and end "
                "with an alphanumeric character (e.g. 'example.com', regex "
                "used for validation is "
                "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)"
                "*') (got \"",
                Repeat("A", 254), "\")"));
}

// TestIsDNS1123Label of validation_test.go, plus the limits.
TEST(Names, Dns1123LabelAcceptsValidNames) {
  for (const std::string& name : std::vector<std::string>{
           "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "0-1",
           "1-2", Repeat("a", 63), Repeat("9", 63)}) {
    SCOPED_TRACE(name);
    EXPECT_THAT(IsDns1123Label(name), IsEmpty());
  }
}

TEST(Names, Dns1123LabelRejectsInvalidNames) {
  for (const absl::string_view name :
       {"", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1",
        "_", "a_", "_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a", "1.", ".1",
        " ", "a ", " a", "a b", "1 ", " 1", "1 2", "a..b", "a\t"}) {
    SCOPED_TRACE(name);
    const std::vector<std::string> problems = IsDns1123Label(name);
    ASSERT_THAT(problems, SizeIs(1));
    EXPECT_THAT(problems[0],
                HasSubstr("a lowercase RFC 1123 label must consist of"));
  }
}

TEST(Names, Dns1123LabelExplainsLikeKubernetes) {
  // Go's own wording, including its "',  or '" between the examples.
  EXPECT_THAT(
      IsDns1123Label("My-VM"),
      ElementsAre(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric "
          "characters or '-', and must start and end with an alphanumeric "
          "character (e.g. 'my-name',  or '123-abc', regex used for "
          "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?') (got \"My-VM\")"));
  // A valid subdomain that is not a label can only have dots.
  EXPECT_THAT(IsDns1123Label("a.b"),
              ElementsAre("must not contain dots (got \"a.b\")"));
  EXPECT_THAT(IsDns1123Label(Repeat("a", 64)),
              ElementsAre("must be no more than 63 characters (got 64)"));
  EXPECT_THAT(IsDns1123Label(Repeat("a", 63) + "-"), SizeIs(2));
  EXPECT_THAT(IsDns1123Label("tab\there"),
              ElementsAre(HasSubstr("(got \"tab\\there\")")));
}

// TestIsQualifiedName of validation_test.go, plus the limits.
TEST(Names, QualifiedNameAcceptsValidKeys) {
  for (const std::string& key : std::vector<std::string>{
           "simple", "now-with-dashes", "1-starts-with-num", "1234",
           "simple/simple", "now-with-dashes/simple",
           "now-with-dashes/now-with-dashes", "now.with.dots/simple",
           "now-with.dashes-and.dots/simple", "1-num.2-num/3-num", "1234/5678",
           "1.2.3.4/5678", "Uppercase_Is_OK_123",
           "example.com/Uppercase_Is_OK_123", "requests.storage-foo",
           "kubevirt.io/vm", "app.kubernetes.io/name", "a_b", "a.b", "A",
           Repeat("a", 63), Repeat("a", 253) + "/" + Repeat("b", 63)}) {
    SCOPED_TRACE(key);
    EXPECT_THAT(IsQualifiedName(key), IsEmpty());
  }
}

TEST(Names, QualifiedNameRejectsInvalidKeys) {
  for (const std::string& key : std::vector<std::string>{
           "nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-",
           "only/one/slash", "Example.com/abc", "example_com/abc",
           "example.com/", "/simple", Repeat("a", 64),
           Repeat("a", 254) + "/abc", "", "_a", "a_", ".a", "a.", "a b",
           "-a.com/b", "a.com/-b"}) {
    SCOPED_TRACE(key);
    EXPECT_THAT(IsQualifiedName(key), Not(IsEmpty()));
  }
}

TEST(Names, QualifiedNameExplainsEachPart) {
  EXPECT_THAT(IsQualifiedName("/a"),
              ElementsAre("prefix part must be non-empty"));
  EXPECT_THAT(
      IsQualifiedName("a/"),
      ElementsAre("name part must be non-empty",
                  HasSubstr("name part must consist of alphanumeric "
                            "characters, '-', '_' or '.', and must start and "
                            "end with an alphanumeric character (e.g. "
                            "'MyName',  or 'my.name',  or '123-abc', regex "
                            "used for validation is "
                            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') (got "
                            "\"\")")));
  EXPECT_THAT(IsQualifiedName(Repeat("a", 254) + "/b"),
              ElementsAre("prefix part must be no more than 253 characters "
                          "(got 254)"));
  EXPECT_THAT(IsQualifiedName("Example.com/b"),
              ElementsAre(HasSubstr("prefix part a lowercase RFC 1123 "
                                    "subdomain must consist of")));
  EXPECT_THAT(IsQualifiedName("example.com/" + Repeat("b", 64)),
              ElementsAre("name part must be no more than 63 characters "
                          "(got 64)"));
  EXPECT_THAT(IsQualifiedName("example.com/" + Repeat("b", 63)), IsEmpty());
  EXPECT_THAT(IsQualifiedName("example.com/b_"),
              ElementsAre(HasSubstr("(got \"b_\")")));
  EXPECT_THAT(IsQualifiedName("a/b/c"),
              ElementsAre(AllOf(HasSubstr("a qualified name must consist of"),
                                HasSubstr("with an optional DNS subdomain "
                                          "prefix and '/' (e.g. "
                                          "'example.com/MyName') (got "
                                          "\"a/b/c\")"))));
  // Both parts are reported.
  EXPECT_THAT(IsQualifiedName("Bad_Prefix/-bad-name"), SizeIs(2));
}

// TestIsValidLabelValue of validation_test.go, plus the limits.
TEST(Names, LabelValueAcceptsValidValues) {
  for (const std::string& value : std::vector<std::string>{
           "", "simple", "now-with-dashes", "1-starts-with-num",
           "end-with-num-1", "1234", "Uppercase_Is_OK_123", "a.b", "a_b",
           "A", "0", Repeat("a", 63)}) {
    SCOPED_TRACE(value);
    EXPECT_THAT(IsValidLabelValue(value), IsEmpty());
  }
}

TEST(Names, LabelValueRejectsInvalidValues) {
  for (const absl::string_view value :
       {"nospecialchars%^=@", "Tama-nui-te-r\xc4\x81", "\"quotes\"",
        "no spaces", "-a", "a-", "_a", "a_", ".a", "a.", "a/b", " ",
        "trailing\n"}) {
    SCOPED_TRACE(value);
    const std::vector<std::string> problems = IsValidLabelValue(value);
    ASSERT_THAT(problems, SizeIs(1));
    EXPECT_THAT(problems[0],
                HasSubstr("a valid label must be an empty string or consist "
                          "of alphanumeric characters"));
  }
}

TEST(Names, LabelValueLimitsLengthTo63) {
  EXPECT_THAT(IsValidLabelValue(Repeat("v", 63)), IsEmpty());
  EXPECT_THAT(IsValidLabelValue(Repeat("v", 64)),
              ElementsAre("must be no more than 63 characters (got 64)"));
  EXPECT_THAT(IsValidLabelValue(Repeat("v", 63) + "-"), SizeIs(2));
}

// Labels and subdomains differ on '_', '.' and case.
TEST(Names, LabelValuesAllowWhatSubdomainsDoNot) {
  for (const absl::string_view value : {"a_b", "A", "a.B"}) {
    SCOPED_TRACE(value);
    EXPECT_THAT(IsValidLabelValue(value), IsEmpty());
    EXPECT_THAT(IsDns1123Subdomain(value), Not(IsEmpty()));
  }
  EXPECT_THAT(IsDns1123Subdomain("a.b"), IsEmpty());
  EXPECT_THAT(IsDns1123Label("a.b"), Not(IsEmpty()));
  EXPECT_THAT(IsValidLabelValue("a.b"), IsEmpty());
}

TEST(Names, AnnotationsSizeLimitIs256KiB) {
  EXPECT_EQ(kTotalAnnotationSizeLimitBytes, 262144);
  const std::map<std::string, std::string> at_limit = {
      {"a", std::string(262144 - 1 - 2, 'x')}, {"b", "y"}};
  EXPECT_TRUE(ValidateAnnotationsSize(at_limit).ok());

  const std::map<std::string, std::string> over_limit = {
      {"a", std::string(262144 - 1 - 2, 'x')}, {"b", "yz"}};
  const absl::Status status = ValidateAnnotationsSize(over_limit);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "annotations size 262145 is larger than limit 262144");

  EXPECT_TRUE(
      ValidateAnnotationsSize(std::map<std::string, std::string>()).ok());
}

TEST(Names, AnnotationsSizeAcceptsAnyRangeOfPairs) {
  const std::string half(131072, 'v');
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"", half}, {"", half}};
  EXPECT_TRUE(ValidateAnnotationsSize(pairs).ok());
  const std::vector<std::pair<absl::string_view, absl::string_view>> views = {
      {"k", half}, {"", half}};
  EXPECT_FALSE(ValidateAnnotationsSize(views).ok());
  absl::flat_hash_map<std::string, std::string> hash_map;
  hash_map["kubevirt.io/key"] = std::string(262144, 'v');
  EXPECT_THAT(ValidateAnnotationsSize(hash_map).message(),
              HasSubstr("annotations size 262159 is larger than limit"));
}

}  // namespace
}  // namespace ferry::api
