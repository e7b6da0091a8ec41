#include "sim/scenario_runner.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "sim/checkers.h"
#include "gtest/gtest.h"

namespace ferry::sim {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

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

// The storage processes on the reconcile runtime: the story passes,
// replays identically (a crash of the controller included), and Ferry's
// processes ask the API server little (issue 17).
TEST(ScenarioRunnerTest, TheRuntimeReplaysAndAsksLittle) {
  for (const char* file : {"scenarios/storage/seed-example.textproto",
                           "scenarios/storage/controller-crash-mid-copy.textproto"}) {
    absl::StatusOr<LoadedScenario> s = LoadScenario(file);
    ASSERT_TRUE(s.ok()) << s.status();
    const ScenarioResult a = RunScenario(*s, {.trace = true});
    const ScenarioResult b = RunScenario(*s, {.trace = true});
    EXPECT_TRUE(a.passed) << file << ": " << (a.failures.empty() ? "" : a.failures[0]);
    EXPECT_EQ(a.trace_hash, b.trace_hash) << file;
    EXPECT_EQ(a.timeline, b.timeline) << file;
    EXPECT_THAT(a.timeline, ::testing::Contains(::testing::HasSubstr("reconcile default/")))
        << file << ": the runtime ran";
    // Every list, watch opened, get and write of the controller and both
    // agents for one VM's migration (a pass listing every kind each second
    // asked 408). Issue 17's goal is 60; this guards against drifting away
    // from it. The controller's volume-update front-end adds a list and a
    // watch of each of its 4 kinds at its start, once per process (its own
    // informers: the runtime shares no cache between a process's managers).
    if (absl::StrContains(file, "seed-example")) {
      EXPECT_LE(a.ferry_api_calls, 60 + 8) << file;
    }
    ::testing::Test::RecordProperty(absl::StrCat(file, " ferry_api_calls"), a.ferry_api_calls);
    std::string verbs;
    for (const auto& [verb, n] : a.ferry_api_calls_by_verb) absl::StrAppend(&verbs, verb, "=", n, " ");
    ::testing::Test::RecordProperty(absl::StrCat(file, " runtime by verb"), verbs);
  }
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
  const ScenarioResult delayed = RunScenario(*s, {.trace = true});
  EXPECT_TRUE(fast.passed);
  EXPECT_TRUE(delayed.passed) << (delayed.failures.empty() ? "" : delayed.failures[0]);
  // The controller's first status write took 30 s: nothing of it ran
  // meanwhile (the run as a whole is later by less, as the waits overlap).
  auto at = [](const std::string& line) {
    double seconds = -1;
    EXPECT_TRUE(absl::SimpleAtod(std::string(absl::StripAsciiWhitespace(line.substr(0, line.find('s')))), &seconds)) << line;
    return seconds;
  };
  double written = -1, next = -1;
  for (const std::string& line : delayed.timeline) {
    if (!absl::StrContains(line, "  controller  ") || absl::StrContains(line, "slow calls")) {
      continue;
    }
    if (written >= 0) {
      next = at(line);
      break;
    }
    if (absl::StrContains(line, "admit: phase Scheduling")) written = at(line);
  }
  ASSERT_GE(written, 0);
  EXPECT_GE(next - written, 30.0);
  EXPECT_GE(delayed.simulated - fast.simulated, absl::Seconds(20));
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

// A scenario of /dev/zero grew without bound; now every file read stops at
// the cap, and the error names the flag that raises it.
TEST(ScenarioRunnerTest, AFileAboveTheInputCapIsRefusedNamingTheFlag) {
  absl::StatusOr<LoadedScenario> s = LoadScenario("/dev/zero", {.max_input_bytes = 1 << 20});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(s.status().message()),
              AllOf(HasSubstr("/dev/zero: larger than the 1048576-byte input limit"),
                    HasSubstr("--max-input-size")));

  const std::string path =
      Write("capped.textproto", "world { node: \"a\" manifest_file: \"big.yaml\" }\n");
  Write("big.yaml", "# " + std::string(4096, 'x') + "\n");
  s = LoadScenario(path, {.max_input_bytes = 1024});
  ASSERT_TRUE(s.ok()) << s.status();
  const ScenarioResult r = RunScenario(*s, {});
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_THAT(r.failures[0], AllOf(HasSubstr("world.manifest_file[0]: "),
                                   HasSubstr("big.yaml: larger than the 1024-byte input limit"),
                                   HasSubstr("--max-input-size")));
}

// manifest_file: ../../../../etc/passwd was read. Every file a scenario
// names resolves inside its tree (here TEST_TMPDIR/tree: its WORKSPACE).
TEST(ScenarioRunnerTest, FilesAScenarioNamesStayInsideItsTree) {
  const std::filesystem::path tree = std::filesystem::path(getenv("TEST_TMPDIR")) / "tree";
  std::filesystem::create_directories(tree / "s");
  std::ofstream(tree / "WORKSPACE") << "";
  std::string up;
  for (int i = 0; i < 64; ++i) up += "../";
  const struct {
    std::string scenario;
    std::string error;
  } cases[] = {
      {"world { node: \"a\" manifest_file: \"" + up + "etc/passwd\" }",
       "world.manifest_file[0]: \"" + up +
           "etc/passwd\" resolves to /etc/passwd, outside the "
           "scenario's tree " +
           std::filesystem::canonical(tree).string()},
      {"world { node: \"a\" } action { at_seconds: 1 apply_file: \"/etc/passwd\" }",
       "action[0].apply_file: \"/etc/passwd\" is an absolute path"},
      {"world { node: \"a\" } expect { same_spec { object: \"VirtualMachine/default/x\" "
       "file: \"" +
           up + "etc/hostname\" } }",
       "expect.same_spec[0].file: \"" + up + "etc/hostname\" resolves to /etc/hostname"},
  };
  for (const auto& c : cases) {
    const std::string path = (tree / "s" / "escape.textproto").string();
    std::ofstream(path) << c.scenario;
    absl::StatusOr<LoadedScenario> s = LoadScenario(path);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << c.scenario;
    EXPECT_THAT(std::string(s.status().message()),
                AllOf(StartsWith(path + ": " + c.error), HasSubstr("--allow-outside DIR")));
    EXPECT_TRUE(LoadScenario(path, {.allow_outside = {"/etc"}}).ok()) << c.scenario;
  }
}

// Each of these hung, exploded or was silently taken as 0 or the default.
TEST(ScenarioRunnerTest, NumbersOutOfRangeAreLoadErrorsNamingTheField) {
  const std::string path = Write("range.textproto",
                                 "world { node: \"a\" running_vm { name: \"v\" node: \"a\" "
                                 "write_mib_per_s: 1e9 } }\n");
  absl::StatusOr<LoadedScenario> s = LoadScenario(path);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(),
            path + ": world.running_vm[0].write_mib_per_s: 1e+09 is out of range [0, 10000] MiB/s");
  for (const std::string bad :
       {"tuning { controller_period_s: 1e-9 }", "liveness { bound_seconds: nan }",
        "liveness { heal_at_seconds: 1e18 }",
        "action { at_seconds: 1 stale_reads { lag_seconds: 1e300 } }",
        "action { at_seconds: nan node_down: \"a\" }"}) {
    s = LoadScenario(Write("bad-number.textproto", "world { node: \"a\" } " + bad));
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr("is out of range")) << bad;
  }
}

// A scenario changed after loading (a test, a generator) is held to the
// ranges when it runs: nothing is built, no event runs.
TEST(ScenarioRunnerTest, AScenarioEditedOutOfRangeDoesNotRun) {
  absl::StatusOr<LoadedScenario> s = LoadScenario("scenarios/storage/seed-example.textproto");
  ASSERT_TRUE(s.ok()) << s.status();
  s->scenario.mutable_tuning()->set_controller_period_s(1e-9);
  const ScenarioResult r = RunScenario(*s, {});
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.setup_error,
            "tuning.controller_period_s: 1e-09 is out of range 0 (the default) or [0.01, 3600] s");
  EXPECT_EQ(r.events, 0);
}

TEST(ScenarioRunnerTest, TheEventCapStopsARunWithAClearFailure) {
  absl::StatusOr<LoadedScenario> s =
      LoadScenario("scenarios/storage/controller-crash-mid-copy.textproto");
  ASSERT_TRUE(s.ok()) << s.status();
  const ScenarioResult r = RunScenario(*s, {.max_events = 50});
  EXPECT_FALSE(r.passed);
  ASSERT_FALSE(r.failures.empty());  // the cap, then the expectations it left unmet
  EXPECT_THAT(r.failures[0], StartsWith("stopped after 50 events, at "));
  EXPECT_THAT(r.failures[0], HasSubstr("the event cap; open: "));
}

// A destination claim of 8Ei wrapped the fake disk's block count negative,
// and the checkers reported lost writes of the core (a false safety
// violation). The provisioner now refuses it: the migration waits for its
// destination and fails, and no checker fires.
TEST(ScenarioRunnerTest, AClaimOfEightExbibytesIsNotASafetyViolation) {
  absl::StatusOr<LoadedScenario> s = LoadScenario("scenarios/storage/cancel-mid-copy.textproto");
  ASSERT_TRUE(s.ok()) << s.status();
  std::string apply = s->scenario.action(0).apply();
  ASSERT_NE(apply.find("storage: 50Gi"), std::string::npos);
  apply.replace(apply.find("storage: 50Gi"), 13, "storage: 8Ei");
  s->scenario.mutable_action(0)->set_apply(apply);
  s->scenario.mutable_action()->DeleteSubrange(1, 1);  // no cancel
  s->scenario.clear_expect();
  s->scenario.mutable_expect()->add_migration()->set_name("mig");
  s->scenario.mutable_expect()->mutable_migration(0)->set_phase("Failed");
  const ScenarioResult r = RunScenario(*s, {.trace = true});
  EXPECT_EQ(r.violation, "") << r.violation_message;
  EXPECT_TRUE(r.passed) << (r.failures.empty() ? "" : r.failures[0]);
  EXPECT_THAT(r.timeline, testing::Contains(HasSubstr(
                              "provisioner: default/dest: volume pvc-default-dest: "
                              "9223372036854775807 bytes is larger than the simulator's largest")));
}

}  // namespace
}  // namespace ferry::sim
