// The scenario files a `ferry scenario run` argument names: the file itself,
// or every *.textproto under a folder, sorted by path (symlinked files are
// followed, symlinked folders are not, so a walk cannot loop). Never throws:
// a path that does not exist, a folder that cannot be read, a symbolic link
// loop or a link to nothing is an entry with an error naming the path.
//
//   for (const FoundScenario& f : FindScenarios("scenarios/")) {
//     if (!f.error.empty()) { out << "ERROR " << f.error << "\n"; continue; }
//     ... LoadScenario(f.path) ...
//   }
#ifndef FERRY_CMD_FERRY_FIND_SCENARIOS_H_
#define FERRY_CMD_FERRY_FIND_SCENARIOS_H_

#include <string>
#include <vector>

namespace ferry::cli {

struct FoundScenario {
  std::string path;
  std::string error;  // "" when the file is there to load; else "<path>: why"
};

// Empty only for a readable folder without any *.textproto under it.
std::vector<FoundScenario> FindScenarios(const std::string& path);

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_FIND_SCENARIOS_H_
