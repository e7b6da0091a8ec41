// `ferry lint -f FILE...`: load manifests, validate them, print one line per
// object and one per finding.
//
// Exit codes: 0 clean, 1 findings (errors or warnings), 2 unreadable input
// (missing file, not YAML/JSON, larger than limits.max_bytes). Every file is
// read even after a bad one.
#ifndef FERRY_CMD_FERRY_LINT_H_
#define FERRY_CMD_FERRY_LINT_H_

#include <ostream>
#include <string>
#include <vector>

#include "base/read_file.h"

namespace ferry::cli {

// Object and finding lines go to `out`, the summary line to `err`.
int RunLint(const std::vector<std::string>& files, std::ostream& out, std::ostream& err,
            const ReadLimits& limits = {});

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_LINT_H_
