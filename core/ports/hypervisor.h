// Hypervisor: one node's virtualization daemon, shaped after libvirt (see
// shared/reference/libvirt.md). The real adapter is adapters/libvirt; the
// deterministic fake is fakes/libvirt; core/ports/hypervisor_conformance.h
// holds both to the same behaviour where both support an operation.
//
// Errors: NotFound (no such domain), AlreadyExists (a domain of that name or
// uuid is defined), FailedPrecondition (the domain is in the wrong state, e.g.
// starting a running domain), InvalidArgument (bad XML or request),
// Unimplemented (the driver cannot do it: libvirt's test driver has no
// migration, block jobs or job stats), Unavailable (the daemon is gone).
//
//   ASSIGN_OR_RETURN(DomainInfo info, hypervisor.LookupDomain("vm-1"));
//   RETURN_IF_ERROR(hypervisor.StartMigration(request));
//   ASSIGN_OR_RETURN(JobStats stats, hypervisor.GetJobStats("vm-1"));
#ifndef FERRY_CORE_PORTS_HYPERVISOR_H_
#define FERRY_CORE_PORTS_HYPERVISOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ferry::ports {

// virDomainState.
enum class DomainState {
  kNoState = 0,
  kRunning = 1,
  kBlocked = 2,
  kPaused = 3,
  kShutdown = 4,  // shutting down
  kShutoff = 5,
  kCrashed = 6,
  kPMSuspended = 7,
};

absl::string_view DomainStateName(DomainState state);

struct DomainInfo {
  std::string name;
  std::string uuid;
  DomainState state = DomainState::kNoState;
  // virDomainGetState's reason for `state` (e.g. for kPaused: 1 user,
  // 2 migration; for kRunning: 1 booted, 2 migrated).
  int reason = 0;
  bool persistent = false;  // defined, not only running

  friend bool operator==(const DomainInfo&, const DomainInfo&) = default;
};

inline constexpr int kPausedUser = 1;       // VIR_DOMAIN_PAUSED_USER
inline constexpr int kPausedMigration = 2;  // VIR_DOMAIN_PAUSED_MIGRATION
inline constexpr int kRunningMigrated = 2;  // VIR_DOMAIN_RUNNING_MIGRATED

// Where a PersistentVolume's data lives on a node, as the claim bound to it
// says: what the hypervisor opens as a disk's source.
struct VolumeSource {
  std::string claim = "";   // "namespace/name" of the PersistentVolumeClaim
  std::string volume = "";  // the PersistentVolume's name
  // Kubernetes' volumeMode: a Block volume is a device the guest gets whole; a
  // Filesystem volume holds the disk as the file "disk.img" (KubeVirt's
  // convention) in the directory the PV names.
  bool block = false;
  int64_t capacity_bytes = 0;  // the PV's capacity
  // The device (Block) or disk image file (Filesystem) on the node; empty
  // when the PV names no node-local place (a CSI volume: only the fakes,
  // which keep their volumes by PV name, can copy onto it).
  std::string path = "";

  friend bool operator==(const VolumeSource&, const VolumeSource&) = default;
};

// One disk to copy: the domain's target device ("vda") and the volume its copy
// goes to on the destination host. The adapter points the destination
// domain's disk at `destination` (file or block; a storage slice of the
// source's size when the destination is larger) and changes nothing else.
struct DiskCopy {
  std::string target_dev = "";
  VolumeSource destination = {};

  friend bool operator==(const DiskCopy&, const DiskCopy&) = default;
};

// A live migration copying the named non-shared disks (libvirt's
// migrate_disks with VIR_MIGRATE_NON_SHARED_*).
struct MigrationRequest {
  std::string domain;
  std::string destination_uri;  // "qemu+tcp://node-b/system"
  std::vector<DiskCopy> disks;
  bool incremental = true;           // NON_SHARED_INC (top image) vs NON_SHARED_DISK
  bool synchronous_writes = false;   // NON_SHARED_SYNCHRONOUS_WRITES
  bool leave_paused = true;          // VIR_MIGRATE_PAUSED: resume is the caller's choice
  int64_t bandwidth_mib_per_s = 0;   // 0: unlimited
};

// virDomainJobType: the job running now, or how the last one ended.
enum class JobType {
  kNone = 0,
  kBounded = 1,
  kUnbounded = 2,
  kCompleted = 3,
  kFailed = 4,
  kCancelled = 5,
};

// virDomainGetJobStats, with libvirt's field names (bytes, milliseconds).
// Without an active job it describes the domain's last job (libvirt's
// VIR_DOMAIN_JOB_STATS_COMPLETED), so a caller that missed the end learns it.
struct JobStats {
  bool active = false;
  JobType type = JobType::kNone;
  std::string errmsg;  // VIR_DOMAIN_JOB_ERRMSG: why a failed job failed
  int64_t time_elapsed = 0;
  int64_t data_total = 0;
  int64_t data_processed = 0;
  int64_t data_remaining = 0;
  int64_t memory_total = 0;
  int64_t memory_processed = 0;
  int64_t memory_remaining = 0;
  int64_t memory_dirty_rate = 0;
  int64_t memory_iteration = 0;
  int64_t disk_total = 0;
  int64_t disk_processed = 0;
  int64_t disk_remaining = 0;
  int64_t disk_bps = 0;
  int64_t downtime = 0;
  int64_t setup_time = 0;

  friend bool operator==(const JobStats&, const JobStats&) = default;
};

// virDomainEventType (lifecycle events).
enum class DomainEventType {
  kDefined = 0,
  kUndefined = 1,
  kStarted = 2,
  kSuspended = 3,
  kResumed = 4,
  kStopped = 5,
  kShutdown = 6,
  kPMSuspended = 7,
  kCrashed = 8,
};

absl::string_view DomainEventName(DomainEventType type);

struct DomainEvent {
  std::string domain;
  DomainEventType type;
  int detail = 0;  // libvirt's per-type detail code

  friend bool operator==(const DomainEvent&, const DomainEvent&) = default;
};

class Hypervisor {
 public:
  virtual ~Hypervisor() = default;

  virtual absl::StatusOr<DomainInfo> LookupDomain(absl::string_view name) = 0;
  // Every domain, ordered by name.
  virtual absl::StatusOr<std::vector<DomainInfo>> ListDomains() = 0;
  // Defines a persistent domain from libvirt domain XML.
  virtual absl::StatusOr<DomainInfo> DefineDomain(absl::string_view xml) = 0;
  virtual absl::Status UndefineDomain(absl::string_view name) = 0;
  virtual absl::StatusOr<std::string> DomainXml(absl::string_view name) = 0;

  virtual absl::Status Start(absl::string_view name) = 0;
  virtual absl::Status Destroy(absl::string_view name) = 0;  // hard stop
  virtual absl::Status Suspend(absl::string_view name) = 0;
  virtual absl::Status Resume(absl::string_view name) = 0;

  // Starts the copy and returns; the job runs on (follow it with GetJobStats).
  virtual absl::Status StartMigration(const MigrationRequest& request) = 0;
  // The domain's active job, else its last one. A domain that left this host
  // by a migration from here still has that job (kCompleted); NotFound for a
  // domain this host never knew or that left otherwise.
  virtual absl::StatusOr<JobStats> GetJobStats(absl::string_view name) = 0;
  virtual absl::Status AbortJob(absl::string_view name) = 0;

  // Lifecycle events since the last call, in the order they happened.
  virtual absl::StatusOr<std::vector<DomainEvent>> PollEvents() = 0;
};

}  // namespace ferry::ports

#endif  // FERRY_CORE_PORTS_HYPERVISOR_H_
