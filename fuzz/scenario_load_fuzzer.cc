// The scenario loader on any bytes: no crash, no hang; a refusal names the
// file, and a scenario it accepts has at least one node (the loader's own
// promise, so the runner can rely on it).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "fuzz/check.h"
#include "fuzz/scenario_fuzzer_util.h"
#include "sim/scenario_runner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ferry::fuzz::WriteScenarioInput(data, size);
  absl::StatusOr<ferry::sim::LoadedScenario> loaded = ferry::sim::LoadScenario(path);
  if (!loaded.ok()) {
    FUZZ_CHECK(absl::StrContains(loaded.status().message(), "input.textproto"),
               "a refusal that does not name the file: " << loaded.status());
    return 0;
  }
  FUZZ_CHECK(loaded->scenario.world().node_size() > 0, "a scenario with no node was accepted");
  return 0;
}
