// Finding: one problem found in a manifest, located by file, line and field path.
//
// Everything that reads or checks manifests reports through this type, so the
// CLI prints every problem the same way:
//
//   examples/bad.yaml:7:9: error: spec.vmiName: required
#ifndef FERRY_API_MANIFEST_FINDING_H_
#define FERRY_API_MANIFEST_FINDING_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace ferry::manifest {

enum class Severity { kError, kWarning };

// Where something stands in a manifest file. Lines and columns count from 1;
// 0 means unknown.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
};

struct Finding {
  Severity severity = Severity::kError;
  Location location;
  std::string path;  // Kubernetes field path: spec.volumes[0].name; "" for the document
  std::string message;
};

// "file:line:col: error: path: message" (parts that are unknown are left out),
// always one line: control characters from the input are escaped (\n, \x1b).
std::string FormatFinding(const Finding& finding);

// `text` with control characters escaped C-style, so that no value taken
// from a manifest can break or forge an output line.
std::string EscapeControl(absl::string_view text);

bool HasErrors(const std::vector<Finding>& findings);

}  // namespace ferry::manifest

#endif  // FERRY_API_MANIFEST_FINDING_H_
