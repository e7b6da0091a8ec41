// `ferry convert -f FILE... [-o yaml|json]`: read manifests and write them back
// in canonical form (known fields only, declaration order, sorted maps). One
// object prints as itself; several print as YAML documents or a JSON List.
//
// Exit codes: 0 written, 1 the input has errors (nothing written), 2 unreadable
// (including larger than limits.max_bytes).
#ifndef FERRY_CMD_FERRY_CONVERT_H_
#define FERRY_CMD_FERRY_CONVERT_H_

#include <ostream>
#include <string>
#include <vector>

#include "base/read_file.h"

namespace ferry::cli {

enum class OutputFormat { kYaml, kJson };

int RunConvert(const std::vector<std::string>& files, OutputFormat format,
               std::ostream& out, std::ostream& err, const ReadLimits& limits = {});

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_CONVERT_H_
