// A clamped run of any scenario the loader accepts: worlds up to 4 nodes,
// 4 running VMs and 24 actions, at most 600 simulated seconds before the
// liveness phase and 600 in it (larger inputs are skipped, not shrunk, so
// each execution stays short). No crash, no hang, and the run is
// deterministic: run twice, the trace hash and the verdict are the same.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/check.h"
#include "fuzz/scenario_fuzzer_util.h"
#include "sim/scenario_runner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ferry::fuzz::WriteScenarioInput(data, size);
  absl::StatusOr<ferry::sim::LoadedScenario> loaded = ferry::sim::LoadScenario(path);
  if (!loaded.ok()) return 0;
  ferry::scenario::Scenario& s = loaded->scenario;
  if (s.world().node_size() > 4 || s.world().running_vm_size() > 4 || s.action_size() > 24 ||
      s.world().manifest_size() > 16) {
    return 0;
  }
  constexpr double kMaxSeconds = 600;
  if (!(s.max_seconds() > 0 && s.max_seconds() <= kMaxSeconds)) s.set_max_seconds(kMaxSeconds);
  ferry::scenario::Liveness* live = s.mutable_liveness();
  if (!(live->bound_seconds() > 0 && live->bound_seconds() <= kMaxSeconds)) {
    live->set_bound_seconds(kMaxSeconds);
  }
  if (!(live->heal_at_seconds() >= 0 && live->heal_at_seconds() <= kMaxSeconds)) {
    live->set_heal_at_seconds(kMaxSeconds);
  }
  const ferry::sim::ScenarioResult first = ferry::sim::RunScenario(*loaded, {});
  const ferry::sim::ScenarioResult second = ferry::sim::RunScenario(*loaded, {});
  FUZZ_CHECK(first.trace_hash == second.trace_hash && first.passed == second.passed &&
                 first.violation == second.violation && first.events == second.events,
             "two runs of the same scenario differ: trace " << first.trace_hash << " vs "
                                                            << second.trace_hash << ", events "
                                                            << first.events << " vs " << second.events);
  return 0;
}
