// FaultyHypervisor: one node's Hypervisor port with injected faults. Before
// each call a policy says how long it takes and whether it fails; a failed
// call never reaches the port it wraps. It wraps the simulator's fake
// libvirt of a node for that node's agent, or (issue 19) a real libvirt
// connection.
//
//   FaultyHypervisor host(fake_host, "node-a", &faults);
//
// Calls are named as the fake names them: lookup, list, define, undefine,
// xml, start, destroy, suspend, resume, migrate, job_stats, abort_job,
// events; each with the domain it is about ("" for list and events).
#ifndef FERRY_SIM_FAULTY_HYPERVISOR_H_
#define FERRY_SIM_FAULTY_HYPERVISOR_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/ports/hypervisor.h"

namespace ferry::sim {

struct HypervisorCall {
  absl::string_view host;  // the node whose libvirt is called
  absl::string_view verb;
  absl::string_view domain;
};

class FaultyHypervisor : public ports::Hypervisor {
 public:
  struct Faults {
    std::function<absl::Duration(const HypervisorCall&)> delay;
    // A non-OK status fails the call, which then never reaches the port.
    std::function<absl::Status(const HypervisorCall&)> fail;
  };

  // `faults` (not owned; may be changed at any time) applies to every call.
  FaultyHypervisor(ports::Hypervisor& host, std::string name, const Faults* faults)
      : host_(host), name_(std::move(name)), faults_(faults) {}

  absl::StatusOr<ports::DomainInfo> LookupDomain(absl::string_view name) override;
  absl::StatusOr<std::vector<ports::DomainInfo>> ListDomains() override;
  absl::StatusOr<ports::DomainInfo> DefineDomain(absl::string_view xml) override;
  absl::Status UndefineDomain(absl::string_view name) override;
  absl::StatusOr<std::string> DomainXml(absl::string_view name) override;
  absl::Status Start(absl::string_view name) override;
  absl::Status Destroy(absl::string_view name) override;
  absl::Status Suspend(absl::string_view name) override;
  absl::Status Resume(absl::string_view name) override;
  absl::Status StartMigration(const ports::MigrationRequest& request) override;
  absl::StatusOr<ports::JobStats> GetJobStats(absl::string_view name) override;
  absl::Status AbortJob(absl::string_view name) override;
  absl::StatusOr<std::vector<ports::DomainEvent>> PollEvents() override;

  // The delays of the calls since the last TakeLatency, and resets them.
  absl::Duration TakeLatency() { return std::exchange(latency_, absl::ZeroDuration()); }

 private:
  absl::Status Before(absl::string_view verb, absl::string_view domain);

  ports::Hypervisor& host_;
  const std::string name_;
  const Faults* faults_;
  absl::Duration latency_;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_FAULTY_HYPERVISOR_H_
