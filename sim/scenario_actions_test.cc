#include "sim/scenario_actions.h"

#include <string>

#include "api/core.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "sim/coverage.h"

namespace ferry::sim {
namespace {

using ::testing::HasSubstr;

constexpr char kClaim[] = R"(
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
)";

scenario::Action ActionOf(const std::string& text) {
  scenario::Action a;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &a)) << text;
  return a;
}

class ScenarioActionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(world_.AddNode("node-a").ok());
    ASSERT_TRUE(world_.AddNode("node-b").ok());
  }

  World world_{World::Options{}};
  Coverage coverage_{world_};
  bool observing_ = false;
  ArmedFaults faults_{world_, coverage_, &observing_};
  ScenarioFiles files_;
  ScenarioActions actions_{world_, files_, faults_, &observing_};
};

TEST_F(ScenarioActionsTest, ApplyCreatesTheObjectsAndErrorsNameWhere) {
  ASSERT_TRUE(actions_.Apply("world.manifest[0]", kClaim).ok());
  EXPECT_TRUE(world_.api().Get({"PersistentVolumeClaim", "default", "data"}).ok());
  const absl::Status bad = actions_.Apply(
      "action[2].apply", "{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: Bad_Name}}");
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.message(), HasSubstr("action[2].apply"));
}

TEST_F(ScenarioActionsTest, StaleReadsLagTheirKindForTheProcessesOnlyUntilTheHeal) {
  const fakes::FakeKubeApi::Call pod_read{"get", {"Pod", "default", "p"}};
  const fakes::FakeKubeApi::Call claim_read{"get", {"PersistentVolumeClaim", "default", "d"}};
  EXPECT_EQ(actions_.StaleLag(pod_read), absl::ZeroDuration());
  ASSERT_TRUE(actions_.Perform(ActionOf("stale_reads { lag_seconds: 2 kind: \"Pod\" }"), "action[0]").ok());
  EXPECT_EQ(actions_.StaleLag(pod_read), absl::Seconds(2));
  EXPECT_EQ(actions_.StaleLag(claim_read), absl::ZeroDuration()) << "another kind is current";
  {
    Observing scope(&observing_);
    EXPECT_EQ(actions_.StaleLag(pod_read), absl::ZeroDuration()) << "the harness reads the present";
  }
  actions_.Heal();
  EXPECT_EQ(actions_.StaleLag(pod_read), absl::ZeroDuration());
  EXPECT_THAT(actions_.Perform(ActionOf("stale_reads { lag_seconds: 0 }"), "action[1]").message(),
              HasSubstr("stale_reads.lag_seconds: must be above 0"));
}

TEST_F(ScenarioActionsTest, ASlowLinkRecoversAtTheHealAndABadFactorIsRefused) {
  ASSERT_TRUE(actions_.Perform(ActionOf("slow_link { factor: 0.25 }"), "action[0]").ok());
  EXPECT_EQ(world_.fabric().link_factor(), 0.25);
  actions_.Heal();
  EXPECT_EQ(world_.fabric().link_factor(), 1);
  EXPECT_THAT(actions_.Perform(ActionOf("slow_link { factor: 1.5 }"), "action[1]").message(),
              HasSubstr("slow_link.factor: 1.5 is not in (0, 1]"));
  EXPECT_EQ(world_.fabric().link_factor(), 1) << "a refused action changes nothing";
}

TEST_F(ScenarioActionsTest, ActionsOnThingsThatAreNotThereSayWhichField) {
  EXPECT_THAT(actions_.Perform(ActionOf("partition { a: \"node-a\" b: \"node-z\" }"), "action[0]")
                  .message(),
              HasSubstr("partition: no node \"node-z\""));
  EXPECT_THAT(actions_.Perform(ActionOf("fill_claim: \"default/nothing\""), "action[1]").message(),
              HasSubstr("fill_claim: no claim default/nothing"));
  EXPECT_THAT(actions_.Perform(ActionOf("fill_claim: \"no-namespace\""), "action[2]").message(),
              HasSubstr("fill_claim: \"no-namespace\" is not \"namespace/name\""));
  EXPECT_THAT(actions_.Perform(ActionOf("delete: \"Pod\""), "action[3]").message(),
              HasSubstr("delete: \"Pod\" is not \"Kind/namespace/name\""));
  EXPECT_THAT(actions_.Perform(ActionOf("duplicate_domain { vmi: \"default/vm\" node: \"node-b\" }"),
                               "action[4]")
                  .message(),
              HasSubstr("duplicate_domain: default_vm runs nowhere"));
  EXPECT_THAT(actions_.Perform(scenario::Action(), "action[5]").message(),
              HasSubstr("the action does nothing"));
}

TEST_F(ScenarioActionsTest, ReplaceStatusWritesOnlyTheStatus) {
  ASSERT_TRUE(actions_.Apply("world.manifest[0]", kClaim).ok());
  const absl::Status st = actions_.Perform(
      ActionOf("replace_status: \"{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: "
               "data}, status: {phase: Lost}}\""),
      "action[0]");
  ASSERT_TRUE(st.ok()) << st;
  absl::StatusOr<ports::ObjectPtr> got = world_.api().Get({"PersistentVolumeClaim", "default", "data"});
  ASSERT_TRUE(got.ok());
  const auto claim = ports::As<k8s::PersistentVolumeClaim>(*got);
  EXPECT_EQ(claim->status().phase(), "Lost");
  EXPECT_EQ(claim->spec().access_modes(0), "ReadWriteOnce");
}

}  // namespace
}  // namespace ferry::sim
