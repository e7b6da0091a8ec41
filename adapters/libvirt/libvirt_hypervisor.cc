#include "adapters/libvirt/libvirt_hypervisor.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "adapters/libvirt/destination_xml.h"
#include "adapters/libvirt/disk_image.h"
#include "adapters/libvirt/libvirt_error.h"
#include "base/status_macros.h"

namespace ferry::adapters {
namespace {

using ports::DomainInfo;
using ports::DomainState;

// Owns a virDomainPtr.
struct DomainRef {
  virDomainPtr ptr = nullptr;
  ~DomainRef() {
    if (ptr != nullptr) virDomainFree(ptr);
  }
};

absl::StatusOr<DomainInfo> Describe(virDomainPtr domain) {
  DomainInfo info;
  info.name = virDomainGetName(domain);
  char uuid[VIR_UUID_STRING_BUFLEN];
  if (virDomainGetUUIDString(domain, uuid) != 0) return LastError("uuid of " + info.name);
  info.uuid = uuid;
  int state = 0, reason = 0;
  if (virDomainGetState(domain, &state, &reason, 0) != 0) {
    return LastError("state of " + info.name);
  }
  info.state = static_cast<DomainState>(state);
  info.reason = reason;
  info.persistent = virDomainIsPersistent(domain) == 1;
  return info;
}

void NoOp(int, void*) {}

// libvirt's job statistics (typed parameters, by libvirt's field names).
ports::JobStats ReadStats(virTypedParameterPtr params, int count) {
  ports::JobStats stats;
  auto read = [&](const char* field, int64_t* out) {
    unsigned long long v = 0;
    if (virTypedParamsGetULLong(params, count, field, &v) == 1) *out = static_cast<int64_t>(v);
  };
  read(VIR_DOMAIN_JOB_TIME_ELAPSED, &stats.time_elapsed);
  read(VIR_DOMAIN_JOB_DATA_TOTAL, &stats.data_total);
  read(VIR_DOMAIN_JOB_DATA_PROCESSED, &stats.data_processed);
  read(VIR_DOMAIN_JOB_DATA_REMAINING, &stats.data_remaining);
  read(VIR_DOMAIN_JOB_MEMORY_TOTAL, &stats.memory_total);
  read(VIR_DOMAIN_JOB_MEMORY_PROCESSED, &stats.memory_processed);
  read(VIR_DOMAIN_JOB_MEMORY_REMAINING, &stats.memory_remaining);
  read(VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, &stats.memory_dirty_rate);
  read(VIR_DOMAIN_JOB_MEMORY_ITERATION, &stats.memory_iteration);
  read(VIR_DOMAIN_JOB_DISK_TOTAL, &stats.disk_total);
  read(VIR_DOMAIN_JOB_DISK_PROCESSED, &stats.disk_processed);
  read(VIR_DOMAIN_JOB_DISK_REMAINING, &stats.disk_remaining);
  read(VIR_DOMAIN_JOB_DISK_BPS, &stats.disk_bps);
  read(VIR_DOMAIN_JOB_DOWNTIME, &stats.downtime);
  read(VIR_DOMAIN_JOB_SETUP_TIME, &stats.setup_time);
  const char* errmsg = nullptr;
  if (virTypedParamsGetString(params, count, VIR_DOMAIN_JOB_ERRMSG, &errmsg) == 1 &&
      errmsg != nullptr) {
    stats.errmsg = errmsg;
  }
  return stats;
}

// virDomainGetJobStats with `flags`; type NONE when libvirt has no such job.
absl::StatusOr<ports::JobStats> JobStatsOf(virDomainPtr domain, unsigned int flags,
                                           absl::string_view name) {
  int type = 0, count = 0;
  virTypedParameterPtr params = nullptr;
  if (virDomainGetJobStats(domain, &type, &params, &count, flags) != 0) {
    return LastError(absl::StrCat("job stats of ", name));
  }
  ports::JobStats stats = ReadStats(params, count);
  virTypedParamsFree(params, count);
  stats.type = static_cast<ports::JobType>(type);
  stats.active = type == VIR_DOMAIN_JOB_BOUNDED || type == VIR_DOMAIN_JOB_UNBOUNDED;
  return stats;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LibvirtHypervisor>> LibvirtHypervisor::Open(
    absl::string_view uri) {
  // The default event loop must exist before the first connection opens.
  static std::once_flag event_loop;
  std::call_once(event_loop, [] {
    virEventRegisterDefaultImpl();
    // Errors reach callers as statuses; libvirt's default handler would also
    // print each one to stderr.
    virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
  });
  std::unique_ptr<LibvirtHypervisor> self(new LibvirtHypervisor(std::string(uri)));
  RETURN_IF_ERROR(self->Connect());
  return self;
}

absl::Status LibvirtHypervisor::Connect() {
  virConnectPtr connection = virConnectOpen(uri_.c_str());
  if (connection == nullptr) {
    absl::Status status = LastError(absl::StrCat("cannot connect to ", uri_));
    return absl::UnavailableError(status.message());
  }
  connection_ = connection;
  callback_id_ = virConnectDomainEventRegisterAny(
      connection, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
      VIR_DOMAIN_EVENT_CALLBACK(&LibvirtHypervisor::OnLifecycle), this, nullptr);
  if (callback_id_ < 0) return LastError("cannot watch domain events");
  job_callback_id_ = virConnectDomainEventRegisterAny(
      connection, nullptr, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
      VIR_DOMAIN_EVENT_CALLBACK(&LibvirtHypervisor::OnJobCompleted), this, nullptr);
  if (job_callback_id_ < 0) {
    // libvirt's test driver has no jobs to report on; only its migrations
    // (which it cannot do either) would need the final stats.
    virResetLastError();
  }
  return absl::OkStatus();
}

void LibvirtHypervisor::Disconnect() {
  if (connection_ == nullptr) return;
  if (job_callback_id_ >= 0) virConnectDomainEventDeregisterAny(connection_, job_callback_id_);
  if (callback_id_ >= 0) virConnectDomainEventDeregisterAny(connection_, callback_id_);
  virResetLastError();
  virConnectClose(connection_);
  connection_ = nullptr;
  callback_id_ = job_callback_id_ = -1;
}

virDomainPtr LibvirtHypervisor::Find(absl::string_view name, absl::Status* error) {
  virDomainPtr domain = virDomainLookupByName(connection_, std::string(name).c_str());
  if (domain != nullptr) return domain;
  *error = LastError(absl::StrCat("domain ", name));  // before any other call clears it
  // The daemon went away under the connection (a restart): once more on a new one.
  if (error->code() != absl::StatusCode::kNotFound && virConnectIsAlive(connection_) != 1 &&
      EnsureConnected().ok()) {
    domain = virDomainLookupByName(connection_, std::string(name).c_str());
    if (domain == nullptr) *error = LastError(absl::StrCat("domain ", name));
  }
  return domain;
}

// A restarted daemon closed the old connection: open a new one. Events in
// between are lost (libvirt does not replay them); callers read state anew.
absl::Status LibvirtHypervisor::EnsureConnected() {
  if (connection_ != nullptr && virConnectIsAlive(connection_) == 1) return absl::OkStatus();
  Disconnect();
  return Connect();
}

LibvirtHypervisor::~LibvirtHypervisor() {
  for (auto& [migration, worker] : workers_) {
    if (worker.joinable()) worker.detach();  // it owns what it uses (see the header)
  }
  Disconnect();
}

void LibvirtHypervisor::OnJobCompleted(virConnectPtr, virDomainPtr domain,
                                       virTypedParameterPtr params, int count, void* self) {
  ports::JobStats stats = ReadStats(params, count);
  stats.type = ports::JobType::kCompleted;
  static_cast<LibvirtHypervisor*>(self)->completed_[virDomainGetName(domain)] = std::move(stats);
}

int LibvirtHypervisor::OnLifecycle(virConnectPtr, virDomainPtr domain, int event,
                                   int detail, void* self) {
  static_cast<LibvirtHypervisor*>(self)->events_.push_back(ports::DomainEvent{
      virDomainGetName(domain), static_cast<ports::DomainEventType>(event), detail});
  return 0;
}

absl::StatusOr<DomainInfo> LibvirtHypervisor::LookupDomain(absl::string_view name) {
  RETURN_IF_ERROR(EnsureConnected());
  absl::Status missing;
  DomainRef domain{Find(name, &missing)};
  if (domain.ptr == nullptr) return missing;
  return Describe(domain.ptr);
}

absl::StatusOr<std::vector<DomainInfo>> LibvirtHypervisor::ListDomains() {
  RETURN_IF_ERROR(EnsureConnected());
  virDomainPtr* domains = nullptr;
  int count = virConnectListAllDomains(connection_, &domains, 0);
  if (count < 0) {
    absl::Status failed = LastError("list domains");
    if (virConnectIsAlive(connection_) == 1 || !EnsureConnected().ok()) return failed;
    count = virConnectListAllDomains(connection_, &domains, 0);
    if (count < 0) return LastError("list domains");
  }
  std::vector<DomainInfo> out;
  absl::Status status;
  for (int i = 0; i < count; ++i) {
    DomainRef domain{domains[i]};
    absl::StatusOr<DomainInfo> info = Describe(domain.ptr);
    if (info.ok()) {
      out.push_back(*std::move(info));
    } else if (status.ok()) {
      status = info.status();
    }
  }
  free(domains);
  if (!status.ok()) return status;
  std::sort(out.begin(), out.end(),
            [](const DomainInfo& a, const DomainInfo& b) { return a.name < b.name; });
  return out;
}

absl::StatusOr<DomainInfo> LibvirtHypervisor::DefineDomain(absl::string_view xml) {
  RETURN_IF_ERROR(EnsureConnected());
  DomainRef domain{virDomainDefineXML(connection_, std::string(xml).c_str())};
  if (domain.ptr == nullptr) return LastError("define domain");
  return Describe(domain.ptr);
}

absl::StatusOr<bool> LibvirtHypervisor::EnsureDiskImage(absl::string_view path,
                                                        int64_t capacity_bytes) {
  RETURN_IF_ERROR(EnsureConnected());
  return adapters::EnsureDiskImage(connection_, path, capacity_bytes);
}

absl::Status LibvirtHypervisor::CreateOverlay(absl::string_view overlay_path,
                                              absl::string_view image_path,
                                              int64_t capacity_bytes) {
  RETURN_IF_ERROR(EnsureConnected());
  return adapters::CreateOverlay(connection_, overlay_path, image_path, capacity_bytes);
}

absl::StatusOr<std::string> LibvirtHypervisor::DomainXml(absl::string_view name) {
  RETURN_IF_ERROR(EnsureConnected());
  absl::Status missing;
  DomainRef domain{Find(name, &missing)};
  if (domain.ptr == nullptr) return missing;
  char* xml = virDomainGetXMLDesc(domain.ptr, 0);
  if (xml == nullptr) return LastError(absl::StrCat("XML of ", name));
  std::string out(xml);
  free(xml);
  return out;
}

absl::Status LibvirtHypervisor::OnDomain(absl::string_view name, int (*call)(virDomainPtr),
                                         absl::string_view what) {
  RETURN_IF_ERROR(EnsureConnected());
  absl::Status missing;
  DomainRef domain{Find(name, &missing)};
  if (domain.ptr == nullptr) return missing;
  if (call(domain.ptr) != 0) return LastError(absl::StrCat(what, " ", name));
  return absl::OkStatus();
}

absl::Status LibvirtHypervisor::UndefineDomain(absl::string_view name) {
  RETURN_IF_ERROR(EnsureConnected());
  absl::Status missing;
  DomainRef domain{Find(name, &missing)};
  if (domain.ptr == nullptr) return missing;
  // Plain undefine refuses a domain with an NVRAM file (a UEFI guest's), a
  // managed save image, snapshots or checkpoints; these flags remove their
  // metadata and keep the NVRAM file. A driver that does not know a flag
  // (the test driver knows the first two) says VIR_ERR_INVALID_ARG: fewer.
  constexpr unsigned int kAll = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                                VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
                                VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA |
                                VIR_DOMAIN_UNDEFINE_KEEP_NVRAM;
  constexpr unsigned int kBasic =
      VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;
  for (unsigned int flags : {kAll, kBasic, 0u}) {
    if (virDomainUndefineFlags(domain.ptr, flags) == 0) return absl::OkStatus();
    const virError* error = virGetLastError();
    if (flags == 0 || error == nullptr || error->code != VIR_ERR_INVALID_ARG) break;
  }
  return LastError(absl::StrCat("undefine ", name));
}
// libvirt drivers disagree on the error for a domain in the wrong state (QEMU:
// VIR_ERR_OPERATION_INVALID, the test driver: VIR_ERR_INTERNAL_ERROR), so the
// adapter checks the state first; libvirt's own check still covers a race.
absl::Status LibvirtHypervisor::InState(absl::string_view verb, absl::string_view name,
                                        std::initializer_list<DomainState> allowed,
                                        absl::string_view refusal) {
  absl::StatusOr<DomainInfo> info = LookupDomain(name);
  if (!info.ok()) return info.status();
  for (DomainState state : allowed) {
    if (info->state == state) return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat(verb, " ", name, ": Requested operation is not valid: ", refusal));
}

absl::Status LibvirtHypervisor::Start(absl::string_view name) {
  absl::Status ok = InState("start", name, {DomainState::kShutoff, DomainState::kCrashed},
                            "domain is already running");
  if (!ok.ok()) return ok;
  return OnDomain(name, &virDomainCreate, "start");
}
absl::Status LibvirtHypervisor::Destroy(absl::string_view name) {
  // A crashed domain (on_crash=preserve) still has its QEMU: destroy stops it.
  absl::Status ok = InState("destroy", name,
                            {DomainState::kRunning, DomainState::kPaused, DomainState::kBlocked,
                             DomainState::kShutdown, DomainState::kPMSuspended,
                             DomainState::kCrashed},
                            "domain is not running");
  if (!ok.ok()) return ok;
  return OnDomain(name, &virDomainDestroy, "destroy");
}
absl::Status LibvirtHypervisor::Suspend(absl::string_view name) {
  absl::Status ok = InState("suspend", name, {DomainState::kRunning, DomainState::kBlocked},
                            "domain is not running");
  if (!ok.ok()) return ok;
  return OnDomain(name, &virDomainSuspend, "suspend");
}
absl::Status LibvirtHypervisor::Resume(absl::string_view name) {
  absl::Status ok = InState("resume", name, {DomainState::kPaused}, "domain is not paused");
  if (!ok.ok()) return ok;
  return OnDomain(name, &virDomainResume, "resume");
}

std::shared_ptr<LibvirtHypervisor::Migration> LibvirtHypervisor::MigrationOf(
    absl::string_view name) const {
  auto m = migrations_.find(std::string(name));
  return m == migrations_.end() ? nullptr : m->second;
}

absl::Status LibvirtHypervisor::AbortJob(absl::string_view name) {
  // One abort per migration: the job stays active while libvirt cancels it,
  // and a second virDomainAbortJob in that window took the source's QEMU down
  // with it here (QEMU 7.2, libvirt 9.0: "Unable to read from monitor").
  const std::shared_ptr<Migration> migration = MigrationOf(name);
  if (migration != nullptr) {
    const Outcome now = migration->Read();
    if (now.running && now.abort_requested) return absl::OkStatus();
  }
  RETURN_IF_ERROR(OnDomain(name, &virDomainAbortJob, "abort the job of"));
  if (migration != nullptr) {
    std::lock_guard<std::mutex> lock(migration->mu);
    migration->outcome.abort_requested = true;
  }
  return absl::OkStatus();
}

absl::Status LibvirtHypervisor::StartMigration(const ports::MigrationRequest& request) {
  RETURN_IF_ERROR(EnsureConnected());
  absl::Status missing;
  DomainRef domain{Find(request.domain, &missing)};
  if (domain.ptr == nullptr) return missing;
  const std::string what = absl::StrCat("migrate ", request.domain);
  if (request.disks.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": no disks to copy"));
  }
  if (const std::shared_ptr<Migration> last = MigrationOf(request.domain);
      last != nullptr && last->Read().running) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, ": Requested operation is not valid: another migration job is already running"));
  }
  RETURN_IF_ERROR(InState("migrate", request.domain, {DomainState::kRunning},
                          "domain is not running"));
  // What the destination gets: the migratable XML with the copied disks
  // pointed at their volumes, each sliced to its source's size.
  char* migratable = virDomainGetXMLDesc(domain.ptr, VIR_DOMAIN_XML_MIGRATABLE);
  if (migratable == nullptr) return LastError(absl::StrCat(what, ": migratable XML"));
  const std::string source_xml(migratable);
  free(migratable);
  std::map<std::string, int64_t> capacity;
  for (const ports::DiskCopy& disk : request.disks) {
    virDomainBlockInfo info{};
    if (virDomainGetBlockInfo(domain.ptr, disk.target_dev.c_str(), &info, 0) != 0) {
      absl::Status status = LastError(absl::StrCat(what, ": disk ", disk.target_dev));
      return status.code() == absl::StatusCode::kInternal
                 ? absl::InvalidArgumentError(status.message())
                 : status;
    }
    capacity[disk.target_dev] = static_cast<int64_t>(info.capacity);
  }
  absl::StatusOr<std::string> destination_xml =
      DestinationXml(source_xml, request.disks, capacity);
  if (!destination_xml.ok()) {
    return absl::Status(destination_xml.status().code(),
                        absl::StrCat(what, ": ", destination_xml.status().message()));
  }

  unsigned int flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_PERSIST_DEST |
                       VIR_MIGRATE_UNDEFINE_SOURCE |
                       (request.incremental ? VIR_MIGRATE_NON_SHARED_INC
                                            : VIR_MIGRATE_NON_SHARED_DISK);
  if (request.synchronous_writes) flags |= VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES;
  if (request.leave_paused) flags |= VIR_MIGRATE_PAUSED;

  auto migration = std::make_shared<Migration>();
  migrations_[request.domain] = migration;
  completed_.erase(request.domain);
  // Workers whose call has returned are joined (a long-lived agent keeps no
  // more threads than copies in flight).
  std::erase_if(workers_, [](auto& worker) {
    if (worker.first->Read().running) return false;
    worker.second.join();  // its call has returned: the thread is exiting
    return true;
  });
  // The worker owns copies of everything it reads: the adapter may be gone
  // before the call returns.
  workers_.emplace_back(migration, [uri = uri_, request, xml = *std::move(destination_xml), flags,
                         migration] {
    auto finish = [&](std::string error, bool cancelled) {
      std::lock_guard<std::mutex> lock(migration->mu);
      migration->outcome.running = false;
      migration->outcome.error = std::move(error);
      migration->outcome.cancelled = cancelled;
    };
    const std::string what = absl::StrCat("migrate ", request.domain);
    virConnectPtr connection = virConnectOpen(uri.c_str());
    if (connection == nullptr) {
      finish(std::string(LastError(absl::StrCat(what, ": cannot connect to ", uri)).message()),
             false);
      return;
    }
    virTypedParameterPtr params = nullptr;
    int count = 0, room = 0;
    bool ok = true;
    for (const ports::DiskCopy& disk : request.disks) {
      ok = ok && virTypedParamsAddString(&params, &count, &room, VIR_MIGRATE_PARAM_MIGRATE_DISKS,
                                         disk.target_dev.c_str()) == 0;
    }
    ok = ok && virTypedParamsAddString(&params, &count, &room, VIR_MIGRATE_PARAM_DEST_XML,
                                       xml.c_str()) == 0;
    ok = ok && virTypedParamsAddString(&params, &count, &room, VIR_MIGRATE_PARAM_PERSIST_XML,
                                       xml.c_str()) == 0;
    if (request.bandwidth_mib_per_s > 0) {
      ok = ok && virTypedParamsAddULLong(&params, &count, &room, VIR_MIGRATE_PARAM_BANDWIDTH,
                                         request.bandwidth_mib_per_s) == 0;
    }
    std::string error;
    bool cancelled = false;
    virDomainPtr domain = virDomainLookupByName(connection, request.domain.c_str());
    if (!ok) {
      error = std::string(LastError(absl::StrCat(what, ": parameters")).message());
    } else if (domain == nullptr) {
      error = std::string(LastError(absl::StrCat("domain ", request.domain)).message());
    } else if (virDomainMigrateToURI3(domain, request.destination_uri.c_str(), params, count,
                                      flags) != 0) {
      const virError* e = virGetLastError();
      cancelled = e != nullptr && e->code == VIR_ERR_OPERATION_ABORTED;
      error = std::string(LastError(what).message());
    }
    if (domain != nullptr) virDomainFree(domain);
    virTypedParamsFree(params, count);
    virConnectClose(connection);
    finish(std::move(error), cancelled);
  });
  return absl::OkStatus();
}

absl::StatusOr<ports::JobStats> LibvirtHypervisor::GetJobStats(absl::string_view name) {
  RETURN_IF_ERROR(PumpEvents());  // a job-completed event may be waiting
  // What this adapter's worker knows of the domain's last migration.
  const std::shared_ptr<Migration> migration = MigrationOf(name);
  const Outcome outcome = migration != nullptr ? migration->Read() : Outcome{.running = false};
  const bool running = outcome.running;
  const std::string& error = outcome.error;
  ports::JobStats starting;  // the worker's call, before libvirt's job begins
  starting.active = true;
  starting.type = ports::JobType::kUnbounded;

  absl::Status missing;
  DomainRef domain{Find(name, &missing)};
  if (domain.ptr == nullptr) {
    if (missing.code() != absl::StatusCode::kNotFound || migration == nullptr) return missing;
    if (running) return starting;  // the domain leaves as the call returns
    if (!error.empty()) return missing;
    // It migrated away: its job completed, with the event's final stats when
    // the event has arrived.
    ports::JobStats done;
    if (auto c = completed_.find(std::string(name)); c != completed_.end()) done = c->second;
    done.active = false;
    done.type = ports::JobType::kCompleted;
    return done;
  }
  if (virDomainIsActive(domain.ptr) == 1) {
    ASSIGN_OR_RETURN(ports::JobStats now, JobStatsOf(domain.ptr, 0, name));
    if (now.active) return now;
  }
  if (running) return starting;
  ASSIGN_OR_RETURN(ports::JobStats last,
                   JobStatsOf(domain.ptr, VIR_DOMAIN_JOB_STATS_COMPLETED, name));
  if (last.type == ports::JobType::kNone) {
    if (auto c = completed_.find(std::string(name)); c != completed_.end()) last = c->second;
  }
  if (migration != nullptr && !error.empty()) {
    // The worker saw the call fail; libvirt may keep no record of it.
    last.active = false;
    last.type = outcome.cancelled ? ports::JobType::kCancelled : ports::JobType::kFailed;
    if (last.errmsg.empty()) last.errmsg = error;
  }
  return last;
}

absl::Status LibvirtHypervisor::PumpEvents() {
  RETURN_IF_ERROR(EnsureConnected());
  // A zero timeout makes each loop iteration return at once instead of
  // waiting for the next event; two iterations let libvirt flush events it
  // queued in the first.
  for (int i = 0; i < 2; ++i) {
    const int timer = virEventAddTimeout(0, &NoOp, nullptr, nullptr);
    if (timer < 0) return absl::InternalError("cannot add a libvirt event timer");
    const int rc = virEventRunDefaultImpl();
    virEventRemoveTimeout(timer);
    if (rc != 0) return LastError("libvirt event loop");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ports::DomainEvent>> LibvirtHypervisor::PollEvents() {
  RETURN_IF_ERROR(PumpEvents());
  std::vector<ports::DomainEvent> out;
  out.swap(events_);
  return out;
}

}  // namespace ferry::adapters
