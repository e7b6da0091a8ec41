#include "api/manifest/json_document.h"

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "nlohmann/json.hpp"

namespace ferry::manifest {

// nlohmann's SAX events into YamlNodes, charged as YamlTreeBuilder charges
// them (a node one value unless it is a map's key; a scalar its bytes,
// keys included). Any limit passed stops the parse: the caller falls back.
class JsonTreeBuilder {
 public:
  using json = nlohmann::json;

  JsonTreeBuilder(const YamlLimits& limits, YamlDocument* doc)
      : limits_(limits), doc_(doc), open_(doc) {}

  bool null() { return Leaf(YamlNode::Type::kNull, "", ""); }
  bool boolean(bool value) { return Leaf(YamlNode::Type::kScalar, "?", value ? "true" : "false"); }
  bool number_integer(json::number_integer_t value) {
    return Leaf(YamlNode::Type::kScalar, "?", std::to_string(value));
  }
  bool number_unsigned(json::number_unsigned_t value) {
    return Leaf(YamlNode::Type::kScalar, "?", std::to_string(value));
  }
  // `text` is the number as written: YAML keeps it so (1.0, 1e5).
  bool number_float(json::number_float_t, const json::string_t& text) {
    return Leaf(YamlNode::Type::kScalar, "?", text);
  }
  bool string(json::string_t& value) { return Leaf(YamlNode::Type::kScalar, "!", value); }
  bool binary(json::binary_t&) { return false; }  // not in JSON text
  bool key(json::string_t& value) { return Leaf(YamlNode::Type::kScalar, "!", value); }
  bool start_object(std::size_t) { return Open(YamlNode::Type::kMap); }
  bool end_object() { return Close(); }
  bool start_array(std::size_t) { return Open(YamlNode::Type::kSequence); }
  bool end_array() { return Close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

  // A whole document was read.
  bool done() const { return open_.size() == 0 && doc_->root_ != nullptr; }

 private:
  YamlNode* NewNode(YamlNode::Type type, const char* tag) {
    const bool leaf = type == YamlNode::Type::kScalar || type == YamlNode::Type::kNull;
    if (!(leaf && open_.NextIsKey())) ++values_;
    YamlNode& node = doc_->nodes_.emplace_back();
    node.type_ = type;
    node.mark_ = YAML::Mark::null_mark();
    node.tag_ = tag;
    return &node;
  }

  bool Leaf(YamlNode::Type type, const char* tag, std::string text) {
    YamlNode* node = NewNode(type, tag);
    node->expanded_bytes_ = static_cast<int64_t>(text.size());
    node->scalar_ = std::move(text);
    bytes_ += node->expanded_bytes_;
    if (!WithinLimits()) return false;
    node->complete_ = true;
    open_.Attach(node);
    return true;
  }

  bool Open(YamlNode::Type type) {
    if (open_.size() == 0 && doc_->root_ == nullptr && type != YamlNode::Type::kMap) return false;
    if (static_cast<int>(open_.size()) + 1 > limits_.max_depth) return false;
    YamlNode* node = NewNode(type, "?");
    if (!WithinLimits()) return false;
    open_.Push(node, values_ - 1, bytes_);
    return true;
  }

  bool Close() {
    open_.Close(values_, bytes_);
    return true;
  }

  bool WithinLimits() const { return values_ <= limits_.max_values && bytes_ <= limits_.max_bytes; }

  const YamlLimits& limits_;
  YamlDocument* doc_;
  OpenNodes open_;
  int64_t values_ = 0;
  int64_t bytes_ = 0;
};

std::optional<YamlDocument> ReadJsonDocument(absl::string_view text, const YamlLimits& limits) {
  const absl::string_view body = absl::StripLeadingAsciiWhitespace(text);
  if (body.empty() || body.front() != '{') return std::nullopt;
  YamlDocument doc;
  JsonTreeBuilder builder(limits, &doc);
  // Strict: the object must be all there is, whitespace aside.
  const bool read = nlohmann::json::sax_parse(body.begin(), body.end(), &builder,
                                              nlohmann::json::input_format_t::json, true);
  if (!read || !builder.done()) return std::nullopt;
  return doc;
}

}  // namespace ferry::manifest
