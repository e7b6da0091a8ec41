#include "cmd/ferry/sim.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sim/shrink.h"
#include "sim/sweep.h"

namespace ferry::cli {
namespace {

using sim::Outcome;

struct Args {
  sim::Workload workload = sim::Workload::kStorage;
  bool workload_set = false;
  uint64_t first_seed = 1;
  bool seed_set = false;
  int64_t seeds = -1;
  int jobs = 1;
  bool trace = false;
  bool shrink = true;
  std::string out = "sim-failures";
};

bool ParseSimArgs(const std::vector<std::string>& args, Args* a, std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= args.size()) {
        *error = absl::StrCat(arg, " needs a value");
        return false;
      }
      *v = args[++i];
      return true;
    };
    std::string v;
    if (arg == "--workload") {
      if (!value(&v)) return false;
      absl::StatusOr<sim::Workload> w = sim::ParseWorkload(v);
      if (!w.ok()) {
        *error = std::string(w.status().message());
        return false;
      }
      a->workload = *w;
      a->workload_set = true;
    } else if (arg == "--seeds") {
      if (!value(&v)) return false;
      if (!absl::SimpleAtoi(v, &a->seeds) || a->seeds < 1) {
        *error = absl::StrCat("--seeds: \"", v, "\" is not a positive number of runs");
        return false;
      }
    } else if (arg == "--seed") {
      if (!value(&v)) return false;
      if (!absl::SimpleAtoi(v, &a->first_seed)) {
        *error = absl::StrCat("--seed: \"", v, "\" is not a seed (an unsigned 64-bit number)");
        return false;
      }
      a->seed_set = true;
    } else if (arg == "--jobs") {
      if (!value(&v)) return false;
      if (!absl::SimpleAtoi(v, &a->jobs) || a->jobs < 1 || a->jobs > 256) {
        *error = absl::StrCat("--jobs: \"", v, "\" is not a number of threads from 1 to 256");
        return false;
      }
    } else if (arg == "--out") {
      if (!value(&a->out)) return false;
    } else if (arg == "--trace") {
      a->trace = true;
    } else if (arg == "--no-shrink") {
      a->shrink = false;
    } else {
      *error = absl::StrCat("unknown argument \"", arg, "\"");
      return false;
    }
  }
  if (!a->workload_set) {
    *error = "--workload is required: storage, lun or mixed";
    return false;
  }
  if (a->seeds < 0) a->seeds = a->seed_set ? 1 : 100;
  if (absl::StatusOr<uint64_t> last = sim::LastSeed(a->first_seed, a->seeds); !last.ok()) {
    *error = absl::StrCat("--seed ", a->first_seed, " --seeds ", a->seeds, ": ",
                          last.status().message());
    return false;
  }
  if (a->trace && a->seeds != 1) {
    *error = "--trace replays one run: give --seed S (and no --seeds above 1)";
    return false;
  }
  return true;
}

int ExitCode(const std::map<Outcome, int64_t>& outcomes) {
  auto count = [&](Outcome o) { return outcomes.contains(o) ? outcomes.at(o) : 0; };
  if (count(Outcome::kHarness) + count(Outcome::kNondeterministic) > 0) return kSimHarnessFailure;
  if (count(Outcome::kSafety) > 0) return kSimSafetyViolation;
  if (count(Outcome::kLiveness) > 0) return kSimLivenessFailure;
  return 0;
}

std::string Failure(const sim::SeedResult& r) {
  return r.outcome == Outcome::kSafety ? absl::StrCat("checker ", r.checker, ": ", r.message)
                                       : absl::StrCat(sim::OutcomeName(r.outcome), ": ", r.message);
}

class ProgressBar {
 public:
  explicit ProgressBar(std::ostream& err) : err_(err), tty_(isatty(STDERR_FILENO) != 0) {}
  void Show(int64_t done, int64_t total, int64_t failed) {
    const int width = 30;
    const int filled = static_cast<int>(width * done / std::max<int64_t>(total, 1));
    const int percent = static_cast<int>(100 * done / std::max<int64_t>(total, 1));
    if (!tty_) {  // logs: a line every 10%
      if (percent / 10 == last_ / 10 && done != total) return;
      last_ = percent;
      err_ << absl::StrFormat("  %3d%%  %d/%d runs, %d failed\n", percent, done, total, failed);
      return;
    }
    err_ << absl::StrFormat("\r  [%s%s] %3d%%  %d/%d runs, %d failed", std::string(filled, '#'),
                            std::string(width - filled, '.'), percent, done, total, failed);
    drawn_ = done != total;
    if (!drawn_) err_ << "\n";
    err_.flush();
  }
  // A line of its own above the bar, which the next Show draws again.
  void Line(const std::string& text) {
    if (drawn_) err_ << "\r\033[K";  // the bar's line, cleared
    drawn_ = false;
    err_ << text << "\n";
    err_.flush();
  }

 private:
  std::ostream& err_;
  bool tty_;
  bool drawn_ = false;  // the bar is on the terminal's current line
  int last_ = -1;
};

int Replay(const Args& a, std::ostream& out) {
  sim::ScenarioResult full;
  const sim::SeedResult r =
      sim::RunSeed(a.workload, a.first_seed,
                   sim::SwarmOptions{}, &full,
                   /*trace=*/true);
  out << "# " << sim::RenderRecipe(sim::DrawRecipe(a.workload, a.first_seed, {})).description() << "\n";
  for (const std::string& line : full.timeline) out << line << "\n";
  out << absl::StrFormat("%s  %s seed %d: %s simulated, %d events, trace hash %016x\n",
                         r.outcome == Outcome::kPassed ? "PASS" : "FAIL",
                         sim::WorkloadName(a.workload), a.first_seed,
                         absl::FormatDuration(r.simulated), r.events, r.trace_hash);
  if (r.outcome != Outcome::kPassed) out << "  " << Failure(r) << "\n";
  return ExitCode({{r.outcome, 1}});
}

}  // namespace

int RunSimCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Args a;
  std::string error;
  if (!ParseSimArgs(args, &a, &error)) {
    err << "ferry sim: " << error
        << "\nusage: ferry sim --workload storage|lun|mixed [--seeds N] [--seed S] [--jobs J] "
           "[--trace] [--out DIR] [--no-shrink]\n";
    return kSimUsage;
  }
  out << "seed " << a.first_seed;
  if (a.seeds > 1) out << " (seeds " << a.first_seed << ".." << *sim::LastSeed(a.first_seed, a.seeds) << ")";
  out << ", workload " << sim::WorkloadName(a.workload) << std::endl;
  if (a.trace) return Replay(a, out);

  ProgressBar bar(err);
  sim::SweepOptions options;
  options.workload = a.workload;
  options.first_seed = a.first_seed;
  options.seeds = a.seeds;
  options.jobs = a.jobs;
  options.progress = [&](int64_t done, int64_t total, int64_t failed) { bar.Show(done, total, failed); };
  options.failure = [&](const sim::SeedResult& r) {
    bar.Line(absl::StrFormat("  FAIL seed %d: %s (replay: bin/ferry sim --workload %s --seed %d --trace)",
                             r.seed, Failure(r), sim::WorkloadName(a.workload), r.seed));
  };
  const absl::StatusOr<sim::SweepSummary> swept = sim::Sweep(options);
  if (!swept.ok()) {
    err << "ferry sim: " << swept.status().message() << "\n";
    return kSimUsage;
  }
  const sim::SweepSummary& s = *swept;
  auto count = [&](Outcome o) { return s.outcomes.contains(o) ? s.outcomes.at(o) : 0; };
  const double wall = std::max(absl::ToDoubleSeconds(s.wall), 1e-9);
  out << absl::StrFormat("runs: %d (%d passed), %d self-checked twice\n", s.runs,
                         count(Outcome::kPassed), s.self_checked);
  out << absl::StrFormat("safety violations: %d", count(Outcome::kSafety));
  std::vector<std::string> by;
  for (const auto& [checker, n] : s.violations_by_checker) by.push_back(absl::StrCat(checker, " ", n));
  out << (by.empty() ? "" : absl::StrCat(" (", absl::StrJoin(by, ", "), ")")) << "\n";
  out << absl::StrFormat("liveness failures: %d\n", count(Outcome::kLiveness));
  out << absl::StrFormat("harness failures: %d, nondeterministic seeds: %d\n",
                         count(Outcome::kHarness), count(Outcome::kNondeterministic));
  const int64_t goals = static_cast<int64_t>(s.coverage.size());
  out << absl::StrFormat("coverage goals reached: %d of %d\n",
                         goals - static_cast<int64_t>(s.missed_goals.size()), goals);
  for (const auto& [goal, n] : s.coverage) {
    out << absl::StrFormat("  %-52s %s\n", goal, n > 0 ? absl::StrCat(n, " runs") : "MISSED");
  }
  out << absl::StrFormat("speed: %.1f runs/s, %.0f simulated s per wall s (%d jobs, %.2f s wall, %s simulated)\n",
                         static_cast<double>(s.runs) / wall,
                         absl::ToDoubleSeconds(s.simulated) / wall, a.jobs, wall,
                         absl::FormatDuration(s.simulated));

  // Each distinct failure (outcome and checker), at its first seed.
  std::set<std::string> seen;
  for (const sim::SeedResult& f : s.failures) {
    const std::string kind = absl::StrCat(sim::OutcomeName(f.outcome), "/", f.checker);
    out << absl::StrFormat("FAIL seed %d: %s\n", f.seed, Failure(f));
    if (!a.shrink || !seen.insert(kind).second || f.outcome == Outcome::kNondeterministic) continue;
    out << absl::StrFormat("  shrinking seed %d ...\n", f.seed) << std::flush;
    const sim::ShrinkResult shrunk = sim::Shrink(
        sim::DrawRecipe(a.workload, f.seed, {}), f,
        {.progress = [&](int runs, int actions) {
          if (runs % 10 == 0) err << absl::StrFormat("\r  shrink: %d runs, %d actions", runs, actions) << std::flush;
        }});
    err << "\n";
    std::error_code ec;
    std::filesystem::create_directories(a.out, ec);
    const std::string path = absl::StrCat(a.out, "/", shrunk.scenario.name(), ".textproto");
    std::ofstream file(path);
    file << sim::ShrunkScenarioText(shrunk);
    if (!file) {
      err << "ferry sim: cannot write " << path << " (check --out)\n";
      continue;
    }
    out << absl::StrFormat("  shrunk: %d actions -> %d in %d runs: %s\n  replay: bin/ferry scenario run %s --trace\n",
                           shrunk.actions_before, shrunk.actions_after, shrunk.runs, path, path);
  }
  if (s.failures_not_kept > 0) {
    out << absl::StrFormat(
        "... and %d more failed runs, not listed: the first %d by seed are, and the first of "
        "each kind\n",
        s.failures_not_kept, options.max_failures_kept);
  }
  if (!s.missed_goals.empty()) {
    out << "coverage goals missed: " << absl::StrJoin(s.missed_goals, ", ")
        << " (run more seeds; a goal never reached is a path never tested)\n";
  }
  const int code = ExitCode(s.outcomes);
  if (code == kSimHarnessFailure) {
    out << "the harness itself failed: fix it before trusting the other results\n";
  }
  return code;
}

}  // namespace ferry::cli
