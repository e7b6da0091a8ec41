#include "api/manifest/yaml_stream.h"

#include <algorithm>
#include <istream>
#include <streambuf>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/manifest/utf8.h"
#include "yaml-cpp/depthguard.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/exceptions.h"
#include "yaml-cpp/parser.h"

namespace ferry::manifest {
namespace {

// Why the builder stopped a document; thrown through yaml-cpp's parser (which
// holds no state worth keeping afterwards) and caught in Next.
struct Stop {
  absl::StatusCode code;
  YAML::Mark mark;
  std::string message;
  std::string path = "";  // keys and indexes down to where it stopped, if known
};

// The text, handed to yaml-cpp a chunk at a time (no copy of a 64 MiB input;
// nothing is written through the const_cast), counting the flow indicators
// it reads ahead of the events it has sent.
//
// Why: yaml-cpp scans a whole flow collection ([...] or {...}, so a whole
// JSON document) before it sends the first event of it, because the
// collection might turn out to be a mapping key. Every token waits in memory
// meanwhile, up to ~230 bytes each ('[' by '['), so 64 MiB of brackets would
// take 15 GB before any limit on values could see them. Each token of a flow
// collection is, or sits next to, one of [ ] { } , : and a JSON document has
// about 2.6 of those per value, so more than 4 per value the stream may still
// read cannot be a document within its limits.
class ChunkedText : public std::streambuf {
 public:
  static constexpr size_t kChunk = 64 << 10;

  explicit ChunkedText(absl::string_view text) : text_(text) {
    // The first chunk is handed over now: yaml-cpp reads its first bytes
    // through std::istream, which would swallow an exception from underflow.
    Advance();
  }

  // Applies from now on to what is read ahead of the next event.
  void set_max_read_ahead(int64_t indicators) { max_read_ahead_ = indicators; }
  // The parser sent an event: what it had read is being consumed.
  void OnEvent() { read_ahead_ = 0; }

 protected:
  int_type underflow() override {
    if (gptr() == egptr()) {
      if (next_ >= text_.size()) return traits_type::eof();
      Advance();
      if (read_ahead_ > max_read_ahead_) {
        const auto [line, column] = PositionOf(text_, next_ - 1);
        YAML::Mark mark;
        mark.pos = static_cast<int>(next_ - 1);
        mark.line = line;
        mark.column = column;
        throw Stop{absl::StatusCode::kResourceExhausted, mark,
                   absl::StrCat("too large: a flow collection ([...] or {...}, as JSON is "
                                "written) with more than ",
                                max_read_ahead_,
                                " brackets, commas and colons, 4 for each value the file may "
                                "still hold; not read")};
      }
    }
    return traits_type::to_int_type(*gptr());
  }

 private:
  // Line and column from 0, as yaml-cpp counts them.
  static std::pair<int, int> PositionOf(absl::string_view text, size_t offset) {
    const absl::string_view before = text.substr(0, offset);
    const size_t newline = before.rfind('\n');
    const int line = static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    return {line, static_cast<int>(newline == absl::string_view::npos ? offset
                                                                       : offset - newline - 1)};
  }

  void Advance() {
    const absl::string_view chunk = text_.substr(next_, kChunk);
    for (char c : chunk) {
      if (c == '[' || c == ']' || c == '{' || c == '}' || c == ',' || c == ':') ++read_ahead_;
    }
    char* begin = const_cast<char*>(chunk.data());
    setg(begin, begin, begin + chunk.size());
    next_ += chunk.size();
  }

  absl::string_view text_;
  size_t next_ = 0;
  int64_t read_ahead_ = 0;
  int64_t max_read_ahead_ = INT64_MAX;
};

// yaml-cpp 0.7.0 reads the escapes \N and \_ as the single bytes 0x85 and 0xa0,
// not as U+0085 and U+00A0 in UTF-8. The text was checked to be UTF-8 before,
// so those are the only bytes of a scalar that can be out of place.
std::string RepairNelAndNbsp(std::string value) {
  if (!FindUtf8Error(value).has_value()) return value;
  std::string out;
  for (size_t i = 0; i < value.size();) {
    const int length = Utf8SequenceLength(absl::string_view(value).substr(i));
    if (length > 0) {
      out.append(value, i, length);
      i += length;
      continue;
    }
    const unsigned char byte = static_cast<unsigned char>(value[i++]);
    if (byte == 0x85 || byte == 0xa0) out.push_back('\xc2');
    out.push_back(static_cast<char>(byte));
  }
  return out;
}

std::string DescribeByte(absl::string_view text, int64_t offset) {
  if (offset < 0 || offset >= static_cast<int64_t>(text.size())) return "the end";
  const char c = text[offset];
  if (absl::ascii_isgraph(static_cast<unsigned char>(c))) return absl::StrCat("'", std::string(1, c), "'");
  return absl::StrFormat("byte 0x%02x", static_cast<unsigned char>(c));
}

}  // namespace

// Builds one document from yaml-cpp's parser events, charging every node
// against what the stream has left, aliases at their full expanded size.
class YamlTreeBuilder : public YAML::EventHandler {
 public:
  struct Budget {
    const YamlLimits& limits;
    int64_t values;  // left for this document
    int64_t bytes;
    int64_t previous_start;  // stream position where the last document began
  };

  YamlTreeBuilder(absl::string_view text, Budget budget, ChunkedText* input, YamlDocument* doc)
      : text_(text), budget_(budget), input_(input), doc_(doc), open_(doc) {}

  int64_t values() const { return values_; }
  int64_t bytes() const { return bytes_; }
  int64_t start() const { return start_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    input_->OnEvent();
    start_ = mark.pos;
    if (mark.pos == budget_.previous_start) {
      // The parser consumed nothing since the last document and would return
      // this one again forever (yaml-cpp 0.7.0 on a stray ',').
      const int64_t bom = text_.substr(0, 3) == "\xef\xbb\xbf" ? 3 : 0;
      throw Stop{absl::StatusCode::kInvalidArgument, mark,
                 absl::StrCat("not valid YAML or JSON: unexpected ",
                              DescribeByte(text_, mark.pos + bom),
                              " where a document or a value should start")};
    }
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    YamlNode* node = NewNode(YamlNode::Type::kNull, mark, "", anchor);
    Complete(node);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    YamlNode* node = NewNode(YamlNode::Type::kScalar, mark, tag, anchor);
    node->scalar_ = RepairNelAndNbsp(value);
    node->expanded_bytes_ = static_cast<int64_t>(value.size());
    Charge(0, node->expanded_bytes_, mark);
    Complete(node);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    input_->OnEvent();
    const YamlNode* target = anchor >= 1 && anchor <= anchors_.size() ? anchors_[anchor - 1] : nullptr;
    if (target == nullptr) {
      throw Stop{absl::StatusCode::kInvalidArgument, mark,
                 "not valid YAML or JSON: an alias names no anchor before it"};
    }
    if (!target->complete_) {
      // yaml-cpp would build a loop, and every walk of it would never end.
      throw Stop{absl::StatusCode::kInvalidArgument, mark,
                 absl::StrCat("an alias (*", anchor_names_[anchor - 1],
                              ") inside the node its anchor names: a YAML loop cannot be read")};
    }
    if (static_cast<int>(open_.size()) + target->expanded_depth_ > budget_.limits.max_depth) {
      throw Stop{absl::StatusCode::kFailedPrecondition, mark,
                 absl::StrCat("nesting deeper than ", budget_.limits.max_depth,
                              " levels once YAML aliases are expanded")};
    }
    const bool leaf = target->IsScalar() || target->IsNull();
    Charge(leaf && open_.NextIsKey() ? 0 : target->expanded_values_, target->expanded_bytes_,
           mark);
    open_.Attach(target);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(NewNode(YamlNode::Type::kSequence, mark, tag, anchor));
  }
  void OnSequenceEnd() override {
    input_->OnEvent();
    open_.Close(values_, bytes_);
  }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(NewNode(YamlNode::Type::kMap, mark, tag, anchor));
  }
  void OnMapEnd() override {
    input_->OnEvent();
    open_.Close(values_, bytes_);
  }

  void OnAnchor(const YAML::Mark&, const std::string& name) override { anchor_name_ = name; }

 private:
  // A node is charged one value when it is created, unless it is a scalar
  // key: a field name is not a value (its bytes still count).
  YamlNode* NewNode(YamlNode::Type type, const YAML::Mark& mark, const std::string& tag,
                    YAML::anchor_t anchor) {
    input_->OnEvent();
    const bool leaf = type == YamlNode::Type::kScalar || type == YamlNode::Type::kNull;
    Charge(leaf && open_.NextIsKey() ? 0 : 1, 0, mark);
    YamlNode& node = doc_->nodes_.emplace_back();
    node.type_ = type;
    node.mark_ = mark;
    node.tag_ = tag;
    if (anchor != YAML::NullAnchor) {
      // yaml-cpp numbers anchors 1, 2, ... in order within a document.
      if (anchors_.size() < anchor) {
        anchors_.resize(anchor, nullptr);
        anchor_names_.resize(anchor);
      }
      anchors_[anchor - 1] = &node;
      anchor_names_[anchor - 1] = std::move(anchor_name_);
      anchor_name_.clear();
    }
    return &node;
  }

  // The path of the node about to be attached, as the decoder names fields:
  // "spec.volumes[2].name" (a map field's keys come out with dots too). It
  // stops at a mapping key. Given where a limit on size is passed; not where
  // nesting is too deep, where it would be a hundred levels long.
  std::string Path() const {
    std::string path;
    for (const OpenNodes::Open& open : open_.all()) {
      if (open.node->IsSequence()) {
        absl::StrAppend(&path, "[", open.node->items_.size(), "]");
      } else if (open.key == nullptr) {
        break;
      } else {
        absl::StrAppend(&path, path.empty() ? "" : ".",
                        open.key->IsScalar() ? open.key->Scalar() : "?");
      }
    }
    return path;
  }

  void Charge(int64_t values, int64_t bytes, const YAML::Mark& mark) {
    values_ += values;
    bytes_ += bytes;
    if (values_ > budget_.values) {
      throw Stop{absl::StatusCode::kResourceExhausted, mark,
                 absl::StrCat("too large: more than ", budget_.limits.max_values,
                              " values once YAML aliases are expanded (the API server takes "
                              "at most 3 MiB per object); not read"),
                 Path()};
    }
    if (bytes_ > budget_.bytes) {
      throw Stop{absl::StatusCode::kResourceExhausted, mark,
                 absl::StrCat("too large: more than ", budget_.limits.max_bytes,
                              " bytes of text once YAML aliases are expanded (the API server "
                              "takes at most 3 MiB per object); not read"),
                 Path()};
    }
  }

  void Open(YamlNode* node) {
    if (static_cast<int>(open_.size()) + 1 > budget_.limits.max_depth) {
      throw Stop{absl::StatusCode::kFailedPrecondition, node->mark_,
                 absl::StrCat("nesting deeper than ", budget_.limits.max_depth, " levels")};
    }
    open_.Push(node, values_ - 1, bytes_);
  }

  void Complete(YamlNode* node) {
    node->complete_ = true;
    open_.Attach(node);
  }

  absl::string_view text_;
  Budget budget_;
  ChunkedText* input_;
  YamlDocument* doc_;
  OpenNodes open_;
  std::vector<const YamlNode*> anchors_;  // by anchor number - 1
  std::vector<std::string> anchor_names_;
  std::string anchor_name_;  // OnAnchor comes just before its node
  int64_t values_ = 0;
  int64_t bytes_ = 0;
  int64_t start_ = -1;
};

class YamlStream::Parser {
 public:
  explicit Parser(absl::string_view text) : buffer_(text), in_(&buffer_), parser_(in_) {}
  YAML::Parser& get() { return parser_; }
  ChunkedText& text() { return buffer_; }

 private:
  ChunkedText buffer_;
  std::istream in_;
  YAML::Parser parser_;
};

YamlStream::YamlStream(absl::string_view text, YamlLimits limits)
    : text_(text), limits_(limits), parser_(std::make_unique<Parser>(text)) {
  limits_.max_bytes = std::max<int64_t>(limits_.max_bytes, static_cast<int64_t>(text.size()));
}

YamlStream::~YamlStream() = default;

absl::StatusOr<bool> YamlStream::Next(YamlDocument* doc) {
  if (!error_.ok()) return error_;
  *doc = YamlDocument();
  const int64_t values_left = limits_.max_values - values_;
  parser_->text().set_max_read_ahead(4 * values_left);
  YamlTreeBuilder builder(text_, {limits_, values_left, limits_.max_bytes - bytes_, last_start_},
                          &parser_->text(), doc);
  auto fail = [&](absl::StatusCode code, const YAML::Mark& mark, std::string message,
                  std::string path = "") {
    *doc = YamlDocument();
    error_mark_ = mark;
    error_path_ = std::move(path);
    error_ = absl::Status(code, message);
    return error_;
  };
  try {
    if (!parser_->get().HandleNextDocument(builder)) return false;
  } catch (const Stop& stop) {
    return fail(stop.code, stop.mark, stop.message, stop.path);
  } catch (const YAML::DeepRecursion& e) {
    return fail(absl::StatusCode::kFailedPrecondition, e.mark,
                "nesting deeper than the YAML parser allows");
  } catch (const YAML::Exception& e) {
    return fail(absl::StatusCode::kInvalidArgument, e.mark,
                absl::StrCat("not valid YAML or JSON: ", e.msg));
  }
  values_ += builder.values();
  bytes_ += builder.bytes();
  last_start_ = builder.start();
  return true;
}

}  // namespace ferry::manifest
