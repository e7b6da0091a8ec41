// The KubeApi conformance suite: what every implementation of the port (the
// fake, the real HTTP adapter) must do, as value-parameterised tests. An
// implementation's test instantiates it with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(Fake, KubeApiConformance,
//                            testing::Values(KubeApiFactory([] { ... })));
//
// The factory returns a fresh, empty API for each test.
#ifndef FERRY_CORE_PORTS_KUBE_API_CONFORMANCE_H_
#define FERRY_CORE_PORTS_KUBE_API_CONFORMANCE_H_

#include <functional>
#include <memory>

#include "core/ports/kube_api.h"
#include "gtest/gtest.h"

namespace ferry::ports {

using KubeApiFactory = std::function<std::unique_ptr<KubeApi>()>;

class KubeApiConformance : public testing::TestWithParam<KubeApiFactory> {
 protected:
  void SetUp() override { api_ = GetParam()(); }
  std::unique_ptr<KubeApi> api_;
};

}  // namespace ferry::ports

#endif  // FERRY_CORE_PORTS_KUBE_API_CONFORMANCE_H_
