// Encoder: a protobuf message back to the real API's JSON or YAML.
//
// Fields come out in .proto declaration order (apiVersion, kind, metadata,
// spec, status, and within each the order of the .proto), map keys sorted,
// unset and default-valued fields left out (Kubernetes' omitempty). Integers stay numbers (protobuf's JSON printer
// would quote int64 values, which Kubernetes refuses); strings that YAML would
// read as something else ("123", "yes", "") are quoted, and anything YAML
// cannot carry literally (control characters, NUL, U+2028...) is written
// double-quoted and escaped (yaml_writer.h): what is written reads back the
// same (round_trip.h checks it).
//
//   std::string yaml = ToYaml(vm);
//   std::string json = ToJson(vm);
#ifndef FERRY_API_MANIFEST_ENCODER_H_
#define FERRY_API_MANIFEST_ENCODER_H_

#include <string>

#include "absl/types/span.h"
#include "api/manifest/decoder.h"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"

namespace ferry::manifest {

// The message as an ordered JSON tree.
nlohmann::ordered_json Encode(const google::protobuf::Message& message,
                              FieldNames names = FieldNames::kJson);

// Pretty JSON (two-space indent), ending in a newline.
std::string ToJson(const google::protobuf::Message& message,
                   FieldNames names = FieldNames::kJson);

// One YAML document, ending in a newline, without a leading "---".
std::string ToYaml(const google::protobuf::Message& message);

// A JSON tree as one YAML document.
std::string JsonToYaml(const nlohmann::ordered_json& tree);

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_ENCODER_H_
