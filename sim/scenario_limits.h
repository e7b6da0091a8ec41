// The range of every number in a scenario (sim/scenario.proto), and bounds on
// the totals that multiply, so that a file that loads runs in bounded memory
// and time. Out of range is an error naming the field; NaN and infinities
// are never in range. docs/scenarios.md ("Ranges") lists the same table.
//
//   RETURN_IF_ERROR(CheckScenarioLimits(scenario));
//   // "world.running_vm[2].write_mib_per_s: 1e+09 is out of range [0, 10000] MiB/s"
//
// Every numeric field of the schema has a FieldRange and every repeated field
// an EntryLimit (scenario_limits_test checks the schema against the tables;
// a field missing from them is refused, never let through).
#ifndef FERRY_SIM_SCENARIO_LIMITS_H_
#define FERRY_SIM_SCENARIO_LIMITS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "sim/scenario.pb.h"

namespace ferry::sim {

// A numeric field's range: lo <= value <= hi, or exactly 0 when zero_is_default
// (the field unset: its documented default applies).
struct FieldRange {
  absl::string_view
      field;  // "<message>.<field>" of sim/scenario.proto: "RunningVm.write_mib_per_s"
  double lo;
  double hi;
  absl::string_view unit;  // "s", "MiB/s"...; "" for a count
  bool zero_is_default = false;
};

// A repeated field holds at most `max` entries.
struct EntryLimit {
  absl::string_view field;  // "World.node"
  int max;
};

// A total over the whole scenario that multiplies its cost (nodes times VMs:
// every process pass reads every VM).
struct TotalLimit {
  absl::string_view what;  // "world.node x (world.running_vm + world.ovirt.vm)"
  double max;
  absl::string_view unit;
  std::function<double(const scenario::Scenario&)> of;
};

const std::vector<FieldRange>& ScenarioFieldRanges();
const std::vector<EntryLimit>& ScenarioEntryLimits();
const std::vector<TotalLimit>& ScenarioTotalLimits();

// InvalidArgument "<field path>: <value> is out of range [lo, hi] unit" for
// the first number out of range (in field order), "<field path>: N entries,
// at most M" for a repeated field, or "<what>: N is above M" for a total.
absl::Status CheckScenarioLimits(const scenario::Scenario& scenario);

// The field ranges and entry limits for one part of a scenario (a RunningVm,
// an Ovirt engine), paths prefixed with `where`: the world builder checks
// what it is given even when no file was loaded (generated runs).
absl::Status CheckMessageLimits(const google::protobuf::Message& message, absl::string_view where);

}  // namespace ferry::sim

#endif  // FERRY_SIM_SCENARIO_LIMITS_H_
