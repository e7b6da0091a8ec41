// gMock doubles of the hypervisor and oVirt ports, for the runtime's tests
// (the executor's calls and reads, the manager's polling).
#ifndef FERRY_CORE_RUNTIME_MOCK_PORTS_TESTING_H_
#define FERRY_CORE_RUNTIME_MOCK_PORTS_TESTING_H_

#include <string>
#include <vector>

#include "core/ports/hypervisor.h"
#include "core/ports/ovirt.h"
#include "gmock/gmock.h"

namespace ferry::runtime {

class MockHypervisor : public ports::Hypervisor {
 public:
  MOCK_METHOD(absl::StatusOr<ports::DomainInfo>, LookupDomain, (absl::string_view), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<ports::DomainInfo>>, ListDomains, (), (override));
  MOCK_METHOD(absl::StatusOr<ports::DomainInfo>, DefineDomain, (absl::string_view), (override));
  MOCK_METHOD(absl::Status, UndefineDomain, (absl::string_view), (override));
  MOCK_METHOD(absl::StatusOr<std::string>, DomainXml, (absl::string_view), (override));
  MOCK_METHOD(absl::Status, Start, (absl::string_view), (override));
  MOCK_METHOD(absl::Status, Destroy, (absl::string_view), (override));
  MOCK_METHOD(absl::Status, Suspend, (absl::string_view), (override));
  MOCK_METHOD(absl::Status, Resume, (absl::string_view), (override));
  MOCK_METHOD(absl::Status, StartMigration, (const ports::MigrationRequest&), (override));
  MOCK_METHOD(absl::StatusOr<ports::JobStats>, GetJobStats, (absl::string_view), (override));
  MOCK_METHOD(absl::Status, AbortJob, (absl::string_view), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<ports::DomainEvent>>, PollEvents, (), (override));
};

class MockOvirt : public ports::Ovirt {
 public:
  MOCK_METHOD(absl::StatusOr<ovirt::Version>, EngineVersion, (), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<ovirt::Vm>>, ListVms, (), (override));
  MOCK_METHOD(absl::StatusOr<ovirt::Vm>, GetVm, (absl::string_view), (override));
  MOCK_METHOD(absl::StatusOr<ovirt::Disk>, GetDisk, (absl::string_view), (override));
  MOCK_METHOD(absl::Status, Shutdown, (absl::string_view), (override));
  MOCK_METHOD(absl::Status, Stop, (absl::string_view), (override));
  MOCK_METHOD(absl::Status, Start, (absl::string_view), (override));
  MOCK_METHOD(absl::Status, DetachDisk, (absl::string_view, absl::string_view), (override));
  MOCK_METHOD(absl::Status, DeactivateDisk, (absl::string_view, absl::string_view), (override));
  MOCK_METHOD(absl::StatusOr<ovirt::DiskAttachment>, AttachDisk,
              (absl::string_view, const ovirt::DiskAttachment&), (override));
};

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_MOCK_PORTS_TESTING_H_
