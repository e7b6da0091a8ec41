#include "cmd/ferry/scenario.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "base/read_file.h"
#include "cmd/ferry/find_scenarios.h"
#include "sim/scenario_runner.h"

namespace ferry::cli {
namespace {

constexpr char kUsage[] =
    "usage: ferry scenario run PATH... [--trace] [--max-input-size SIZE] [--allow-outside DIR]\n"
    "  PATH: a scenario file (*.textproto) or a folder searched for them\n"
    "  --trace: print each scenario's timeline (every step of every process)\n"
    "  --max-input-size SIZE: refuse any file read (a scenario, a manifest it names) larger\n"
    "      than SIZE (default 64MiB; 500k, 16M, 1G...)\n"
    "  --allow-outside DIR: let scenarios name files under DIR, outside their own tree (the\n"
    "      nearest folder above a scenario holding a WORKSPACE file, else its own folder);\n"
    "      may be repeated\n";

std::string Duration(absl::Duration d) {
  const double s = absl::ToDoubleSeconds(d);
  if (s < 1) return absl::StrFormat("%.1fms", s * 1000);
  if (s < 120) return absl::StrFormat("%.2fs", s);
  return absl::StrFormat("%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
}

// "--name VALUE" or "--name=VALUE" at args[*i]: true and the value, moving
// *i past it. A missing value is an error.
bool FlagValue(const std::vector<std::string>& args, size_t* i, absl::string_view name,
               std::string* value, std::string* error) {
  const std::string& a = args[*i];
  if (absl::StartsWith(a, absl::StrCat(name, "="))) {
    *value = a.substr(name.size() + 1);
    return true;
  }
  if (a != name) return false;
  if (*i + 1 >= args.size()) {
    *error = absl::StrCat(name, " needs a value");
    return true;
  }
  *value = args[++*i];
  return true;
}

}  // namespace

int RunScenarioCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err) {
  if (args.empty() || args[0] != "run") {
    err << "ferry scenario: expected \"run\"\n" << kUsage;
    return 2;
  }
  sim::RunOptions options;
  sim::ScenarioFileOptions files;
  std::string replay_flags;  // what the replay line repeats
  std::vector<FoundScenario> found;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--trace") {
      options.trace = true;
      continue;
    }
    std::string value, error;
    if (FlagValue(args, &i, "--max-input-size", &value, &error)) {
      absl::StatusOr<int64_t> bytes =
          error.empty() ? ParseByteSize(value, "--max-input-size") : absl::InvalidArgumentError(error);
      if (!bytes.ok()) {
        err << "ferry scenario run: " << bytes.status().message() << "\n" << kUsage;
        return 2;
      }
      files.max_input_bytes = *bytes;
      replay_flags += " --max-input-size " + value;
      continue;
    }
    if (FlagValue(args, &i, "--allow-outside", &value, &error)) {
      std::error_code ec;
      if (error.empty() && !std::filesystem::is_directory(value, ec)) {
        error = absl::StrCat("--allow-outside: ", value, " is not a folder",
                             ec ? absl::StrCat(" (", ec.message(), ")") : "");
      }
      if (!error.empty()) {
        err << "ferry scenario run: " << error << "\n" << kUsage;
        return 2;
      }
      files.allow_outside.push_back(value);
      replay_flags += " --allow-outside " + value;
      continue;
    }
    if (absl::StartsWith(a, "-")) {
      err << "ferry scenario run: unknown option \"" << a << "\"\n" << kUsage;
      return 2;
    }
    std::vector<FoundScenario> here = FindScenarios(a);
    if (here.empty()) {
      err << "ferry scenario run: " << a << ": no *.textproto scenario files in this folder\n";
      return 2;
    }
    found.insert(found.end(), here.begin(), here.end());
  }
  if (found.empty()) {
    err << "ferry scenario run: name at least one scenario file or folder\n" << kUsage;
    return 2;
  }
  int passed = 0, failed = 0;
  absl::Duration simulated, wall;
  for (const FoundScenario& f : found) {
    if (!f.error.empty()) {
      ++failed;
      out << "ERROR " << f.error << "\n";
      continue;
    }
    const std::string& file = f.path;
    absl::StatusOr<sim::LoadedScenario> loaded = sim::LoadScenario(file, files);
    if (!loaded.ok()) {
      ++failed;
      out << "ERROR " << loaded.status().message() << "\n";
      continue;
    }
    sim::ScenarioResult r = sim::RunScenario(*loaded, options);
    if (options.trace) {
      out << "--- " << r.name << " (" << file << ")\n";
      for (const std::string& line : r.timeline) out << line << "\n";
    }
    simulated += r.simulated;
    wall += r.wall;
    (r.passed ? passed : failed)++;
    out << absl::StrFormat("%-5s %-52s simulated %-9s wall %-9s %s\n", r.passed ? "PASS" : "FAIL",
                           r.name, Duration(r.simulated), Duration(r.wall),
                           r.violation.empty() ? "" : "(stopped by " + r.violation + ")");
    for (const std::string& failure : r.failures) out << "      " << failure << "\n";
    if (!r.passed) out << "      replay: ferry scenario run " << file << replay_flags << " --trace\n";
  }
  out << absl::StrFormat("ferry scenario: %d passed, %d failed (simulated %s in %s of wall time)\n",
                         passed, failed, Duration(simulated), Duration(wall));
  return failed == 0 ? 0 : 1;
}

}  // namespace ferry::cli
