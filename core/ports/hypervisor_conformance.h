// The Hypervisor conformance suite: what the fake and the libvirt adapter must
// both do. It runs against the fake (fakes/libvirt), libvirt's test driver
// (adapters/libvirt) and real libvirtd + QEMU nodes (e2e/). What a testbed
// cannot do is a declared capability: a test that needs it is skipped with
// the capability's name in the message, never silently.
//
//   INSTANTIATE_TEST_SUITE_P(
//       Fake, HypervisorConformance,
//       testing::Values(HypervisorTestbedFactory{
//           "Fabric", {.migration = true, .block_volumes = true},
//           [] { return std::make_unique<FakeTestbed>(true); }}),
//       TestbedName);
#ifndef FERRY_CORE_PORTS_HYPERVISOR_CONFORMANCE_H_
#define FERRY_CORE_PORTS_HYPERVISOR_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/ports/hypervisor.h"
#include "gtest/gtest.h"

namespace ferry::ports {

struct HypervisorCapabilities {
  // Live migration with non-shared disks between the testbed's two hosts, its
  // job stats and abort (libvirt's test driver: none of them).
  bool migration = false;
  // Block-mode volumes (a device, not a disk image file).
  bool block_volumes = false;
  // KillDestinationEmulator and RestartSourceDaemon.
  bool kill_destination_emulator = false;
  bool restart_source_daemon = false;
};

// One test's world: a source host, and a destination host to migrate to.
class HypervisorTestbed {
 public:
  virtual ~HypervisorTestbed() = default;

  virtual Hypervisor& source() = 0;
  virtual Hypervisor& destination() = 0;
  // How the source reaches the destination (MigrationRequest.destination_uri).
  virtual std::string destination_uri() = 0;

  // Domain XML of a domain the testbed can run: `name`, `uuid` ("": none),
  // and one virtio disk per volume (vda, vdb, ...), each a source from
  // CreateVolume on the source host.
  virtual std::string DomainXml(const std::string& name, const std::string& uuid,
                                const std::vector<VolumeSource>& disks) = 0;
  // A volume on the source (`on_destination` false) or destination host of
  // `bytes`, whose first `data_bytes` hold a pattern seeded by `seed`.
  virtual absl::StatusOr<VolumeSource> CreateVolume(const std::string& name, int64_t bytes,
                                                    bool block, bool on_destination,
                                                    int64_t data_bytes, uint64_t seed) = 0;
  // A digest of the first `bytes` of a volume, to compare a copy with its source.
  virtual absl::StatusOr<std::string> Digest(const VolumeSource& volume, int64_t bytes) = 0;
  // Lets `d` pass (the fake's clock, or the wall clock).
  virtual void Wait(absl::Duration d) = 0;
  virtual absl::Status KillDestinationEmulator(const std::string& domain) = 0;
  virtual absl::Status RestartSourceDaemon() = 0;
};

struct HypervisorTestbedFactory {
  std::string name;
  HypervisorCapabilities capabilities;
  std::function<std::unique_ptr<HypervisorTestbed>()> make;
};

// Prints the testbed's name in test names.
inline std::string TestbedName(const testing::TestParamInfo<HypervisorTestbedFactory>& info) {
  return info.param.name;
}

class HypervisorConformance : public testing::TestWithParam<HypervisorTestbedFactory> {
 protected:
  void SetUp() override {
    testbed_ = GetParam().make();
    ASSERT_NE(testbed_, nullptr) << "the testbed " << GetParam().name << " could not be made";
    hypervisor_ = &testbed_->source();
  }
  const HypervisorCapabilities& caps() const { return GetParam().capabilities; }
  // The testbed's domain XML for `name` with no disks.
  std::string Xml(const std::string& name, const std::string& uuid = "") {
    return testbed_->DomainXml(name, uuid, {});
  }

  std::unique_ptr<HypervisorTestbed> testbed_;
  Hypervisor* hypervisor_ = nullptr;
};

}  // namespace ferry::ports

#endif  // FERRY_CORE_PORTS_HYPERVISOR_CONFORMANCE_H_
