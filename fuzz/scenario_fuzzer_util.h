// Scenario fuzz targets read scenario files by path, and scenarios name
// manifests by relative path ("world/cluster.yaml", "../lun/world/plan-db.yaml",
// "../../examples/..."). So that an input written like any scenario in the
// repo finds them, the first call copies scenarios/ and examples/ (found in
// the working directory: the repo root, or a test's runfiles) into a private
// temporary folder with a WORKSPACE file (the tree's root, so "../" paths
// stay inside it: sim/scenario_files.h), adds scenarios/fuzz/ with the union
// of the storage and LUN worlds' world/ and vms/ folders, and every input is
// written to scenarios/fuzz/input.textproto there.
#ifndef FERRY_FUZZ_SCENARIO_FUZZER_UTIL_H_
#define FERRY_FUZZ_SCENARIO_FUZZER_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace ferry::fuzz {

// The path of a file now holding exactly `data`; aborts if it cannot write.
std::string WriteScenarioInput(const uint8_t* data, size_t size);

}  // namespace ferry::fuzz

#endif  // FERRY_FUZZ_SCENARIO_FUZZER_UTIL_H_
