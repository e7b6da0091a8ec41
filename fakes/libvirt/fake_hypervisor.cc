#include "fakes/libvirt/fake_hypervisor.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"

namespace ferry::fakes {
namespace {

using ports::DomainEventType;
using ports::DomainState;

// The text of the first <tag>...</tag>, or "".
std::string Element(absl::string_view xml, absl::string_view tag) {
  const std::string open = absl::StrCat("<", tag, ">");
  const std::string close = absl::StrCat("</", tag, ">");
  const size_t start = xml.find(open);
  if (start == absl::string_view::npos) return "";
  const size_t end = xml.find(close, start);
  if (end == absl::string_view::npos) return "";
  return std::string(xml.substr(start + open.size(), end - start - open.size()));
}

}  // namespace

absl::StatusOr<FakeHypervisor::Domain*> FakeHypervisor::Find(absl::string_view verb,
                                                             absl::string_view name) {
  if (fault_hook_) RETURN_IF_ERROR(fault_hook_(verb, name));
  auto it = domains_.find(std::string(name));
  if (it == domains_.end()) {
    return absl::NotFoundError(
        absl::StrCat("domain ", name, ": Domain not found: no domain with matching name '",
                     name, "'"));
  }
  return &it->second;
}

ports::DomainInfo FakeHypervisor::Describe(const std::string& name,
                                           const Domain& domain) const {
  return ports::DomainInfo{name, domain.uuid, domain.state, /*persistent=*/true};
}

void FakeHypervisor::Emit(const std::string& name, DomainEventType type) {
  events_.push_back(ports::DomainEvent{name, type, 0});
}

absl::StatusOr<ports::DomainInfo> FakeHypervisor::LookupDomain(absl::string_view name) {
  ASSIGN_OR_RETURN(Domain * domain, Find("lookup", name));
  return Describe(std::string(name), *domain);
}

absl::StatusOr<std::vector<ports::DomainInfo>> FakeHypervisor::ListDomains() {
  if (fault_hook_) RETURN_IF_ERROR(fault_hook_("list", ""));
  std::vector<ports::DomainInfo> out;
  for (const auto& [name, domain] : domains_) out.push_back(Describe(name, domain));
  return out;
}

absl::StatusOr<ports::DomainInfo> FakeHypervisor::DefineDomain(absl::string_view xml) {
  const std::string name = Element(xml, "name");
  if (fault_hook_) RETURN_IF_ERROR(fault_hook_("define", name));
  if (xml.find("<domain") == absl::string_view::npos || name.empty()) {
    return absl::InvalidArgumentError(
        "define domain: XML error: a domain needs <domain> with a <name>");
  }
  std::string uuid = Element(xml, "uuid");
  auto it = domains_.find(name);
  if (it != domains_.end()) {
    // libvirt redefines a domain of the same name and uuid.
    if (!uuid.empty() && uuid != it->second.uuid) {
      return absl::AlreadyExistsError(absl::StrCat(
          "define domain: operation failed: domain '", name, "' already exists with uuid ",
          it->second.uuid));
    }
    it->second.xml = std::string(xml);
    Emit(name, DomainEventType::kDefined);
    return Describe(name, it->second);
  }
  for (const auto& [other, domain] : domains_) {
    if (!uuid.empty() && domain.uuid == uuid) {
      return absl::AlreadyExistsError(absl::StrCat(
          "define domain: operation failed: domain '", other, "' already has uuid ", uuid));
    }
  }
  if (uuid.empty()) {
    // FNV-1a of the host name: the same uuids on every machine and build.
    uint32_t host_hash = 2166136261u;
    for (unsigned char c : host_) host_hash = (host_hash ^ c) * 16777619u;
    uuid = absl::StrFormat("%08x-0000-4000-8000-%012d", host_hash, ++uuid_counter_);
  }
  Domain& domain = domains_[name];
  domain.uuid = uuid;
  domain.xml = std::string(xml);
  Emit(name, DomainEventType::kDefined);
  return Describe(name, domain);
}

absl::Status FakeHypervisor::UndefineDomain(absl::string_view name) {
  ASSIGN_OR_RETURN(Domain * domain, Find("undefine", name));
  if (domain->state != DomainState::kShutoff) {
    return absl::FailedPreconditionError(absl::StrCat(
        "undefine ", name, ": the fake keeps no transient domains: destroy it first"));
  }
  domains_.erase(std::string(name));
  Emit(std::string(name), DomainEventType::kUndefined);
  return absl::OkStatus();
}

absl::StatusOr<std::string> FakeHypervisor::DomainXml(absl::string_view name) {
  ASSIGN_OR_RETURN(Domain * domain, Find("xml", name));
  return domain->xml;
}

absl::Status FakeHypervisor::Transition(absl::string_view verb, absl::string_view name,
                                        std::initializer_list<DomainState> from,
                                        DomainState to, DomainEventType event,
                                        absl::string_view refusal) {
  ASSIGN_OR_RETURN(Domain * domain, Find(verb, name));
  for (DomainState state : from) {
    if (domain->state == state) {
      domain->state = to;
      Emit(std::string(name), event);
      return absl::OkStatus();
    }
  }
  return absl::FailedPreconditionError(
      absl::StrCat(verb, " ", name, ": Requested operation is not valid: ", refusal));
}

absl::Status FakeHypervisor::Start(absl::string_view name) {
  return Transition("start", name, {DomainState::kShutoff, DomainState::kCrashed},
                    DomainState::kRunning, DomainEventType::kStarted,
                    "domain is already running");
}

absl::Status FakeHypervisor::Destroy(absl::string_view name) {
  return Transition("destroy", name,
                    {DomainState::kRunning, DomainState::kPaused, DomainState::kBlocked,
                     DomainState::kShutdown, DomainState::kPMSuspended},
                    DomainState::kShutoff, DomainEventType::kStopped,
                    "domain is not running");
}

absl::Status FakeHypervisor::Suspend(absl::string_view name) {
  return Transition("suspend", name, {DomainState::kRunning, DomainState::kBlocked},
                    DomainState::kPaused, DomainEventType::kSuspended,
                    "domain is not running");
}

absl::Status FakeHypervisor::Resume(absl::string_view name) {
  return Transition("resume", name, {DomainState::kPaused}, DomainState::kRunning,
                    DomainEventType::kResumed, "domain is not paused");
}

absl::Status FakeHypervisor::StartMigration(const ports::MigrationRequest& request) {
  RETURN_IF_ERROR(Find("migrate", request.domain).status());
  return absl::UnimplementedError(absl::StrCat(
      "migrate ", request.domain,
      ": this function is not supported by the connection driver (the fake's copy "
      "engine is not built yet)"));
}

absl::StatusOr<ports::JobStats> FakeHypervisor::GetJobStats(absl::string_view name) {
  RETURN_IF_ERROR(Find("job_stats", name).status());
  return absl::UnimplementedError(absl::StrCat(
      "job stats of ", name, ": this function is not supported by the connection driver"));
}

absl::Status FakeHypervisor::AbortJob(absl::string_view name) {
  RETURN_IF_ERROR(Find("abort_job", name).status());
  return absl::UnimplementedError(absl::StrCat(
      "abort the job of ", name,
      ": this function is not supported by the connection driver"));
}

absl::StatusOr<std::vector<ports::DomainEvent>> FakeHypervisor::PollEvents() {
  if (fault_hook_) RETURN_IF_ERROR(fault_hook_("events", ""));
  std::vector<ports::DomainEvent> out;
  out.swap(events_);
  return out;
}

}  // namespace ferry::fakes
