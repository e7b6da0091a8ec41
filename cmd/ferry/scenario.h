// `ferry scenario run PATH... [--trace] [--max-input-size SIZE]
// [--allow-outside DIR]...`: runs scenario files, or every *.textproto under
// a folder (sorted; cmd/ferry/find_scenarios.h), one line per scenario
// (result, name, simulated time, wall time, then why it failed), and a
// summary. A file that cannot be read or loaded (too large, a number out of
// range, a named file outside the scenario's tree, a symbolic link loop...)
// is an ERROR line naming the path. Exit 0 when all pass, 1 when one fails
// or cannot be read, 2 on usage errors.
#ifndef FERRY_CMD_FERRY_SCENARIO_H_
#define FERRY_CMD_FERRY_SCENARIO_H_

#include <ostream>
#include <string>
#include <vector>

namespace ferry::cli {

int RunScenarioCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err);

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_SCENARIO_H_
