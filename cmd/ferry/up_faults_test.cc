// UpFaults arms a world file's cluster faults at their time on the world's
// clock, so ferry up can serve a platform that is broken; the actions it
// does not run are named.
#include "cmd/ferry/up_faults.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/core.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/scenario_loader.h"
#include "sim/world_builder.h"

namespace ferry::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A static PV and a claim that fits it: the cluster model's PV controller
// binds them at once, unless its PersistentVolume updates fail.
constexpr char kWorld[] = R"pb(
  world {
    node: "node-a"
    manifest: "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-1}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  storageClassName: \"\"\n  hostPath: {path: /srv/pv-1}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: default}\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: \"\"\n  resources: {requests: {storage: 1Gi}}\n"
  }
)pb";

class UpFaultsTest : public ::testing::Test {
 protected:
  void Build(const std::string& actions) {
    absl::StatusOr<sim::LoadedScenario> loaded =
        sim::LoadScenarioText("test world", absl::StrCat(kWorld, actions));
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    scenario_ = loaded->scenario;
    world_ = std::make_unique<sim::World>(sim::WorldOptionsOf(scenario_));
    ASSERT_TRUE(sim::BuildWorld(scenario_, loaded->files, *world_).ok());
    faults_ = std::make_unique<UpFaults>(
        *world_, scenario_, [this](const std::string& line) { log_.push_back(line); });
    world_->Start();
  }
  // The claim's phase, "" while the binder has not touched it.
  std::string ClaimPhase() {
    absl::StatusOr<ports::ObjectPtr> got =
        world_->api().Get({"PersistentVolumeClaim", "default", "data"});
    return got.ok() ? ports::As<k8s::PersistentVolumeClaim>(*got)->status().phase() : "(gone)";
  }

  scenario::Scenario scenario_;
  std::unique_ptr<sim::World> world_;
  std::unique_ptr<UpFaults> faults_;
  std::vector<std::string> log_;
};

TEST_F(UpFaultsTest, WithoutFaultsTheClaimBinds) {
  Build("");
  world_->sim().RunFor(absl::Seconds(30));
  EXPECT_EQ(ClaimPhase(), "Bound");
  EXPECT_THAT(log_, IsEmpty());
  EXPECT_THAT(UpFaults::NotRun(scenario_), IsEmpty());
}

TEST_F(UpFaultsTest, AClusterFaultOnPvUpdatesKeepsTheClaimPending) {
  Build(R"pb(action {
               at_seconds: 0
               api_fault { verb: "update" kind: "PersistentVolume" code: "Internal" count: 100000 cluster: true }
             })pb");
  world_->sim().RunFor(absl::Minutes(2));
  EXPECT_EQ(ClaimPhase(), "");
  EXPECT_THAT(log_, ElementsAre("action[0]: the cluster model's next 100000 update call(s) of "
                                "PersistentVolume fail (Internal)"));
  EXPECT_THAT(UpFaults::NotRun(scenario_), IsEmpty());
}

TEST_F(UpFaultsTest, AFaultIsArmedAtItsTimeAndEndsWithItsCount) {
  // Armed after the claim bound: nothing changes, but it is logged at 30 s.
  Build(R"pb(action {
               at_seconds: 20
               delay_seconds: 10
               api_fault { verb: "update" kind: "PersistentVolume" count: 2 cluster: true }
             })pb");
  world_->sim().RunFor(absl::Seconds(29));
  EXPECT_THAT(log_, IsEmpty());
  EXPECT_EQ(ClaimPhase(), "Bound");
  world_->sim().RunFor(absl::Seconds(2));
  EXPECT_THAT(log_, ElementsAre("action[0]: the cluster model's next 2 update call(s) of "
                                "PersistentVolume fail (Unavailable)"));
}

TEST_F(UpFaultsTest, AFaultForFerrysProcessesIsNotRunAndSaysSo) {
  Build(R"pb(action {
               at_seconds: 0
               api_fault { verb: "update" kind: "PersistentVolume" count: 100000 }
             }
             action { at_seconds: 5 delete: "PersistentVolumeClaim/default/data" }
             expect { absent: "PersistentVolumeClaim/default/data" })pb");
  world_->sim().RunFor(absl::Seconds(30));
  EXPECT_EQ(ClaimPhase(), "Bound");  // neither the fault nor the delete ran
  EXPECT_THAT(log_, IsEmpty());
  EXPECT_THAT(UpFaults::NotRun(scenario_),
              ElementsAre("action[0] is not run: ferry up runs only api_fault actions with "
                          "cluster: true and no when",
                          "action[1] is not run: ferry up runs only api_fault actions with "
                          "cluster: true and no when",
                          "its expect block is not judged"));
}

}  // namespace
}  // namespace ferry::cli
