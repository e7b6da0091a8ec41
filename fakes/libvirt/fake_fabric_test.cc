#include "fakes/libvirt/fake_fabric.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::fakes {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ports::DomainState;
using ports::JobType;

constexpr char kXml[] =
    "<domain type='kvm'><name>vm</name><devices>"
    "<disk type='file'><source file='src-a'/><target dev='vda' bus='virtio'/></disk>"
    "<disk type='block'><source dev='src-b'/><target dev='vdb' bus='virtio'/></disk>"
    "</devices></domain>";

class FakeFabricTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = fabric_.AddHost("node-a");
    b_ = fabric_.AddHost("node-b");
    ASSERT_TRUE(fabric_.CreateVolume("src-a", 10 * kGiB, 11).ok());
    ASSERT_TRUE(fabric_.CreateVolume("src-b", 2 * kGiB, 12).ok());
    ASSERT_TRUE(fabric_.CreateVolume("dst-a", 12 * kGiB, 0).ok());
    ASSERT_TRUE(fabric_.CreateVolume("dst-b", 2 * kGiB, 0).ok());
    ASSERT_TRUE(a_->DefineDomain(kXml).ok());
    ASSERT_TRUE(a_->Start("vm").ok());
  }

  void AddGuest(int64_t write_rate) {
    ASSERT_TRUE(fabric_
                    .AddGuest({.domain = "vm",
                               .memory_bytes = kGiB,
                               .write_bytes_per_s = write_rate,
                               .working_set_bytes = kGiB,
                               .memory_dirty_bytes_per_s = write_rate})
                    .ok());
  }

  ports::MigrationRequest Request() {
    ports::MigrationRequest request;
    request.domain = "vm";
    request.destination_uri = "qemu+tcp://node-b/system";
    request.disks = {{"vda", {.volume = "dst-a"}}, {"vdb", {.volume = "dst-b"}}};
    return request;
  }

  // Advances one second at a time until the job ends; returns the seconds taken.
  int RunJob(int limit) {
    for (int s = 1; s <= limit; ++s) {
      fabric_.Advance(absl::Seconds(1));
      // After a handover only the target knows the domain; after a failure
      // only the source.
      for (FakeHypervisor* h : {a_, b_}) {
        auto stats = h->GetJobStats("vm");
        if (stats.ok() && !stats->active && stats->type != JobType::kNone) return s;
      }
    }
    return -1;
  }

  FakeFabric fabric_;
  FakeHypervisor* a_ = nullptr;
  FakeHypervisor* b_ = nullptr;
};

TEST_F(FakeFabricTest, MigrationCopiesEveryAcknowledgedWriteAndLeavesTheTargetPaused) {
  AddGuest(50 * kMiB);
  ASSERT_TRUE(a_->StartMigration(Request()).ok());
  auto incoming = b_->LookupDomain("vm");
  ASSERT_TRUE(incoming.ok());
  EXPECT_EQ(incoming->state, DomainState::kPaused);
  EXPECT_EQ(incoming->reason, ports::kPausedMigration);
  EXPECT_FALSE(incoming->persistent);

  fabric_.Advance(absl::Seconds(3));
  auto stats = a_->GetJobStats("vm");
  ASSERT_TRUE(stats.ok());
  EXPECT_TRUE(stats->active);
  EXPECT_EQ(stats->disk_total, 12 * kGiB);
  EXPECT_GT(stats->disk_processed, 0);
  EXPECT_GT(stats->disk_remaining, 0);

  const int seconds = RunJob(100);
  ASSERT_GT(seconds, 0);
  EXPECT_EQ(b_->GetJobStats("vm")->type, JobType::kCompleted);
  EXPECT_EQ(a_->LookupDomain("vm").status().code(), absl::StatusCode::kNotFound);
  auto done = b_->LookupDomain("vm");
  EXPECT_EQ(done->state, DomainState::kPaused);
  EXPECT_EQ(done->reason, ports::kPausedUser);
  EXPECT_GT(fabric_.acknowledged_writes("vm"), 100);
  EXPECT_EQ(fabric_.MissingWrite("vm", "vda", "dst-a"), std::nullopt);
  EXPECT_EQ(fabric_.MissingWrite("vm", "vdb", "dst-b"), std::nullopt);
  // The incoming domain's XML names the destination volumes.
  EXPECT_THAT(*b_->DomainXml("vm"), HasSubstr("'dst-a'"));

  // Nothing runs until someone resumes the target; then writes land there.
  const int64_t writes = fabric_.acknowledged_writes("vm");
  fabric_.Advance(absl::Seconds(5));
  EXPECT_EQ(fabric_.acknowledged_writes("vm"), writes);
  ASSERT_TRUE(b_->Resume("vm").ok());
  fabric_.Advance(absl::Seconds(5));
  EXPECT_GT(fabric_.acknowledged_writes("vm"), writes);
  EXPECT_EQ(fabric_.MissingWrite("vm", "vda", "dst-a"), std::nullopt);
  EXPECT_NE(fabric_.MissingWrite("vm", "vda", "src-a"), std::nullopt);
}

TEST_F(FakeFabricTest, OpenDisksFollowTheDomainFromItsXmlToItsDestinations) {
  using Disks = std::map<std::string, std::string>;
  ASSERT_NE(fabric_.OpenDisks("node-a", "vm"), nullptr);
  EXPECT_EQ(*fabric_.OpenDisks("node-a", "vm"), (Disks{{"vda", "src-a"}, {"vdb", "src-b"}}));
  EXPECT_EQ(fabric_.OpenDisks("node-b", "vm"), nullptr);
  EXPECT_EQ(fabric_.OpenDisks("node-z", "vm"), nullptr);

  // Only vdb is copied: the incoming domain keeps vda where it was.
  ports::MigrationRequest request = Request();
  request.disks = {{"vdb", {.volume = "dst-b"}}};
  ASSERT_TRUE(a_->StartMigration(request).ok());
  ASSERT_NE(fabric_.OpenDisks("node-b", "vm"), nullptr);
  EXPECT_EQ(*fabric_.OpenDisks("node-b", "vm"), (Disks{{"vda", "src-a"}, {"vdb", "dst-b"}}));
  EXPECT_EQ(*fabric_.OpenDisks("node-a", "vm"), (Disks{{"vda", "src-a"}, {"vdb", "src-b"}}));
}

// A reader may keep what it concluded while changes() stays put: every
// call that changes domains, writes, volumes or jobs moves it, reads do not.
TEST_F(FakeFabricTest, ChangesMoveWithEveryChangeAndOnlyThen) {
  AddGuest(kMiB);
  uint64_t seen = fabric_.changes();
  auto moved = [&] {
    const bool m = fabric_.changes() != seen;
    seen = fabric_.changes();
    return m;
  };
  ASSERT_TRUE(a_->LookupDomain("vm").ok());
  ASSERT_TRUE(a_->GetJobStats("vm").ok());
  ASSERT_TRUE(a_->ListDomains().ok());
  ASSERT_TRUE(a_->PollEvents().ok());
  (void)fabric_.HostsRunning("vm");
  (void)fabric_.OpenDisks("node-a", "vm");
  (void)fabric_.MissingWrite("vm", "vda", "src-a");
  EXPECT_FALSE(moved()) << "reads";
  fabric_.Advance(absl::Seconds(1));
  EXPECT_TRUE(moved()) << "Advance";
  ASSERT_TRUE(a_->Suspend("vm").ok());
  EXPECT_TRUE(moved()) << "Suspend";
  ASSERT_TRUE(a_->Resume("vm").ok());
  EXPECT_TRUE(moved()) << "Resume";
  ASSERT_TRUE(a_->StartMigration(Request()).ok());
  EXPECT_TRUE(moved()) << "StartMigration";
  ASSERT_TRUE(a_->AbortJob("vm").ok());
  EXPECT_TRUE(moved()) << "AbortJob";
  fabric_.Partition("node-a", "node-b");
  EXPECT_TRUE(moved()) << "Partition";
  fabric_.FillVolume("dst-a");
  EXPECT_TRUE(moved()) << "FillVolume";
  EXPECT_TRUE(fabric_.ForgetOneWrite("src-a"));
  EXPECT_TRUE(moved()) << "ForgetOneWrite";
  ASSERT_TRUE(a_->Destroy("vm").ok());
  EXPECT_TRUE(moved()) << "Destroy";
  ASSERT_TRUE(a_->UndefineDomain("vm").ok());
  EXPECT_TRUE(moved()) << "UndefineDomain";
  ASSERT_TRUE(b_->DefineDomain(kXml).ok());
  EXPECT_TRUE(moved()) << "DefineDomain";
  fabric_.NodeDown("node-b");
  EXPECT_TRUE(moved()) << "NodeDown";
}

TEST_F(FakeFabricTest, AHandoverPausesTheSourceForOneStepFirst) {
  AddGuest(0);
  ASSERT_TRUE(a_->StartMigration(Request()).ok());
  for (int i = 0; i < 100 && a_->LookupDomain("vm")->state == DomainState::kRunning; ++i) {
    fabric_.Advance(absl::Seconds(1));
  }
  auto paused = a_->LookupDomain("vm");
  ASSERT_TRUE(paused.ok());
  EXPECT_EQ(paused->state, DomainState::kPaused);
  EXPECT_EQ(paused->reason, ports::kPausedMigration);
  EXPECT_EQ(a_->Resume("vm").code(), absl::StatusCode::kFailedPrecondition);
  fabric_.Advance(absl::Seconds(1));
  EXPECT_FALSE(a_->LookupDomain("vm").ok());
}

TEST_F(FakeFabricTest, AbortKeepsTheSourceRunningAndRemovesTheTarget) {
  AddGuest(10 * kMiB);
  ASSERT_TRUE(a_->StartMigration(Request()).ok());
  fabric_.Advance(absl::Seconds(2));
  ASSERT_TRUE(a_->AbortJob("vm").ok());
  EXPECT_EQ(a_->LookupDomain("vm")->state, DomainState::kRunning);
  EXPECT_FALSE(b_->LookupDomain("vm").ok());
  EXPECT_EQ(a_->GetJobStats("vm")->type, JobType::kCancelled);
  EXPECT_EQ(a_->AbortJob("vm").code(), absl::StatusCode::kFailedPrecondition);
  fabric_.Advance(absl::Seconds(2));
  EXPECT_EQ(fabric_.MissingWrite("vm", "vda", "src-a"), std::nullopt);
}

TEST_F(FakeFabricTest, FaultsFailTheJobWithLibvirtsMessage) {
  AddGuest(0);
  ASSERT_TRUE(a_->StartMigration(Request()).ok());
  fabric_.Advance(absl::Seconds(1));
  fabric_.CutStreams("node-b");
  EXPECT_EQ(a_->GetJobStats("vm")->type, JobType::kFailed);
  EXPECT_THAT(a_->GetJobStats("vm")->errmsg, HasSubstr("Connection reset by peer"));
  EXPECT_EQ(a_->LookupDomain("vm")->state, DomainState::kRunning);

  ASSERT_TRUE(a_->StartMigration(Request()).ok()) << a_->StartMigration(Request());
  fabric_.FillVolume("dst-a");
  fabric_.Advance(absl::Seconds(1));
  EXPECT_THAT(a_->GetJobStats("vm")->errmsg, HasSubstr("No space left on device"));
  EXPECT_FALSE(b_->LookupDomain("vm").ok());
}

TEST_F(FakeFabricTest, APartitionBreaksItsStreamsAndRefusesNewOnesUntilHealed) {
  AddGuest(0);
  ASSERT_TRUE(a_->StartMigration(Request()).ok());
  fabric_.Advance(absl::Seconds(1));
  fabric_.Partition("node-b", "node-a");
  EXPECT_TRUE(fabric_.partitioned("node-a", "node-b"));
  EXPECT_EQ(a_->GetJobStats("vm")->type, JobType::kFailed);
  EXPECT_THAT(a_->GetJobStats("vm")->errmsg, HasSubstr("Connection timed out"));
  EXPECT_EQ(a_->LookupDomain("vm")->state, DomainState::kRunning);
  absl::Status refused = a_->StartMigration(Request());
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.message(), HasSubstr("No route to host"));

  fabric_.Heal("node-a", "node-b");
  EXPECT_FALSE(fabric_.partitioned("node-b", "node-a"));
  ASSERT_TRUE(a_->StartMigration(Request()).ok());
  EXPECT_GT(RunJob(60), 0);
  EXPECT_EQ(b_->GetJobStats("vm")->type, JobType::kCompleted);
}

TEST_F(FakeFabricTest, ACongestedLinkCopiesProportionallySlower) {
  AddGuest(0);
  ASSERT_TRUE(a_->StartMigration(Request()).ok());
  const int fast = RunJob(600);
  ASSERT_GT(fast, 0);
  FakeFabric slow_fabric;
  FakeHypervisor* a = slow_fabric.AddHost("node-a");
  FakeHypervisor* b = slow_fabric.AddHost("node-b");
  ASSERT_TRUE(slow_fabric.CreateVolume("src-a", 10 * kGiB, 11).ok());
  ASSERT_TRUE(slow_fabric.CreateVolume("src-b", 2 * kGiB, 12).ok());
  ASSERT_TRUE(slow_fabric.CreateVolume("dst-a", 12 * kGiB, 0).ok());
  ASSERT_TRUE(slow_fabric.CreateVolume("dst-b", 2 * kGiB, 0).ok());
  ASSERT_TRUE(a->DefineDomain(kXml).ok());
  ASSERT_TRUE(a->Start("vm").ok());
  slow_fabric.set_link_factor(0.25);
  ASSERT_TRUE(a->StartMigration(Request()).ok());
  int slow = -1;
  for (int s = 1; s <= 600 && slow < 0; ++s) {
    slow_fabric.Advance(absl::Seconds(1));
    auto stats = b->GetJobStats("vm");
    if (stats.ok() && !stats->active && stats->type == JobType::kCompleted) slow = s;
  }
  ASSERT_GT(slow, 0);
  EXPECT_GE(slow, 3 * fast);  // 12 GiB at 1 GiB/s vs 256 MiB/s
}

TEST_F(FakeFabricTest, TargetNodeLossFailsTheJobAndSourceNodeLossKillsTheGuest) {
  AddGuest(10 * kMiB);
  ASSERT_TRUE(a_->StartMigration(Request()).ok());
  fabric_.NodeDown("node-b");
  EXPECT_EQ(b_->LookupDomain("vm").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(a_->GetJobStats("vm")->type, JobType::kFailed);
  EXPECT_THAT(fabric_.HostsRunning("vm"), ElementsAre("node-a"));
  fabric_.NodeUp("node-b");
  EXPECT_EQ(b_->LookupDomain("vm").status().code(), absl::StatusCode::kNotFound);

  fabric_.NodeDown("node-a");
  EXPECT_TRUE(fabric_.HostsRunning("vm").empty());
  const int64_t writes = fabric_.acknowledged_writes("vm");
  fabric_.Advance(absl::Seconds(3));
  EXPECT_EQ(fabric_.acknowledged_writes("vm"), writes);
}

TEST_F(FakeFabricTest, AGuestWritingFasterThanTheLinkNeverConverges) {
  AddGuest(4 * kGiB);  // the link is 1 GiB/s
  ASSERT_TRUE(a_->StartMigration(Request()).ok());
  EXPECT_EQ(RunJob(120), -1);
  EXPECT_TRUE(a_->GetJobStats("vm")->active);
  EXPECT_GT(a_->GetJobStats("vm")->disk_remaining, 0);
}

TEST_F(FakeFabricTest, RefusesBadRequestsClearly) {
  ports::MigrationRequest request = Request();
  request.destination_uri = "qemu+tcp://node-z/system";
  EXPECT_EQ(a_->StartMigration(request).code(), absl::StatusCode::kUnavailable);
  request = Request();
  request.disks = {{"vdz", {.volume = "dst-a"}}};
  EXPECT_EQ(a_->StartMigration(request).code(), absl::StatusCode::kInvalidArgument);
  request = Request();
  request.disks = {{"vda", {.volume = "dst-b"}}};  // 2 GiB for a 10 GiB disk
  EXPECT_EQ(a_->StartMigration(request).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(a_->StartMigration(Request()).ok());
  EXPECT_EQ(a_->StartMigration(Request()).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(FakeFabricTest, RefusesAVolumeLargerThanOnePibInsteadOfWrappingItsSize) {
  const absl::Status huge = fabric_.CreateVolume("huge", INT64_MAX, 0);  // a claim of 8Ei
  EXPECT_EQ(huge.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(huge.message(), HasSubstr("volume huge: 9223372036854775807 bytes is larger than "
                                        "the simulator's largest volume"));
  EXPECT_EQ(fabric_.volume("huge"), nullptr);
  EXPECT_TRUE(fabric_.CreateVolume("pib", kMaxVolumeBytes, 0).ok());
  EXPECT_EQ(fabric_.volume("pib")->blocks(), int64_t{1} << 30);
}

TEST_F(FakeFabricTest, RefusesGuestOptionsOutOfRange) {
  auto add = [&](FakeFabric::GuestOptions o) { return fabric_.AddGuest(o); };
  EXPECT_THAT(add({.domain = "vm", .memory_bytes = 0}).message(),
              HasSubstr("guest vm: memory_bytes 0 is out of range"));
  EXPECT_THAT(add({.domain = "vm", .memory_bytes = kMaxGuestMemoryBytes + 1}).message(),
              HasSubstr("memory_bytes"));
  EXPECT_THAT(add({.domain = "vm", .write_bytes_per_s = INT64_MIN}).message(),
              HasSubstr("write_bytes_per_s -9223372036854775808 is out of range"));
  EXPECT_THAT(add({.domain = "vm", .write_bytes_per_s = INT64_MAX}).message(),
              HasSubstr("write_bytes_per_s"));
  EXPECT_THAT(add({.domain = "vm", .working_set_bytes = -1}).message(),
              HasSubstr("working_set_bytes"));
  EXPECT_THAT(add({.domain = "vm", .memory_dirty_bytes_per_s = -1}).message(),
              HasSubstr("memory_dirty_bytes_per_s"));
  EXPECT_TRUE(add({.domain = "vm",
                   .memory_bytes = kMaxGuestMemoryBytes,
                   .write_bytes_per_s = kMaxGuestWriteBytesPerS})
                  .ok());
}

// Petabyte disks over an unlimited link: every byte count of the job stays
// exact or saturates, never wraps negative.
// A container disk: a read-only image under the overlay the guest writes.
// A full copy flattens the chain onto the claim; the top layer alone leaves
// the image behind, and MissingImage says where.
TEST(FakeFabricImageTest, AFullCopyFlattensAnOverlayAndATopCopyDoesNot) {
  for (const bool incremental : {false, true}) {
    SCOPED_TRACE(incremental ? "NON_SHARED_INC" : "NON_SHARED_DISK");
    FakeFabric fabric;
    FakeHypervisor* a = fabric.AddHost("node-a");
    FakeHypervisor* b = fabric.AddHost("node-b");
    ASSERT_TRUE(fabric.CreateImage("image/alpine", 2 * kGiB, 77).ok());
    ASSERT_TRUE(fabric.CreateOverlay("overlay/vm/root", "image/alpine").ok());
    EXPECT_EQ(fabric.backing_of("overlay/vm/root"), "image/alpine");
    EXPECT_EQ(fabric.volume_size("overlay/vm/root"), 2 * kGiB);
    ASSERT_TRUE(fabric.CreateVolume("root-pvc", 3 * kGiB, 0).ok());
    ASSERT_TRUE(a->DefineDomain("<domain type='kvm'><name>vm</name><devices><disk type='file'>"
                                "<source file='overlay/vm/root'/><target dev='vda'/></disk>"
                                "</devices></domain>")
                    .ok());
    ASSERT_TRUE(a->Start("vm").ok());
    ASSERT_TRUE(fabric.AddGuest({.domain = "vm", .write_bytes_per_s = 20 * kMiB,
                                 .working_set_bytes = 512 * kMiB})
                    .ok());
    fabric.Advance(absl::Seconds(2));
    // The overlay reads the image where the guest has not written.
    EXPECT_EQ(fabric.MissingImage("vm", "vda", "overlay/vm/root", "image/alpine"), std::nullopt);
    EXPECT_EQ(fabric.volume("image/alpine")->written_blocks(), 0);  // never written
    // An unwritten claim does not hold the image.
    EXPECT_THAT(fabric.MissingImage("vm", "vda", "root-pvc", "image/alpine").value_or(""),
                HasSubstr("block 0 of root-pvc holds version 0, not image image/alpine's content 77"));
    ports::MigrationRequest request;
    request.domain = "vm";
    request.destination_uri = "qemu+tcp://node-b/system";
    request.disks = {{"vda", {.volume = "root-pvc"}}};
    request.incremental = incremental;
    ASSERT_TRUE(a->StartMigration(request).ok());
    for (int s = 0; s < 30 && !b->GetJobStats("vm").ok(); ++s) fabric.Advance(absl::Seconds(1));
    for (int s = 0; s < 30; ++s) {
      auto stats = b->GetJobStats("vm");
      if (stats.ok() && !stats->active && stats->type == JobType::kCompleted) break;
      fabric.Advance(absl::Seconds(1));
    }
    ASSERT_EQ(b->GetJobStats("vm")->type, JobType::kCompleted);
    EXPECT_EQ(fabric.MissingWrite("vm", "vda", "root-pvc"), std::nullopt);
    EXPECT_EQ(fabric.MissingImage("vm", "vda", "root-pvc", "image/alpine").has_value(),
              incremental);
  }
}

TEST(FakeFabricImageTest, AnImageIsReadOnlyAndAnOverlayNeedsOne) {
  FakeFabric fabric;
  EXPECT_EQ(fabric.CreateImage("image/x", kGiB, 0).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(fabric.CreateVolume("plain", kGiB, 3).ok());
  EXPECT_EQ(fabric.CreateOverlay("o", "plain").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(fabric.CreateOverlay("o", "image/none").code(), absl::StatusCode::kNotFound);
  // A guest whose disk is the image itself writes nothing it is acknowledged.
  FakeHypervisor* a = fabric.AddHost("node-a");
  ASSERT_TRUE(fabric.CreateImage("image/x", kGiB, 5).ok());
  ASSERT_TRUE(a->DefineDomain("<domain type='kvm'><name>vm</name><devices><disk type='file'>"
                              "<source file='image/x'/><target dev='vda'/></disk>"
                              "</devices></domain>")
                  .ok());
  ASSERT_TRUE(a->Start("vm").ok());
  ASSERT_TRUE(fabric.AddGuest({.domain = "vm", .write_bytes_per_s = 20 * kMiB}).ok());
  fabric.Advance(absl::Seconds(2));
  EXPECT_EQ(fabric.acknowledged_writes("vm"), 0);
  EXPECT_EQ(fabric.volume("image/x")->written_blocks(), 0);
}

TEST(FakeFabricLimitsTest, PetabyteDisksOverAnUnlimitedLinkKeepTheirCountsPositive) {
  FakeFabric fabric({.link_bytes_per_s = INT64_MAX});
  FakeHypervisor* a = fabric.AddHost("node-a");
  fabric.AddHost("node-b");
  for (const char* v : {"src-a", "src-b", "dst-a", "dst-b"}) {
    ASSERT_TRUE(fabric.CreateVolume(v, kMaxVolumeBytes, v[0] == 's' ? 1 : 0).ok());
  }
  ASSERT_TRUE(a->DefineDomain(kXml).ok());
  ASSERT_TRUE(a->Start("vm").ok());
  ASSERT_TRUE(fabric.AddGuest({.domain = "vm",
                               .memory_bytes = kMaxGuestMemoryBytes,
                               .write_bytes_per_s = kMaxGuestWriteBytesPerS,
                               .working_set_bytes = kMaxVolumeBytes,
                               .memory_dirty_bytes_per_s = kMaxVolumeBytes})
                  .ok());
  ports::MigrationRequest request;
  request.domain = "vm";
  request.destination_uri = "qemu+tcp://node-b/system";
  request.disks = {{"vda", {.volume = "dst-a"}}, {"vdb", {.volume = "dst-b"}}};
  ASSERT_TRUE(a->StartMigration(request).ok());
  absl::StatusOr<ports::JobStats> stats = a->GetJobStats("vm");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->disk_total, 2 * kMaxVolumeBytes);
  EXPECT_EQ(stats->data_total, 2 * kMaxVolumeBytes + kMaxGuestMemoryBytes);
  for (int s = 0; s < 3; ++s) {  // copies 2 PiB in a second, then hands over
    fabric.Advance(absl::Seconds(1));
    stats = fabric.JobStatsOf("node-a", "vm");  // the source host's view, also once it is gone
    ASSERT_TRUE(stats.ok());
    EXPECT_GE(stats->disk_processed, 0);
    EXPECT_GE(stats->memory_processed, 0);
    EXPECT_GE(stats->data_remaining, 0);
    EXPECT_GE(stats->disk_bps, 0);
    EXPECT_GE(stats->downtime, 0);
  }
  EXPECT_EQ(stats->type, JobType::kCompleted);
}

TEST_F(FakeFabricTest, ARebootedGuestKeepsWhatItAcknowledgedAndItsDisksAreJudgedOnIt) {
  AddGuest(8 * kMiB);
  fabric_.Advance(absl::Seconds(2));
  const int64_t before = fabric_.acknowledged_writes("vm");
  ASSERT_GT(before, 0);
  ASSERT_TRUE(a_->Destroy("vm").ok());
  fabric_.Advance(absl::Seconds(2));  // down: no writes
  EXPECT_EQ(fabric_.acknowledged_writes("vm"), before);
  // Started again on a disk without those writes: it lacks them.
  ASSERT_TRUE(a_->UndefineDomain("vm").ok());
  ASSERT_TRUE(a_->DefineDomain(absl::StrCat(
                        "<domain type='kvm'><name>vm</name><devices>",
                        "<disk type='file'><source file='dst-a'/><target dev='vda'/></disk>",
                        "</devices></domain>"))
                  .ok());
  ASSERT_TRUE(a_->Start("vm").ok());
  ASSERT_TRUE(fabric_
                  .RebootGuest({.domain = "vm",
                                .memory_bytes = kGiB,
                                .write_bytes_per_s = 8 * kMiB,
                                .working_set_bytes = kGiB,
                                .memory_dirty_bytes_per_s = 0})
                  .ok());
  EXPECT_GE(fabric_.acknowledged_writes("vm"), before);
  EXPECT_TRUE(fabric_.MissingWrite("vm", "vda", "dst-a").has_value());
  EXPECT_EQ(fabric_.MissingWrite("vm", "vda", "src-a"), std::nullopt);
  fabric_.Advance(absl::Seconds(1));
  EXPECT_GT(fabric_.acknowledged_writes("vm"), before);
  // Only a guest that ran may reboot; options stay checked.
  EXPECT_EQ(fabric_.RebootGuest({.domain = "other", .memory_bytes = kGiB}).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(fabric_.RebootGuest({.domain = "vm", .memory_bytes = -1}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(fabric_.MissingWrite("vm", "vda", "dst-a").has_value());  // unchanged by the refusal
}

TEST_F(FakeFabricTest, SameSeedSameWrites) {
  FakeFabric other;
  FakeHypervisor* h = other.AddHost("node-a");
  ASSERT_TRUE(other.CreateVolume("src-a", 10 * kGiB, 11).ok());
  ASSERT_TRUE(other.CreateVolume("src-b", 2 * kGiB, 12).ok());
  ASSERT_TRUE(h->DefineDomain(kXml).ok());
  ASSERT_TRUE(h->Start("vm").ok());
  ASSERT_TRUE(other.AddGuest({.domain = "vm", .write_bytes_per_s = 20 * kMiB}).ok());
  AddGuest(20 * kMiB);
  fabric_.Advance(absl::Seconds(10));
  other.Advance(absl::Seconds(10));
  EXPECT_EQ(*fabric_.AckedWrites("vm", "vda"), *other.AckedWrites("vm", "vda"));
}

}  // namespace
}  // namespace ferry::fakes
