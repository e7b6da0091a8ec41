#include "sim/scenario_files.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace ferry::sim {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kAllowFlag = "--allow-outside DIR";

// `path` absolute, symlinks resolved as far as it exists; lexically
// normalised (no symlinks resolved) when even that fails.
fs::path Real(const fs::path& path, std::error_code& ec) {
  const fs::path absolute = fs::absolute(path, ec);
  if (ec) return path.lexically_normal();
  fs::path real = fs::weakly_canonical(absolute, ec);
  return ec ? absolute.lexically_normal() : real;
}

// Both canonical: every component of `dir` begins `path`.
bool Inside(const fs::path& path, const fs::path& dir) {
  return std::mismatch(dir.begin(), dir.end(), path.begin(), path.end()).first == dir.end();
}

}  // namespace

ScenarioFiles ScenarioFiles::For(const std::string& scenario_path,
                                 const ScenarioFileOptions& options) {
  ScenarioFiles files;
  const size_t slash = scenario_path.rfind('/');
  // One assignment of a whole string: assigning "/" after the substr made
  // GCC 12 at -O2 warn of an impossible overlapping memcpy (-Wrestrict).
  files.directory_ = slash == std::string::npos ? std::string(".")
                     : slash == 0               ? std::string("/")
                                                : scenario_path.substr(0, slash);
  std::error_code ec;
  const fs::path folder = Real(scenario_path, ec).parent_path();
  files.root_ = folder.string();
  for (fs::path p = folder; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / "WORKSPACE", ec)) {
      files.root_ = p.string();
      files.root_has_workspace_ = true;
      break;
    }
    if (p == p.root_path()) break;
  }
  for (const std::string& dir : options.allow_outside) {
    files.allowed_.push_back(Real(dir, ec).string());
  }
  files.limits_ = {.max_bytes = options.max_input_bytes, .raise_with = "--max-input-size"};
  return files;
}

absl::StatusOr<std::string> ScenarioFiles::Resolve(absl::string_view field,
                                                   const std::string& name) const {
  auto refuse = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": \"", name, "\" ", why));
  };
  if (root_.empty()) return refuse("names a file, but this scenario has no file to be relative to");
  if (name.empty()) return refuse("is empty: name a file relative to the scenario");
  const bool absolute = fs::path(name).is_absolute();
  const std::string path = absolute ? name : absl::StrCat(directory_, "/", name);
  std::error_code ec;
  const fs::path real = Real(path, ec);
  if (ec) return refuse(absl::StrCat("cannot be resolved: ", ec.message()));
  for (const std::string& dir : allowed_) {
    if (Inside(real, dir)) return path;
  }
  if (absolute) {
    return refuse(
        absl::StrCat("is an absolute path; name the file relative to the scenario (inside ", root_,
                     "), or allow its folder with ", kAllowFlag));
  }
  if (Inside(real, root_)) return path;
  return refuse(absl::StrCat(
      "resolves to ", real.string(), ", outside the scenario's tree ", root_,
      root_has_workspace_ ? " (the nearest folder above the scenario with a WORKSPACE file)"
                          : " (the scenario's own folder: no folder above it has a WORKSPACE file)",
      "; name a file inside it, or allow its folder with ", kAllowFlag));
}

absl::StatusOr<std::string> ScenarioFiles::Read(absl::string_view field,
                                                const std::string& name) const {
  ASSIGN_OR_RETURN(const std::string path, Resolve(field, name));
  absl::StatusOr<std::string> text = ReadFileBounded(path, limits_);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat(field, ": ", text.status().message()));
  }
  return text;
}

}  // namespace ferry::sim
