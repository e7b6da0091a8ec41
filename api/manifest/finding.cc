#include "api/manifest/finding.h"

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"

namespace ferry::manifest {

std::string EscapeControl(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      absl::StrAppend(&out, "\\x", absl::Hex(u, absl::kZeroPad2));
    }
  }
  return out;
}

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
  return EscapeControl(out);
}

bool HasErrors(const std::vector<Finding>& findings) {
  return absl::c_any_of(findings, [](const Finding& f) {
    return f.severity == Severity::kError;
  });
}

}  // namespace ferry::manifest
