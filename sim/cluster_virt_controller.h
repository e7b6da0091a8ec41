// VirtController: KubeVirt's virt-controller (and the part of virt-handler
// that reports a VMI Running), as the cluster model (sim/cluster.h) runs it
// for the VMs of LUN worlds.
//
// RunVms gives each VM that should run (internal::WantsToRun) and has no
// VMI a VMI from its template, owned by it, and a launcher pod
// ("virt-launcher-<vm>-<hash>", labelled kLauncherOf) mounting the VM's
// claims; the VMI is Running, on its pod's node, once a launcher pod runs.
// A VMI owned by a VM that is gone or should not run is deleted, its
// launcher pods first. As KubeVirt, a VM whose status.volumeUpdateState
// records volumes moving is not started (its template may name a
// half-copied destination): it gets manualRecoveryRequired and the
// ManualRecoveryRequired condition until the record is cleared.
//
//   internal::VirtController virt_controller(api, reader, clock);
//   virt_controller.RunVms(&did);
#ifndef FERRY_SIM_CLUSTER_VIRT_CONTROLLER_H_
#define FERRY_SIM_CLUSTER_VIRT_CONTROLLER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/kubevirt.pb.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "sim/cluster_reader.h"

namespace ferry::sim::internal {

// KubeVirt's VM controller's gate: a VM whose VMI is gone while its
// status.volumeUpdateState records volumes moving may not start (its
// template may name a half-copied destination). True when `vm` is held;
// the first time it also writes manualRecoveryRequired and the
// ManualRecoveryRequired condition (a line to `did` when it did).
bool HeldForVolumeRecovery(fakes::FakeKubeApi& api, const kubevirt::VirtualMachine& vm,
                           absl::Time now, std::vector<std::string>* did);

class VirtController {
 public:
  VirtController(fakes::FakeKubeApi& api, ClusterReader& reader, const ports::Clock& clock)
      : api_(api), reader_(reader), clock_(clock) {}
  VirtController(const VirtController&) = delete;
  VirtController& operator=(const VirtController&) = delete;

  // One pass; a line per change made goes to `did`.
  void RunVms(std::vector<std::string>* did);

  // VMs whose VMIs another model starts (the world's running VMs, with
  // their guests): never started here.
  void set_started_elsewhere(std::function<bool(const std::string& ns, const std::string& name)> f) {
    started_elsewhere_ = std::move(f);
  }

 private:
  fakes::FakeKubeApi& api_;
  ClusterReader& reader_;
  const ports::Clock& clock_;
  std::function<bool(const std::string&, const std::string&)> started_elsewhere_;
};

}  // namespace ferry::sim::internal

#endif  // FERRY_SIM_CLUSTER_VIRT_CONTROLLER_H_
