#include "sim/sweep.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/coverage.h"

namespace ferry::sim {

absl::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPassed: return "passed";
    case Outcome::kSafety: return "safety violation";
    case Outcome::kLiveness: return "liveness failure";
    case Outcome::kHarness: return "harness failure";
    case Outcome::kNondeterministic: return "nondeterministic";
  }
  return "?";
}

ScenarioResult RunGenerated(const scenario::Scenario& scenario, bool trace) {
  const LoadedScenario loaded{.scenario = scenario, .path = scenario.name(), .files = {}};
  return RunScenario(loaded, {.trace = trace});
}

SeedResult Judge(uint64_t seed, const ScenarioResult& r) {
  SeedResult out;
  out.seed = seed;
  out.simulated = r.simulated;
  out.wall = r.wall;
  out.events = r.events;
  out.trace_hash = r.trace_hash;
  out.reached = r.reached;
  if (!r.setup_error.empty()) {
    out.outcome = Outcome::kHarness;
    out.message = r.setup_error;
  } else if (!r.violation.empty()) {
    out.outcome = Outcome::kSafety;
    out.checker = r.violation;
    out.message = r.violation_message;
  } else if (!r.liveness_failure.empty()) {
    out.outcome = Outcome::kLiveness;
    out.message = r.liveness_failure;
  } else if (!r.failures.empty()) {
    out.outcome = Outcome::kHarness;
    out.message = absl::StrJoin(r.failures, "; ");
  }
  return out;
}

SeedResult RunSeed(Workload workload, uint64_t seed, const SwarmOptions& swarm,
                   ScenarioResult* full, bool trace) {
  try {
    ScenarioResult r = RunGenerated(RenderRecipe(DrawRecipe(workload, seed, swarm)), trace);
    SeedResult out = Judge(seed, r);
    if (full != nullptr) *full = std::move(r);
    return out;
  } catch (const std::exception& e) {
    SeedResult out;
    out.seed = seed;
    out.outcome = Outcome::kHarness;
    out.message = absl::StrCat("the harness threw: ", e.what());
    return out;
  }
}

SweepSummary Sweep(const SweepOptions& options) {
  const absl::Time start = absl::Now();
  const int64_t total = std::max<int64_t>(options.seeds, 0);
  std::vector<SeedResult> results(static_cast<size_t>(total));
  std::vector<char> self_checked(static_cast<size_t>(total), 0);
  std::atomic<int64_t> next{0};
  std::mutex mu;
  std::condition_variable cv;
  int64_t done = 0, failed = 0;

  auto work = [&] {
    for (int64_t i = next++; i < total; i = next++) {
      const uint64_t seed = options.first_seed + static_cast<uint64_t>(i);
      SeedResult r = RunSeed(options.workload, seed, options.swarm);
      bool checked = false;
      if (options.self_check_every > 0 && seed % static_cast<uint64_t>(options.self_check_every) == 0) {
        checked = true;
        const SeedResult again = RunSeed(options.workload, seed, options.swarm);
        if (again.trace_hash != r.trace_hash || again.outcome != r.outcome) {
          r.message = absl::StrCat("ran twice: trace hash ", r.trace_hash, " (", OutcomeName(r.outcome),
                                   ") then ", again.trace_hash, " (", OutcomeName(again.outcome), ")");
          r.outcome = Outcome::kNondeterministic;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      results[static_cast<size_t>(i)] = std::move(r);
      self_checked[static_cast<size_t>(i)] = checked;
      ++done;
      if (results[static_cast<size_t>(i)].outcome != Outcome::kPassed) ++failed;
      cv.notify_one();
    }
  };
  std::vector<std::thread> workers;
  const int jobs = std::max(1, options.jobs);
  for (int j = 0; j < jobs; ++j) workers.emplace_back(work);
  {
    std::unique_lock<std::mutex> lock(mu);
    int64_t reported = 0;
    while (reported < total) {
      cv.wait(lock, [&] { return done > reported; });
      reported = done;
      if (options.progress) {
        const int64_t f = failed;
        lock.unlock();
        options.progress(reported, total, f);
        lock.lock();
      }
    }
  }
  for (std::thread& t : workers) t.join();

  SweepSummary s;
  for (const CoverageGoal& goal : CoverageGoals()) {
    if ((goal.storage && HasStorage(options.workload)) || (goal.lun && HasLun(options.workload))) {
      s.coverage[goal.name] = 0;
    }
  }
  for (size_t i = 0; i < results.size(); ++i) {
    const SeedResult& r = results[i];
    ++s.runs;
    s.self_checked += self_checked[i];
    ++s.outcomes[r.outcome];
    if (r.outcome == Outcome::kSafety) ++s.violations_by_checker[r.checker];
    if (r.outcome != Outcome::kPassed) s.failures.push_back(r);
    for (const std::string& goal : r.reached) {
      if (s.coverage.contains(goal)) ++s.coverage[goal];
    }
    s.simulated += r.simulated;
    s.events += r.events;
  }
  for (const auto& [goal, count] : s.coverage) {
    if (count == 0) s.missed_goals.push_back(goal);
  }
  s.wall = absl::Now() - start;
  return s;
}

}  // namespace ferry::sim
