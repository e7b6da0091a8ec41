#include "sim/scenario_limits.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace ferry::sim {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Every time and duration of a scenario: a simulated week covers every real
// run (the longest in scenarios/ and the swarm's draws are minutes; a crash
// "forever" in the swarm's tests is 100000 s). The run's own bound
// (max_seconds, or the liveness heal plus its bound) is then at most two
// weeks of simulated time.
constexpr double kWeek = 7 * 24 * 3600;

// The ranges, in the order of sim/scenario.proto. Why each bound:
// periods below 10 ms make millions of passes per simulated minute; writes
// are simulated block by block (1 MiB each); sizes stop at 1 PiB, the fake
// fabric's largest volume (fakes/libvirt/disk_image.h); memory at 16 TiB.
const std::vector<FieldRange>& Ranges() {
  static const auto* ranges = new std::vector<FieldRange>{
      {"Scenario.seed", 0, 18446744073709551615.0, ""},  // any
      {"Scenario.max_seconds", 0, kWeek, "s"},
      {"Liveness.heal_at_seconds", 0, kWeek, "s"},
      {"Liveness.bound_seconds", 0, kWeek, "s"},
      {"World.link_mib_per_s", 1, 1e6, "MiB/s", /*zero_is_default=*/true},
      {"ContainerImage.size_gib", 0.001, 1048576, "GiB", /*zero_is_default=*/true},
      {"Ovirt.stop_seconds", 0, kWeek, "s"},
      {"OvirtDisk.lun_mapping", 0, 16383, ""},
      {"OvirtDisk.size_gib", 0, 1048576, "GiB"},
      {"OvirtDisk.logical_units", 1, 64, "", /*zero_is_default=*/true},
      {"OvirtDisk.port", 1, 65535, "", /*zero_is_default=*/true},
      {"RunningVm.memory_mib", 1, 16777216, "MiB", /*zero_is_default=*/true},
      {"RunningVm.write_mib_per_s", 0, 10000, "MiB/s"},
      {"RunningVm.working_set_mib", 1, 1048576, "MiB", /*zero_is_default=*/true},
      {"RunningVm.memory_dirty_mib_per_s", 0, 1e6, "MiB/s"},
      {"Tuning.completion_timeout_per_gib_s", 0, kWeek, "s"},
      {"Tuning.destination_wait_timeout_s", 0, kWeek, "s"},
      {"Tuning.target_start_timeout_s", 0, kWeek, "s"},
      {"Tuning.controller_period_s", 0.01, 3600, "s", /*zero_is_default=*/true},
      {"Tuning.agent_period_s", 0.01, 3600, "s", /*zero_is_default=*/true},
      {"Tuning.progress_timeout_s", 1, kWeek, "s", /*zero_is_default=*/true},
      {"Action.at_seconds", 0, kWeek, "s"},
      {"Action.delay_seconds", 0, kWeek, "s"},
      {"Partition.seconds", 0, kWeek, "s"},
      {"SlowLink.factor", 0.001, 1, ""},
      {"SlowLink.seconds", 0, kWeek, "s"},
      {"StaleReads.lag_seconds", 0.001, 3600, "s"},
      {"StaleReads.seconds", 0, kWeek, "s"},
      {"Crash.down_seconds", 0, kWeek, "s"},
      {"ApiFault.count", 0, 1000000, ""},
      {"ApiFault.delay_seconds", 0, kWeek, "s"},
      {"LibvirtFault.count", 0, 1000000, ""},
      {"LibvirtFault.delay_seconds", 0, kWeek, "s"},
      {"OvirtFault.count", 0, 1000000, ""},
      {"OvirtFault.delay_seconds", 0, kWeek, "s"},
      {"Expect.min_acknowledged_writes", 0, 1e12, "blocks"},
  };
  return *ranges;
}

const std::vector<EntryLimit>& Entries() {
  static const auto* entries = new std::vector<EntryLimit>{
      {"Scenario.action", 10000},    {"World.node", 5000},         {"World.manifest", 10000},
      {"World.manifest_file", 1000}, {"World.running_vm", 1000},   {"Ovirt.disk", 10000},
      {"World.container_image", 1000},
      {"Ovirt.vm", 10000},           {"OvirtVm.attachment", 1000}, {"Expect.migration", 10000},
      {"Expect.field", 10000},       {"Expect.same_spec", 1000},   {"Expect.absent", 10000},
      {"Expect.present", 10000},     {"Expect.ovirt_vm", 10000},   {"OvirtVmState.attached", 1000},
  };
  return *entries;
}

const std::vector<TotalLimit>& Totals() {
  using scenario::Scenario;
  static const auto* totals = new std::vector<TotalLimit>{
      // Every agent's pass reads every VM, and the checkers read every
      // guest after every event.
      {"world.node x (world.running_vm + world.ovirt.vm)", 100000, "",
       [](const Scenario& s) {
         return static_cast<double>(s.world().node_size()) *
                (s.world().running_vm_size() + s.world().ovirt().vm_size());
       }},
      {"logical units of world.ovirt.disk (logical_units, 1 when unset)", 100000, "",
       [](const Scenario& s) {
         double n = 0;
         for (const auto& d : s.world().ovirt().disk()) n += std::max(d.logical_units(), 1);
         return n;
       }},
      {"attachments of world.ovirt.vm", 100000, "",
       [](const Scenario& s) {
         double n = 0;
         for (const auto& vm : s.world().ovirt().vm()) n += vm.attachment_size();
         return n;
       }},
      // Simulated block by block: this many 1 MiB writes per simulated second.
      {"the sum of world.running_vm[].write_mib_per_s", 100000, "MiB/s",
       [](const Scenario& s) {
         double n = 0;
         for (const auto& vm : s.world().running_vm()) n += vm.write_mib_per_s();
         return n;
       }},
      // Each file is read whole (up to --max-input-size).
      {"files named (world.manifest_file, action[].apply_file, expect.same_spec)", 1000, "",
       [](const Scenario& s) {
         double n = s.world().manifest_file_size() + s.expect().same_spec_size();
         for (const auto& a : s.action()) n += a.has_apply_file() ? 1 : 0;
         return n;
       }},
  };
  return *totals;
}

// Whole numbers up to ten million in digits ("1000000", "604800"), anything
// else as the shortest text that reads back as it ("1e+09", "0.01", "nan").
std::string Number(double value) {
  if (std::fabs(value) <= 1e7 && value == std::trunc(value)) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  char buffer[64];
  const std::to_chars_result end = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end.ptr);
}

std::string RangeText(const FieldRange& r) {
  const std::string range =
      absl::StrCat("[", Number(r.lo), ", ", Number(r.hi), "]", r.unit.empty() ? "" : " ", r.unit);
  return r.zero_is_default ? absl::StrCat("0 (the default) or ", range) : range;
}

bool InRange(const FieldRange& r, double value) {
  // NaN fails both comparisons; infinities fail one of them.
  return (value >= r.lo && value <= r.hi) || (r.zero_is_default && value == 0);
}

std::string Key(const FieldDescriptor& f) {
  return absl::StrCat(f.containing_type()->name(), ".", f.name());
}

bool Numeric(const FieldDescriptor& f) {
  switch (f.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_ENUM:
      return true;
    default:
      return false;
  }
}

// A numeric field's value as a double: exact for every value a range can
// admit (the int64 bounds are below 2^53; any uint64 seed is in range).
double ValueOf(const Message& m, const FieldDescriptor& f, int index) {
  const Reflection& r = *m.GetReflection();
  const bool rep = f.is_repeated();
  switch (f.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return rep ? r.GetRepeatedInt32(m, &f, index) : r.GetInt32(m, &f);
    case FieldDescriptor::CPPTYPE_INT64:
      return static_cast<double>(rep ? r.GetRepeatedInt64(m, &f, index) : r.GetInt64(m, &f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return rep ? r.GetRepeatedUInt32(m, &f, index) : r.GetUInt32(m, &f);
    case FieldDescriptor::CPPTYPE_UINT64:
      return static_cast<double>(rep ? r.GetRepeatedUInt64(m, &f, index) : r.GetUInt64(m, &f));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return rep ? r.GetRepeatedFloat(m, &f, index) : r.GetFloat(m, &f);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return rep ? r.GetRepeatedDouble(m, &f, index) : r.GetDouble(m, &f);
    case FieldDescriptor::CPPTYPE_ENUM:
      return rep ? r.GetRepeatedEnumValue(m, &f, index) : r.GetEnumValue(m, &f);
    default:
      return 0;
  }
}

// `table` by field key. Each table has its own index (FindRange,
// FindEntry), built once.
template <typename Limit>
const absl::flat_hash_map<std::string, const Limit*>* IndexOf(const std::vector<Limit>& table) {
  auto* index = new absl::flat_hash_map<std::string, const Limit*>;
  for (const Limit& l : table) (*index)[std::string(l.field)] = &l;
  return index;
}

template <typename Limit>
const Limit* Lookup(const absl::flat_hash_map<std::string, const Limit*>& index,
                    const std::string& key) {
  auto it = index.find(key);
  return it == index.end() ? nullptr : it->second;
}

const FieldRange* FindRange(const std::string& key) {
  static const auto* index = IndexOf(Ranges());
  return Lookup(*index, key);
}

const EntryLimit* FindEntry(const std::string& key) {
  static const auto* index = IndexOf(Entries());
  return Lookup(*index, key);
}

absl::Status CheckNumber(const FieldRange* range, const FieldDescriptor& f, double value,
                         const std::string& path) {
  if (range == nullptr) {
    return absl::InternalError(
        absl::StrCat(path, ": no range for ", Key(f), " (add it to sim/scenario_limits.cc)"));
  }
  if (InRange(*range, value)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": ", Number(value), " is out of range ", RangeText(*range)));
}

// Every field of `m` (set or not: an unset number is 0, which must be in
// range too, e.g. a slow_link without its factor), and the messages in it.
absl::Status Walk(const Message& m, const std::string& where) {
  const auto& d = *m.GetDescriptor();
  const Reflection& r = *m.GetReflection();
  for (int i = 0; i < d.field_count(); ++i) {
    const FieldDescriptor& f = *d.field(i);
    const std::string path = where.empty() ? f.name() : absl::StrCat(where, ".", f.name());
    const bool message = f.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (f.is_repeated()) {
      const int n = r.FieldSize(m, &f);
      const EntryLimit* limit = FindEntry(Key(f));
      if (limit == nullptr) {
        return absl::InternalError(absl::StrCat(path, ": no entry limit for ", Key(f),
                                                " (add it to sim/scenario_limits.cc)"));
      }
      if (n > limit->max) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": ", n, " entries, at most ", limit->max));
      }
      for (int k = 0; k < n; ++k) {
        const std::string at = absl::StrCat(path, "[", k, "]");
        if (message) {
          RETURN_IF_ERROR(Walk(r.GetRepeatedMessage(m, &f, k), at));
        } else if (Numeric(f)) {
          RETURN_IF_ERROR(CheckNumber(FindRange(Key(f)), f, ValueOf(m, f, k), at));
        }
      }
    } else if (message) {
      if (r.HasField(m, &f)) RETURN_IF_ERROR(Walk(r.GetMessage(m, &f), path));
    } else if (Numeric(f)) {
      RETURN_IF_ERROR(CheckNumber(FindRange(Key(f)), f, ValueOf(m, f, 0), path));
    }
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<FieldRange>& ScenarioFieldRanges() { return Ranges(); }
const std::vector<EntryLimit>& ScenarioEntryLimits() { return Entries(); }
const std::vector<TotalLimit>& ScenarioTotalLimits() { return Totals(); }

absl::Status CheckMessageLimits(const Message& message, absl::string_view where) {
  return Walk(message, std::string(where));
}

absl::Status CheckScenarioLimits(const scenario::Scenario& scenario) {
  RETURN_IF_ERROR(Walk(scenario, ""));
  for (const TotalLimit& t : Totals()) {
    const double n = t.of(scenario);
    if (n > t.max) {
      return absl::InvalidArgumentError(absl::StrCat(
          t.what, ": ", Number(n), " is above ", Number(t.max), t.unit.empty() ? "" : " ", t.unit));
    }
  }
  return absl::OkStatus();
}

}  // namespace ferry::sim
