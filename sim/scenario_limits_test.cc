#include "sim/scenario_limits.h"

#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace ferry::sim {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

scenario::Scenario Parse(const std::string& text) {
  scenario::Scenario s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &s)) << text;
  return s;
}

std::string Error(const std::string& text) {
  return std::string(CheckScenarioLimits(Parse(text)).message());
}

std::set<std::string> Keys(const auto& table) {
  std::set<std::string> keys;
  for (const auto& entry : table) keys.insert(std::string(entry.field));
  return keys;
}

// A new number or list in sim/scenario.proto needs its range here (and in
// docs/scenarios.md); a range for a field that no longer exists is stale.
TEST(ScenarioLimits, EveryNumberHasARangeAndEveryListALimit) {
  const std::set<std::string> ranges = Keys(ScenarioFieldRanges());
  const std::set<std::string> entries = Keys(ScenarioEntryLimits());
  std::set<std::string> numbers, lists;
  const google::protobuf::FileDescriptor* file = scenario::Scenario::descriptor()->file();
  for (int i = 0; i < file->message_type_count(); ++i) {
    const Descriptor* d = file->message_type(i);
    for (int j = 0; j < d->field_count(); ++j) {
      const FieldDescriptor* f = d->field(j);
      const std::string key = d->name() + "." + f->name();
      if (f->is_repeated()) lists.insert(key);
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE &&
          f->cpp_type() != FieldDescriptor::CPPTYPE_STRING &&
          f->cpp_type() != FieldDescriptor::CPPTYPE_BOOL) {
        numbers.insert(key);
      }
    }
  }
  EXPECT_EQ(ranges, numbers);
  EXPECT_EQ(entries, lists);
  EXPECT_EQ(ranges.size(), ScenarioFieldRanges().size()) << "a field is listed twice";
}

// One message holding `value` in the range's field.
std::unique_ptr<google::protobuf::Message> With(const FieldRange& range, double value) {
  const std::string field(range.field);
  const Descriptor* d = google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
      "ferry.scenario." + field.substr(0, field.find('.')));
  std::unique_ptr<google::protobuf::Message> m(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(d)->New());
  const auto* r = m->GetReflection();
  auto set = [&](const FieldDescriptor* f, double v) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        r->SetInt32(m.get(), f, static_cast<int32_t>(v));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        r->SetInt64(m.get(), f, static_cast<int64_t>(v));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        r->SetUInt64(m.get(), f, static_cast<uint64_t>(v));
        break;
      default:
        r->SetDouble(m.get(), f, v);
        break;
    }
  };
  // The message's other numbers at their lowest (a slow_link's factor
  // cannot be 0), then the one under test.
  for (const FieldRange& other : ScenarioFieldRanges()) {
    const std::string name(other.field);
    if (name.substr(0, name.find('.')) == d->name() && !other.zero_is_default) {
      set(d->FindFieldByName(name.substr(name.find('.') + 1)), other.lo);
    }
  }
  set(d->FindFieldByName(field.substr(field.find('.') + 1)), value);
  return m;
}

TEST(ScenarioLimits, EachRangeHoldsItsBoundsAndRefusesJustPastThemNanAndInfinity) {
  for (const FieldRange& range : ScenarioFieldRanges()) {
    if (range.field == "Scenario.seed") continue;  // any uint64
    const bool integer = range.field.find("count") != absl::string_view::npos ||
                         range.field == "OvirtDisk.lun_mapping" ||
                         range.field == "OvirtDisk.logical_units" ||
                         range.field == "OvirtDisk.port" ||
                         range.field == "Expect.min_acknowledged_writes";
    SCOPED_TRACE(range.field);
    EXPECT_TRUE(CheckMessageLimits(*With(range, range.lo), "x").ok());
    EXPECT_TRUE(CheckMessageLimits(*With(range, range.hi), "x").ok());
    EXPECT_EQ(CheckMessageLimits(*With(range, 0), "x").ok(),
              range.lo == 0 || range.zero_is_default);
    const double above = integer ? range.hi + 1 : std::nextafter(range.hi, kInf);
    const absl::Status st = CheckMessageLimits(*With(range, above), "x");
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(st.message(), HasSubstr("is out of range"));
    EXPECT_FALSE(CheckMessageLimits(*With(range, -1), "x").ok());
    if (!integer) {
      if (range.lo > 0) {
        EXPECT_FALSE(CheckMessageLimits(*With(range, range.lo / 2), "x").ok());
      }
      EXPECT_FALSE(CheckMessageLimits(*With(range, kNan), "x").ok());
      EXPECT_FALSE(CheckMessageLimits(*With(range, kInf), "x").ok());
      EXPECT_FALSE(CheckMessageLimits(*With(range, -kInf), "x").ok());
    }
  }
}

// The values of the issue (each hung, exploded or was silently taken as 0),
// refused with the field's path, the value and the range.
TEST(ScenarioLimits, OutOfRangeNamesTheFieldTheValueAndTheRange) {
  const std::string world = "world { node: \"a\" ";
  const struct {
    std::string text;
    std::string error;
  } cases[] = {
      {world + "running_vm { name: \"v\" } running_vm { name: \"w\" write_mib_per_s: 1e9 } }",
       "world.running_vm[1].write_mib_per_s: 1e+09 is out of range [0, 10000] MiB/s"},
      {world + "running_vm { name: \"v\" write_mib_per_s: nan } }",
       "world.running_vm[0].write_mib_per_s: nan is out of range [0, 10000] MiB/s"},
      {world + "running_vm { name: \"v\" memory_mib: -inf } }",
       "world.running_vm[0].memory_mib: -inf is out of range 0 (the default) or [1, 16777216] MiB"},
      {world + "link_mib_per_s: inf }", "world.link_mib_per_s: inf is out of range"},
      {world + "} tuning { controller_period_s: 1e-9 }",
       "tuning.controller_period_s: 1e-09 is out of range 0 (the default) or [0.01, 3600] s"},
      {world + "} liveness { bound_seconds: nan }",
       "liveness.bound_seconds: nan is out of range [0, 604800] s"},
      {world + "} liveness { heal_at_seconds: 1e18 }",
       "liveness.heal_at_seconds: 1e+18 is out of range [0, 604800] s"},
      {world + "} action { at_seconds: 1 stale_reads { lag_seconds: 1e300 } }",
       "action[0].stale_reads.lag_seconds: 1e+300 is out of range [0.001, 3600] s"},
      {world + "ovirt { disk { id: \"d\" wwid: \"w\" logical_units: 2147483647 } } }",
       "world.ovirt.disk[0].logical_units: 2147483647 is out of range 0 (the default) or [1, 64]"},
      {world + "} action { at_seconds: nan node_down: \"a\" }",
       "action[0].at_seconds: nan is out of range [0, 604800] s"},
      {world + "} action { at_seconds: 1e18 node_down: \"a\" }",
       "action[0].at_seconds: 1e+18 is out of range"},
      {world + "} action { at_seconds: 1 slow_link { seconds: 5 } }",
       "action[0].slow_link.factor: 0 is out of range [0.001, 1]"},
      {world + "} action { api_fault { verb: \"get\" count: -1 } }",
       "action[0].api_fault.count: -1 is out of range [0, 1000000]"},
      {world + "} expect { min_acknowledged_writes: -5 }",
       "expect.min_acknowledged_writes: -5 is out of range [0, 1e+12] blocks"},
      {world + "ovirt { disk { id: \"d\" wwid: \"w\" size_gib: 8.6e9 } } }",
       "world.ovirt.disk[0].size_gib: 8.6e+09 is out of range [0, 1048576] GiB"},
  };
  for (const auto& c : cases) EXPECT_THAT(Error(c.text), StartsWith(c.error)) << c.text;
}

TEST(ScenarioLimits, ListsAndTotalsThatMultiplyAreBounded) {
  std::string nodes;
  for (int i = 0; i <= 5000; ++i) nodes += "node: \"n\" ";
  EXPECT_EQ(Error("world { " + nodes + "}"), "world.node: 5001 entries, at most 5000");

  std::string world = "world { ";
  for (int i = 0; i < 1000; ++i) world += "node: \"n\" ";
  for (int i = 0; i < 101; ++i) world += "running_vm { name: \"v\" } ";
  EXPECT_EQ(Error(world + "}"),
            "world.node x (world.running_vm + world.ovirt.vm): 101000 is above 100000");

  std::string luns = "world { node: \"a\" ovirt { ";
  for (int i = 0; i < 1563; ++i) luns += "disk { id: \"d\" logical_units: 64 } ";
  EXPECT_EQ(
      Error(luns + "} }"),
      "logical units of world.ovirt.disk (logical_units, 1 when unset): 100032 is above 100000");

  std::string writes = "world { node: \"a\" ";
  for (int i = 0; i < 11; ++i) writes += "running_vm { name: \"v\" write_mib_per_s: 10000 } ";
  EXPECT_EQ(Error(writes + "}"),
            "the sum of world.running_vm[].write_mib_per_s: 110000 is above 100000 MiB/s");
}

TEST(ScenarioLimits, AValidScenarioPasses) {
  EXPECT_TRUE(CheckScenarioLimits(
                  Parse("seed: 18446744073709551615 max_seconds: 604800 world { node: \"a\" "
                        "running_vm { name: \"v\" write_mib_per_s: 2048 memory_mib: 16777216 } } "
                        "tuning { controller_period_s: 0.01 } "
                        "action { at_seconds: 299.4 slow_link { factor: 0.001 } }"))
                  .ok());
}

}  // namespace
}  // namespace ferry::sim
