// Cdi: CDI's DataVolume controller and importer, as the cluster model
// (sim/cluster.h) runs them.
//
// Import creates the claim of each DataVolume that has none (from its pvc
// spec, or its storage spec with ReadWriteOnce when it names no access
// mode), owned by the DataVolume, and reports the DataVolume Pending, or
// WaitForFirstConsumer when the claim's class is one (its claim binds only
// once a consumer pod is scheduled). Once the claim is Bound, it fills the
// claim's fabric volume (blank, or an image derived from the DataVolume's
// name) and reports the DataVolume Succeeded, 100%.
//
//   internal::Cdi cdi(api, fabric, reader);
//   cdi.Import(&did);
#ifndef FERRY_SIM_CLUSTER_CDI_H_
#define FERRY_SIM_CLUSTER_CDI_H_

#include <string>
#include <vector>

#include "fakes/kube/fake_kube_api.h"
#include "fakes/libvirt/fake_fabric.h"
#include "sim/cluster_reader.h"

namespace ferry::sim::internal {

class Cdi {
 public:
  Cdi(fakes::FakeKubeApi& api, fakes::FakeFabric& fabric, ClusterReader& reader)
      : api_(api), fabric_(fabric), reader_(reader) {}
  Cdi(const Cdi&) = delete;
  Cdi& operator=(const Cdi&) = delete;

  // One pass; a line per change made goes to `did`.
  void Import(std::vector<std::string>* did);

 private:
  fakes::FakeKubeApi& api_;
  fakes::FakeFabric& fabric_;
  ClusterReader& reader_;
};

}  // namespace ferry::sim::internal

#endif  // FERRY_SIM_CLUSTER_CDI_H_
