#include "cmd/ferry/convert.h"

#include "api/manifest/encoder.h"
#include "api/manifest/reader.h"

namespace ferry::cli {

int RunConvert(const std::vector<std::string>& files, OutputFormat format,
               std::ostream& out, std::ostream& err, const ReadLimits& limits) {
  std::vector<manifest::ManifestSet> sets;
  bool unreadable = false, invalid = false;
  for (const std::string& file : files) {
    absl::StatusOr<manifest::ManifestSet> set = manifest::ReadManifestFile(file, limits);
    if (!set.ok()) {
      err << set.status().message() << "\n";
      unreadable = true;
      continue;
    }
    for (const manifest::Finding& f : set->findings) {
      err << manifest::FormatFinding(f) << "\n";
      invalid = true;
    }
    for (const manifest::Object& o : set->objects) {
      for (const manifest::Finding& f : o.findings) {
        err << manifest::FormatFinding(f) << "\n";
        invalid = invalid || f.severity == manifest::Severity::kError;
      }
    }
    sets.push_back(*std::move(set));
  }
  if (unreadable) return 2;
  if (invalid) {
    err << "ferry convert: nothing written; fix the errors above (ferry lint -f FILE "
           "shows every problem)\n";
    return 1;
  }
  std::vector<const manifest::Object*> objects;
  for (const auto& set : sets) {
    for (const auto& o : set.objects) objects.push_back(&o);
  }
  if (format == OutputFormat::kJson) {
    if (objects.size() == 1) {
      out << manifest::ToJson(*objects[0]->message);
    } else {
      nlohmann::ordered_json list = {{"apiVersion", "v1"},
                                     {"kind", "List"},
                                     {"items", nlohmann::ordered_json::array()}};
      for (const auto* o : objects) list["items"].push_back(manifest::Encode(*o->message));
      out << list.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
          << "\n";
    }
    return 0;
  }
  for (size_t i = 0; i < objects.size(); ++i) {
    if (i > 0) out << "---\n";
    out << manifest::ToYaml(*objects[i]->message);
  }
  return 0;
}

}  // namespace ferry::cli
