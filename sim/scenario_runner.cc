#include "sim/scenario_runner.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "sim/armed_faults.h"
#include "sim/checkers.h"
#include "sim/coverage.h"
#include "sim/scenario_actions.h"
#include "sim/scenario_judge.h"
#include "sim/scenario_limits.h"
#include "sim/scenario_objects.h"
#include "sim/world.h"
#include "sim/world_builder.h"

namespace ferry::sim {
namespace {

using scenario::Action;
using scenario::Condition;
using scenario::Expect;
using scenario::Scenario;

constexpr absl::Duration kSettleGrace = absl::Seconds(5);

class Run {
 public:
  Run(const LoadedScenario& loaded, const RunOptions& options)
      : s_(loaded.scenario), files_(loaded.files), options_(options),
        world_(WorldOptions(loaded.scenario, options)), checkers_(world_), coverage_(world_) {
    checkers_.set_verify_incremental_for_test(options.verify_checkers_for_test);
  }

  ScenarioResult Go() {
    const absl::Time wall_start = absl::Now();
    result_.name = s_.name();
    // A scenario edited or generated after loading is held to the ranges too.
    if (absl::Status limits = CheckScenarioLimits(s_); !limits.ok()) {
      result_.setup_error = std::string(limits.message());
      result_.failures.push_back(result_.setup_error);
    } else if (absl::Status setup = Setup(); !setup.ok()) {
      result_.setup_error = absl::StrCat("world: ", setup.message());
      result_.failures.push_back(result_.setup_error);
    } else {
      Loop();
      Judge();
      for (const std::string& line : world_.stale_waits()) {
        result_.failures.push_back(absl::StrCat("lun-controller: a stale remembered wait: ", line));
      }
      Observing scope(&observing_);
      result_.reached = coverage_.Reached();
      result_.migrated = coverage_.Migrated();
    }
    result_.passed = result_.failures.empty();
    result_.wall = absl::Now() - wall_start;
    result_.simulated = world_.sim().now() - start_;
    result_.trace_hash = world_.sim().trace_hash();
    result_.ferry_api_calls = world_.ferry_api_calls();
    result_.ferry_api_calls_by_verb = world_.ferry_api_calls_by_verb();
    result_.faults_hit = faults_.hit();
    result_.engine_calls = world_.engine_calls();
    result_.engine_calls_by_request = world_.engine_calls_by_request();
    result_.reconciles = world_.reconciles();
    result_.timeline = world_.timeline();
    for (const auto& [domain, vmi] : world_.guests()) {
      result_.acknowledged_writes += world_.fabric().acknowledged_writes(domain);
    }
    return result_;
  }

 private:
  static World::Options WorldOptions(const Scenario& s, const RunOptions& o) {
    World::Options w = WorldOptionsOf(s);
    w.record_trace = o.trace;
    w.lun.verify_waits = o.verify_waits;
    return w;
  }

  absl::Status Setup() {
    start_ = world_.sim().now();
    RETURN_IF_ERROR(BuildWorld(s_, files_, world_));
    checkers_.Baseline();
    world_.SetFaults(faults_.ForProcesses());
    faults_.ForPlatformModel();
    for (int i = 0; i < s_.action_size(); ++i) {
      const Action& a = s_.action(i);
      if (a.has_when()) {
        waiting_.push_back(i);
      } else {
        ++timed_pending_;
        world_.sim().At(start_ + absl::Seconds(a.at_seconds() + a.delay_seconds()), "scenario",
                        absl::StrCat("action[", i, "]"), [this, i] {
                          --timed_pending_;
                          Perform(i);
                        });
      }
    }
    if (s_.has_liveness()) {
      heal_at_ = start_ + absl::Seconds(s_.liveness().heal_at_seconds());
      ++timed_pending_;
      world_.sim().At(heal_at_, "scenario", "heal", [this] {
        --timed_pending_;
        Heal();
      });
    }
    world_.api().SetStaleHook(
        [this](const fakes::FakeKubeApi::Call& call) { return actions_.StaleLag(call); });
    world_.Start();
    return absl::OkStatus();
  }

  // The liveness phase begins: every fault ends.
  void Heal() {
    world_.Note("scenario", "HEAL: every fault ends; the liveness phase begins");
    actions_.Heal();
    world_.HealAll();
    healed_ = true;
  }

  // What is not terminal yet, for a liveness failure.
  std::string Unsettled() {
    std::vector<std::string> open = NotTerminal(world_);
    if (timed_pending_ > 0) open.push_back(absl::StrCat(timed_pending_, " timed actions pending"));
    return open.empty() ? "nothing (settling)" : absl::StrJoin(open, "; ");
  }

  void Perform(int i) {
    const Action& a = s_.action(i);
    const std::string where = absl::StrCat("action[", i, "]");
    world_.Note("scenario", absl::StrCat(where, ": ", a.ShortDebugString()));
    absl::Status st;
    {
      Observing scope(&observing_);  // the user's own calls: injected faults are for the processes
      coverage_.BeforeAction(a);
      st = actions_.Perform(a, where);
    }
    if (st.ok() && (a.what_case() == Action::kApply || a.what_case() == Action::kApplyFile)) {
      checkers_.RebaselineVms();  // the user's VM specs, as applied
    }
    if (!a.expect_error().empty()) {
      if (st.ok()) {
        result_.failures.push_back(absl::StrCat(where, ": succeeded, expected an error containing \"",
                                                a.expect_error(), "\""));
      } else if (!absl::StrContains(st.message(), a.expect_error())) {
        result_.failures.push_back(absl::StrCat(where, ": failed with \"", st.message(),
                                                "\", expected an error containing \"",
                                                a.expect_error(), "\""));
      } else {
        world_.Note("scenario", absl::StrCat(where, " refused as expected: ", st.message()));
      }
      return;
    }
    if (!st.ok() && a.may_fail()) {
      world_.Note("scenario", absl::StrCat(where, " found nothing to act on: ", st.message()));
      return;
    }
    if (!st.ok()) result_.failures.push_back(absl::StrCat(where, ": ", st.message()));
  }

  bool Settled() { return timed_pending_ == 0 && AllTerminal(world_); }

  void Loop() {
    absl::Duration max = absl::Seconds(s_.max_seconds() > 0 ? s_.max_seconds() : 7200);
    const absl::Duration bound =
        absl::Seconds(s_.liveness().bound_seconds() > 0 ? s_.liveness().bound_seconds() : 1800);
    if (s_.has_liveness()) max = std::max(max, heal_at_ - start_ + bound + absl::Minutes(1));
    absl::Time settled_at = absl::InfiniteFuture();
    while (world_.sim().Step()) {
      ++result_.events;
      Observing scope(&observing_);
      if (result_.events > options_.max_events) {
        result_.failures.push_back(absl::StrCat(
            "stopped after ", options_.max_events, " events, at ",
            absl::FormatDuration(world_.sim().now() - start_),
            " of simulated time (the event cap; open: ", Unsettled(), ")"));
        return;
      }
      for (size_t w = 0; w < waiting_.size();) {
        const int i = waiting_[w];
        const Condition& c = s_.action(i).when();
        if (FieldOf(world_, c.object(), c.path()) == std::make_pair(true, c.equals())) {
          waiting_.erase(waiting_.begin() + static_cast<long>(w));
          ++timed_pending_;
          world_.sim().After(absl::Seconds(s_.action(i).delay_seconds()), "scenario",
                             absl::StrCat("action[", i, "]"), [this, i] {
                               --timed_pending_;
                               Perform(i);
                             });
        } else {
          ++w;
        }
      }
      if (std::optional<Violation> v = checkers_.Check()) {
        result_.violation = v->checker;
        result_.violation_message = v->message;
        world_.Note("CHECKER", absl::StrCat(v->checker, ": ", v->message));
        return;
      }
      const absl::Time now = world_.sim().now();
      const bool settled = Settled();
      if (settled_at == absl::InfiniteFuture() && settled) settled_at = now;
      if (settled_at != absl::InfiniteFuture() && !settled) settled_at = absl::InfiniteFuture();
      if (now - settled_at >= kSettleGrace) return;
      if (healed_ && now - heal_at_ > bound) {
        result_.liveness_failure = absl::StrCat("not settled ", absl::FormatDuration(bound),
                                                " after the faults healed: ", Unsettled());
        result_.failures.push_back(absl::StrCat("liveness: ", result_.liveness_failure));
        world_.Note("LIVENESS", result_.liveness_failure);
        return;
      }
      if (now - start_ > max) {
        result_.failures.push_back(absl::StrCat("did not settle within ", absl::FormatDuration(max),
                                                " of simulated time (a migration is not terminal, or "
                                                "a finalizer or timed action is left)"));
        return;
      }
    }
  }

  void Judge() {
    Observing scope(&observing_);
    const Expect& e = s_.expect();
    for (int i : waiting_) {
      if (s_.action(i).may_fail()) continue;  // a generated trigger the run never reached
      result_.failures.push_back(absl::StrCat("action[", i, "]: its trigger never fired (",
                                              s_.action(i).when().ShortDebugString(), ")"));
    }
    if (!e.violation().empty()) {
      if (result_.violation != e.violation()) {
        result_.failures.push_back(absl::StrCat(
            "expected checker ", e.violation(), " to stop the run, got ",
            result_.violation.empty() ? "no violation" : result_.violation));
      }
      return;
    }
    if (!result_.violation.empty()) {
      result_.failures.push_back(absl::StrCat("checker ", result_.violation, ": ",
                                              result_.violation_message));
      return;
    }
    for (std::string& failure : JudgeExpectations(e, world_, files_)) {
      result_.failures.push_back(std::move(failure));
    }
  }

  const Scenario& s_;
  ScenarioFiles files_;
  RunOptions options_;
  World world_;
  Checkers checkers_;
  Coverage coverage_;
  ScenarioResult result_;
  // Liveness: when the faults heal (InfiniteFuture without a liveness phase).
  absl::Time heal_at_ = absl::InfiniteFuture();
  bool healed_ = false;
  absl::Time start_;
  std::vector<int> waiting_;
  int timed_pending_ = 0;
  bool observing_ = false;
  ArmedFaults faults_{world_, coverage_, &observing_};
  ScenarioActions actions_{world_, files_, faults_, &observing_};
};

}  // namespace

ScenarioResult RunScenario(const LoadedScenario& scenario, const RunOptions& options) {
  return Run(scenario, options).Go();
}

}  // namespace ferry::sim
