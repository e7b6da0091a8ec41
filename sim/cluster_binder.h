// Binder: Kubernetes' PV controller and the provisioners of the storage
// classes, as the cluster model (sim/cluster.h) runs them.
//
// Bind binds each claim that does not wait for a consumer (on a
// WaitForFirstConsumer class, a claim binds only once the scheduler has
// selected its node) to the smallest static PV that fits it
// (sim/cluster_volume_binding.h), else, when its class provisions and it
// names no volume, to a PV made for it: "pvc-<namespace>-<claim>", on a
// fabric volume of that name (recorded with RecordVolume), pinned to the
// selected node on a WaitForFirstConsumer class. Binding writes both ways:
// the PV's claimRef and phase, then the claim's volumeName and status. A
// volume the storage refuses leaves the claim Pending with one
// ProvisioningFailed event.
//
// Release acts on each Bound PV whose claim is gone (or is another claim of
// that name): with reclaim policy Delete it deletes the PV, then its fabric
// volume; otherwise it marks the PV Released.
//
//   internal::Binder binder(api, fabric, clock, reader, record_volume);
//   binder.Bind(&did);
//   binder.Release(&did);
#ifndef FERRY_SIM_CLUSTER_BINDER_H_
#define FERRY_SIM_CLUSTER_BINDER_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "api/core.pb.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "fakes/libvirt/fake_fabric.h"
#include "sim/cluster_reader.h"

namespace ferry::sim::internal {

class Binder {
 public:
  // Records the fabric volume `path` made for PV `pv` (Cluster::RecordVolume).
  using RecordVolume = std::function<void(const std::string& pv, const std::string& path)>;

  Binder(fakes::FakeKubeApi& api, fakes::FakeFabric& fabric, const ports::Clock& clock,
         ClusterReader& reader, RecordVolume record_volume)
      : api_(api),
        fabric_(fabric),
        clock_(clock),
        reader_(reader),
        record_volume_(std::move(record_volume)) {}
  Binder(const Binder&) = delete;
  Binder& operator=(const Binder&) = delete;

  // One pass each; a line per change made goes to `did`.
  void Bind(std::vector<std::string>* did);
  void Release(std::vector<std::string>* did);

  // Why the provisioner could not make a volume for claim ns/claim, as its
  // ProvisioningFailed event says; nullptr when it did not fail.
  const std::string* ProvisioningFailure(absl::string_view ns, absl::string_view claim) const;

 private:
  // The claim stays Pending with a ProvisioningFailed event (once per claim).
  void ReportProvisioningFailed(const k8s::PersistentVolumeClaim& pvc, const std::string& message,
                                std::vector<std::string>* did);

  fakes::FakeKubeApi& api_;
  fakes::FakeFabric& fabric_;
  const ports::Clock& clock_;
  ClusterReader& reader_;
  RecordVolume record_volume_;
  std::map<std::string, std::string, std::less<>> provisioning_failed_;  // claim -> why
};

}  // namespace ferry::sim::internal

#endif  // FERRY_SIM_CLUSTER_BINDER_H_
