// The Ovirt conformance suite: what every implementation of the port (the
// in-process fake engine, the REST adapter talking to `ferry ovirt-serve`)
// must do, as value-parameterised tests. The port has no calls that create
// VMs or disks (an engine's administrator does that), so each
// implementation's test provides an environment that sets the engine up
// beside the port and moves the engine's clock:
//
//   INSTANTIATE_TEST_SUITE_P(Fake, OvirtConformance,
//                            testing::Values(OvirtEnvFactory([](absl::string_view version) {
//                              return std::make_unique<MyEnv>(version);
//                            })));
//
// The factory returns a fresh engine with no VMs and no disks, reporting
// the package version it is given ("4.5.5-1.el8").
#ifndef FERRY_CORE_PORTS_OVIRT_CONFORMANCE_H_
#define FERRY_CORE_PORTS_OVIRT_CONFORMANCE_H_

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/ovirt.pb.h"
#include "core/ports/ovirt.h"
#include "gtest/gtest.h"

namespace ferry::ports {

class OvirtConformanceEnv {
 public:
  virtual ~OvirtConformanceEnv() = default;
  // The implementation under test.
  virtual Ovirt& ovirt() = 0;
  // Setup beside the port; never faulted. A disk as GET /disks/{id} returns
  // it on a new engine; a VM in any oVirt status; an attachment as POST
  // /vms/{vm}/diskattachments takes it.
  virtual void AddDisk(const ovirt::Disk& disk) = 0;
  virtual void AddVm(absl::string_view id, absl::string_view name, absl::string_view status) = 0;
  virtual absl::Status Attach(absl::string_view vm_id, const ovirt::DiskAttachment& attachment) = 0;
  // The engine's clock moves on: power transitions settle (stop takes 5 s,
  // shutdown 30 s, start 10 s, as fakes::FakeEngine::Options has them).
  virtual void Advance(absl::Duration d) = 0;
};

using OvirtEnvFactory =
    std::function<std::unique_ptr<OvirtConformanceEnv>(absl::string_view full_version)>;

class OvirtConformance : public testing::TestWithParam<OvirtEnvFactory> {
 protected:
  std::unique_ptr<OvirtConformanceEnv> Make(absl::string_view full_version = "4.5.5-1.el8") {
    return GetParam()(full_version);
  }
};

}  // namespace ferry::ports

#endif  // FERRY_CORE_PORTS_OVIRT_CONFORMANCE_H_
