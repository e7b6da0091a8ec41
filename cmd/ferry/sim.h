// `ferry sim --workload storage|lun|mixed [--seeds N] [--seed S] [--jobs J]
// [--trace] [--out DIR] [--no-shrink]`: a swarm sweep (sim/sweep.h). Prints
// the seed first, a progress bar, then a summary; each distinct failure is
// shrunk to a scenario file under DIR whose path is printed.
//
// Exit codes: 0 every run passed; 1 a safety violation (a checker fired);
// 2 usage error; 3 a liveness failure (and no safety violation); 4 the
// harness itself failed (a world it could not build, a run that threw, a
// seed whose two runs differed) — the other results cannot be trusted then.
#ifndef FERRY_CMD_FERRY_SIM_H_
#define FERRY_CMD_FERRY_SIM_H_

#include <ostream>
#include <string>
#include <vector>

namespace ferry::cli {

inline constexpr int kSimSafetyViolation = 1;
inline constexpr int kSimUsage = 2;
inline constexpr int kSimLivenessFailure = 3;
inline constexpr int kSimHarnessFailure = 4;

int RunSimCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_SIM_H_
