// The files a scenario names (world.manifest_file, action[].apply_file,
// expect.same_spec[].file): relative to the scenario file, kept inside the
// scenario's tree, read with a size cap.
//
// The tree is the nearest folder at or above the scenario file that holds a
// WORKSPACE file (a Bazel workspace: for every file under scenarios/ it is
// this repository, so a scenario may name ../../examples/...), or, when no
// folder above has one, the scenario file's own folder. It is found from
// where the file really is (symlinks resolved), so it does not depend on
// how the file was named, nor on the folder a run was started on: a
// scenario loads the same alone (the replay line) as in a folder run. A
// named file must resolve, after symlinks, inside the tree or inside a
// folder the user allowed (`ferry scenario run --allow-outside DIR`);
// absolute names only inside an allowed folder.
//
//   ASSIGN_OR_RETURN(ScenarioFiles files, ScenarioFiles::For("scenarios/lun/x.textproto", {}));
//   ASSIGN_OR_RETURN(std::string yaml, files.Read("world.manifest_file[0]", "world/cluster.yaml"));
#ifndef FERRY_SIM_SCENARIO_FILES_H_
#define FERRY_SIM_SCENARIO_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/read_file.h"

namespace ferry::sim {

struct ScenarioFileOptions {
  // Every file read (the scenario and each file it names) is refused above
  // this size; `ferry scenario run --max-input-size` raises it.
  int64_t max_input_bytes = kDefaultMaxInputBytes;
  // Folders (`--allow-outside DIR`) whose files any scenario may name.
  std::vector<std::string> allow_outside = {};
};

class ScenarioFiles {
 public:
  // A scenario without a file (a generated run): it may name no file.
  ScenarioFiles() = default;

  // The tree of the scenario file at `scenario_path` (which need not exist:
  // reading it fails later with its own error).
  static ScenarioFiles For(const std::string& scenario_path, const ScenarioFileOptions& options);

  // `name` as the scenario wrote it, joined to the scenario's folder as the
  // scenario file was named ("scenarios/lun" + "world/cluster.yaml"), once
  // it is known to resolve inside the tree or an allowed folder.
  // InvalidArgument "<field>: ..." naming the path, where it resolves, the
  // tree and the flag that allows it otherwise.
  absl::StatusOr<std::string> Resolve(absl::string_view field, const std::string& name) const;

  // Resolve, then the file's bytes (errors name the file, and for a file
  // too large the flag that raises the cap).
  absl::StatusOr<std::string> Read(absl::string_view field, const std::string& name) const;

  // The tree's root, symlinks resolved ("" without a scenario file).
  const std::string& root() const { return root_; }
  const ReadLimits& limits() const { return limits_; }

 private:
  std::string directory_;             // the scenario's folder as named
  std::string root_;                  // canonical
  bool root_has_workspace_ = false;   // found by its WORKSPACE, else the scenario's folder
  std::vector<std::string> allowed_;  // canonical
  ReadLimits limits_;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_SCENARIO_FILES_H_
