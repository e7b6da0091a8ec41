#include "core/storage_migration/agent.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "api/kubevirt.pb.h"
#include "api/timestamp.h"
#include "core/ports/hypervisor.h"
#include "core/storage_migration/controller.h"
#include "core/storage_migration/view_loader_testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry::storage_migration {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using Kind = AgentAction::Kind;
using VMIM = kubevirt::VirtualMachineInstanceMigration;

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2024, 5, 1, 10, 1, 0), absl::UTCTimeZone());

// node-a runs the VM (root on vda, data on vdb); the target launcher runs on
// node-b; both destination claims are bound.
const std::string kWorld = Docs({kReadyNodes, kRunningVmi, R"(
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: root-dest, namespace: ns}
spec: {accessModes: [ReadWriteOnce], volumeName: pv-root-dest, resources: {requests: {storage: 1Gi}}}
status: {phase: Bound}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data-dest, namespace: ns}
spec: {accessModes: [ReadWriteOnce], volumeName: pv-data-dest, resources: {requests: {storage: 2Gi}}}
status: {phase: Bound}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-root-dest}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  local: {path: /mnt/disks/root-dest/}
status: {phase: Bound}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-data-dest}
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce]
  volumeMode: Block
  local: {path: /dev/loop7}
status: {phase: Bound}
---
apiVersion: v1
kind: Pod
metadata: {name: virt-launcher-vm-mig-target, namespace: ns}
spec: {nodeName: node-b}
status: {phase: Running}
)"});

// The migration under test in `phase`, with status lines `more` (reports,
// switchover, reportsRequested).
std::string Migration(absl::string_view phase, absl::string_view more = "") {
  return absl::StrCat(R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstanceMigration
metadata: {name: mig, namespace: ns, uid: u-1, finalizers: [ferry.io/storage-migration]}
spec:
  vmiName: vm
  localStorageMigration:
    migrateNonSharedDisks:
    - {sourcePvc: root-dv, destinationPvc: root-dest}
    - {sourcePvc: data-pvc, destinationPvc: data-dest}
status:
  phase: )", phase, R"(
  migrationState: {sourceNode: node-a, targetNode: node-b}
  destinationVolumes:
  - {claim: root-dest, volume: pv-root-dest, volumeMode: Filesystem, capacityBytes: 1073741824,
     path: /mnt/disks/root-dest/disk.img}
  - {claim: data-dest, volume: pv-data-dest, volumeMode: Block, capacityBytes: 2147483648,
     path: /dev/loop7}
)", more);
}

constexpr char kTargetWaiting[] =
    "  - {role: Target, node: node-b, domain: PausedAwaitingCopy, ready: true, sequence: 2}\n";

LocalDomain Running(ports::JobStats job = {}) {
  LocalDomain d;
  d.present = true;
  d.info.name = "ns_vm";
  d.info.state = ports::DomainState::kRunning;
  d.info.reason = 1;  // booted
  d.job = job;
  return d;
}

LocalDomain Paused(int reason) {
  LocalDomain d = Running();
  d.info.state = ports::DomainState::kPaused;
  d.info.reason = reason;
  return d;
}

ports::JobStats ActiveCopy() {
  ports::JobStats job;
  job.active = true;
  job.type = ports::JobType::kUnbounded;
  job.disk_total = 3 << 20;
  job.disk_processed = 1 << 20;
  return job;
}

std::vector<AgentAction> Plan(absl::string_view node, absl::string_view migration,
                              const LocalDomain& domain, absl::string_view world = kWorld,
                              int64_t bandwidth_mib_per_s = 0) {
  const LoadedView w = LoadView(world, migration);
  AgentView v;
  v.bandwidth_mib_per_s = bandwidth_mib_per_s;
  v.node = std::string(node);
  v.now = kNow;
  v.migration = &w.migration;
  v.cluster = &w.view;
  v.domain = domain;
  return PlanAgent(v);
}

absl::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kWrite: return "Write";
    case Kind::kStartMigration: return "StartMigration";
    case Kind::kAbortJob: return "AbortJob";
    case Kind::kDestroy: return "Destroy";
    case Kind::kResume: return "Resume";
    case Kind::kUndefine: return "Undefine";
  }
  return "?";
}

// "Write: Source report: domain Running, job Starting", "Resume ns_vm: ...".
std::vector<std::string> Describe(const std::vector<AgentAction>& actions) {
  std::vector<std::string> out;
  for (const AgentAction& a : actions) {
    out.push_back(absl::StrCat(KindName(a.kind), a.kind == Kind::kWrite ? "" : " ",
                               a.kind == Kind::kWrite ? "" : a.domain, ": ", a.what));
  }
  return out;
}

// The migration a write action stores, and the report of `role` in it.
const VMIM& Written(const AgentAction& action) {
  static const VMIM* const kEmpty = new VMIM();
  const VMIM* m = action.kind == Kind::kWrite
                      ? dynamic_cast<const VMIM*>(action.write.object.get())
                      : nullptr;
  EXPECT_NE(m, nullptr) << action.what;
  EXPECT_EQ(action.write.verb, KubeAction::Verb::kUpdateStatus) << action.what;
  return m == nullptr ? *kEmpty : *m;
}

kubevirt::DomainReport ReportIn(const AgentAction& action, absl::string_view role) {
  const kubevirt::DomainReport* r = FindReport(Written(action).status(), role);
  EXPECT_NE(r, nullptr) << "no " << role << " report in: " << action.what;
  return r == nullptr ? kubevirt::DomainReport() : *r;
}

// ---------------------------------------------------------------- roles

TEST(StorageMigrationAgent, NodeWithoutARoleDoesNothing) {
  const std::string migration =
      Migration("TargetReady", absl::StrCat("  domainReports:\n", kTargetWaiting));
  EXPECT_THAT(Describe(Plan("node-c", migration, Running())), IsEmpty());
}

// ---------------------------------------------------------------- source

TEST(StorageMigrationAgent, SourceRecordsStartingBeforeItStartsTheCopy) {
  const std::vector<AgentAction> actions =
      Plan("node-a", Migration("TargetReady", absl::StrCat("  domainReports:\n", kTargetWaiting)),
           Running());
  // The record comes first: a crash between the two is then seen as an
  // attempt, never as a copy nobody started.
  ASSERT_THAT(Describe(actions),
              ElementsAre("Write: Source report: domain Running, job Starting",
                          "StartMigration ns_vm: start the copy to node-b"));
  const kubevirt::DomainReport report = ReportIn(actions[0], "Source");
  EXPECT_EQ(report.job(), "Starting");
  EXPECT_EQ(report.start_attempts(), 1);
  EXPECT_EQ(report.node(), "node-a");
  EXPECT_EQ(report.domain(), "Running");

  const ports::MigrationRequest& r = actions[1].request;
  EXPECT_EQ(r.domain, "ns_vm");
  EXPECT_EQ(r.destination_uri, "qemu+tcp://node-b/system");
  EXPECT_TRUE(r.incremental);
  // QEMU's background mirror first: the guest is not slowed down unless the
  // copy does not converge (status.copyMode).
  EXPECT_FALSE(r.synchronous_writes);
  EXPECT_EQ(report.copy_mode(), "");
  EXPECT_TRUE(r.leave_paused);
  std::vector<std::string> disks;
  for (const ports::DiskCopy& d : r.disks) {
    disks.push_back(absl::StrCat(d.target_dev, "->", d.destination.claim, "=", d.destination.volume,
                                 d.destination.block ? " block " : " file ",
                                 d.destination.capacity_bytes, " ", d.destination.path));
  }
  // The destination is what the controller recorded for the destination claim.
  EXPECT_THAT(disks,
              ElementsAre("vda->ns/root-dest=pv-root-dest file 1073741824 /mnt/disks/root-dest/disk.img",
                          "vdb->ns/data-dest=pv-data-dest block 2147483648 /dev/loop7"));
}

// A container disk (root, vda) moved onto root-dest: the whole chain is
// copied (NON_SHARED_DISK), from the device of the volume the pair names.
TEST(StorageMigrationAgent, SourceCopiesAContainerDiskWholeToFlattenItsChain) {
  const std::string world =
      Edit(kWorld, "  - {name: root, dataVolume: {name: root-dv}}",
           "  - {name: root, containerDisk: {image: quay.io/containerdisks/alpine}}");
  const std::string migration = Edit(
      Migration("TargetReady", absl::StrCat("  domainReports:\n", kTargetWaiting)),
      "{sourcePvc: root-dv, destinationPvc: root-dest}",
      "{sourceVolume: root, destinationPvc: root-dest}");
  const std::vector<AgentAction> actions = Plan("node-a", migration, Running(), world);
  ASSERT_EQ(actions.size(), 2u);
  const ports::MigrationRequest& r = actions[1].request;
  EXPECT_FALSE(r.incremental);
  ASSERT_EQ(r.disks.size(), 2u);
  EXPECT_EQ(r.disks[0].target_dev, "vda");
  EXPECT_EQ(r.disks[0].destination.claim, "ns/root-dest");
  EXPECT_EQ(r.disks[1].target_dev, "vdb");
}

TEST(StorageMigrationAgent, SourceCapsTheCopyAtTheNodesBandwidth) {
  const std::string migration =
      Migration("TargetReady", absl::StrCat("  domainReports:\n", kTargetWaiting));
  const std::vector<AgentAction> capped = Plan("node-a", migration, Running(), kWorld, 40);
  ASSERT_EQ(capped.size(), 2u);
  EXPECT_EQ(capped[1].request.bandwidth_mib_per_s, 40);
  EXPECT_EQ(Plan("node-a", migration, Running())[1].request.bandwidth_mib_per_s, 0);
}

TEST(StorageMigrationAgent, SourceCopiesOnlyOntoRecordedDestinations) {
  // The controller records each destination's place with TargetReady; one
  // missing (an older controller's migration) and the source waits.
  std::string migration =
      Migration("TargetReady", absl::StrCat("  domainReports:\n", kTargetWaiting));
  migration = absl::StrReplaceAll(migration, {{"  - {claim: data-dest", "  - {claim: other"}});
  const std::vector<AgentAction> actions = Plan("node-a", migration, Running());
  EXPECT_THAT(Describe(actions), ElementsAre("Write: Source report: domain Running, job None"));
}

TEST(StorageMigrationAgent, VolumeSourceOfReadsTheBoundPv) {
  const LoadedView loaded = LoadView(kWorld, Migration("TargetReady"));
  const ClusterView* view = &loaded.view;
  std::optional<ports::VolumeSource> root = VolumeSourceOf(*view, "ns", "root-dest");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(*root, (ports::VolumeSource{.claim = "ns/root-dest", .volume = "pv-root-dest",
                                        .block = false, .capacity_bytes = int64_t{1} << 30,
                                        .path = "/mnt/disks/root-dest/disk.img"}));
  std::optional<ports::VolumeSource> data = VolumeSourceOf(*view, "ns", "data-dest");
  ASSERT_TRUE(data.has_value());
  EXPECT_TRUE(data->block);
  EXPECT_EQ(data->path, "/dev/loop7");
  const std::string unbound = absl::StrReplaceAll(
      kWorld, {{"volumeName: pv-data-dest, resources: {requests: {storage: 2Gi}}}\n"
                "status: {phase: Bound}",
                "resources: {requests: {storage: 2Gi}}}\nstatus: {phase: Pending}"}});
  ASSERT_NE(unbound, kWorld);
  const LoadedView pending = LoadView(unbound, Migration("TargetReady"));
  EXPECT_FALSE(VolumeSourceOf(pending.view, "ns", "data-dest").has_value());
  EXPECT_FALSE(VolumeSourceOf(*view, "ns", "no-such-claim").has_value());
}

TEST(StorageMigrationAgent, SourceStartsARefusedCopyAgain) {
  const std::vector<AgentAction> actions = Plan(
      "node-a",
      Migration("TargetReady", absl::StrCat("  domainReports:\n", kTargetWaiting,
                                            "  - {role: Source, node: node-a, domain: Running, "
                                            "job: Starting, startAttempts: 1, sequence: 3}\n")),
      Running());
  ASSERT_THAT(Describe(actions),
              ElementsAre("Write: Source report: domain Running, job Starting",
                          "StartMigration ns_vm: start the copy to node-b"));
  EXPECT_EQ(ReportIn(actions[0], "Source").start_attempts(), 2);
}

TEST(StorageMigrationAgent, SourceGivesUpAfterThreeRefusedStarts) {
  const std::vector<AgentAction> actions = Plan(
      "node-a",
      Migration("TargetReady", absl::StrCat("  domainReports:\n", kTargetWaiting,
                                            "  - {role: Source, node: node-a, domain: Running, "
                                            "job: Starting, startAttempts: 3, sequence: 7}\n")),
      Running(/*job: kNone, inactive*/));
  ASSERT_THAT(Describe(actions), ElementsAre("Write: Source report: domain Running, job Failed"));
  const kubevirt::DomainReport report = ReportIn(actions[0], "Source");
  EXPECT_EQ(report.job(), "Failed");
  EXPECT_THAT(report.error(), HasSubstr("refused to start the copy 3 times"));
  EXPECT_EQ(report.start_attempts(), 3);
}

TEST(StorageMigrationAgent, SourceAbortsTheCopyOnceTheSourceIsDecided) {
  const std::vector<AgentAction> actions = Plan(
      "node-a",
      Migration("Failed", absl::StrCat("  switchover: {side: Source, targetNode: node-b}\n"
                                       "  domainReports:\n", kTargetWaiting,
                                       "  - {role: Source, node: node-a, domain: Running, "
                                       "job: Active, startAttempts: 1, sequence: 3}\n")),
      Running(ActiveCopy()));
  // The progress write comes first, then the abort; never a start. The
  // report is unchanged, so it keeps its sequence: progress is not a new
  // observation.
  ASSERT_THAT(Describe(actions),
              ElementsAre("Write: Source progress: 0 of 3145728 disk bytes left",
                          StartsWith("AbortJob ns_vm: ")));
  EXPECT_EQ(actions[1].domain, "ns_vm");
  EXPECT_EQ(ReportIn(actions[0], "Source").sequence(), 3);
}

// Destination recorded while the source was paused in the handover.
std::string DestinationDecidedInHandover() {
  return Migration("Running", absl::StrCat("  switchover: {side: Destination, targetNode: node-b}\n"
                                           "  domainReports:\n", kTargetWaiting,
                                           "  - {role: Source, node: node-a, domain: "
                                           "PausedInHandover, job: Active, sequence: 3}\n"));
}

TEST(StorageMigrationAgent, SourceDestroysItsDomainOnceTheDestinationIsDecided) {
  const std::vector<AgentAction> actions = Plan(
      "node-a",
      DestinationDecidedInHandover(),
      Paused(ports::kPausedMigration));
  EXPECT_THAT(Describe(actions), ElementsAre(StartsWith("Destroy ns_vm: ")));
}

// ---------------------------------------------------- copy mode (restart)

// A background copy under way while the controller asks for WriteBlocking.
std::string WriteBlockingAsked(absl::string_view source_report, absl::string_view more = "") {
  return Migration("Running", absl::StrCat("  copyMode: WriteBlocking\n"
                                           "  copyModeTimestamp: \"2024-05-01T10:00:30Z\"\n",
                                           more, "  domainReports:\n", kTargetWaiting,
                                           source_report));
}

ports::JobStats CancelledCopy(int64_t elapsed_ms) {
  ports::JobStats job;
  job.type = ports::JobType::kCancelled;
  job.time_elapsed = elapsed_ms;
  job.disk_processed = 5 << 20;
  return job;
}

TEST(StorageMigrationAgent, SourceAbortsABackgroundCopyWhenWriteBlockingIsAsked) {
  const std::vector<AgentAction> actions = Plan(
      "node-a",
      WriteBlockingAsked("  - {role: Source, node: node-a, domain: Running, job: Active, "
                         "startAttempts: 1, sequence: 3}\n"),
      Running(ActiveCopy()));
  ASSERT_THAT(Describe(actions),
              Contains(StartsWith("AbortJob ns_vm: abort the copy to start it again with copy "
                                  "mode WriteBlocking")));
  EXPECT_THAT(Describe(actions), Not(Contains(StartsWith("StartMigration"))));
}

TEST(StorageMigrationAgent, SourceDoesNotAbortACopyAlreadyWriteBlocking) {
  const std::vector<AgentAction> actions = Plan(
      "node-a",
      WriteBlockingAsked("  - {role: Source, node: node-a, domain: Running, job: Active, "
                         "copyMode: WriteBlocking, startAttempts: 1, sequence: 3}\n"),
      Running(ActiveCopy()));
  EXPECT_THAT(Describe(actions), Not(Contains(StartsWith("AbortJob"))));
}

TEST(StorageMigrationAgent, SourceStartsTheCopyAgainWithSynchronousWritesAfterTheAbort) {
  const std::vector<AgentAction> actions = Plan(
      "node-a",
      WriteBlockingAsked("  - {role: Source, node: node-a, domain: Running, job: Active, "
                         "startAttempts: 2, error: \"old\", sequence: 3}\n",
                         "  progress: {diskTotal: 100, diskRemaining: 40, lowestDiskRemaining: "
                         "30, lowestDiskRemainingTimestamp: \"2024-05-01T10:00:00Z\", "
                         "updatedTimestamp: \"2024-05-01T10:00:55Z\"}\n"),
      Running(CancelledCopy(61000)));
  ASSERT_THAT(Describe(actions),
              ElementsAre("Write: Source report: domain Running, job Starting",
                          "StartMigration ns_vm: start the copy to node-b"));
  const kubevirt::DomainReport report = ReportIn(actions[0], "Source");
  EXPECT_EQ(report.copy_mode(), "WriteBlocking");
  EXPECT_EQ(report.start_attempts(), 1);  // the new copy's own attempts
  EXPECT_EQ(report.error(), "");
  EXPECT_THAT(report.superseded_job(), HasSubstr("elapsed 61000ms"));
  // The new copy's progress (and watermark) starts afresh.
  EXPECT_FALSE(Written(actions[0]).status().has_progress());
  EXPECT_TRUE(actions[1].request.synchronous_writes);
}

TEST(StorageMigrationAgent, SourceTakesTheReplacedCopysEndForNoCopyYet) {
  // Crashed between recording the restart and making it: the domain's last
  // job is still the replaced copy's, which must not read as this one's end.
  const std::string fingerprint = [] {
    const std::vector<AgentAction> a = Plan(
        "node-a",
        WriteBlockingAsked("  - {role: Source, node: node-a, domain: Running, job: Cancelled, "
                           "sequence: 3}\n"),
        Running(CancelledCopy(61000)));
    return a.empty() ? std::string() : ReportIn(a[0], "Source").superseded_job();
  }();
  ASSERT_FALSE(fingerprint.empty());
  const std::string restarting = absl::StrCat(
      "  - {role: Source, node: node-a, domain: Running, job: Starting, copyMode: WriteBlocking, "
      "startAttempts: 1, supersededJob: \"", fingerprint, "\", sequence: 4}\n");
  const std::vector<AgentAction> again =
      Plan("node-a", WriteBlockingAsked(restarting), Running(CancelledCopy(61000)));
  ASSERT_THAT(Describe(again),
              ElementsAre("Write: Source report: domain Running, job Starting",
                          "StartMigration ns_vm: start the copy to node-b"));
  EXPECT_EQ(ReportIn(again[0], "Source").start_attempts(), 2);
  // A cancelled job that is not the replaced one is this copy's end.
  const std::vector<AgentAction> ended =
      Plan("node-a", WriteBlockingAsked(restarting), Running(CancelledCopy(4000)));
  ASSERT_THAT(Describe(ended), ElementsAre("Write: Source report: domain Running, job Cancelled"));
}

TEST(StorageMigrationAgent, SourceProgressKeepsTheLowestDiskRemainingAndWhen) {
  ports::JobStats job = ActiveCopy();
  job.disk_remaining = 50;
  const std::string report =
      "  - {role: Source, node: node-a, domain: Running, job: Active, startAttempts: 1, "
      "sequence: 3}\n";
  auto progress_after = [&](absl::string_view lowest) {
    const std::vector<AgentAction> a = Plan(
        "node-a",
        Migration("Running", absl::StrCat("  progress: {diskRemaining: 60, ", lowest,
                                          "updatedTimestamp: \"2024-05-01T10:00:00Z\"}\n"
                                          "  domainReports:\n", kTargetWaiting, report)),
        Running(job));
    return a.empty() ? kubevirt::MigrationProgress() : Written(a[0]).status().progress();
  };
  // Closer than ever: the watermark moves, now.
  kubevirt::MigrationProgress p = progress_after(
      "lowestDiskRemaining: 70, lowestDiskRemainingTimestamp: \"2024-05-01T09:59:00Z\", ");
  EXPECT_EQ(p.disk_remaining(), 50);
  EXPECT_EQ(p.lowest_disk_remaining(), 50);
  EXPECT_EQ(p.lowest_disk_remaining_timestamp(), Timestamp(kNow));
  // Not closer: the watermark and its time stay.
  p = progress_after(
      "lowestDiskRemaining: 20, lowestDiskRemainingTimestamp: \"2024-05-01T09:59:00Z\", ");
  EXPECT_EQ(p.lowest_disk_remaining(), 20);
  EXPECT_EQ(p.lowest_disk_remaining_timestamp(), "2024-05-01T09:59:00Z");
  EXPECT_EQ(p.updated_timestamp(), Timestamp(kNow));
  // The first progress of a copy sets it.
  p = progress_after("");
  EXPECT_EQ(p.lowest_disk_remaining(), 50);
  EXPECT_EQ(p.lowest_disk_remaining_timestamp(), Timestamp(kNow));
  // Not before the mirrors report (libvirt: no disk bytes, 0 remaining).
  job.disk_total = 0;
  job.disk_remaining = 0;
  p = progress_after("");
  EXPECT_EQ(p.lowest_disk_remaining_timestamp(), "");
}

// ---------------------------------------------------------------- target

std::string Decided(bool specs_switched, absl::string_view source_domain) {
  return Migration(
      "Running",
      absl::StrCat("  switchover: {side: Destination, targetNode: node-b, specsSwitched: ",
                   specs_switched ? "true" : "false",
                   "}\n  domainReports:\n  - {role: Source, node: node-a, domain: ", source_domain,
                   ", job: Completed, sequence: 5}\n"
                   "  - {role: Target, node: node-b, domain: PausedCopyComplete, ready: true, "
                   "sequence: 6}\n"));
}

TEST(StorageMigrationAgent, TargetResumesOnceDecisionSpecsAndSourceAbsenceAreDurable) {
  const std::vector<AgentAction> actions =
      Plan("node-b", Decided(/*specs_switched=*/true, "Absent"), Paused(ports::kPausedUser));
  ASSERT_THAT(Describe(actions), ElementsAre(StartsWith("Resume ns_vm: ")));
  EXPECT_EQ(actions[0].domain, "ns_vm");
}

TEST(StorageMigrationAgent, TargetDoesNotResumeBeforeTheSpecsAreSwitched) {
  const std::vector<AgentAction> actions =
      Plan("node-b", Decided(/*specs_switched=*/false, "Absent"), Paused(ports::kPausedUser));
  EXPECT_THAT(Describe(actions), Not(Contains(StartsWith("Resume"))));
  EXPECT_THAT(Describe(actions), IsEmpty());
}

TEST(StorageMigrationAgent, TargetDoesNotResumeWhileTheSourceDomainExists) {
  const std::vector<AgentAction> actions = Plan(
      "node-b", Decided(/*specs_switched=*/true, "PausedInHandover"), Paused(ports::kPausedUser));
  EXPECT_THAT(Describe(actions), IsEmpty());
}

TEST(StorageMigrationAgent, TargetDestroysItsDomainOnceTheSourceIsDecided) {
  const std::vector<AgentAction> actions = Plan(
      "node-b",
      Migration("Failed", absl::StrCat("  switchover: {side: Source, targetNode: node-b}\n"
                                       "  domainReports:\n", kTargetWaiting)),
      Paused(ports::kPausedMigration));
  EXPECT_THAT(Describe(actions), ElementsAre(StartsWith("Destroy ns_vm: ")));
}

// A persistent target (libvirt made it so when the copy completed, with
// VIR_MIGRATE_PERSIST_DEST) stays defined once destroyed, or once its QEMU
// died: destroy would be refused ("domain is not running") at every retry.
TEST(StorageMigrationAgent, TargetUndefinesItsDomainOnceItIsShutOff) {
  const std::string failed =
      Migration("Failed", absl::StrCat("  switchover: {side: Source, targetNode: node-b}\n"
                                       "  domainReports:\n", kTargetWaiting));
  LocalDomain stopped = Running();
  stopped.info.state = ports::DomainState::kShutoff;
  // A domain that is only a definition reports Absent (no QEMU runs it).
  EXPECT_THAT(Describe(Plan("node-b", failed, stopped)),
              ElementsAre(StartsWith("Write: Target report: domain Absent"),
                          StartsWith("Undefine ns_vm: undefine the target domain, shutoff")));
  // Crashed with on_crash=preserve, its QEMU lives on: destroyed first.
  LocalDomain crashed = Running();
  crashed.info.state = ports::DomainState::kCrashed;
  EXPECT_THAT(Describe(Plan("node-b", failed, crashed)),
              Contains(StartsWith("Destroy ns_vm: destroy the target domain")));
}

// The same for a source whose QEMU died after the destination was decided.
TEST(StorageMigrationAgent, SourceUndefinesItsShutOffDomainOnceTheDestinationIsDecided) {
  LocalDomain stopped = Running();
  stopped.info.state = ports::DomainState::kShutoff;
  const std::vector<AgentAction> actions = Plan(
      "node-a",
      DestinationDecidedInHandover(),
      stopped);
  EXPECT_THAT(Describe(actions),
              ElementsAre(StartsWith("Write: Source report: domain Absent"),
                          "Undefine ns_vm: undefine the source domain, shutoff (the migration "
                          "was decided for the destination)"));
}

// ---------------------------------------------------------------- report sequence

// Target reports of 4 (source) and 7 (target); the target now sees its
// incoming copy complete, so its report changes.
std::string ChangedReports(absl::string_view more) {
  return Migration("Running", absl::StrCat(
                                  "  domainReports:\n"
                                  "  - {role: Source, node: node-a, domain: Running, job: "
                                  "Active, sequence: 4}\n"
                                  "  - {role: Target, node: node-b, domain: PausedAwaitingCopy, "
                                  "ready: true, sequence: 7}\n",
                                  more));
}

TEST(StorageMigrationAgent, ReportTakesTheNextSequence) {
  const std::vector<AgentAction> actions =
      Plan("node-b", ChangedReports(""), Paused(ports::kPausedUser));
  ASSERT_THAT(Describe(actions), ElementsAre("Write: Target report: domain PausedCopyComplete"));
  const kubevirt::DomainReport report = ReportIn(actions[0], "Target");
  EXPECT_EQ(report.sequence(), 8);
  EXPECT_EQ(report.observed_timestamp(), Timestamp(kNow));
  // The other side's report is carried over untouched.
  EXPECT_EQ(ReportIn(actions[0], "Source").sequence(), 4);
  EXPECT_EQ(Written(actions[0]).status().domain_reports_size(), 2);
}

TEST(StorageMigrationAgent, ReportSequenceIsAboveTheRequestedOne) {
  const std::vector<AgentAction> actions =
      Plan("node-b", ChangedReports("  reportsRequested: 9\n"), Paused(ports::kPausedUser));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(ReportIn(actions[0], "Target").sequence(), 10);
}

TEST(StorageMigrationAgent, UnchangedReportIsNotRewritten) {
  // reportsRequested 6 is below the target report's 7: nothing was asked of it.
  const std::vector<AgentAction> actions =
      Plan("node-b", ChangedReports("  reportsRequested: 6\n"), Paused(ports::kPausedMigration));
  EXPECT_THAT(Describe(actions), IsEmpty());
}

TEST(StorageMigrationAgent, UnchangedReportIsRewrittenWhenRequested) {
  const std::vector<AgentAction> actions =
      Plan("node-b", ChangedReports("  reportsRequested: 7\n"), Paused(ports::kPausedMigration));
  ASSERT_THAT(Describe(actions), ElementsAre("Write: Target report: domain PausedAwaitingCopy"));
  const kubevirt::DomainReport report = ReportIn(actions[0], "Target");
  EXPECT_EQ(report.sequence(), 8);
  EXPECT_EQ(report.domain(), "PausedAwaitingCopy");
}

TEST(DiskTargetDev, CountsEachBusOnItsOwnAsVirtLauncherDoes) {
  kubevirt::VirtualMachineInstanceSpec spec;
  auto add = [&](const std::string& name, const std::string& bus) {
    kubevirt::Disk* d = spec.mutable_domain()->mutable_devices()->add_disks();
    d->set_name(name);
    d->mutable_disk()->set_bus(bus);
  };
  add("logs", "sata");
  add("root", "virtio");
  add("db", "scsi");
  add("data", "");  // no bus: virtio
  EXPECT_EQ(DiskTargetDev(spec, "logs"), "sda");
  EXPECT_EQ(DiskTargetDev(spec, "root"), "vda");
  EXPECT_EQ(DiskTargetDev(spec, "db"), "sdb");
  EXPECT_EQ(DiskTargetDev(spec, "data"), "vdb");
  EXPECT_EQ(DiskTargetDev(spec, "absent"), "");
  for (int i = 0; i < 26; ++i) add("extra-" + std::to_string(i), "virtio");
  EXPECT_EQ(DiskTargetDev(spec, "extra-23"), "vdz");
  EXPECT_EQ(DiskTargetDev(spec, "extra-24"), "vdaa");
}

}  // namespace
}  // namespace ferry::storage_migration
