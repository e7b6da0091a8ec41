#include "sim/scenario_runner.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "sim/checkers.h"
#include "gtest/gtest.h"

namespace ferry::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ScenarioRunnerTest, ARunReplaysIdentically) {
  absl::StatusOr<LoadedScenario> s =
      LoadScenario("scenarios/storage/controller-crash-mid-copy.textproto");
  ASSERT_TRUE(s.ok()) << s.status();
  const ScenarioResult a = RunScenario(*s, {.trace = true});
  const ScenarioResult b = RunScenario(*s, {.trace = true});
  EXPECT_TRUE(a.passed);
  EXPECT_THAT(a.failures, IsEmpty());
  EXPECT_GT(a.events, 100);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.timeline, b.timeline);
  EXPECT_EQ(a.acknowledged_writes, b.acknowledged_writes);
  EXPECT_EQ(a.simulated, b.simulated);
}

TEST(ScenarioRunnerTest, AFailingExpectationSaysWhatAndWhy) {
  absl::StatusOr<LoadedScenario> s =
      LoadScenario("scenarios/storage/seed-example.textproto");
  ASSERT_TRUE(s.ok()) << s.status();
  s->scenario.mutable_expect()->mutable_migration(0)->set_phase("Failed");
  const ScenarioResult r = RunScenario(*s, {});
  EXPECT_FALSE(r.passed);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_EQ(r.failures[0],
            "migration default/migration-local-storage: phase Succeeded, expected Failed");
}

TEST(ScenarioRunnerTest, ARunThatCannotSettleStopsAtItsBound) {
  absl::StatusOr<LoadedScenario> s =
      LoadScenario("scenarios/storage/destination-never-created.textproto");
  ASSERT_TRUE(s.ok()) << s.status();
  s->scenario.set_max_seconds(60);  // below the destination wait bound
  const ScenarioResult r = RunScenario(*s, {});
  EXPECT_FALSE(r.passed);
  ASSERT_FALSE(r.failures.empty());
  EXPECT_THAT(r.failures[0], HasSubstr("did not settle within 1m"));
}

TEST(ScenarioRunnerTest, MalformedFilesNameTheLineAndTheField) {
  absl::StatusOr<LoadedScenario> s = LoadScenario(Write("bad.textproto", "world {\n  nod: \"a\"\n}\n"));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("bad.textproto:2:"));
  EXPECT_THAT(s.status().message(), HasSubstr("nod"));

  s = LoadScenario(Write("nothing.textproto", "world { node: \"a\" }\naction { at_seconds: 1 }\n"));
  EXPECT_THAT(s.status().message(), HasSubstr("action[0]: says when but not what"));

  s = LoadScenario(Write("nonode.textproto", "description: \"x\"\n"));
  EXPECT_THAT(s.status().message(), HasSubstr("world.node"));

  s = LoadScenario(Write("verb.textproto",
                         "world { node: \"a\" }\naction { at_seconds: 1 api_fault { verb: \"patch\" } }\n"));
  EXPECT_THAT(s.status().message(), HasSubstr("action[0].api_fault.verb: \"patch\" is not one of"));

  s = LoadScenario(Write("kind.textproto", "world { node: \"a\" }\naction { at_seconds: 1 "
                                           "api_fault { verb: \"get\" kind: \"Pods\" } }\n"));
  EXPECT_THAT(s.status().message(), HasSubstr("api_fault.kind: \"Pods\" is not one of"));

  s = LoadScenario(Write("lvnode.textproto", "world { node: \"a\" }\naction { at_seconds: 1 "
                                             "libvirt_fault { node: \"b\" verb: \"migrate\" } }\n"));
  EXPECT_THAT(s.status().message(), HasSubstr("libvirt_fault.node: \"b\" is not one of a"));

  s = LoadScenario(Write("ovirtverb.textproto",
                         "world { node: \"a\" ovirt {} }\naction { at_seconds: 1 "
                         "ovirt_fault { verb: \"unplug\" } }\n"));
  EXPECT_THAT(s.status().message(), HasSubstr("action[0].ovirt_fault.verb: \"unplug\" is not one of"));

  s = LoadScenario(Write("noengine.textproto",
                         "world { node: \"a\" }\naction { at_seconds: 1 ovirt_start: \"vm-1\" }\n"));
  EXPECT_THAT(s.status().message(), HasSubstr("an oVirt action needs world.ovirt"));

  s = LoadScenario("no/such/file.textproto");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
}

TEST(ScenarioRunnerTest, ALunRunReplaysIdentically) {
  absl::StatusOr<LoadedScenario> s =
      LoadScenario("scenarios/lun/controller-crash-at-each-step.textproto");
  ASSERT_TRUE(s.ok()) << s.status();
  const ScenarioResult a = RunScenario(*s, {.trace = true});
  const ScenarioResult b = RunScenario(*s, {.trace = true});
  EXPECT_TRUE(a.passed) << (a.failures.empty() ? "" : a.failures[0]);
  EXPECT_GT(a.events, 50);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.timeline, b.timeline);
}

TEST(ScenarioRunnerTest, ABadEngineInTheWorldNamesTheField) {
  const std::string path =
      Write("badengine.textproto",
            "world { node: \"a\" ovirt { disk { id: \"lun-1\" wwid: \"w\" size_gib: 1 } "
            "vm { id: \"vm-1\" name: \"db\" attachment { disk: \"lun-9\" } } } }\n");
  absl::StatusOr<LoadedScenario> s = LoadScenario(path);
  ASSERT_TRUE(s.ok()) << s.status();
  const ScenarioResult r = RunScenario(*s, {});
  EXPECT_FALSE(r.passed);
  ASSERT_FALSE(r.failures.empty());
  EXPECT_THAT(r.failures[0],
              HasSubstr("world.ovirt.vm[0].attachment[0].disk: \"lun-9\" is not a disk of world.ovirt"));
}

// Every checker is shown firing: scenarios/checkers/fires-<name>.textproto
// exists and is stopped by that checker.
TEST(ScenarioRunnerTest, EveryCheckerHasABrokenRunThatItStops) {
  for (const std::string& name : Checkers::Names()) {
    absl::StatusOr<LoadedScenario> s =
        LoadScenario(absl::StrCat("scenarios/checkers/fires-", name, ".textproto"));
    ASSERT_TRUE(s.ok()) << name << ": " << s.status();
    const ScenarioResult r = RunScenario(*s, {});
    EXPECT_EQ(r.violation, name);
    EXPECT_TRUE(r.passed) << name;
  }
}

// A delayed call costs its caller time: the same run with slow status writes
// takes longer in simulated time and still ends the same way.
TEST(ScenarioRunnerTest, DelayedCallsSlowTheirCallerDown) {
  absl::StatusOr<LoadedScenario> s = LoadScenario("scenarios/storage/seed-example.textproto");
  ASSERT_TRUE(s.ok()) << s.status();
  const ScenarioResult fast = RunScenario(*s, {});
  auto* slow = s->scenario.add_action();
  slow->set_at_seconds(0);
  slow->mutable_api_fault()->set_verb("update_status");
  slow->mutable_api_fault()->set_kind("VirtualMachineInstanceMigration");
  slow->mutable_api_fault()->set_delay_seconds(30);
  slow->mutable_api_fault()->set_count(2);
  const ScenarioResult delayed = RunScenario(*s, {});
  EXPECT_TRUE(fast.passed);
  EXPECT_TRUE(delayed.passed) << (delayed.failures.empty() ? "" : delayed.failures[0]);
  EXPECT_GE(delayed.simulated - fast.simulated, absl::Seconds(30));
}

// A write that loses a race is retried from a fresh read within a tenth of
// the process's period, as controller-runtime requeues a conflict: waiting a
// whole period let two writers on one period lose to each other forever
// (storage seed 4545, whose scenario no longer needs this since rule 4 asks
// one agent only; this test holds the rule on its own).
TEST(ScenarioRunnerTest, AConflictIsRetriedWithinATenthOfThePeriod) {
  absl::StatusOr<LoadedScenario> s = LoadScenario("scenarios/storage/seed-example.textproto");
  ASSERT_TRUE(s.ok()) << s.status();
  auto* conflict = s->scenario.add_action();
  conflict->set_at_seconds(0);
  conflict->mutable_api_fault()->set_verb("update_status");
  conflict->mutable_api_fault()->set_kind("VirtualMachineInstanceMigration");
  conflict->mutable_api_fault()->set_code("Conflict");
  const ScenarioResult r = RunScenario(*s, {.trace = true});
  EXPECT_TRUE(r.passed) << (r.failures.empty() ? "" : r.failures[0]);
  // "    10.002s  controller       admit: phase Scheduling -> ABORTED: ..."
  auto seconds = [](const std::string& line) { return std::stod(line); };
  auto controller = [](const std::string& line) {
    return line.find("  controller  ") != std::string::npos;
  };
  size_t lost = 0;
  while (lost < r.timeline.size() &&
         !(controller(r.timeline[lost]) && absl::StrContains(r.timeline[lost], "ABORTED"))) {
    ++lost;
  }
  ASSERT_LT(lost, r.timeline.size()) << "the injected Conflict never hit the controller";
  size_t retry = lost + 1;
  while (retry < r.timeline.size() && !controller(r.timeline[retry])) ++retry;
  ASSERT_LT(retry, r.timeline.size());
  EXPECT_LT(seconds(r.timeline[retry]) - seconds(r.timeline[lost]), 0.5)
      << r.timeline[lost] << "\n" << r.timeline[retry];
}

TEST(ScenarioRunnerTest, ABadManifestInTheWorldFailsWithItsLocation) {
  absl::StatusOr<LoadedScenario> s = LoadScenario(Write(
      "badworld.textproto",
      "world { node: \"a\" manifest: \"{apiVersion: v1, kind: PersistentVolumeClaim, "
      "metadata: {name: Bad_Name}}\" }\n"));
  ASSERT_TRUE(s.ok()) << s.status();
  const ScenarioResult r = RunScenario(*s, {});
  EXPECT_FALSE(r.passed);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_THAT(r.failures[0], HasSubstr("world.manifest[0]: PersistentVolumeClaim \"Bad_Name\" is invalid"));
  EXPECT_THAT(r.failures[0], HasSubstr("metadata.name"));
}

}  // namespace
}  // namespace ferry::sim
