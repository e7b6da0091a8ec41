// The rules by which a claim binds to a PersistentVolume, shared by the PV
// controller model (sim/cluster_binder.h), which binds and provisions by
// them, and the scheduler model (sim/cluster_scheduler.h), which places a
// pod only on a node where its claims can bind.
//
//   if (const k8s::PersistentVolume* pv = internal::MatchingPv(state, pvc, node)) ...
#ifndef FERRY_SIM_CLUSTER_VOLUME_BINDING_H_
#define FERRY_SIM_CLUSTER_VOLUME_BINDING_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "api/core.pb.h"
#include "google/protobuf/map.h"
#include "sim/cluster_state.h"

namespace ferry::sim::internal {

// The "storage" quantity of requests or capacity, in bytes; 0 when it is
// absent or does not parse.
int64_t StorageBytes(const google::protobuf::Map<std::string, std::string>& resources);

// A claim's or a PV's volumeMode: Filesystem when unset.
std::string VolumeMode(const k8s::PersistentVolumeClaimSpec& spec);
std::string VolumeMode(const k8s::PersistentVolumeSpec& spec);

// True when the PV's node affinity (its kubernetes.io/hostname terms)
// allows `node`; a PV without node affinity allows every node.
bool NodeAllowed(const k8s::PersistentVolume& pv, absl::string_view node);

// True for a class whose provisioner makes volumes (a provisioner named and
// not kubernetes.io/no-provisioner).
bool Provisions(const k8s::StorageClass* c);

// A static PV `pvc` could bind to (on `node` when given): the smallest that
// fits, the first of equals in API order. Only PVs neither Bound nor
// Released can be one. Null when none fits.
const k8s::PersistentVolume* MatchingPv(const ClusterState& s,
                                        const k8s::PersistentVolumeClaim& pvc,
                                        absl::string_view node);

}  // namespace ferry::sim::internal

#endif  // FERRY_SIM_CLUSTER_VOLUME_BINDING_H_
