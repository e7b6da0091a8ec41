#include "cmd/ferry/lint.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "api/manifest/reader.h"
#include "api/validation/validate.h"

namespace ferry::cli {
namespace {

using manifest::Finding;
using manifest::Object;
using manifest::Severity;

bool ByLine(const Finding& a, const Finding& b) {
  return std::tie(a.location.line, a.location.column) <
         std::tie(b.location.line, b.location.column);
}

}  // namespace

int RunLint(const std::vector<std::string>& files, std::ostream& out, std::ostream& err,
            const ReadLimits& limits) {
  std::vector<manifest::ManifestSet> sets;
  bool unreadable = false;
  for (const std::string& file : files) {
    absl::StatusOr<manifest::ManifestSet> set = manifest::ReadManifestFile(file, limits);
    if (!set.ok()) {
      out << manifest::EscapeControl(set.status().message()) << "\n";
      unreadable = true;
      continue;
    }
    sets.push_back(*std::move(set));
  }

  std::vector<const Object*> all;
  for (const manifest::ManifestSet& set : sets) {
    for (const Object& o : set.objects) all.push_back(&o);
  }
  const std::vector<std::vector<Finding>> cross = validation::ValidateSet(all);

  int objects = 0, errors = 0, warnings = 0;
  auto count = [&](const std::vector<Finding>& findings) {
    for (const Finding& f : findings) {
      (f.severity == Severity::kError ? errors : warnings) += 1;
    }
  };
  for (const manifest::ManifestSet& set : sets) {
    // Document-level findings (no object) and objects, in file order.
    std::vector<Finding> orphans = set.findings;
    std::stable_sort(orphans.begin(), orphans.end(), ByLine);
    size_t next_orphan = 0;
    for (const Object& o : set.objects) {
      while (next_orphan < orphans.size() &&
             orphans[next_orphan].location.line < o.location.line) {
        out << manifest::FormatFinding(orphans[next_orphan++]) << "\n";
      }
      std::vector<Finding> findings = o.findings;
      const std::vector<Finding> semantic = validation::ValidateObject(o);
      findings.insert(findings.end(), semantic.begin(), semantic.end());
      // `all` and this loop visit objects in the same order.
      const std::vector<Finding>& related = cross[objects];
      findings.insert(findings.end(), related.begin(), related.end());
      std::stable_sort(findings.begin(), findings.end(), ByLine);
      ++objects;
      out << manifest::EscapeControl(o.location.file) << ":" << o.location.line << ": "
          << o.Describe() << ": "
          << (findings.empty() ? "ok"
                               : absl::StrCat(findings.size(), findings.size() == 1
                                                                   ? " finding"
                                                                   : " findings"))
          << "\n";
      for (const Finding& f : findings) out << manifest::FormatFinding(f) << "\n";
      count(findings);
    }
    for (; next_orphan < orphans.size(); ++next_orphan) {
      out << manifest::FormatFinding(orphans[next_orphan]) << "\n";
    }
    count(orphans);
  }
  err << "ferry lint: " << objects << (objects == 1 ? " object" : " objects") << " in "
      << files.size() << (files.size() == 1 ? " file" : " files") << ", " << errors
      << (errors == 1 ? " error" : " errors") << ", " << warnings
      << (warnings == 1 ? " warning" : " warnings")
      << (unreadable ? ", some input unreadable" : "") << "\n";
  if (unreadable) return 2;
  return errors + warnings > 0 ? 1 : 0;
}

}  // namespace ferry::cli
