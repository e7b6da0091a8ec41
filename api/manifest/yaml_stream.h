// YamlStream: the documents of a YAML (or JSON) text, one at a time, each
// bounded before anyone walks it.
//
// yaml-cpp's own YAML::LoadAll is not used: in Debian's 0.7.0 a stray ',' (or
// `--- ,`) makes it return the same empty document forever, growing without
// bound (fixed upstream in 2024). This stream drives yaml-cpp's parser itself
// and stops when a document starts where the previous one did. It also holds
// one document at a time (12 MB of `---` is 3 million documents), and limits
// what a text may stand for once aliases are expanded: a few hundred bytes of
// nested aliases otherwise name billions of values.
//
//   YamlStream stream(text);
//   YamlDocument doc;
//   for (;;) {
//     absl::StatusOr<bool> more = stream.Next(&doc);
//     if (!more.ok()) ...;  // stream.error_mark() says where
//     if (!*more) break;
//     ... doc.root() ...
//   }
#ifndef FERRY_API_MANIFEST_YAML_STREAM_H_
#define FERRY_API_MANIFEST_YAML_STREAM_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/manifest/yaml_node.h"
#include "yaml-cpp/mark.h"

namespace ferry::manifest {

struct YamlLimits {
  // Nodes the whole text may stand for once aliases are expanded, field names
  // (scalar keys) aside; every document counts at least one (an empty one is
  // a null node). yaml-cpp reads a whole flow collection ([...] or {...}, as
  // JSON is written) before it reports any of it, so a flow collection may
  // hold at most 4 brackets, commas and colons per value left (JSON has ~2.6).
  int64_t max_values = 500000;
  // Bytes of scalar text the whole text may stand for once aliases are
  // expanded, or the text's own size if that is more: without aliases a text
  // never stands for more than it holds.
  int64_t max_bytes = int64_t{64} << 20;
  // Mappings and lists inside each other, through aliases too.
  int max_depth = 100;
};

class YamlStream {
 public:
  // `text` must outlive the stream.
  explicit YamlStream(absl::string_view text, YamlLimits limits = {});
  ~YamlStream();

  // Reads the next document into `doc`; false at the end of the text. Errors
  // have no position in their message; error_mark() has it:
  //   InvalidArgument    not YAML or JSON, or the parser stopped advancing;
  //   FailedPrecondition nesting deeper than max_depth;
  //   ResourceExhausted  past max_values or max_bytes, aliases expanded.
  // After an error the stream is done: Next keeps returning the same error.
  absl::StatusOr<bool> Next(YamlDocument* doc);

  // Where the last error was found (line and column from 0), and for limits
  // the keys and indexes down to there ("items[3].spec.volumes"), if known.
  const YAML::Mark& error_mark() const { return error_mark_; }
  const std::string& error_path() const { return error_path_; }

 private:
  class Parser;

  absl::string_view text_;
  YamlLimits limits_;
  std::unique_ptr<Parser> parser_;
  int64_t values_ = 0;  // spent by the documents read so far
  int64_t bytes_ = 0;
  int64_t last_start_ = -1;  // where the previous document started
  absl::Status error_;
  YAML::Mark error_mark_ = YAML::Mark::null_mark();
  std::string error_path_;
};

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_YAML_STREAM_H_
