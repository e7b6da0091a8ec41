// The fake API server as the tests of the cluster model's parts write and
// read it. ApplyForTest writes the objects of a YAML manifest as `kubectl
// apply` would: each object is created, or written over the one there, and
// a status in the manifest is written too (UpdateStatus). GetForTest reads
// one object back as its type. Both fail the test on any error.
//
//   ApplyForTest(api, "apiVersion: v1\nkind: Node\nmetadata: {name: node-a}\n");
//   GetForTest<k8s::Node>(api, {"Node", "", "node-a"})->status()...
#ifndef FERRY_SIM_API_FOR_TEST_H_
#define FERRY_SIM_API_FOR_TEST_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/ports/kube_api.h"
#include "fakes/kube/fake_kube_api.h"
#include "gtest/gtest.h"

namespace ferry::sim {

void ApplyForTest(fakes::FakeKubeApi& api, const std::string& yaml);

// The object at `key` as a T; null when there is none.
template <typename T>
std::shared_ptr<const T> GetForTest(fakes::FakeKubeApi& api, const ports::ObjectKey& key) {
  absl::StatusOr<ports::ObjectPtr> got = api.Get(key);
  EXPECT_TRUE(got.ok()) << got.status();
  return got.ok() ? ports::As<T>(*got) : nullptr;
}

}  // namespace ferry::sim

#endif  // FERRY_SIM_API_FOR_TEST_H_
