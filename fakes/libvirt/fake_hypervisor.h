// FakeHypervisor: one node's libvirt as an in-memory, deterministic fake.
// Domains follow libvirt's lifecycle rules (start a running domain, resume a
// running one... are FailedPrecondition, as VIR_ERR_OPERATION_INVALID) and
// emit libvirt's lifecycle events in order.
//
// Alone, migration, job stats and job abort answer Unimplemented, exactly as
// libvirt's test driver does. A host created by a FakeFabric (fake_fabric.h)
// migrates: the fabric holds the disks, the guests and the copy engine.
//
// Domain XML is kept as given; the fake reads <name>, <uuid> and each disk's
// <source file|dev> and <target dev> from it.
#ifndef FERRY_FAKES_LIBVIRT_FAKE_HYPERVISOR_H_
#define FERRY_FAKES_LIBVIRT_FAKE_HYPERVISOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

#include "core/ports/hypervisor.h"

namespace ferry::fakes {

class FakeFabric;

class FakeHypervisor : public ports::Hypervisor {
 public:
  // Consulted before every call ("start", "define"...); a non-OK status fails
  // the call and changes nothing.
  using FaultHook = std::function<absl::Status(absl::string_view verb,
                                               absl::string_view domain)>;

  // `host` names this node in generated uuids, so two fakes never collide.
  explicit FakeHypervisor(std::string host) : host_(std::move(host)) {}

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

  void SetFaultHook(FaultHook hook) { fault_hook_ = std::move(hook); }
  // Consulted before every call: how long it takes. The effect is
  // immediate; the latency is owed by the caller (TakeLatency), whose
  // runtime resumes it that much later.
  using DelayHook = std::function<absl::Duration(absl::string_view verb,
                                                 absl::string_view domain)>;
  void SetDelayHook(DelayHook hook) { delay_hook_ = std::move(hook); }
  absl::Duration TakeLatency() { return std::exchange(latency_, absl::ZeroDuration()); }

  // The daemon crashes and restarts: running domains stay as they are (QEMU
  // processes outlive libvirtd), undelivered events are lost.
  void RestartDaemon() { events_.clear(); }

  const std::string& host() const { return host_; }
  // A host whose node is down answers every call with Unavailable.
  bool down() const { return down_; }

 private:
  friend class FakeFabric;

  struct Domain {
    std::string uuid;
    std::string xml;
    ports::DomainState state = ports::DomainState::kShutoff;
    int reason = 0;
    bool persistent = true;  // false: created by an incoming migration
    std::map<std::string, std::string> disks;  // target dev -> source path
    int64_t memory_bytes = 0;                   // <memory>; 0: none given
  };

  absl::Status Reachable(absl::string_view verb, absl::string_view name);
  absl::StatusOr<Domain*> Find(absl::string_view verb, absl::string_view name);
  // Moves a domain from one of `from` to `to`, or FailedPrecondition.
  absl::Status Transition(absl::string_view verb, absl::string_view name,
                          std::initializer_list<ports::DomainState> from,
                          ports::DomainState to, int reason, ports::DomainEventType event,
                          absl::string_view refusal);
  ports::DomainInfo Describe(const std::string& name, const Domain& domain) const;
  // The domains change: the fabric's count of changes moves (FakeFabric::changes).
  void Changed();
  void Emit(const std::string& name, ports::DomainEventType type);

  std::string host_;
  std::map<std::string, Domain> domains_;  // by name, ordered
  std::vector<ports::DomainEvent> events_;
  FaultHook fault_hook_;
  DelayHook delay_hook_;
  absl::Duration latency_;
  int64_t uuid_counter_ = 0;
  FakeFabric* fabric_ = nullptr;
  bool down_ = false;
};

}  // namespace ferry::fakes

#endif  // FERRY_FAKES_LIBVIRT_FAKE_HYPERVISOR_H_
