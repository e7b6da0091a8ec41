// JsonLog: a production process's log, one line per record on a stream:
// JSON objects ({"ts":...,"level":...,"logger":...,"msg":...,<fields>}) for
// log collectors, or text for a terminal. Thread-safe. Callers never pass a
// secret: nothing here can tell one from a name.
//
//   JsonLog log(std::cerr, JsonLog::Format::kJson, "controller");
//   log.Info("effect", {{"effect", Describe(e)}, {"result", "ok"}});
#ifndef FERRY_ADAPTERS_RUNTIME_JSON_LOG_H_
#define FERRY_ADAPTERS_RUNTIME_JSON_LOG_H_

#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace ferry::adapters {

class JsonLog {
 public:
  enum class Format { kJson, kText };
  using Fields = std::vector<std::pair<std::string, std::string>>;

  JsonLog(std::ostream& out, Format format, std::string logger)
      : out_(out), format_(format), logger_(std::move(logger)) {}

  void Info(const std::string& msg, const Fields& fields = {}) { Write("info", msg, fields); }
  void Warn(const std::string& msg, const Fields& fields = {}) { Write("warn", msg, fields); }
  void Error(const std::string& msg, const Fields& fields = {}) { Write("error", msg, fields); }
  void Write(const std::string& level, const std::string& msg, const Fields& fields);

 private:
  absl::Mutex mu_;
  std::ostream& out_;
  const Format format_;
  const std::string logger_;
};

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_RUNTIME_JSON_LOG_H_
