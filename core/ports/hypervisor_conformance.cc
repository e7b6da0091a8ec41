#include "core/ports/hypervisor_conformance.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"

namespace ferry::ports {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<DomainEventType> TypesFor(const std::vector<DomainEvent>& events,
                                      const std::string& name) {
  std::vector<DomainEventType> out;
  for (const DomainEvent& e : events) {
    if (e.domain == name) out.push_back(e.type);
  }
  return out;
}

TEST_P(HypervisorConformance, DefinedDomainCanBeLookedUpAndDescribed) {
  absl::StatusOr<DomainInfo> defined = hypervisor_->DefineDomain(Xml("ferry-conf-1"));
  ASSERT_TRUE(defined.ok()) << defined.status();
  EXPECT_EQ(defined->name, "ferry-conf-1");
  EXPECT_EQ(defined->state, DomainState::kShutoff);
  EXPECT_TRUE(defined->persistent);
  EXPECT_EQ(defined->uuid.size(), 36u);
  absl::StatusOr<DomainInfo> found = hypervisor_->LookupDomain("ferry-conf-1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->uuid, defined->uuid);
  absl::StatusOr<std::string> xml = hypervisor_->DomainXml("ferry-conf-1");
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_THAT(*xml, HasSubstr("<name>ferry-conf-1</name>"));
}

TEST_P(HypervisorConformance, MissingDomainIsNotFound) {
  EXPECT_EQ(hypervisor_->LookupDomain("ferry-conf-none").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(hypervisor_->Start("ferry-conf-none").code(), absl::StatusCode::kNotFound);
}

TEST_P(HypervisorConformance, BadXmlIsInvalidArgument) {
  EXPECT_EQ(hypervisor_->DefineDomain("<domain type='test'></domain>").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(HypervisorConformance, AnotherDomainWithTheSameUuidIsRefused) {
  const std::string uuid = "6f1c9e2a-0b3d-4e5f-8a7b-9c0d1e2f3a4b";
  ASSERT_TRUE(hypervisor_->DefineDomain(Xml("ferry-conf-1", uuid)).ok());
  const absl::StatusCode code =
      hypervisor_->DefineDomain(Xml("ferry-conf-2", uuid)).status().code();
  EXPECT_TRUE(code == absl::StatusCode::kAlreadyExists ||
              code == absl::StatusCode::kFailedPrecondition ||
              code == absl::StatusCode::kInternal)
      << code;
  EXPECT_EQ(hypervisor_->LookupDomain("ferry-conf-2").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(HypervisorConformance, LifecycleFollowsLibvirtsStateRules) {
  ASSERT_TRUE(hypervisor_->DefineDomain(Xml("ferry-conf-1")).ok());
  auto state = [&] { return hypervisor_->LookupDomain("ferry-conf-1")->state; };
  EXPECT_EQ(hypervisor_->Resume("ferry-conf-1").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(hypervisor_->Start("ferry-conf-1").ok());
  EXPECT_EQ(state(), DomainState::kRunning);
  EXPECT_EQ(hypervisor_->Start("ferry-conf-1").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(hypervisor_->Resume("ferry-conf-1").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(hypervisor_->Suspend("ferry-conf-1").ok());
  EXPECT_EQ(state(), DomainState::kPaused);
  ASSERT_TRUE(hypervisor_->Resume("ferry-conf-1").ok());
  EXPECT_EQ(state(), DomainState::kRunning);
  ASSERT_TRUE(hypervisor_->Destroy("ferry-conf-1").ok());
  EXPECT_EQ(state(), DomainState::kShutoff);
  EXPECT_EQ(hypervisor_->Destroy("ferry-conf-1").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(hypervisor_->Suspend("ferry-conf-1").code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(HypervisorConformance, LifecycleEventsArriveInOrder) {
  ASSERT_TRUE(hypervisor_->PollEvents().ok());  // drop anything from before
  ASSERT_TRUE(hypervisor_->DefineDomain(Xml("ferry-conf-1")).ok());
  ASSERT_TRUE(hypervisor_->Start("ferry-conf-1").ok());
  ASSERT_TRUE(hypervisor_->Suspend("ferry-conf-1").ok());
  ASSERT_TRUE(hypervisor_->Resume("ferry-conf-1").ok());
  ASSERT_TRUE(hypervisor_->Destroy("ferry-conf-1").ok());
  ASSERT_TRUE(hypervisor_->UndefineDomain("ferry-conf-1").ok());
  // A daemon's events arrive over its socket: collect them for a while.
  std::vector<DomainEvent> all;
  auto undefined = [&] {
    for (DomainEventType t : TypesFor(all, "ferry-conf-1")) {
      if (t == DomainEventType::kUndefined) return true;
    }
    return false;
  };
  for (int i = 0; i < 50 && !undefined(); ++i) {
    if (i > 0) testbed_->Wait(absl::Milliseconds(100));
    absl::StatusOr<std::vector<DomainEvent>> events = hypervisor_->PollEvents();
    ASSERT_TRUE(events.ok()) << events.status();
    all.insert(all.end(), events->begin(), events->end());
  }
  // In this order; a daemon may send more between them (QEMU's: resumed as
  // it starts, shutdown before stopped).
  const std::vector<DomainEventType> expected = {
      DomainEventType::kDefined,  DomainEventType::kStarted, DomainEventType::kSuspended,
      DomainEventType::kResumed,  DomainEventType::kStopped, DomainEventType::kUndefined};
  const std::vector<DomainEventType> got = TypesFor(all, "ferry-conf-1");
  size_t matched = 0;
  for (DomainEventType t : got) {
    if (matched < expected.size() && t == expected[matched]) ++matched;
  }
  EXPECT_EQ(matched, expected.size()) << "events in order: " << testing::PrintToString(got);
  EXPECT_TRUE(TypesFor(*hypervisor_->PollEvents(), "ferry-conf-1").empty());
}

TEST_P(HypervisorConformance, UndefineRemovesAStoppedDomain) {
  ASSERT_TRUE(hypervisor_->DefineDomain(Xml("ferry-conf-1")).ok());
  ASSERT_TRUE(hypervisor_->UndefineDomain("ferry-conf-1").ok());
  EXPECT_EQ(hypervisor_->LookupDomain("ferry-conf-1").status().code(),
            absl::StatusCode::kNotFound);
}

// What the agent relies on to remove a migration's leftover domain: a
// persistent domain destroyed stays defined, shut off, and destroy refuses
// it; undefine removes it.
TEST_P(HypervisorConformance, ADestroyedPersistentDomainIsGoneOnlyOnceUndefined) {
  ASSERT_TRUE(hypervisor_->DefineDomain(Xml("ferry-conf-1")).ok());
  ASSERT_TRUE(hypervisor_->Start("ferry-conf-1").ok());
  ASSERT_TRUE(hypervisor_->Destroy("ferry-conf-1").ok());
  absl::StatusOr<DomainInfo> info = hypervisor_->LookupDomain("ferry-conf-1");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->state, DomainState::kShutoff);
  EXPECT_EQ(hypervisor_->Destroy("ferry-conf-1").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(hypervisor_->UndefineDomain("ferry-conf-1").ok());
  EXPECT_EQ(hypervisor_->LookupDomain("ferry-conf-1").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(HypervisorConformance, ListIsOrderedByName) {
  for (const char* name : {"ferry-conf-b", "ferry-conf-a", "ferry-conf-c"}) {
    ASSERT_TRUE(hypervisor_->DefineDomain(Xml(name)).ok());
  }
  absl::StatusOr<std::vector<DomainInfo>> all = hypervisor_->ListDomains();
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> ours;
  for (const DomainInfo& d : *all) {
    if (d.name.rfind("ferry-conf-", 0) == 0) ours.push_back(d.name);
  }
  EXPECT_THAT(ours, ElementsAre("ferry-conf-a", "ferry-conf-b", "ferry-conf-c"));
}

TEST_P(HypervisorConformance, MigratingAMissingDomainIsNotFound) {
  MigrationRequest request;
  request.domain = "ferry-conf-none";
  request.destination_uri = testbed_->destination_uri();
  EXPECT_EQ(hypervisor_->StartMigration(request).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(hypervisor_->GetJobStats("ferry-conf-none").status().code(),
            absl::StatusCode::kNotFound);
}

// --- Migration (capability: migration) ---

constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kDisk = 64 * kMiB;
constexpr char kVm[] = "ferry-conf-vm";

#define REQUIRE(capability)                                                         \
  if (!caps().capability) {                                                         \
    GTEST_SKIP() << GetParam().name << " declares no capability \"" #capability "\""; \
  }

// A running domain on the source with one disk of kDisk bytes (half of it
// data), and a request to copy it onto `destination`.
class Migrating {
 public:
  Migrating(HypervisorTestbed& testbed, Hypervisor& source) : testbed_(testbed), source_(source) {}

  absl::Status Run(bool source_block = false) {
    absl::StatusOr<VolumeSource> src =
        testbed_.CreateVolume("conf-src", kDisk, source_block, false, kDisk / 2, 7);
    if (!src.ok()) return src.status();
    source_volume = *src;
    absl::StatusOr<DomainInfo> defined =
        source_.DefineDomain(testbed_.DomainXml(kVm, "", {source_volume}));
    if (!defined.ok()) return defined.status();
    return source_.Start(kVm);
  }

  MigrationRequest Request(const VolumeSource& destination, int64_t bandwidth_mib = 0) {
    MigrationRequest r;
    r.domain = kVm;
    r.destination_uri = testbed_.destination_uri();
    r.disks.push_back({.target_dev = "vda", .destination = destination});
    r.incremental = true;
    r.leave_paused = true;
    r.bandwidth_mib_per_s = bandwidth_mib;
    return r;
  }

  // Polls the source's job until it is no longer active, at most `limit`;
  // returns the last stats it read. `seen`
  // records the copy seen under way (0 < processed < total).
  JobStats WaitForEnd(absl::Duration limit, bool* seen = nullptr) {
    JobStats last;
    for (absl::Duration waited; waited < limit; waited += absl::Milliseconds(100)) {
      absl::StatusOr<JobStats> job = source_.GetJobStats(kVm);
      if (!job.ok()) {
        ADD_FAILURE() << "job stats of " << kVm << ": " << job.status();
        return last;
      }
      last = *job;
      if (seen != nullptr && job->active && job->disk_total > 0 && job->disk_processed > 0 &&
          job->disk_processed < job->disk_total) {
        *seen = true;
      }
      if (!job->active) return last;
      testbed_.Wait(absl::Milliseconds(100));
    }
    ADD_FAILURE() << "the job of " << kVm << " was still active after " << limit << ": disk "
                  << last.disk_processed << "/" << last.disk_total << ", memory "
                  << last.memory_processed << "/" << last.memory_total;
    return last;
  }

  // Waits until the copy is under way (some but not all disk bytes copied).
  bool WaitForCopying(absl::Duration limit) {
    for (absl::Duration waited; waited < limit; waited += absl::Milliseconds(50)) {
      absl::StatusOr<JobStats> job = source_.GetJobStats(kVm);
      if (job.ok() && job->active && job->disk_processed > 0 &&
          job->disk_processed < job->disk_total) {
        return true;
      }
      if (job.ok()) last_ = *job;
      testbed_.Wait(absl::Milliseconds(50));
    }
    return false;
  }

  // Run(), then a copy at 4 MiB/s onto a new destination volume, under way
  // (some of it copied) when it returns.
  absl::StatusOr<VolumeSource> StartSlowCopy() {
    RETURN_IF_ERROR(Run());
    ASSIGN_OR_RETURN(VolumeSource dst,
                     testbed_.CreateVolume("conf-dst", kDisk, false, true, 0, 0));
    RETURN_IF_ERROR(source_.StartMigration(Request(dst, /*bandwidth_mib=*/4)));
    if (!WaitForCopying(absl::Seconds(30))) {
      return absl::DeadlineExceededError(absl::StrCat(
          "the copy never got under way: disk ", last_.disk_processed, "/", last_.disk_total,
          last_.active ? " (active)" : " (no job)"));
    }
    return dst;
  }

  VolumeSource source_volume;

 private:
  JobStats last_;  // WaitForCopying's last read
  HypervisorTestbed& testbed_;
  Hypervisor& source_;
};

// After a good copy: the source domain is gone, the destination's is paused
// with the copy complete (VIR_MIGRATE_PAUSED) and resumes.
void ExpectHandedOver(HypervisorTestbed& testbed) {
  EXPECT_EQ(testbed.source().LookupDomain(kVm).status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<DomainInfo> target = testbed.destination().LookupDomain(kVm);
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->state, DomainState::kPaused);
  EXPECT_NE(target->reason, kPausedMigration) << "the copy is complete: not paused for it";
  EXPECT_TRUE(target->persistent);
  ASSERT_TRUE(testbed.destination().Resume(kVm).ok());
  EXPECT_EQ(testbed.destination().LookupDomain(kVm)->state, DomainState::kRunning);
}

TEST_P(HypervisorConformance, MigrationCopiesTheDiskOntoAnotherVolume) {
  REQUIRE(migration);
  Migrating m(*testbed_, *hypervisor_);
  ASSERT_TRUE(m.Run().ok());
  absl::StatusOr<VolumeSource> dst = testbed_->CreateVolume("conf-dst", kDisk, false, true, 0, 0);
  ASSERT_TRUE(dst.ok()) << dst.status();
  const absl::Status started = hypervisor_->StartMigration(m.Request(*dst, /*bandwidth_mib=*/16));
  ASSERT_TRUE(started.ok()) << started;
  // One job at a time.
  EXPECT_EQ(hypervisor_->StartMigration(m.Request(*dst)).code(),
            absl::StatusCode::kFailedPrecondition);
  bool seen = false;
  const JobStats last = m.WaitForEnd(absl::Seconds(60), &seen);
  EXPECT_TRUE(seen) << "no job stats showed the copy under way";
  // The domain left the source; its job is remembered there as completed.
  EXPECT_EQ(last.type, JobType::kCompleted) << last.errmsg;
  EXPECT_FALSE(last.active);
  ExpectHandedOver(*testbed_);
  EXPECT_EQ(*testbed_->Digest(*dst, kDisk), *testbed_->Digest(m.source_volume, kDisk));
  // The destination's definition names the destination volume.
  absl::StatusOr<std::string> xml = testbed_->destination().DomainXml(kVm);
  ASSERT_TRUE(xml.ok()) << xml.status();
  EXPECT_THAT(*xml, HasSubstr(dst->path));
}

TEST_P(HypervisorConformance, LargerDestinationHoldsTheSourceAtItsStart) {
  REQUIRE(migration);
  Migrating m(*testbed_, *hypervisor_);
  ASSERT_TRUE(m.Run().ok());
  absl::StatusOr<VolumeSource> dst =
      testbed_->CreateVolume("conf-big", 2 * kDisk, false, true, 0, 0);
  ASSERT_TRUE(dst.ok()) << dst.status();
  ASSERT_TRUE(hypervisor_->StartMigration(m.Request(*dst)).ok());
  const JobStats last = m.WaitForEnd(absl::Seconds(60));
  EXPECT_EQ(last.type, JobType::kCompleted) << last.errmsg;
  ExpectHandedOver(*testbed_);
  EXPECT_EQ(*testbed_->Digest(*dst, kDisk), *testbed_->Digest(m.source_volume, kDisk));
}

TEST_P(HypervisorConformance, SmallerDestinationIsRefusedUpFront) {
  REQUIRE(migration);
  Migrating m(*testbed_, *hypervisor_);
  ASSERT_TRUE(m.Run().ok());
  absl::StatusOr<VolumeSource> dst =
      testbed_->CreateVolume("conf-small", kDisk / 2, false, true, 0, 0);
  ASSERT_TRUE(dst.ok()) << dst.status();
  EXPECT_EQ(hypervisor_->StartMigration(m.Request(*dst)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(hypervisor_->LookupDomain(kVm)->state, DomainState::kRunning);
}

// A disk moves between a file (a Filesystem volume's disk.img) and a device
// (a Block volume), both ways.
void CopyAcrossModes(HypervisorTestbed& testbed, Hypervisor& source, bool from_block) {
  Migrating m(testbed, source);
  ASSERT_TRUE(m.Run(/*source_block=*/from_block).ok());
  absl::StatusOr<VolumeSource> dst =
      testbed.CreateVolume("conf-other-mode", kDisk, !from_block, true, 0, 0);
  ASSERT_TRUE(dst.ok()) << dst.status();
  ASSERT_EQ(dst->block, !from_block);
  ASSERT_TRUE(source.StartMigration(m.Request(*dst)).ok());
  const JobStats last = m.WaitForEnd(absl::Seconds(60));
  EXPECT_EQ(last.type, JobType::kCompleted) << last.errmsg;
  ExpectHandedOver(testbed);
  EXPECT_EQ(*testbed.Digest(*dst, kDisk), *testbed.Digest(m.source_volume, kDisk));
}

TEST_P(HypervisorConformance, FileToBlock) {
  REQUIRE(migration);
  REQUIRE(block_volumes);
  CopyAcrossModes(*testbed_, *hypervisor_, /*from_block=*/false);
}

TEST_P(HypervisorConformance, BlockToFile) {
  REQUIRE(migration);
  REQUIRE(block_volumes);
  CopyAcrossModes(*testbed_, *hypervisor_, /*from_block=*/true);
}

TEST_P(HypervisorConformance, AbortLeavesTheSourceRunningOnItsOwnDisk) {
  REQUIRE(migration);
  Migrating m(*testbed_, *hypervisor_);
  absl::StatusOr<VolumeSource> dst = m.StartSlowCopy();
  ASSERT_TRUE(dst.ok()) << dst.status();
  const absl::Status aborted = hypervisor_->AbortJob(kVm);
  ASSERT_TRUE(aborted.ok()) << aborted;
  const JobStats last = m.WaitForEnd(absl::Seconds(30));
  EXPECT_EQ(last.type, JobType::kCancelled) << last.errmsg;
  EXPECT_EQ(hypervisor_->LookupDomain(kVm)->state, DomainState::kRunning);
  // The destination's incoming domain goes away.
  absl::StatusCode target = absl::StatusCode::kOk;
  for (int i = 0; i < 100 && target != absl::StatusCode::kNotFound; ++i) {
    target = testbed_->destination().LookupDomain(kVm).status().code();
    if (target != absl::StatusCode::kNotFound) testbed_->Wait(absl::Milliseconds(100));
  }
  EXPECT_EQ(target, absl::StatusCode::kNotFound);
  // No job is left to abort.
  EXPECT_EQ(hypervisor_->AbortJob(kVm).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(HypervisorConformance, KilledDestinationEmulatorFailsTheJobAndTheSourceGoesOn) {
  REQUIRE(migration);
  REQUIRE(kill_destination_emulator);
  Migrating m(*testbed_, *hypervisor_);
  absl::StatusOr<VolumeSource> dst = m.StartSlowCopy();
  ASSERT_TRUE(dst.ok()) << dst.status();
  ASSERT_TRUE(testbed_->KillDestinationEmulator(kVm).ok());
  const JobStats last = m.WaitForEnd(absl::Seconds(30));
  EXPECT_EQ(last.type, JobType::kFailed);
  EXPECT_FALSE(last.errmsg.empty());
  EXPECT_EQ(hypervisor_->LookupDomain(kVm)->state, DomainState::kRunning);
}

TEST_P(HypervisorConformance, RestartedSourceDaemonKeepsTheDomainAndARetrySucceeds) {
  REQUIRE(migration);
  REQUIRE(restart_source_daemon);
  Migrating m(*testbed_, *hypervisor_);
  absl::StatusOr<VolumeSource> dst = m.StartSlowCopy();
  ASSERT_TRUE(dst.ok()) << dst.status();
  ASSERT_TRUE(testbed_->RestartSourceDaemon().ok());
  // The adapter reconnects by itself: the domain runs on, its copy is over.
  const JobStats last = m.WaitForEnd(absl::Seconds(30));
  EXPECT_NE(last.type, JobType::kCompleted);
  absl::StatusOr<DomainInfo> info = hypervisor_->LookupDomain(kVm);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->state, DomainState::kRunning);
  // The destination gives its incoming domain up; then a retry succeeds.
  for (int i = 0; i < 100 && testbed_->destination().LookupDomain(kVm).ok(); ++i) {
    testbed_->Wait(absl::Milliseconds(100));
  }
  const absl::Status retried = hypervisor_->StartMigration(m.Request(*dst));
  ASSERT_TRUE(retried.ok()) << retried;
  const JobStats again = m.WaitForEnd(absl::Seconds(60));
  EXPECT_EQ(again.type, JobType::kCompleted) << again.errmsg;
  ExpectHandedOver(*testbed_);
  EXPECT_EQ(*testbed_->Digest(*dst, kDisk), *testbed_->Digest(m.source_volume, kDisk));
}

}  // namespace
}  // namespace ferry::ports
