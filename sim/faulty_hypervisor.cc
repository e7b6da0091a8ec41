#include "sim/faulty_hypervisor.h"

#include "base/status_macros.h"

namespace ferry::sim {
namespace {

// The domain a definition names (its <name> element), for the call's
// description only: the port itself judges the XML.
absl::string_view DefinedName(absl::string_view xml) {
  const size_t open = xml.find("<name>");
  if (open == absl::string_view::npos) return "";
  const size_t start = open + 6;
  const size_t close = xml.find("</name>", start);
  return close == absl::string_view::npos ? "" : xml.substr(start, close - start);
}

}  // namespace

absl::Status FaultyHypervisor::Before(absl::string_view verb, absl::string_view domain) {
  if (faults_ == nullptr) return absl::OkStatus();
  const HypervisorCall call{name_, verb, domain};
  if (faults_->delay) latency_ += faults_->delay(call);
  return faults_->fail ? faults_->fail(call) : absl::OkStatus();
}

absl::StatusOr<ports::DomainInfo> FaultyHypervisor::LookupDomain(absl::string_view name) {
  RETURN_IF_ERROR(Before("lookup", name));
  return host_.LookupDomain(name);
}

absl::StatusOr<std::vector<ports::DomainInfo>> FaultyHypervisor::ListDomains() {
  RETURN_IF_ERROR(Before("list", ""));
  return host_.ListDomains();
}

absl::StatusOr<ports::DomainInfo> FaultyHypervisor::DefineDomain(absl::string_view xml) {
  RETURN_IF_ERROR(Before("define", DefinedName(xml)));
  return host_.DefineDomain(xml);
}

absl::Status FaultyHypervisor::UndefineDomain(absl::string_view name) {
  RETURN_IF_ERROR(Before("undefine", name));
  return host_.UndefineDomain(name);
}

absl::StatusOr<std::string> FaultyHypervisor::DomainXml(absl::string_view name) {
  RETURN_IF_ERROR(Before("xml", name));
  return host_.DomainXml(name);
}

absl::Status FaultyHypervisor::Start(absl::string_view name) {
  RETURN_IF_ERROR(Before("start", name));
  return host_.Start(name);
}

absl::Status FaultyHypervisor::Destroy(absl::string_view name) {
  RETURN_IF_ERROR(Before("destroy", name));
  return host_.Destroy(name);
}

absl::Status FaultyHypervisor::Suspend(absl::string_view name) {
  RETURN_IF_ERROR(Before("suspend", name));
  return host_.Suspend(name);
}

absl::Status FaultyHypervisor::Resume(absl::string_view name) {
  RETURN_IF_ERROR(Before("resume", name));
  return host_.Resume(name);
}

absl::Status FaultyHypervisor::StartMigration(const ports::MigrationRequest& request) {
  RETURN_IF_ERROR(Before("migrate", request.domain));
  return host_.StartMigration(request);
}

absl::StatusOr<ports::JobStats> FaultyHypervisor::GetJobStats(absl::string_view name) {
  RETURN_IF_ERROR(Before("job_stats", name));
  return host_.GetJobStats(name);
}

absl::Status FaultyHypervisor::AbortJob(absl::string_view name) {
  RETURN_IF_ERROR(Before("abort_job", name));
  return host_.AbortJob(name);
}

absl::StatusOr<std::vector<ports::DomainEvent>> FaultyHypervisor::PollEvents() {
  RETURN_IF_ERROR(Before("events", ""));
  return host_.PollEvents();
}

}  // namespace ferry::sim
