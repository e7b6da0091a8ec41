#include "sim/simulation.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::sim {
namespace {

using ::testing::ElementsAre;

TEST(Simulation, RunsEventsInTimeOrderAndSameTimeInScheduleOrder) {
  Simulation sim(1);
  std::vector<std::string> ran;
  sim.After(absl::Seconds(2), "p", "late", [&] { ran.push_back("late"); });
  sim.After(absl::Seconds(1), "p", "first", [&] { ran.push_back("first"); });
  sim.After(absl::Seconds(1), "p", "second", [&] { ran.push_back("second"); });
  EXPECT_EQ(sim.RunUntilIdle(100), 3u);
  EXPECT_THAT(ran, ElementsAre("first", "second", "late"));
}

TEST(Simulation, TimeJumpsToEachEventAndNeverGoesBack) {
  Simulation sim(1);
  const absl::Time start = sim.now();
  absl::Time seen;
  sim.After(absl::Hours(5), "p", "far", [&] {
    seen = sim.now();
    sim.At(start, "p", "in the past", [] {});  // clamped to now
  });
  sim.RunUntilIdle(10);
  EXPECT_EQ(seen, start + absl::Hours(5));
  EXPECT_EQ(sim.now(), start + absl::Hours(5));
}

TEST(Simulation, EventsMayScheduleMoreEvents) {
  Simulation sim(1);
  int ticks = 0;
  std::function<void()> tick = [&] {
    if (++ticks < 5) sim.After(absl::Seconds(1), "p", "tick", tick);
  };
  sim.After(absl::Seconds(1), "p", "tick", tick);
  sim.RunUntilIdle(100);
  EXPECT_EQ(ticks, 5);
  EXPECT_EQ(sim.now() - absl::FromUnixSeconds(1692259200), absl::Seconds(5));
}

TEST(Simulation, RunForStopsAtItsBoundary) {
  Simulation sim(1);
  int ran = 0;
  sim.After(absl::Seconds(10), "p", "a", [&] { ++ran; });
  sim.After(absl::Seconds(11), "p", "b", [&] { ++ran; });
  sim.RunFor(absl::Seconds(10));
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(sim.pending(), 1u);
}

TEST(Simulation, CancelAndCrashDropPendingEvents) {
  Simulation sim(1);
  int ran = 0;
  const auto id = sim.After(absl::Seconds(1), "agent", "poll", [&] { ++ran; });
  sim.After(absl::Seconds(2), "agent", "poll", [&] { ++ran; });
  sim.After(absl::Seconds(3), "controller", "reconcile", [&] { ran += 10; });
  EXPECT_TRUE(sim.Cancel(id));
  EXPECT_FALSE(sim.Cancel(id));
  EXPECT_EQ(sim.Crash("agent"), 1u);
  sim.RunUntilIdle(10);
  EXPECT_EQ(ran, 10);
}

uint64_t RandomRun(uint64_t seed) {
  Simulation sim(seed);
  for (int i = 0; i < 50; ++i) {
    const auto delay = absl::Milliseconds(sim.rng()() % 1000);
    sim.After(delay, i % 2 ? "a" : "b", "e" + std::to_string(i), [] {});
  }
  sim.RunUntilIdle(1000);
  return sim.trace_hash();
}

TEST(Simulation, TheSameSeedReplaysTheSameRunAndOthersDiffer) {
  EXPECT_EQ(RandomRun(7), RandomRun(7));
  EXPECT_NE(RandomRun(7), RandomRun(8));
}

TEST(Simulation, TraceIsRecordedOnRequest) {
  Simulation sim(1);
  sim.set_record_trace(true);
  sim.After(absl::Seconds(1), "controller", "reconcile", [] {});
  sim.RunUntilIdle(10);
  ASSERT_EQ(sim.trace().size(), 1u);
  EXPECT_EQ(sim.trace()[0].owner, "controller");
  EXPECT_EQ(sim.trace()[0].label, "reconcile");
}

}  // namespace
}  // namespace ferry::sim
