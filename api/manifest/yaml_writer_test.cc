#include "api/manifest/yaml_writer.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::manifest {
namespace {

using Json = nlohmann::ordered_json;

TEST(WriteYaml, KeepsTheLayoutOfBlockYaml) {
  const Json tree = Json::parse(R"({
    "a": "x", "m": {"k": "v", "e": {}}, "z": null, "b": true, "i": 12, "f": 0.5,
    "s": ["i1", {"x": 1, "v": ["z"], "w": {"q": "r"}}, ["n1", "n2"], [], {}, null]
  })");
  EXPECT_EQ(WriteYaml(tree),
            "a: x\n"
            "m:\n"
            "  k: v\n"
            "  e: {}\n"
            "z: ~\n"
            "b: true\n"
            "i: 12\n"
            "f: 0.5\n"
            "s:\n"
            "  - i1\n"
            "  - x: 1\n"
            "    v:\n"
            "      - z\n"
            "    w:\n"
            "      q: r\n"
            "  -\n"
            "    - n1\n"
            "    - n2\n"
            "  - []\n"
            "  - {}\n"
            "  - ~\n");
}

TEST(WriteYaml, WritesLinesOfTextAsALiteralBlock) {
  const Json tree = {{"a", {{"k", "#cloud-config\nusers: []\n\nend\n"}}}, {"l", {"x\ty\n"}}};
  EXPECT_EQ(WriteYaml(tree),
            "a:\n"
            "  k: |\n"
            "    #cloud-config\n"
            "    users: []\n"
            "\n"
            "    end\n"
            "l:\n"
            "  - |\n"
            "    x\ty\n");
}

TEST(WriteYaml, QuotesWhatWouldReadAsSomethingElse) {
  const Json tree = {{"yes", "no"}, {"num", "123"}, {"e", ""}, {"d", "- x"}, {"c", "a: b"},
                     {"h", "a #b"}, {"m", "---"}, {"t", "x "}, {"ok", "a-b_c.d/e:f"}};
  EXPECT_EQ(WriteYaml(tree),
            "\"yes\": \"no\"\n"
            "num: \"123\"\n"
            "e: \"\"\n"
            "d: \"- x\"\n"
            "c: \"a: b\"\n"
            "h: \"a #b\"\n"
            "m: \"---\"\n"
            "t: \"x \"\n"
            "ok: a-b_c.d/e:f\n");
}

TEST(WriteYaml, WritesAKeyTooLongForASimpleKeyAsAnExplicitOne) {
  const std::string key(1001, 'k');
  EXPECT_EQ(WriteYaml(Json{{key, {{"a", 1}}}}), "? " + key + "\n:\n  a: 1\n");
}

struct Escape {
  std::string text;
  std::string quoted;
};

class DoubleQuotedEscapes : public testing::TestWithParam<Escape> {};

TEST_P(DoubleQuotedEscapes, EveryCharacterYamlCannotCarryRaw) {
  EXPECT_EQ(DoubleQuoted(GetParam().text), GetParam().quoted);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DoubleQuotedEscapes,
    testing::Values(Escape{std::string("a\0b", 3), R"("a\0b")"}, Escape{"\a\b\t\n\v\f\r\x1b",
                                                                         R"("\a\b\t\n\v\f\r\e")"},
                    Escape{"\x01\x1f\x7f", R"("\x01\x1f\x7f")"},
                    Escape{"\xc2\x80\xc2\x85\xc2\x9f", R"("\x80\x85\x9f")"},
                    Escape{"\xc2\xa0", "\"\xc2\xa0\""},
                    Escape{"\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf", R"("\u2028\u2029\ufeff")"},
                    Escape{"\xef\xbf\xbe\xef\xbf\xbf", R"("\ufffe\uffff")"},
                    Escape{"\xef\xb7\x90 caf\xc3\xa9 \xf0\x9f\x98\x80",
                           "\"\xef\xb7\x90 caf\xc3\xa9 \xf0\x9f\x98\x80\""},
                    Escape{"\"\\", R"("\"\\")"},
                    Escape{"bad \xff byte", "\"bad \xef\xbf\xbd byte\""}));

}  // namespace
}  // namespace ferry::manifest
