#include "api/manifest/yaml_writer.h"

#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/manifest/utf8.h"
#include "api/manifest/yaml_scalar.h"

namespace ferry::manifest {
namespace {

using Json = nlohmann::ordered_json;

// YAML lets a simple (implicit) key be at most 1024 characters; a longer one
// is written as an explicit key ("? key").
constexpr size_t kMaxSimpleKey = 1000;

struct CodePoint {
  uint32_t value;
  int length;  // bytes; 0 when `text` does not start with well-formed UTF-8
};

CodePoint Decode(absl::string_view text) {
  const int length = Utf8SequenceLength(text);
  if (length == 0) return {0xfffd, 0};
  static constexpr uint8_t kLeadMask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
  uint32_t value = static_cast<uint8_t>(text[0]) & kLeadMask[length];
  for (int k = 1; k < length; ++k) value = (value << 6) | (static_cast<uint8_t>(text[k]) & 0x3f);
  return {value, length};
}

// Characters both readers take as they are anywhere: go-yaml's printable set
// less NEL, U+2028 and U+2029 (line breaks to YAML 1.1) and the byte order
// mark.
bool Printable(uint32_t c) {
  return (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff && c != 0x2028 && c != 0x2029) ||
         (c >= 0xe000 && c <= 0xfffd && c != 0xfeff) || (c >= 0x10000 && c <= 0x10ffff);
}

// Whether every character of `text` is Printable, or a tab or line feed
// where allowed.
bool AllPrintable(absl::string_view text, bool tabs_and_newlines) {
  for (size_t i = 0; i < text.size();) {
    const CodePoint c = Decode(text.substr(i));
    if (c.length == 0) return false;
    const bool allowed = Printable(c.value) || (tabs_and_newlines && (c.value == '\t' || c.value == '\n'));
    if (!allowed) return false;
    i += c.length;
  }
  return true;
}

// A plain scalar reads back as exactly `s` (block context, as key or value):
// a string by YAML 1.1's rules, printable, not starting with an indicator or
// a space, holding no ": " or " #", not ending in ':' or a space, and no
// document marker.
bool CanBePlain(absl::string_view s) {
  if (s.empty() || ResolvePlainScalar(s) != PlainScalar::kString) return false;
  if (!AllPrintable(s, false)) return false;
  if (absl::StrContains(" ,[]{}#&*!|>'\"%@`", s[0])) return false;
  if (absl::StrContains("-?:", s[0]) && (s.size() == 1 || s[1] == ' ')) return false;
  if (s.back() == ' ' || s.back() == ':') return false;
  if (absl::StrContains(s, ": ") || absl::StrContains(s, " #")) return false;
  if (s == "---" || s == "..." || absl::StartsWith(s, "--- ") || absl::StartsWith(s, "... ")) {
    return false;
  }
  return true;
}

// A literal block (|, clipped) reads back exactly only for printable lines
// (tabs inside them allowed) ending in exactly one newline, none of them
// starting with a space or tab (the first would be taken for indentation).
bool FitsLiteralBlock(absl::string_view s) {
  return s.size() >= 2 && s.back() == '\n' && s[s.size() - 2] != '\n' && s[0] != ' ' &&
         s[0] != '\t' && !absl::StrContains(s, "\n ") && !absl::StrContains(s, "\n\t") &&
         AllPrintable(s, true);
}

std::string Spaces(int n) { return std::string(n, ' '); }

// The lines of a literal block, each indented by `indent`; its "|" is
// already written.
void AppendLiteral(absl::string_view s, int indent, std::string* out) {
  out->append("|\n");
  size_t start = 0;
  while (start < s.size()) {
    const size_t end = s.find('\n', start);
    const absl::string_view line = s.substr(start, end - start);
    if (!line.empty()) absl::StrAppend(out, Spaces(indent), line);
    out->push_back('\n');
    start = end + 1;
  }
}

// A scalar or empty collection written on the line it starts; a literal
// block goes on the following lines at `indent`. Ends with a newline.
void AppendInline(const Json& j, int indent, std::string* out) {
  switch (j.type()) {
    case Json::value_t::object:
      out->append("{}\n");
      return;
    case Json::value_t::array:
      out->append("[]\n");
      return;
    case Json::value_t::string: {
      const std::string& s = j.get_ref<const std::string&>();
      if (CanBePlain(s)) {
        absl::StrAppend(out, s, "\n");
      } else if (FitsLiteralBlock(s)) {
        AppendLiteral(s, indent, out);
      } else {
        absl::StrAppend(out, DoubleQuoted(s), "\n");
      }
      return;
    }
    case Json::value_t::boolean:
      absl::StrAppend(out, j.get<bool>() ? "true" : "false", "\n");
      return;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      absl::StrAppend(out, j.dump(), "\n");  // JSON's number text is a plain YAML number
      return;
    case Json::value_t::null:
    case Json::value_t::binary:
    case Json::value_t::discarded:
      out->append("~\n");
      return;
  }
}

bool IsBlock(const Json& j) { return (j.is_object() || j.is_array()) && !j.empty(); }

void AppendItems(const Json& list, int indent, std::string* out);

// Entries at `indent`; the first one continues the current line when
// `first_inline` (a mapping that is a list item: "- key: value").
void AppendEntries(const Json& map, int indent, bool first_inline, std::string* out) {
  bool first = true;
  for (const auto& [key, value] : map.items()) {
    if (!(first && first_inline)) out->append(Spaces(indent));
    first = false;
    const std::string written = CanBePlain(key) ? key : DoubleQuoted(key);
    if (written.size() > kMaxSimpleKey) {
      absl::StrAppend(out, "? ", written, "\n", Spaces(indent), ":");
    } else {
      absl::StrAppend(out, written, ":");
    }
    if (IsBlock(value)) {
      out->push_back('\n');
      if (value.is_object()) {
        AppendEntries(value, indent + 2, false, out);
      } else {
        AppendItems(value, indent + 2, out);
      }
    } else {
      out->push_back(' ');
      AppendInline(value, indent + 2, out);
    }
  }
}

// Items at `indent`, each "- item"; a list in a list starts on the next line.
void AppendItems(const Json& list, int indent, std::string* out) {
  for (const Json& item : list) {
    absl::StrAppend(out, Spaces(indent), "-");
    if (item.is_object() && !item.empty()) {
      out->push_back(' ');
      AppendEntries(item, indent + 2, true, out);
    } else if (item.is_array() && !item.empty()) {
      out->push_back('\n');
      AppendItems(item, indent + 2, out);
    } else {
      out->push_back(' ');
      AppendInline(item, indent + 2, out);
    }
  }
}

}  // namespace

std::string DoubleQuoted(absl::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    const CodePoint c = Decode(text.substr(i));
    i += c.length == 0 ? 1 : c.length;
    switch (c.value) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case 0x00: out += "\\0"; continue;
      case 0x07: out += "\\a"; continue;
      case 0x08: out += "\\b"; continue;
      case '\t': out += "\\t"; continue;
      case '\n': out += "\\n"; continue;
      case 0x0b: out += "\\v"; continue;
      case 0x0c: out += "\\f"; continue;
      case '\r': out += "\\r"; continue;
      case 0x1b: out += "\\e"; continue;
      default: break;
    }
    if (c.value < 0x20 || (c.value >= 0x7f && c.value < 0xa0)) {
      absl::StrAppend(&out, absl::StrFormat("\\x%02x", c.value));
    } else if (!Printable(c.value)) {
      absl::StrAppend(&out, absl::StrFormat("\\u%04x", c.value));  // U+2028, U+FEFF, U+FFFE...
    } else if (c.length == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD for a byte that is not UTF-8
    } else {
      out.append(text.data() + i - c.length, c.length);
    }
  }
  out += "\"";
  return out;
}

std::string WriteYaml(const Json& tree) {
  std::string out;
  if (tree.is_object() && !tree.empty()) {
    AppendEntries(tree, 0, false, &out);
  } else if (tree.is_array() && !tree.empty()) {
    AppendItems(tree, 0, &out);
  } else {
    AppendInline(tree, 2, &out);
  }
  return out;
}

}  // namespace ferry::manifest
