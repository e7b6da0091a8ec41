#include "sim/scenario_judge.h"

#include <string>

#include "api/kubevirt.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace ferry::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class ScenarioJudgeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(world_.AddNode("node-a").ok()); }

  // A migration as the API holds it: created, then given `phase`.
  void Migration(const std::string& name, const std::string& phase) {
    kubevirt::VirtualMachineInstanceMigration m;
    m.mutable_metadata()->set_name(name);
    m.mutable_metadata()->set_namespace_("default");
    m.mutable_spec()->set_vmi_name("vm");
    absl::StatusOr<ports::ObjectPtr> created = world_.api().Create(m);
    ASSERT_TRUE(created.ok()) << created.status();
    m = *ports::As<kubevirt::VirtualMachineInstanceMigration>(*created);
    m.mutable_status()->set_phase(phase);
    ASSERT_TRUE(world_.api().UpdateStatus(m).ok());
  }

  scenario::Expect ExpectOf(const std::string& text) {
    scenario::Expect e;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &e)) << text;
    return e;
  }

  World world_{World::Options{}};
  ScenarioFiles files_;
};

TEST_F(ScenarioJudgeTest, AMigrationInFlightIsNotTerminalAndSaysItsPhase) {
  EXPECT_TRUE(AllTerminal(world_));
  EXPECT_THAT(NotTerminal(world_), IsEmpty());
  Migration("m", "Running");
  EXPECT_FALSE(AllTerminal(world_));
  EXPECT_THAT(NotTerminal(world_),
              ElementsAre("VirtualMachineInstanceMigration default/m in phase Running"));
}

TEST_F(ScenarioJudgeTest, EachUnmetExpectationIsOneFailureSayingWhatAndWhy) {
  Migration("m", "Failed");
  const scenario::Expect e = ExpectOf(R"(
    migration { name: "m" phase: "Succeeded" }
    migration { name: "gone" phase: "Deleted" }
    field { object: "VirtualMachineInstanceMigration/default/m" path: "/status/phase" equals: "Succeeded" }
    field { object: "VirtualMachineInstanceMigration/default/m" path: "/spec/vmiName" equals: "vm" }
    absent: "VirtualMachineInstanceMigration/default/m"
    present: "Pod/default/nothing"
    min_acknowledged_writes: 1
  )");
  EXPECT_THAT(
      JudgeExpectations(e, world_, files_),
      ElementsAre("migration default/m: phase Failed, expected Succeeded",
                  "VirtualMachineInstanceMigration/default/m /status/phase: \"Failed\", expected "
                  "\"Succeeded\"",
                  "VirtualMachineInstanceMigration/default/m: expected absent, it exists",
                  "Pod/default/nothing: expected present, it is not",
                  "the guests wrote 0 acknowledged blocks, expected at least 1"));
}

TEST_F(ScenarioJudgeTest, MetExpectationsAreNoFailure) {
  Migration("m", "Succeeded");
  const scenario::Expect e = ExpectOf(R"(
    migration { name: "m" phase: "Succeeded" }
    field { object: "VirtualMachineInstanceMigration/default/m" path: "/status/phase" equals: "Succeeded" }
    present: "VirtualMachineInstanceMigration/default/m"
    absent: "Pod/default/nothing"
  )");
  EXPECT_THAT(JudgeExpectations(e, world_, files_), IsEmpty());
}

}  // namespace
}  // namespace ferry::sim
