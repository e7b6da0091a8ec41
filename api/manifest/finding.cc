#include "api/manifest/finding.h"

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"

namespace ferry::manifest {

std::string FormatFinding(const Finding& finding) {
  std::string out = finding.location.file;
  if (finding.location.line > 0) {
    absl::StrAppend(&out, ":", finding.location.line);
    if (finding.location.column > 0) {
      absl::StrAppend(&out, ":", finding.location.column);
    }
  }
  absl::StrAppend(&out, out.empty() ? "" : ": ",
                  finding.severity == Severity::kError ? "error" : "warning",
                  ": ");
  if (!finding.path.empty()) absl::StrAppend(&out, finding.path, ": ");
  absl::StrAppend(&out, finding.message);
  return out;
}

bool HasErrors(const std::vector<Finding>& findings) {
  return absl::c_any_of(findings, [](const Finding& f) {
    return f.severity == Severity::kError;
  });
}

}  // namespace ferry::manifest
