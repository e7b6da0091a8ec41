// Decoder: a parsed YAML/JSON tree (YamlNode) into a protobuf message, by the
// message's descriptor, reporting every problem as a Finding with file, line,
// column and Kubernetes field path.
//
// Why not protobuf's JSON parser: it stops at the first error, names neither
// line nor field path, reads no YAML, and cannot tell the two unknown-field
// policies apart (Kubernetes drops unknown fields with a warning; Ferry refuses
// them inside messages marked `(ferry.api.strict_fields)`). Names, types and
// presence still come from protobuf's descriptors and reflection.
//
// The tree comes from YamlStream, which bounds it: every walk of it visits at
// most YamlLimits::max_values nodes (aliases expanded) and nests at most
// max_depth deep, so decoding needs no budget of its own.
//
//   std::vector<Finding> findings;
//   Decoder decoder("vm.yaml", {}, &findings, &source_map);
//   decoder.Decode(doc.root(), &vm);
#ifndef FERRY_API_MANIFEST_DECODER_H_
#define FERRY_API_MANIFEST_DECODER_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "api/manifest/finding.h"
#include "google/protobuf/message.h"
#include "api/manifest/yaml_node.h"
#include "yaml-cpp/mark.h"

namespace ferry::manifest {

// Which spelling of field names a document uses.
enum class FieldNames {
  kJson,   // protobuf's json_name: Kubernetes' lowerCamelCase
  kProto,  // the .proto field name: oVirt's snake_case
};

struct DecodeOptions {
  FieldNames names = FieldNames::kJson;
  // Unknown fields are errors everywhere, not only in strict_fields messages.
  bool strict = false;
  // Reading what a server wrote (the Kubernetes adapter): unknown fields are
  // ignored everywhere, in strict_fields messages too. A newer KubeVirt's
  // own spec fields must not make a migration unreadable; the strictness is
  // for what a user writes.
  bool lenient = false;
};

// Field path -> where its key stands. Looked up, never iterated.
using SourceMap = absl::flat_hash_map<std::string, Location>;

class Decoder {
 public:
  // `findings` receives every problem; `source_map` (may be null) receives the
  // location of every field that was set.
  Decoder(absl::string_view file, DecodeOptions options,
          std::vector<Finding>* findings, SourceMap* source_map);

  // Merges `node` into `message`. `path` prefixes reported field paths.
  void Decode(const YamlNode& node, google::protobuf::Message* message,
              absl::string_view path = "");

 private:
  void DecodeMessage(const YamlNode& node, google::protobuf::Message* message,
                     const std::string& path, bool strict);
  void DecodeField(const YamlNode& value, const YAML::Mark& key_mark,
                   google::protobuf::Message* message,
                   const google::protobuf::FieldDescriptor* field,
                   const std::string& path, bool strict);
  void DecodeMap(const YamlNode& value, google::protobuf::Message* message,
                 const google::protobuf::FieldDescriptor* field,
                 const std::string& path, bool strict);
  // Sets (or, for repeated fields, adds) one scalar value.
  void DecodeScalar(const YamlNode& node, const YAML::Mark& fallback,
                    google::protobuf::Message* message,
                    const google::protobuf::FieldDescriptor* field,
                    bool accepts_number, const std::string& path);
  void ReportUnknownField(const YAML::Mark& mark, const std::string& path,
                          const google::protobuf::Descriptor* descriptor,
                          absl::string_view name, bool strict);
  void Report(Severity severity, const YAML::Mark& mark, const std::string& path,
              std::string message);
  absl::string_view FieldName(const google::protobuf::FieldDescriptor* field) const;
  const google::protobuf::FieldDescriptor* FindField(
      const google::protobuf::Descriptor* descriptor, absl::string_view name) const;

  std::string file_;
  DecodeOptions options_;
  std::vector<Finding>* findings_;
  SourceMap* source_map_;
};

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_DECODER_H_
