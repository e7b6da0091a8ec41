#include "sim/sweep.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <iterator>
#include <limits>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
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

ScenarioResult RunGenerated(const scenario::Scenario& scenario, bool trace, bool verify_waits) {
  const LoadedScenario loaded{.scenario = scenario, .path = scenario.name(), .files = {}};
  return RunScenario(loaded, {.trace = trace, .verify_waits = verify_waits});
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
    ScenarioResult r =
        RunGenerated(RenderRecipe(DrawRecipe(workload, seed, swarm)), trace, swarm.verify_waits);
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

absl::StatusOr<uint64_t> LastSeed(uint64_t first, int64_t count) {
  if (count < 1) {
    return absl::InvalidArgumentError(absl::StrCat(count, " seeds: a sweep runs at least one"));
  }
  const uint64_t room = std::numeric_limits<uint64_t>::max() - first;  // seeds after `first`
  if (static_cast<uint64_t>(count - 1) > room) {
    return absl::InvalidArgumentError(absl::StrCat(
        count, " seeds from ", first, " run past the last seed, ",
        std::numeric_limits<uint64_t>::max(), " (2^64-1); at most ", room + 1,
        " fit from there (seeds do not wrap around to 0)"));
  }
  return first + static_cast<uint64_t>(count - 1);
}

namespace {

std::string KindOf(const SeedResult& r) {
  return absl::StrCat(OutcomeName(r.outcome), "/", r.checker);
}

}  // namespace

SweepTally::SweepTally(Workload workload, int64_t max_failures_kept)
    : max_failures_kept_(std::max<int64_t>(max_failures_kept, 0)) {
  for (const CoverageGoal& goal : CoverageGoals()) {
    if ((goal.storage && HasStorage(workload)) || (goal.lun && HasLun(workload))) {
      s_.coverage[goal.name] = 0;
    }
  }
}

void SweepTally::Add(SeedResult r, bool self_checked) {
  // Sums and counts: the order results come in does not matter.
  ++s_.runs;
  s_.self_checked += self_checked ? 1 : 0;
  ++s_.outcomes[r.outcome];
  if (r.outcome == Outcome::kSafety) ++s_.violations_by_checker[r.checker];
  for (const std::string& goal : r.reached) {
    if (auto it = s_.coverage.find(goal); it != s_.coverage.end()) ++it->second;
  }
  s_.simulated += r.simulated;
  s_.events += r.events;
  if (r.outcome == Outcome::kPassed) return;
  // Failures: the lowest seeds and each kind's lowest, whatever the order.
  ++failed_;
  auto first = first_of_kind_.find(KindOf(r));
  if (first == first_of_kind_.end()) {
    first_of_kind_.emplace(KindOf(r), r);
  } else if (r.seed < first->second.seed) {
    first->second = r;
  }
  if (max_failures_kept_ == 0) return;
  if (static_cast<int64_t>(lowest_.size()) == max_failures_kept_) {
    if (r.seed > lowest_.rbegin()->first) return;
    lowest_.erase(std::prev(lowest_.end()));
  }
  lowest_.emplace(r.seed, std::move(r));
}

SweepSummary SweepTally::Summary() const {
  SweepSummary s = s_;
  std::map<uint64_t, const SeedResult*> kept;  // by seed: seed order
  for (const auto& [seed, r] : lowest_) kept.emplace(seed, &r);
  for (const auto& [kind, r] : first_of_kind_) kept.emplace(r.seed, &r);
  for (const auto& [seed, r] : kept) s.failures.push_back(*r);
  s.failures_not_kept = failed_ - static_cast<int64_t>(s.failures.size());
  for (const auto& [goal, count] : s.coverage) {
    if (count == 0) s.missed_goals.push_back(goal);
  }
  return s;
}

absl::StatusOr<SweepSummary> Sweep(const SweepOptions& options) {
  const absl::Time start = absl::Now();
  RETURN_IF_ERROR(LastSeed(options.first_seed, options.seeds).status());
  const int64_t total = options.seeds;
  // Each run's result is tallied as the run ends and then dropped: nothing
  // is held per seed, so a billion seeds need no more memory than ten.
  SweepTally tally(options.workload, options.max_failures_kept);
  std::mutex mu;
  std::condition_variable cv;
  int64_t next = 0;     // the next seed to start, from first_seed
  int64_t done = 0, failed = 0;
  std::vector<SeedResult> failed_unreported;  // for options.failure
  bool stopping = false;  // options.stop said so: no run starts any more

  auto work = [&] {
    for (;;) {
      int64_t i;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stopping || next >= total) return;
        i = next++;
      }
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
      if (r.outcome != Outcome::kPassed) {
        ++failed;
        if (options.failure) failed_unreported.push_back(r);
      }
      tally.Add(std::move(r), checked);
      ++done;
      if (!stopping && options.stop && options.stop()) stopping = true;
      cv.notify_one();
    }
  };
  std::vector<std::thread> workers;
  const int jobs = static_cast<int>(std::min<int64_t>(std::max(1, options.jobs), total));
  for (int j = 0; j < jobs; ++j) workers.emplace_back(work);
  {
    std::unique_lock<std::mutex> lock(mu);
    int64_t reported = 0;
    // Until every run ended, or every run started did once stopped.
    while (reported < total && !(stopping && reported == next)) {
      cv.wait(lock, [&] { return done > reported; });
      reported = done;
      std::vector<SeedResult> newly_failed;
      newly_failed.swap(failed_unreported);
      const int64_t f = failed;
      lock.unlock();
      for (const SeedResult& r : newly_failed) options.failure(r);
      if (options.progress) options.progress(reported, total, f);
      lock.lock();
    }
  }
  for (std::thread& t : workers) t.join();

  SweepSummary s = tally.Summary();
  s.wall = absl::Now() - start;
  return s;
}

}  // namespace ferry::sim
