// Writing a JSON tree as block YAML that reads back to the same tree, with
// yaml-cpp (Ferry's reader) and with go-yaml (kubectl's).
//
// Why not yaml-cpp's emitter: in Debian's 0.7.0 it writes NUL, BEL and other
// control characters raw into literal blocks (and Ferry took its output with
// c_str(), which cut it at the first NUL), writes DEL and U+2028/U+2029 (line
// breaks to YAML 1.1) raw inside double quotes, and turns noncharacters
// (U+FFFE, U+FDD0...) into U+FFFD inside double quotes; and it offers no way
// to hand it a scalar already escaped. The layout below is the one it produced (two-space indents, block
// lists under their key), so files written before read the same.
//
// Strings are written plain when YAML reads them back as that same string,
// as a literal block (|) when they are lines of printable text ending in one
// newline, and double-quoted with escapes otherwise: double quotes can carry
// every Unicode scalar value.
//
//   std::string text = WriteYaml(nlohmann::ordered_json{{"a", "x\ty"}});  // a: "x\ty"
#ifndef FERRY_API_MANIFEST_YAML_WRITER_H_
#define FERRY_API_MANIFEST_YAML_WRITER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace ferry::manifest {

// One YAML document, ending in a newline, without a leading "---".
std::string WriteYaml(const nlohmann::ordered_json& tree);

// `text` as a double-quoted YAML scalar, quotes included. Bytes that are not
// UTF-8 (possible only in a message built in code: the reader refuses them)
// are written as U+FFFD, as the JSON writer does.
std::string DoubleQuoted(absl::string_view text);

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_YAML_WRITER_H_
