#include "adapters/libvirt/libvirt_hypervisor.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace ferry::adapters {
namespace {

using ports::DomainInfo;
using ports::DomainState;

// libvirt's last error as a canonical status.
absl::Status LastError(absl::string_view what) {
  const virError* error = virGetLastError();
  const std::string message =
      absl::StrCat(what, ": ", error != nullptr && error->message != nullptr
                                   ? error->message
                                   : "unknown libvirt error");
  const int code = error != nullptr ? error->code : VIR_ERR_INTERNAL_ERROR;
  virResetLastError();
  switch (code) {
    case VIR_ERR_NO_DOMAIN:
      return absl::NotFoundError(message);
    case VIR_ERR_DOM_EXIST:
      return absl::AlreadyExistsError(message);
    case VIR_ERR_OPERATION_INVALID:
      return absl::FailedPreconditionError(message);
    case VIR_ERR_NO_SUPPORT:
    case VIR_ERR_OPERATION_UNSUPPORTED:
    case VIR_ERR_ARGUMENT_UNSUPPORTED:  // e.g. a migration flag the driver lacks
      return absl::UnimplementedError(message);
    case VIR_ERR_NO_NAME:
    case VIR_ERR_XML_ERROR:
    case VIR_ERR_XML_DETAIL:
    case VIR_ERR_INVALID_ARG:
      return absl::InvalidArgumentError(message);
    case VIR_ERR_NO_CONNECT:
    case VIR_ERR_SYSTEM_ERROR:
    case VIR_ERR_RPC:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

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
  virConnectPtr connection = virConnectOpen(std::string(uri).c_str());
  if (connection == nullptr) {
    absl::Status status = LastError(absl::StrCat("cannot connect to ", uri));
    return absl::UnavailableError(status.message());
  }
  std::unique_ptr<LibvirtHypervisor> self(new LibvirtHypervisor(connection));
  self->callback_id_ = virConnectDomainEventRegisterAny(
      connection, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
      VIR_DOMAIN_EVENT_CALLBACK(&LibvirtHypervisor::OnLifecycle), self.get(), nullptr);
  if (self->callback_id_ < 0) return LastError("cannot watch domain events");
  return self;
}

LibvirtHypervisor::~LibvirtHypervisor() {
  if (callback_id_ >= 0) virConnectDomainEventDeregisterAny(connection_, callback_id_);
  virConnectClose(connection_);
}

int LibvirtHypervisor::OnLifecycle(virConnectPtr, virDomainPtr domain, int event,
                                   int detail, void* self) {
  static_cast<LibvirtHypervisor*>(self)->events_.push_back(ports::DomainEvent{
      virDomainGetName(domain), static_cast<ports::DomainEventType>(event), detail});
  return 0;
}

absl::StatusOr<DomainInfo> LibvirtHypervisor::LookupDomain(absl::string_view name) {
  DomainRef domain{virDomainLookupByName(connection_, std::string(name).c_str())};
  if (domain.ptr == nullptr) return LastError(absl::StrCat("domain ", name));
  return Describe(domain.ptr);
}

absl::StatusOr<std::vector<DomainInfo>> LibvirtHypervisor::ListDomains() {
  virDomainPtr* domains = nullptr;
  const int count = virConnectListAllDomains(connection_, &domains, 0);
  if (count < 0) return LastError("list domains");
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
  DomainRef domain{virDomainDefineXML(connection_, std::string(xml).c_str())};
  if (domain.ptr == nullptr) return LastError("define domain");
  return Describe(domain.ptr);
}

absl::StatusOr<std::string> LibvirtHypervisor::DomainXml(absl::string_view name) {
  DomainRef domain{virDomainLookupByName(connection_, std::string(name).c_str())};
  if (domain.ptr == nullptr) return LastError(absl::StrCat("domain ", name));
  char* xml = virDomainGetXMLDesc(domain.ptr, 0);
  if (xml == nullptr) return LastError(absl::StrCat("XML of ", name));
  std::string out(xml);
  free(xml);
  return out;
}

absl::Status LibvirtHypervisor::OnDomain(absl::string_view name, int (*call)(virDomainPtr),
                                         absl::string_view what) {
  DomainRef domain{virDomainLookupByName(connection_, std::string(name).c_str())};
  if (domain.ptr == nullptr) return LastError(absl::StrCat("domain ", name));
  if (call(domain.ptr) != 0) return LastError(absl::StrCat(what, " ", name));
  return absl::OkStatus();
}

absl::Status LibvirtHypervisor::UndefineDomain(absl::string_view name) {
  return OnDomain(name, &virDomainUndefine, "undefine");
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
  absl::Status ok = InState("destroy", name,
                            {DomainState::kRunning, DomainState::kPaused, DomainState::kBlocked,
                             DomainState::kShutdown, DomainState::kPMSuspended},
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

absl::Status LibvirtHypervisor::AbortJob(absl::string_view name) {
  return OnDomain(name, &virDomainAbortJob, "abort the job of");
}

absl::Status LibvirtHypervisor::StartMigration(const ports::MigrationRequest& request) {
  DomainRef domain{virDomainLookupByName(connection_, request.domain.c_str())};
  if (domain.ptr == nullptr) return LastError(absl::StrCat("domain ", request.domain));
  virTypedParameterPtr params = nullptr;
  int count = 0, capacity = 0;
  bool ok = true;
  for (const ports::DiskCopy& disk : request.disks) {
    ok = ok && virTypedParamsAddString(&params, &count, &capacity,
                                       VIR_MIGRATE_PARAM_MIGRATE_DISKS,
                                       disk.target_dev.c_str()) == 0;
  }
  if (request.bandwidth_mib_per_s > 0) {
    ok = ok && virTypedParamsAddULLong(&params, &count, &capacity,
                                       VIR_MIGRATE_PARAM_BANDWIDTH,
                                       request.bandwidth_mib_per_s) == 0;
  }
  unsigned int flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_PERSIST_DEST |
                       (request.incremental ? VIR_MIGRATE_NON_SHARED_INC
                                            : VIR_MIGRATE_NON_SHARED_DISK);
  if (request.synchronous_writes) flags |= VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES;
  if (request.leave_paused) flags |= VIR_MIGRATE_PAUSED;
  absl::Status status;
  if (!ok) {
    status = LastError("migration parameters");
  } else if (virDomainMigrateToURI3(domain.ptr, request.destination_uri.c_str(), params,
                                    count, flags) != 0) {
    status = LastError(absl::StrCat("migrate ", request.domain));
  }
  virTypedParamsFree(params, count);
  return status;
}

absl::StatusOr<ports::JobStats> LibvirtHypervisor::GetJobStats(absl::string_view name) {
  DomainRef domain{virDomainLookupByName(connection_, std::string(name).c_str())};
  if (domain.ptr == nullptr) return LastError(absl::StrCat("domain ", name));
  int type = 0, count = 0;
  virTypedParameterPtr params = nullptr;
  if (virDomainGetJobStats(domain.ptr, &type, &params, &count, 0) != 0) {
    return LastError(absl::StrCat("job stats of ", name));
  }
  ports::JobStats stats;
  stats.active = type != VIR_DOMAIN_JOB_NONE;
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
  virTypedParamsFree(params, count);
  return stats;
}

absl::StatusOr<std::vector<ports::DomainEvent>> LibvirtHypervisor::PollEvents() {
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
  std::vector<ports::DomainEvent> out;
  out.swap(events_);
  return out;
}

}  // namespace ferry::adapters
