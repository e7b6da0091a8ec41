#include "api/manifest/yaml_stream.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::manifest {
namespace {

using ::testing::HasSubstr;

// Every document of `text`, or the error the stream stopped with ("3:7: ..."
// with line and column from 1). Gives up after `max_documents`, so a stream
// that never ends fails instead of hanging.
struct Read {
  int documents = 0;
  absl::Status status;
  std::string at;  // "line:column" of the error
};

Read ReadAll(absl::string_view text, YamlLimits limits = {}, int max_documents = 1000000) {
  YamlStream stream(text, limits);
  YamlDocument doc;
  Read read;
  while (read.documents < max_documents) {
    absl::StatusOr<bool> more = stream.Next(&doc);
    if (!more.ok()) {
      read.status = more.status();
      read.at = absl::StrCat(stream.error_mark().line + 1, ":", stream.error_mark().column + 1);
      return read;
    }
    if (!*more) return read;
    ++read.documents;
  }
  read.status = absl::InternalError("the stream did not end");
  return read;
}

// yaml-cpp 0.7.0's LoadAll returns an empty document forever on these; the
// stream stops where the parser stops advancing.
class StopsWhereTheParserStops : public testing::TestWithParam<std::string> {};

TEST_P(StopsWhereTheParserStops, WithAnError) {
  const Read read = ReadAll(GetParam(), {}, 100);
  EXPECT_EQ(read.status.code(), absl::StatusCode::kInvalidArgument) << read.status;
  EXPECT_THAT(std::string(read.status.message()), HasSubstr("not valid YAML or JSON"));
}

INSTANTIATE_TEST_SUITE_P(StrayTokens, StopsWhereTheParserStops,
                         testing::Values(",", "]", "}", ",,,", "a: b\n,", "--- ,",
                                         "\xef\xbb\xbf,", "- a\n- b\n,\n", "[a]\n,",
                                         "---\na: b\n--- ,\n"));

TEST(YamlStream, NamesTheTokenItCannotGoPast) {
  const Read read = ReadAll("a: b\n---\n,");
  EXPECT_EQ(read.at, "3:1");
  EXPECT_EQ(read.status.message(),
            "not valid YAML or JSON: unexpected ',' where a document or a value should start");
}

TEST(YamlStream, ReadsEveryDocumentOnce) {
  const Read read = ReadAll("a: 1\n---\n---\nb: [1, 2]\n...\n--- c\n");
  EXPECT_TRUE(read.status.ok()) << read.status;
  EXPECT_EQ(read.documents, 4);
}

TEST(YamlStream, CountsWhatANodeStandsForWithAliasesExpanded) {
  YamlStream stream("a: &x [1, 22]\nb: *x\n");
  YamlDocument doc;
  ASSERT_TRUE(stream.Next(&doc).ok());
  const YamlNode& root = doc.root();
  // The map, the list and its 2 items, and the list again (3); field names
  // are not values.
  EXPECT_EQ(root.expanded_values(), 7);
  EXPECT_EQ(root.expanded_bytes(), 1 + 3 + 1 + 3);  // a 1 22 b 1 22
  EXPECT_EQ(root.expanded_depth(), 2);
  ASSERT_NE(root.Find("b"), nullptr);
  EXPECT_EQ(root.Find("b"), root.Find("a"));  // an alias is the node it names
  EXPECT_EQ(root.Find("b")->size(), 2u);
  EXPECT_EQ((*root.Find("b"))[1].Scalar(), "22");
  EXPECT_EQ(root.Find("c"), nullptr);
}

TEST(YamlStream, ReadsTheEscapesNelAndNbspAsUtf8) {
  YamlStream stream("a: \"\\N\\_ \\x85\\xa0 \xc2\x85\"\n");
  YamlDocument doc;
  ASSERT_TRUE(stream.Next(&doc).ok());
  // yaml-cpp alone gives the bytes 85 a0 for \N\_.
  EXPECT_EQ(doc.root().Find("a")->Scalar(), "\xc2\x85\xc2\xa0 \xc2\x85\xc2\xa0 \xc2\x85");
}

// `levels` lists of ten aliases, each naming the one before: 10^levels leaves
// in a few hundred bytes.
std::string AliasBomb(int levels) {
  std::string text = "l0: &l0 x\n";
  for (int i = 1; i <= levels; ++i) {
    std::vector<std::string> names(10, absl::StrCat("*l", i - 1));
    absl::StrAppend(&text, "l", i, ": &l", i, " [", absl::StrJoin(names, ", "), "]\n");
  }
  return text;
}

// Time bounds here are generous (ASan, a loaded machine): these take under a
// second or two; before the fix they took minutes or never ended.
TEST(YamlStream, RefusesAliasesThatExpandPastTheValueLimitWithoutWalkingThem) {
  const absl::Time start = absl::Now();
  const Read read = ReadAll(AliasBomb(9));  // a billion leaves
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(read.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(read.status.message(),
            "too large: more than 500000 values once YAML aliases are expanded (the API server "
            "takes at most 3 MiB per object); not read");
  EXPECT_EQ(read.at, "7:25");  // the alias that passes the limit: l6's fourth *l5
}

TEST(YamlStream, RefusesAliasesThatExpandPastTheByteLimit) {
  // 64 KiB of text named 16^3 times: 256 MiB, in 70 KiB of file and under
  // 5,000 values.
  std::string text = absl::StrCat("s: &s ", std::string(65536, 'x'), "\n");
  for (int i = 1; i <= 3; ++i) {
    std::vector<std::string> names(16, i == 1 ? "*s" : absl::StrCat("*l", i - 1));
    absl::StrAppend(&text, "l", i, ": &l", i, " [", absl::StrJoin(names, ", "), "]\n");
  }
  const Read read = ReadAll(text);
  EXPECT_EQ(read.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(read.status.message()),
              HasSubstr("too large: more than 67108864 bytes of text once YAML aliases are "
                        "expanded"));
}

TEST(YamlStream, ByteLimitIsAtLeastTheTextItself) {
  const std::string text = absl::StrCat("a: ", std::string(1000, 'x'), "\n");
  EXPECT_TRUE(ReadAll(text, {.max_bytes = 10}).status.ok());
}

TEST(YamlStream, EveryDocumentCountsTowardTheValueLimit) {
  std::string text;
  for (int i = 0; i < 11; ++i) text += "---\n";
  const Read read = ReadAll(text, {.max_values = 10});
  EXPECT_EQ(read.documents, 10);
  EXPECT_EQ(read.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(read.at, "12:1");  // where yaml-cpp places the eleventh's empty node
}

TEST(YamlStream, LimitsSpanDocuments) {
  const Read read = ReadAll("[1, 2, 3]\n---\n[4, 5, 6]\n", {.max_values = 7});
  EXPECT_EQ(read.documents, 1);
  EXPECT_EQ(read.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(read.at, "3:8");  // the 6: the seventh value was the 5
}

// yaml-cpp holds a whole flow collection in memory before it sends any of it;
// the stream stops it past 4 brackets, commas and colons per value left.
TEST(YamlStream, StopsAFlowCollectionTooLargeToHoldBeforeTheParserHoldsIt) {
  const absl::Time start = absl::Now();
  const Read read = ReadAll(std::string(200000, '['), {.max_values = 1000});
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(read.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(read.status.message()),
              HasSubstr("too large: a flow collection ([...] or {...}, as JSON is written) "
                        "with more than 4000 brackets, commas and colons"));
}

TEST(YamlStream, AJsonDocumentWithinTheValueLimitIsNotAFlowCollectionTooLarge) {
  std::vector<std::string> entries;
  for (int i = 0; i < 300; ++i) entries.push_back(absl::StrCat("{\"k\": [\"v\", 1]}"));
  const std::string json = absl::StrCat("[", absl::StrJoin(entries, ",\n"), "]");
  // 1,201 values (a list, 300 maps with a list of 2 each) and 2,400 indicators.
  EXPECT_TRUE(ReadAll(json, {.max_values = 1201}).status.ok());
}

TEST(YamlStream, OnlyWhatTheParserReadsAheadCountsAsAFlowCollection) {
  // Block style: the parser sends each line as it reads it.
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "- a,b,c,d,e:f,g\n";  // 7 indicators a line
  EXPECT_TRUE(ReadAll(text, {.max_values = 3001}).status.ok());
}

TEST(YamlStream, RefusesAnAliasInsideTheNodeItNames) {
  const Read read = ReadAll("a: &a [b, *a]\n");
  EXPECT_EQ(read.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(read.status.message(),
            "an alias (*a) inside the node its anchor names: a YAML loop cannot be read");
  EXPECT_EQ(read.at, "1:11");
}

TEST(YamlStream, RefusesAnUnknownAlias) {
  EXPECT_EQ(ReadAll("a: *nope\n").status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(YamlStream, NestingDeeperThanTheLimitNamesTheLimitAndWhere) {
  std::string text;
  for (int i = 0; i < 101; ++i) absl::StrAppend(&text, std::string(i, ' '), "a:\n");
  absl::StrAppend(&text, std::string(101, ' '), "b\n");
  const Read read = ReadAll(text);
  EXPECT_EQ(read.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(read.status.message(), "nesting deeper than 100 levels");
  EXPECT_EQ(read.at, "101:101");
  text.clear();
  for (int i = 0; i < 100; ++i) absl::StrAppend(&text, std::string(i, ' '), "a:\n");
  EXPECT_TRUE(ReadAll(text).status.ok());  // 99 mappings and a null
}

TEST(YamlStream, AMillionOpeningBracketsStopQuickly) {
  const absl::Time start = absl::Now();
  const Read read = ReadAll(std::string(1000000, '['));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ(read.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(read.status.message(), "nesting deeper than 100 levels");
}

TEST(YamlStream, NestingThroughAliasesCounts) {
  // Forty lists deep, named inside forty lists, named inside forty more.
  const std::string forty_open(40, '['), forty_close(40, ']');
  const std::string text = absl::StrCat("a: &a ", forty_open, forty_close, "\n", "b: &b ",
                                        forty_open, "*a", forty_close, "\n", "c: ",
                                        forty_open, "*b", forty_close, "\n");
  const Read read = ReadAll(text);
  EXPECT_EQ(read.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(read.status.message(), "nesting deeper than 100 levels once YAML aliases are expanded");
  EXPECT_EQ(read.at, "3:44");
}

}  // namespace
}  // namespace ferry::manifest
