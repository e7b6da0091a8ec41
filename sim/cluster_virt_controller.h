// VirtController: KubeVirt's virt-controller (and the part of virt-handler
// that reports a VMI Running), as the cluster model (sim/cluster.h) runs it
// for the VMs of LUN worlds.
//
// RunVms gives each VM that should run (internal::WantsToRun) and has no
// VMI a VMI from its template, owned by it, and a launcher pod
// ("virt-launcher-<vm>-<hash>", labelled kLauncherOf) mounting the VM's
// claims; the VMI is Running, on its pod's node, once a launcher pod runs.
// A VMI owned by a VM that is gone or should not run is deleted, its
// launcher pods first.
//
//   internal::VirtController virt_controller(api, reader);
//   virt_controller.RunVms(&did);
#ifndef FERRY_SIM_CLUSTER_VIRT_CONTROLLER_H_
#define FERRY_SIM_CLUSTER_VIRT_CONTROLLER_H_

#include <string>
#include <vector>

#include "fakes/kube/fake_kube_api.h"
#include "sim/cluster_reader.h"

namespace ferry::sim::internal {

class VirtController {
 public:
  VirtController(fakes::FakeKubeApi& api, ClusterReader& reader) : api_(api), reader_(reader) {}
  VirtController(const VirtController&) = delete;
  VirtController& operator=(const VirtController&) = delete;

  // One pass; a line per change made goes to `did`.
  void RunVms(std::vector<std::string>* did);

 private:
  fakes::FakeKubeApi& api_;
  ClusterReader& reader_;
};

}  // namespace ferry::sim::internal

#endif  // FERRY_SIM_CLUSTER_VIRT_CONTROLLER_H_
