// The Hypervisor conformance suite: what the fake and the libvirt adapter must
// both do, for every operation both support (libvirt's test driver has no
// migration or job stats; those are checked by the fake's own tests and the
// end-to-end tests against qemu:///system).
//
//   INSTANTIATE_TEST_SUITE_P(Fake, HypervisorConformance,
//                            testing::Values(HypervisorFactory([] { ... })));
#ifndef FERRY_CORE_PORTS_HYPERVISOR_CONFORMANCE_H_
#define FERRY_CORE_PORTS_HYPERVISOR_CONFORMANCE_H_

#include <functional>
#include <memory>

#include "core/ports/hypervisor.h"
#include "gtest/gtest.h"

namespace ferry::ports {

// Returns a fresh hypervisor with no domains of the suite's names ("ferry-conf-*").
using HypervisorFactory = std::function<std::unique_ptr<Hypervisor>()>;

class HypervisorConformance : public testing::TestWithParam<HypervisorFactory> {
 protected:
  void SetUp() override { hypervisor_ = GetParam()(); }
  std::unique_ptr<Hypervisor> hypervisor_;
};

}  // namespace ferry::ports

#endif  // FERRY_CORE_PORTS_HYPERVISOR_CONFORMANCE_H_
