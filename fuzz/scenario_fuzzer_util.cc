#include "fuzz/scenario_fuzzer_util.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <system_error>

#include "fuzz/check.h"

namespace ferry::fuzz {
namespace {

namespace fs = std::filesystem;

// Copies the regular files (symlinks followed, as in runfiles) under `from`
// whose extension is .yaml or .json into `to`, keeping relative paths.
void CopyManifests(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (!fs::is_directory(from, ec)) return;
  for (fs::recursive_directory_iterator it(from, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path ext = it->path().extension();
    if ((ext != ".yaml" && ext != ".json") || !it->is_regular_file(ec)) continue;
    const fs::path target = to / it->path().lexically_relative(from);
    fs::create_directories(target.parent_path(), ec);
    std::ifstream in(it->path(), std::ios::binary);
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
    FUZZ_CHECK(in && out, "cannot copy " << it->path() << " to " << target);
  }
  FUZZ_CHECK(!ec, "cannot list " << from << ": " << ec.message());
}

std::string MakeWorld() {
  const char* base = getenv("TEST_TMPDIR");
  std::string dir = std::string(base != nullptr ? base : "/tmp") + "/ferry-fuzz-XXXXXX";
  FUZZ_CHECK(mkdtemp(dir.data()) != nullptr, "cannot make a temporary folder under " << dir);
  const fs::path root = dir;
  CopyManifests("scenarios", root / "scenarios");
  CopyManifests("examples", root / "examples");
  for (const char* world : {"lun", "storage"}) {
    CopyManifests(fs::path("scenarios") / world, root / "scenarios" / "fuzz");
  }
  std::error_code ec;
  fs::create_directories(root / "scenarios" / "fuzz", ec);
  FUZZ_CHECK(!ec, "cannot make " << root / "scenarios" / "fuzz" << ": " << ec.message());
  // The copy's tree root (sim/scenario_files.h): without it the input's
  // own folder is the whole tree, and every scenario naming "../lun/..." or
  // "../../examples/..." is refused before it runs.
  std::ofstream workspace(root / "WORKSPACE");
  FUZZ_CHECK(workspace.good(), "cannot write " << root / "WORKSPACE");
  return (root / "scenarios" / "fuzz" / "input.textproto").string();
}

}  // namespace

std::string WriteScenarioInput(const uint8_t* data, size_t size) {
  static const std::string* const path = new std::string(MakeWorld());
  std::ofstream out(*path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  FUZZ_CHECK(out.good(), "cannot write " << *path);
  return *path;
}

}  // namespace ferry::fuzz
