#include "adapters/runtime/json_log.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

namespace ferry::adapters {

void JsonLog::Write(const std::string& level, const std::string& msg, const Fields& fields) {
  const std::string ts =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  std::string line;
  if (format_ == Format::kJson) {
    nlohmann::ordered_json j = {{"ts", ts}, {"level", level}, {"logger", logger_}, {"msg", msg}};
    for (const auto& [k, v] : fields) j[k] = v;
    // Invalid UTF-8 (from a name read off the wire) is replaced, never thrown on.
    line = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  } else {
    line = absl::StrCat(ts, " ", level, " ", logger_, ": ", msg);
    for (const auto& [k, v] : fields) absl::StrAppend(&line, " ", k, "=", v);
  }
  absl::MutexLock lock(&mu_);
  out_ << line << "\n";
  out_.flush();
}

}  // namespace ferry::adapters
