#include "cmd/ferry/find_scenarios.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;

// Why `path`, a symbolic link, leads to no file: its target does not exist
// (`target` is not_found), or it cannot be followed (a loop: `ec`).
std::string BrokenLink(const fs::path& path, const fs::file_status& target,
                       const std::error_code& ec) {
  if (target.type() != fs::file_type::not_found) {
    return absl::StrCat(path.string(), ": a symbolic link that cannot be followed (", ec.message(),
                        ")");
  }
  std::error_code ignored;
  return absl::StrCat(path.string(), ": a symbolic link to nothing (",
                      fs::read_symlink(path, ignored).string(), " does not exist)");
}

// Every *.textproto under `dir`, and an entry per error met.
void Walk(const fs::path& dir, std::vector<FoundScenario>* found) {
  std::error_code ec;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(it->path());
  }
  if (ec) {
    found->push_back({dir.string(),
                      absl::StrCat(dir.string(), ": cannot read the folder (", ec.message(), ")")});
  }
  for (const fs::path& entry : entries) {
    const bool scenario = entry.extension() == ".textproto";
    std::error_code lec;
    const fs::file_status own = fs::symlink_status(entry, lec);
    if (lec) {
      if (scenario) {
        found->push_back(
            {entry.string(), absl::StrCat(entry.string(), ": cannot read (", lec.message(), ")")});
      }
      continue;
    }
    if (fs::is_directory(own)) {
      Walk(entry, found);
      continue;
    }
    if (!scenario) continue;
    if (fs::is_symlink(own)) {
      std::error_code sec;
      const fs::file_status target = fs::status(entry, sec);
      if (sec || !fs::exists(target)) {
        found->push_back({entry.string(), BrokenLink(entry, target, sec)});
        continue;
      }
      if (fs::is_directory(target)) continue;  // a folder named *.textproto: not followed
    }
    found->push_back({entry.string(), ""});
  }
}

}  // namespace

std::vector<FoundScenario> FindScenarios(const std::string& path) {
  std::error_code ec;
  const fs::file_status own = fs::symlink_status(path, ec);
  if (own.type() == fs::file_type::not_found) return {{path, path + ": no such file or folder"}};
  if (ec) return {{path, absl::StrCat(path, ": ", ec.message())}};
  const fs::file_status target = fs::is_symlink(own) ? fs::status(path, ec) : own;
  if (ec || !fs::exists(target)) return {{path, BrokenLink(path, target, ec)}};
  if (!fs::is_directory(target)) return {{path, ""}};  // a file: loading it says what is wrong
  std::vector<FoundScenario> found;
  Walk(path, &found);
  std::sort(found.begin(), found.end(),
            [](const FoundScenario& a, const FoundScenario& b) { return a.path < b.path; });
  return found;
}

}  // namespace ferry::cli
