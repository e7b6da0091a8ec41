// LibvirtHypervisor: the Hypervisor port over libvirt's C API (libvirt.so),
// for any connection URI: qemu:///system on a node, test:///default or a
// test-driver node file in tests.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<LibvirtHypervisor> h,
//                    LibvirtHypervisor::Open("qemu:///system"));
//
// Events come from libvirt's default event loop, pumped without blocking by
// PollEvents; the adapter starts no thread. StartMigration calls
// virDomainMigrateToURI3, which returns when the migration ends; the
// storage-migration agent will run it on a worker of its own.
#ifndef FERRY_ADAPTERS_LIBVIRT_LIBVIRT_HYPERVISOR_H_
#define FERRY_ADAPTERS_LIBVIRT_LIBVIRT_HYPERVISOR_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "core/ports/hypervisor.h"

typedef struct _virConnect* virConnectPtr;
typedef struct _virDomain* virDomainPtr;

namespace ferry::adapters {

class LibvirtHypervisor : public ports::Hypervisor {
 public:
  static absl::StatusOr<std::unique_ptr<LibvirtHypervisor>> Open(absl::string_view uri);
  ~LibvirtHypervisor() override;
  LibvirtHypervisor(const LibvirtHypervisor&) = delete;
  LibvirtHypervisor& operator=(const LibvirtHypervisor&) = delete;

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

 private:
  explicit LibvirtHypervisor(virConnectPtr connection) : connection_(connection) {}
  // Looks `name` up and applies a libvirt call that returns 0 on success.
  absl::Status OnDomain(absl::string_view name, int (*call)(virDomainPtr),
                        absl::string_view what);
  // FailedPrecondition unless `name` is in one of `allowed`.
  absl::Status InState(absl::string_view verb, absl::string_view name,
                       std::initializer_list<ports::DomainState> allowed,
                       absl::string_view refusal);
  static int OnLifecycle(virConnectPtr, virDomainPtr domain, int event, int detail,
                         void* self);

  virConnectPtr connection_;
  int callback_id_ = -1;
  std::vector<ports::DomainEvent> events_;
};

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_LIBVIRT_LIBVIRT_HYPERVISOR_H_
