// Two replicas elect one leader through a Lease on the fake API server: the
// first takes it, the second waits out the lease by its own clock, a
// released Lease is taken at once, and a leader that cannot renew stops
// before another could take over.
#include "core/runtime/leader_election.h"

#include <memory>
#include <string>
#include <vector>

#include "api/core.pb.h"
#include "core/ports/clock.h"
#include "core/runtime/test_scheduler_testing.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::runtime {
namespace {

using ::testing::HasSubstr;

const ports::ObjectKey kLease{"Lease", "ferry-system", "ferry-controller"};

struct Replica {
  Replica(fakes::FakeKubeApi& api, ports::ManualClock& clock, const std::string& id)
      : scheduler(clock),
        elector(api, scheduler,
                {.lease = kLease, .identity = id,
                 .log = [this](const std::string& line) { log.push_back(line); }},
                {.started = [this] { ++started; }, .stopped = [this] { ++stopped; }}) {}
  TestScheduler scheduler;
  LeaderElector elector;
  int started = 0, stopped = 0;
  std::vector<std::string> log;
};

class LeaderElectionTest : public ::testing::Test {
 protected:
  // Runs both replicas' calls, a second at a time, until `t` from the start.
  void RunUntil(absl::Duration t) {
    while (clock_.Now() < start_ + t) {
      const absl::Time next = std::min(clock_.Now() + absl::Seconds(1), start_ + t);
      a_.scheduler.RunUntil(next);
      clock_.Set(next - absl::Nanoseconds(1));  // b runs the same second
      b_.scheduler.RunUntil(next);
    }
  }
  std::shared_ptr<const k8s::Lease> Lease() {
    absl::StatusOr<ports::ObjectPtr> got = api_.Get(kLease);
    return got.ok() ? ports::As<k8s::Lease>(*got) : nullptr;
  }

  ports::ManualClock clock_;
  const absl::Time start_ = clock_.Now();
  fakes::FakeKubeApi api_{clock_};
  Replica a_{api_, clock_, "replica-a"};
  Replica b_{api_, clock_, "replica-b"};
};

TEST_F(LeaderElectionTest, TheFirstTakesTheLeaseAndTheSecondWaits) {
  a_.elector.Start();
  RunUntil(absl::Seconds(1));
  b_.elector.Start();
  RunUntil(absl::Seconds(30));
  EXPECT_TRUE(a_.elector.leading());
  EXPECT_FALSE(b_.elector.leading());
  EXPECT_EQ(a_.started, 1);
  EXPECT_EQ(b_.started, 0);
  ASSERT_NE(Lease(), nullptr);
  EXPECT_EQ(Lease()->spec().holder_identity(), "replica-a");
  EXPECT_EQ(Lease()->spec().lease_duration_seconds(), 15);
  EXPECT_EQ(Lease()->spec().lease_transitions(), 0);
  EXPECT_THAT(b_.log, testing::Contains(HasSubstr("waiting: replica-a holds Lease")));
}

TEST_F(LeaderElectionTest, ACrashedLeadersLeaseIsTakenOverAfterTheLeaseDurationSeenLocally) {
  a_.elector.Start();
  b_.elector.Start();
  RunUntil(absl::Seconds(5));
  ASSERT_TRUE(a_.elector.leading());
  a_.scheduler.Crash();  // a stops renewing
  const absl::Time crashed = clock_.Now();
  RunUntil(absl::Seconds(5) + absl::Seconds(14));
  EXPECT_FALSE(b_.elector.leading()) << "taken over before the lease ran out";
  RunUntil(absl::Seconds(5) + absl::Seconds(20));
  EXPECT_TRUE(b_.elector.leading());
  EXPECT_EQ(b_.started, 1);
  EXPECT_EQ(Lease()->spec().holder_identity(), "replica-b");
  EXPECT_EQ(Lease()->spec().lease_transitions(), 1);
  EXPECT_GE(LeaderElector::MicroTime(clock_.Now()), Lease()->spec().acquire_time());
  EXPECT_GT(clock_.Now() - crashed, absl::Seconds(15));
}

TEST_F(LeaderElectionTest, AReleasedLeaseIsTakenAtTheNextTry) {
  a_.elector.Start();
  b_.elector.Start();
  RunUntil(absl::Seconds(5));
  ASSERT_TRUE(a_.elector.leading());
  ASSERT_TRUE(a_.elector.Release().ok());
  EXPECT_FALSE(a_.elector.leading());
  EXPECT_EQ(Lease()->spec().holder_identity(), "");
  RunUntil(absl::Seconds(5) + absl::Seconds(3));  // one retry period and a second
  EXPECT_TRUE(b_.elector.leading());
  EXPECT_EQ(a_.stopped, 0) << "a release is not a lost lead";
}

TEST_F(LeaderElectionTest, ALeaderThatCannotRenewStopsBeforeAnotherCouldTakeOver) {
  a_.elector.Start();
  RunUntil(absl::Seconds(3));
  ASSERT_TRUE(a_.elector.leading());
  api_.SetFaultHook([](const fakes::FakeKubeApi::Call& call) {
    return call.verb == "update" ? absl::UnavailableError("etcd leader lost") : absl::OkStatus();
  });
  const absl::Time failing = clock_.Now();
  RunUntil(absl::Seconds(3) + absl::Seconds(12));
  EXPECT_FALSE(a_.elector.leading());
  EXPECT_EQ(a_.stopped, 1);
  EXPECT_THAT(a_.log, testing::Contains(HasSubstr("lost the lead")));
  // It stopped within renew_deadline plus a retry of its last renewal,
  // before the 15 s lease could pass for another.
  EXPECT_LT(clock_.Now() - failing, absl::Seconds(15));
  api_.SetFaultHook(nullptr);
  RunUntil(absl::Seconds(60));
  EXPECT_EQ(a_.started, 1) << "a stopped elector does not lead again";
}

TEST(LeaderElectorValidateTest, OptionsThatCannotWorkAreRefusedNamingTheOption) {
  LeaderElector::Options o{.lease = kLease, .identity = "x"};
  EXPECT_TRUE(LeaderElector::Validate(o).ok());
  o.identity = "";
  EXPECT_THAT(LeaderElector::Validate(o).message(), HasSubstr("identity"));
  o.identity = "x";
  o.renew_deadline = absl::Seconds(20);
  EXPECT_THAT(LeaderElector::Validate(o).message(), HasSubstr("lease_duration"));
  o.renew_deadline = absl::Seconds(1);
  EXPECT_THAT(LeaderElector::Validate(o).message(), HasSubstr("renew_deadline"));
}

}  // namespace
}  // namespace ferry::runtime
