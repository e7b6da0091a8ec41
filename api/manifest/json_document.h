// ReadJsonDocument: a text that is exactly one JSON object, read with
// nlohmann's SAX parser into the YamlNode tree YamlStream builds from the
// same text (YAML 1.2 reads JSON as written: strings quoted, numbers,
// true, false plain, null a null node), for the API's JSON traffic:
// reading them with yaml-cpp instead took about 40% of the CPU of both ends
// of a 100-VM LUN plan over HTTPS (bin/bench-lun-plan: 44 and 54 CPU
// seconds before, 25 and 33 after).
//
// Its nodes have no position (a null mark: a finding names the field
// path, as kube-apiserver's errors do, not a line). nullopt when the text
// is not one JSON object, has anything after it, or passes a limit: the
// caller reads it with YamlStream instead, which says what is wrong and
// where, as before.
//
//   std::optional<YamlDocument> doc = ReadJsonDocument(body);
//   if (!doc.has_value()) ... YamlStream(body).Next(&yaml) ...
#ifndef FERRY_API_MANIFEST_JSON_DOCUMENT_H_
#define FERRY_API_MANIFEST_JSON_DOCUMENT_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "api/manifest/yaml_node.h"
#include "api/manifest/yaml_stream.h"

namespace ferry::manifest {

std::optional<YamlDocument> ReadJsonDocument(absl::string_view text, const YamlLimits& limits = {});

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_JSON_DOCUMENT_H_
