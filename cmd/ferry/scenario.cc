#include "cmd/ferry/scenario.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "sim/scenario_runner.h"

namespace ferry::cli {
namespace {

constexpr char kUsage[] =
    "usage: ferry scenario run PATH... [--trace]\n"
    "  PATH: a scenario file (*.textproto) or a folder searched for them\n"
    "  --trace: print each scenario's timeline (every step of every process)\n";

std::string Duration(absl::Duration d) {
  const double s = absl::ToDoubleSeconds(d);
  if (s < 1) return absl::StrFormat("%.1fms", s * 1000);
  if (s < 120) return absl::StrFormat("%.2fs", s);
  return absl::StrFormat("%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
}

}  // namespace

int RunScenarioCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err) {
  if (args.empty() || args[0] != "run") {
    err << "ferry scenario: expected \"run\"\n" << kUsage;
    return 2;
  }
  sim::RunOptions options;
  std::vector<std::string> files;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--trace") {
      options.trace = true;
      continue;
    }
    if (absl::StartsWith(a, "-")) {
      err << "ferry scenario run: unknown option \"" << a << "\"\n" << kUsage;
      return 2;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(a, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(a, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".textproto") {
          found.push_back(entry.path().string());
        }
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) {
        err << "ferry scenario run: " << a << ": no *.textproto scenario files in this folder\n";
        return 2;
      }
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    err << "ferry scenario run: name at least one scenario file or folder\n" << kUsage;
    return 2;
  }
  int passed = 0, failed = 0;
  absl::Duration simulated, wall;
  for (const std::string& file : files) {
    absl::StatusOr<sim::LoadedScenario> loaded = sim::LoadScenario(file);
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
    for (const std::string& f : r.failures) out << "      " << f << "\n";
    if (!r.passed) out << "      replay: ferry scenario run " << file << " --trace\n";
  }
  out << absl::StrFormat("ferry scenario: %d passed, %d failed (simulated %s in %s of wall time)\n",
                         passed, failed, Duration(simulated), Duration(wall));
  return failed == 0 ? 0 : 1;
}

}  // namespace ferry::cli
