#include "fakes/libvirt/fake_hypervisor.h"

#include "fakes/libvirt/fake_fabric.h"

#include "absl/strings/numbers.h"
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

// The value of attribute `name` inside `tag` ("<target dev='vda' bus=...>").
std::string Attribute(absl::string_view tag, absl::string_view name) {
  for (char quote : {'\'', '"'}) {
    const std::string key = absl::StrCat(" ", name, "=", std::string(1, quote));
    const size_t at = tag.find(key);
    if (at == absl::string_view::npos) continue;
    const size_t begin = at + key.size();
    const size_t end = tag.find(quote, begin);
    if (end != absl::string_view::npos) return std::string(tag.substr(begin, end - begin));
  }
  return "";
}

// The first "<tag ...>" inside `xml`, or "".
absl::string_view Tag(absl::string_view xml, absl::string_view tag) {
  const std::string open = absl::StrCat("<", tag, " ");
  const size_t start = xml.find(open);
  if (start == absl::string_view::npos) return "";
  const size_t end = xml.find('>', start);
  return end == absl::string_view::npos ? "" : xml.substr(start, end - start);
}

// <memory unit=...>N</memory> in bytes (libvirt's default unit is KiB); 0
// when the XML has none or it does not parse.
int64_t MemoryBytes(absl::string_view xml) {
  const size_t at = xml.find("<memory");
  if (at == absl::string_view::npos) return 0;
  const size_t open_end = xml.find('>', at);
  const size_t close = xml.find("</memory>", at);
  if (open_end == absl::string_view::npos || close == absl::string_view::npos) return 0;
  int64_t n = 0;
  if (!absl::SimpleAtoi(xml.substr(open_end + 1, close - open_end - 1), &n) || n < 0) return 0;
  const std::string unit = Attribute(xml.substr(at, open_end - at), "unit");
  int shift = 10;
  if (unit == "b" || unit == "bytes") shift = 0;
  if (unit == "M" || unit == "MiB") shift = 20;
  if (unit == "G" || unit == "GiB") shift = 30;
  return n > (INT64_MAX >> shift) ? 0 : n << shift;
}

// target dev -> source path of every <disk> (file= or dev=).
std::map<std::string, std::string> Disks(absl::string_view xml) {
  std::map<std::string, std::string> disks;
  size_t pos = 0;
  while ((pos = xml.find("<disk", pos)) != absl::string_view::npos) {
    const size_t end = xml.find("</disk>", pos);
    if (end == absl::string_view::npos) break;
    const absl::string_view disk = xml.substr(pos, end - pos);
    const absl::string_view source = Tag(disk, "source");
    std::string path = Attribute(source, "file");
    if (path.empty()) path = Attribute(source, "dev");
    const std::string dev = Attribute(Tag(disk, "target"), "dev");
    if (!dev.empty()) disks[dev] = path;
    pos = end;
  }
  return disks;
}

}  // namespace

absl::Status FakeHypervisor::Reachable(absl::string_view verb, absl::string_view name) {
  if (down_) {
    return absl::UnavailableError(absl::StrCat(
        verb, " ", name, ": unable to connect to libvirtd on ", host_, ": the node is down"));
  }
  if (delay_hook_) latency_ += delay_hook_(verb, name);
  if (fault_hook_) return fault_hook_(verb, name);
  return absl::OkStatus();
}

absl::StatusOr<FakeHypervisor::Domain*> FakeHypervisor::Find(absl::string_view verb,
                                                             absl::string_view name) {
  RETURN_IF_ERROR(Reachable(verb, name));
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
  return ports::DomainInfo{name, domain.uuid, domain.state, domain.reason,
                           domain.persistent};
}

void FakeHypervisor::Changed() {
  if (fabric_ != nullptr) ++fabric_->changes_;
}

void FakeHypervisor::Emit(const std::string& name, DomainEventType type) {
  events_.push_back(ports::DomainEvent{name, type, 0});
}

absl::StatusOr<ports::DomainInfo> FakeHypervisor::LookupDomain(absl::string_view name) {
  ASSIGN_OR_RETURN(Domain * domain, Find("lookup", name));
  return Describe(std::string(name), *domain);
}

absl::StatusOr<std::vector<ports::DomainInfo>> FakeHypervisor::ListDomains() {
  RETURN_IF_ERROR(Reachable("list", ""));
  std::vector<ports::DomainInfo> out;
  for (const auto& [name, domain] : domains_) out.push_back(Describe(name, domain));
  return out;
}

absl::StatusOr<ports::DomainInfo> FakeHypervisor::DefineDomain(absl::string_view xml) {
  const std::string name = Element(xml, "name");
  RETURN_IF_ERROR(Reachable("define", name));
  Changed();
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
    it->second.disks = Disks(xml);
    it->second.memory_bytes = MemoryBytes(xml);
    it->second.persistent = true;
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
  domain.disks = Disks(xml);
  domain.memory_bytes = MemoryBytes(xml);
  Emit(name, DomainEventType::kDefined);
  return Describe(name, domain);
}

absl::Status FakeHypervisor::UndefineDomain(absl::string_view name) {
  ASSIGN_OR_RETURN(Domain * domain, Find("undefine", name));
  Changed();
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
                                        DomainState to, int reason, DomainEventType event,
                                        absl::string_view refusal) {
  ASSIGN_OR_RETURN(Domain * domain, Find(verb, name));
  Changed();
  for (DomainState state : from) {
    if (domain->state == state) {
      domain->state = to;
      domain->reason = reason;
      Emit(std::string(name), event);
      return absl::OkStatus();
    }
  }
  return absl::FailedPreconditionError(
      absl::StrCat(verb, " ", name, ": Requested operation is not valid: ", refusal));
}

absl::Status FakeHypervisor::Start(absl::string_view name) {
  return Transition("start", name, {DomainState::kShutoff, DomainState::kCrashed},
                    DomainState::kRunning, /*booted*/ 1, DomainEventType::kStarted,
                    "domain is already running");
}

absl::Status FakeHypervisor::Destroy(absl::string_view name) {
  RETURN_IF_ERROR(Transition("destroy", name,
                             {DomainState::kRunning, DomainState::kPaused,
                              DomainState::kBlocked, DomainState::kShutdown,
                              DomainState::kPMSuspended, DomainState::kCrashed},
                             DomainState::kShutoff, /*destroyed*/ 2,
                             DomainEventType::kStopped, "domain is not running"));
  if (fabric_ != nullptr) fabric_->DomainDestroyed(host_, name);
  // A transient domain (an incoming migration's) ceases to exist when stopped.
  auto it = domains_.find(std::string(name));
  if (it != domains_.end() && !it->second.persistent) domains_.erase(it);
  return absl::OkStatus();
}

absl::Status FakeHypervisor::Suspend(absl::string_view name) {
  return Transition("suspend", name, {DomainState::kRunning, DomainState::kBlocked},
                    DomainState::kPaused, ports::kPausedUser,
                    DomainEventType::kSuspended, "domain is not running");
}

absl::Status FakeHypervisor::Resume(absl::string_view name) {
  ASSIGN_OR_RETURN(Domain * domain, Find("resume", name));
  if (domain->state == DomainState::kPaused && domain->reason == ports::kPausedMigration) {
    return absl::FailedPreconditionError(absl::StrCat(
        "resume ", name,
        ": Requested operation is not valid: domain is paused by a migration job"));
  }
  return Transition("resume", name, {DomainState::kPaused}, DomainState::kRunning,
                    /*unpaused*/ 3, DomainEventType::kResumed, "domain is not paused");
}

absl::Status FakeHypervisor::StartMigration(const ports::MigrationRequest& request) {
  RETURN_IF_ERROR(Find("migrate", request.domain).status());
  if (fabric_ != nullptr) return fabric_->StartMigration(host_, request);
  return absl::UnimplementedError(absl::StrCat(
      "migrate ", request.domain,
      ": this function is not supported by the connection driver (the fake's copy "
      "engine is not built yet)"));
}

absl::StatusOr<ports::JobStats> FakeHypervisor::GetJobStats(absl::string_view name) {
  if (absl::Status found = Find("job_stats", name).status(); !found.ok()) {
    // A domain that migrated away keeps its completed job here.
    const ports::JobStats* last = fabric_ == nullptr || found.code() != absl::StatusCode::kNotFound
                                      ? nullptr
                                      : fabric_->LastJob(host_, name);
    if (last != nullptr && last->type == ports::JobType::kCompleted) return *last;
    return found;
  }
  if (fabric_ != nullptr) return fabric_->JobStatsOf(host_, name);
  return absl::UnimplementedError(absl::StrCat(
      "job stats of ", name, ": this function is not supported by the connection driver"));
}

absl::Status FakeHypervisor::AbortJob(absl::string_view name) {
  RETURN_IF_ERROR(Find("abort_job", name).status());
  if (fabric_ != nullptr) return fabric_->AbortJob(host_, name);
  return absl::UnimplementedError(absl::StrCat(
      "abort the job of ", name,
      ": this function is not supported by the connection driver"));
}

absl::StatusOr<std::vector<ports::DomainEvent>> FakeHypervisor::PollEvents() {
  RETURN_IF_ERROR(Reachable("events", ""));
  std::vector<ports::DomainEvent> out;
  out.swap(events_);
  return out;
}

}  // namespace ferry::fakes
