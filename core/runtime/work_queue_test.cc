#include "core/runtime/work_queue.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

const absl::Time kT0 = absl::FromUnixSeconds(1000);
const Key kA{"ns", "a"}, kB{"ns", "b"}, kC{"ns", "c"};

std::vector<Key> Drain(WorkQueue& q, absl::Time now) {
  std::vector<Key> out;
  while (std::optional<Key> k = q.Pop(now)) {
    out.push_back(*k);
    q.Done(*k);
  }
  return out;
}

TEST(WorkQueue, ReadyKeysComeOutFirstInFirstOut) {
  WorkQueue q;
  q.Add(kB);
  q.Add(kA);
  q.Add(kC);
  EXPECT_THAT(Drain(q, kT0), ElementsAre(kB, kA, kC));
  EXPECT_EQ(q.Pop(kT0), std::nullopt);
}

TEST(WorkQueue, AddingAQueuedKeyDoesNothing) {
  WorkQueue q;
  q.Add(kA);
  q.Add(kB);
  q.Add(kA);
  EXPECT_EQ(q.ready(), 2u);
  EXPECT_THAT(Drain(q, kT0), ElementsAre(kA, kB));
}

TEST(WorkQueue, AKeyAddedWhileInProcessIsHandedOutAgainOnlyAfterDone) {
  WorkQueue q;
  q.Add(kA);
  ASSERT_THAT(q.Pop(kT0), Optional(kA));
  q.Add(kA);
  q.Add(kA);
  EXPECT_EQ(q.Pop(kT0), std::nullopt) << "never twice at once";
  q.Done(kA);
  EXPECT_THAT(q.Pop(kT0), Optional(kA));
  q.Done(kA);
  EXPECT_EQ(q.Pop(kT0), std::nullopt) << "the two adds were one";
}

TEST(WorkQueue, DoneWithoutAnAddMeanwhileQueuesNothing) {
  WorkQueue q;
  q.Add(kA);
  ASSERT_THAT(q.Pop(kT0), Optional(kA));
  q.Done(kA);
  EXPECT_EQ(q.ready(), 0u);
}

TEST(WorkQueue, DelayedKeysBecomeReadyAtTheirTimeInTimeThenAddOrder) {
  WorkQueue q;
  q.AddAfter(kC, kT0 + absl::Seconds(2));
  q.AddAfter(kB, kT0 + absl::Seconds(1));
  q.AddAfter(kA, kT0 + absl::Seconds(2));
  EXPECT_THAT(q.NextReady(), Optional(kT0 + absl::Seconds(1)));
  EXPECT_EQ(q.Pop(kT0), std::nullopt);
  EXPECT_THAT(Drain(q, kT0 + absl::Seconds(1)), ElementsAre(kB));
  EXPECT_THAT(Drain(q, kT0 + absl::Seconds(5)), ElementsAre(kC, kA));
  EXPECT_EQ(q.NextReady(), std::nullopt);
}

TEST(WorkQueue, ADelayedAddKeepsTheEarliestTime) {
  WorkQueue q;
  q.AddAfter(kA, kT0 + absl::Seconds(10));
  q.AddAfter(kA, kT0 + absl::Seconds(3));
  q.AddAfter(kA, kT0 + absl::Seconds(7));
  EXPECT_EQ(q.waiting(), 1u);
  EXPECT_THAT(q.NextReady(), Optional(kT0 + absl::Seconds(3)));
  EXPECT_THAT(Drain(q, kT0 + absl::Seconds(3)), ElementsAre(kA));
  EXPECT_EQ(q.waiting(), 0u);
}

TEST(WorkQueue, ADelayedKeyAlreadyQueuedIsNotQueuedTwice) {
  WorkQueue q;
  q.Add(kA);
  q.AddAfter(kA, kT0);
  EXPECT_THAT(Drain(q, kT0), ElementsAre(kA));
}

TEST(WorkQueue, BackOffDoublesPerFailureUpToTheCapAndForgetResetsIt) {
  WorkQueue q(WorkQueue::Options{.base_delay = absl::Seconds(1), .max_delay = absl::Seconds(5)});
  std::vector<absl::Duration> delays;
  for (int i = 0; i < 5; ++i) {
    q.AddRateLimited(kA, kT0);
    delays.push_back(*q.NextReady() - kT0);
    ASSERT_THAT(q.Pop(*q.NextReady()), Optional(kA));
    q.Done(kA);
  }
  EXPECT_THAT(delays, ElementsAre(absl::Seconds(1), absl::Seconds(2), absl::Seconds(4),
                                  absl::Seconds(5), absl::Seconds(5)));
  EXPECT_EQ(q.Failures(kA), 5);
  q.Forget(kA);
  EXPECT_EQ(q.Failures(kA), 0);
  q.AddRateLimited(kA, kT0);
  EXPECT_THAT(q.NextReady(), Optional(kT0 + absl::Seconds(1)));
}

TEST(WorkQueue, BackOffOfManyFailuresStaysAtTheCapWithoutOverflowing) {
  WorkQueue q;  // 5 ms to 1000 s
  for (int i = 0; i < 200; ++i) q.AddRateLimited(kA, kT0);
  EXPECT_EQ(q.Failures(kA), 200);
  // The earliest time asked stands: the first failure's 5 ms.
  EXPECT_THAT(q.NextReady(), Optional(kT0 + absl::Milliseconds(5)));
  ASSERT_THAT(q.Pop(kT0 + absl::Milliseconds(5)), Optional(kA));
  q.Done(kA);
  q.AddRateLimited(kA, kT0);
  EXPECT_THAT(q.NextReady(), Optional(kT0 + absl::Seconds(1000)));
}

TEST(WorkQueue, BackOffIsPerKey) {
  WorkQueue q(WorkQueue::Options{.base_delay = absl::Seconds(1), .max_delay = absl::Seconds(60)});
  q.AddRateLimited(kA, kT0);
  ASSERT_THAT(q.Pop(kT0 + absl::Seconds(1)), Optional(kA));
  q.Done(kA);
  q.AddRateLimited(kA, kT0);
  q.AddRateLimited(kB, kT0);
  EXPECT_THAT(Drain(q, kT0 + absl::Seconds(1)), ElementsAre(kB));
  EXPECT_THAT(Drain(q, kT0 + absl::Seconds(2)), ElementsAre(kA));
}

}  // namespace
}  // namespace ferry::runtime
