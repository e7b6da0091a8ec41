// Loading a scenario file (protobuf text format, schema in sim/scenario.proto
// and docs/scenarios.md): parse it, then check what the schema cannot, so a
// file that loads is one the runner can build a world from.
//
//   absl::StatusOr<LoadedScenario> s = LoadScenario("scenarios/storage/x.textproto");
//   if (!s.ok()) std::cerr << s.status().message();  // "path:line:col: ..." or "path: field: ..."
#ifndef FERRY_SIM_SCENARIO_LOADER_H_
#define FERRY_SIM_SCENARIO_LOADER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/scenario.pb.h"
#include "sim/scenario_files.h"

namespace ferry::sim {

struct LoadedScenario {
  scenario::Scenario scenario;
  std::string path;     // as given
  ScenarioFiles files;  // manifest_file, apply_file, same_spec (none for a generated run)
};

// InvalidArgument "path:line:col: message" for a malformed file; NotFound
// when it cannot be read; ResourceExhausted when larger than
// options.max_input_bytes. Checks what the schema cannot (a known process,
// one trigger per action...), every number against its range
// (sim/scenario_limits.h) and that every file it names stays inside its
// tree (sim/scenario_files.h), naming the field.
absl::StatusOr<LoadedScenario> LoadScenario(const std::string& path,
                                            const ScenarioFileOptions& options = {});

// A scenario given as text rather than a file (`name` stands for its path in
// errors): the same checks, and it may name no file.
absl::StatusOr<LoadedScenario> LoadScenarioText(const std::string& name, const std::string& text);

// An action's injected fault names verbs, kinds, codes and nodes that exist
// (a typo is an error, not a fault that silently never fires). `where`
// prefixes the error ("path: action[3]").
absl::Status CheckFault(const scenario::Scenario& s, const scenario::Action& a,
                        const std::string& where);

}  // namespace ferry::sim

#endif  // FERRY_SIM_SCENARIO_LOADER_H_
