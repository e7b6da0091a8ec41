// The event loop runs calls one at a time in due order on Run's thread,
// takes calls from other threads, and stops between two calls.
#include "adapters/runtime/event_loop.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::adapters {
namespace {

using ::testing::ElementsAre;

TEST(EventLoopTest, CallsRunInDueOrderThenInTheOrderScheduled) {
  EventLoop loop;
  std::vector<std::string> ran;
  loop.After(absl::Milliseconds(40), "late", [&] { ran.push_back("late"); loop.Stop(); });
  loop.After(absl::ZeroDuration(), "first", [&] { ran.push_back("first"); });
  loop.After(absl::ZeroDuration(), "second", [&] {
    ran.push_back("second");
    loop.After(absl::Milliseconds(10), "nested", [&] { ran.push_back("nested"); });
  });
  const absl::Time start = absl::Now();
  loop.Run();
  EXPECT_THAT(ran, ElementsAre("first", "second", "nested", "late"));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(40)) << "a call ran before it was due";
  EXPECT_EQ(loop.ran(), 4);
}

TEST(EventLoopTest, ACallFromAnotherThreadWakesTheLoopAndRunsOnItsThread) {
  EventLoop loop;
  const std::thread::id loop_thread = std::this_thread::get_id();
  std::atomic<bool> on_loop_thread{false};
  loop.After(absl::Hours(1), "far", [] {});  // the loop sleeps towards this
  std::thread other([&] {
    absl::SleepFor(absl::Milliseconds(20));
    loop.After(absl::ZeroDuration(), "posted", [&] {
      on_loop_thread = std::this_thread::get_id() == loop_thread;
      loop.Stop();
    });
  });
  const absl::Time start = absl::Now();
  loop.Run();
  other.join();
  EXPECT_TRUE(on_loop_thread.load());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5)) << "the posted call waited for the far one";
  EXPECT_EQ(loop.pending(), 1u);
}

TEST(EventLoopTest, StopEndsRunAfterTheCallUnderWayNotInsideIt) {
  EventLoop loop;
  std::vector<std::string> ran;
  loop.After(absl::ZeroDuration(), "a", [&] {
    loop.Stop();
    ran.push_back("a finished");
  });
  loop.After(absl::ZeroDuration(), "b", [&] { ran.push_back("b"); });
  loop.Run();
  EXPECT_THAT(ran, ElementsAre("a finished"));
  EXPECT_EQ(loop.pending(), 1u);
}

}  // namespace
}  // namespace ferry::adapters
