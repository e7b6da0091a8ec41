// ClusterReader: what each pass of the cluster model (sim/cluster.h) reads.
// It keeps one ClusterState current with the fake API server, and a pass
// reads it when the lists the pass makes (whose hooks run, in the pass's
// order, as List's would) all answer current. When one of them fails or
// lags (an injected fault, a stale read), the pass reads a ClusterState of
// what its lists answered instead: a failed list as empty, a stale one as
// it was then.
//
//   internal::ClusterReader reader(api);
//   const internal::Reading read = reader.Read({"PersistentVolumeClaim", "Pod"});
//   for (const internal::Key& key : read.state->pvcs_to_bind()) ...
#ifndef FERRY_SIM_CLUSTER_READER_H_
#define FERRY_SIM_CLUSTER_READER_H_

#include <initializer_list>
#include <memory>
#include <set>

#include "fakes/kube/fake_kube_api.h"
#include "sim/cluster_state.h"

namespace ferry::sim::internal {

// What a pass reads: the kept state, or, when `own` is set, what its lists
// answered (`state` points at `own`).
struct Reading {
  const ClusterState* state;
  std::unique_ptr<ClusterState> own;
};

class ClusterReader {
 public:
  explicit ClusterReader(fakes::FakeKubeApi& api) : api_(api) {}
  ClusterReader(const ClusterReader&) = delete;
  ClusterReader& operator=(const ClusterReader&) = delete;

  // Catches the kept state up, then runs the hooks of the lists of `kinds`,
  // in this order.
  Reading Read(std::initializer_list<const char*> kinds);
  // The pods the kept state saw change since the last call.
  std::set<Key> TakePodsChanged() { return state_.TakePodsChanged(); }

 private:
  fakes::FakeKubeApi& api_;
  ClusterState state_;  // the API's objects, as of the last Read
};

}  // namespace ferry::sim::internal

#endif  // FERRY_SIM_CLUSTER_READER_H_
