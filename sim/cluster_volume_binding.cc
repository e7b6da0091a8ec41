// The rules by which a claim binds to a PersistentVolume (sim/cluster_volume_binding.h).
#include "sim/cluster_volume_binding.h"

#include <algorithm>

#include "absl/status/statusor.h"
#include "api/names.h"
#include "api/quantity.h"

namespace ferry::sim::internal {
namespace {

// The class a claim names, else the default class's name ("" when none).
std::string ClassName(const ClusterState& s, const k8s::PersistentVolumeClaim& pvc) {
  if (pvc.spec().has_storage_class_name()) return pvc.spec().storage_class_name();
  const k8s::StorageClass* c = s.ClassOf(pvc);
  return c == nullptr ? "" : c->metadata().name();
}

}  // namespace

int64_t StorageBytes(const google::protobuf::Map<std::string, std::string>& resources) {
  auto it = resources.find("storage");
  if (it == resources.end()) return 0;
  absl::StatusOr<api::Quantity> q = api::Quantity::Parse(it->second);
  return q.ok() ? static_cast<int64_t>(q->Value()) : 0;
}

std::string VolumeMode(const k8s::PersistentVolumeClaimSpec& spec) {
  return spec.has_volume_mode() ? spec.volume_mode() : "Filesystem";
}
std::string VolumeMode(const k8s::PersistentVolumeSpec& spec) {
  return spec.has_volume_mode() ? spec.volume_mode() : "Filesystem";
}

bool NodeAllowed(const k8s::PersistentVolume& pv, absl::string_view node) {
  const auto& terms = pv.spec().node_affinity().required().node_selector_terms();
  if (terms.empty()) return true;
  for (const auto& term : terms) {
    bool all = true;
    for (const auto& e : term.match_expressions()) {
      if (e.key() != "kubernetes.io/hostname") continue;
      const bool in = std::find(e.values().begin(), e.values().end(), node) != e.values().end();
      if ((e.operator_() == "In" && !in) || (e.operator_() == "NotIn" && in)) all = false;
    }
    if (all) return true;
  }
  return false;
}

bool Provisions(const k8s::StorageClass* c) {
  return c != nullptr && !c->provisioner().empty() &&
         c->provisioner() != "kubernetes.io/no-provisioner";
}

const k8s::PersistentVolume* MatchingPv(const ClusterState& s,
                                        const k8s::PersistentVolumeClaim& pvc,
                                        absl::string_view node) {
  const k8s::PersistentVolume* best = nullptr;
  const int64_t want = StorageBytes(pvc.spec().resources().requests());
  const std::string cls = ClassName(s, pvc);
  for (const Key& key : s.available_pvs()) {
    const k8s::PersistentVolume* pv = s.pvs().at(key).get();
    const auto& ref = pv->spec().claim_ref();
    if (!ref.name().empty() &&
        (ref.name() != pvc.metadata().name() ||
         api::NamespaceOrDefault(ref.namespace_()) !=
             api::NamespaceOrDefault(pvc.metadata().namespace_()))) {
      continue;
    }
    if (!pvc.spec().volume_name().empty() && pvc.spec().volume_name() != pv->metadata().name()) {
      continue;
    }
    if (pv->spec().storage_class_name() != cls) continue;
    if (StorageBytes(pv->spec().capacity()) < want) continue;
    if (VolumeMode(pv->spec()) != VolumeMode(pvc.spec())) continue;
    bool modes = true;
    for (const auto& m : pvc.spec().access_modes()) {
      if (std::find(pv->spec().access_modes().begin(), pv->spec().access_modes().end(), m) ==
          pv->spec().access_modes().end()) {
        modes = false;
      }
    }
    if (!modes) continue;
    if (!node.empty() && !NodeAllowed(*pv, node)) continue;
    if (best == nullptr ||
        StorageBytes(pv->spec().capacity()) < StorageBytes(best->spec().capacity())) {
      best = pv;
    }
  }
  return best;
}

}  // namespace ferry::sim::internal
