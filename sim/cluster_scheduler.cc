// kube-scheduler (sim/cluster_scheduler.h).
#include "sim/cluster_scheduler.h"

#include <algorithm>
#include <initializer_list>
#include <set>

#include "absl/strings/str_cat.h"
#include "api/core.pb.h"
#include "api/names.h"
#include "sim/cluster_volume_binding.h"

namespace ferry::sim::internal {
namespace {

using api::NamespaceOrDefault;

// The kinds the pass lists, in the order it lists them (the hooks of those
// lists run in this order).
constexpr std::initializer_list<const char*> kKinds = {
    "StorageClass", "PersistentVolume", "PersistentVolumeClaim", "Pod", "Node"};

bool PodAllowsNode(const k8s::Pod& pod, absl::string_view node) {
  const auto& terms = pod.spec()
                          .affinity()
                          .node_affinity()
                          .required_during_scheduling_ignored_during_execution()
                          .node_selector_terms();
  if (terms.empty()) return true;
  for (const auto& term : terms) {
    bool all = true;
    for (const auto& e : term.match_fields()) {
      if (e.key() != "metadata.name") continue;
      const bool in = std::find(e.values().begin(), e.values().end(), node) != e.values().end();
      if ((e.operator_() == "In" && !in) || (e.operator_() == "NotIn" && in)) all = false;
    }
    if (all) return true;
  }
  return false;
}

bool ReadWriteOnce(const k8s::PersistentVolumeClaim& pvc) {
  for (const auto& m : pvc.spec().access_modes()) {
    if (m == "ReadWriteMany" || m == "ReadOnlyMany") return false;
  }
  return true;
}

}  // namespace

void Scheduler::Schedule(std::vector<std::string>* did) {
  const Reading read = reader_.Read(kKinds);
  const ClusterState& s = *read.state;
  for (const Key& pod_key : s.PodsToSchedule()) {
    const k8s::Pod* pod = s.pods().at(pod_key).get();
    if (Terminal(*pod) || !pod->metadata().deletion_timestamp().empty()) continue;
    const std::string ns(NamespaceOrDefault(pod->metadata().namespace_()));
    std::vector<const k8s::PersistentVolumeClaim*> claims;
    std::string missing;
    for (const auto& v : pod->spec().volumes()) {
      if (!v.has_persistent_volume_claim()) continue;
      const k8s::PersistentVolumeClaim* pvc = s.Pvc(ns, v.persistent_volume_claim().claim_name());
      if (pvc == nullptr) missing = v.persistent_volume_claim().claim_name();
      else claims.push_back(pvc);
    }
    auto annotate = [&](const std::string& node) {
      for (const k8s::PersistentVolumeClaim* pvc : claims) {
        if (pvc->status().phase() == "Bound" || !ClusterState::Wffc(s.ClassOf(*pvc)) ||
            pvc->metadata().annotations().contains(kSelectedNode)) {
          continue;
        }
        k8s::PersistentVolumeClaim next = *pvc;
        (*next.mutable_metadata()->mutable_annotations())[kSelectedNode] = node;
        if (api_.Update(next).ok()) {
          did->push_back(absl::StrCat("scheduler: ", ns, "/", pvc->metadata().name(),
                                      " selected node ", node));
        }
      }
    };
    if (!pod->spec().node_name().empty()) {
      annotate(pod->spec().node_name());
      continue;
    }
    std::string reason;
    std::string chosen;
    for (const auto& [node_key, node] : s.nodes()) {
      const std::string& name = node->metadata().name();
      if (!s.NodeReady(name)) { reason = "node(s) not ready"; continue; }
      if (!PodAllowsNode(*pod, name)) { reason = "node(s) didn't match Pod's node affinity"; continue; }
      if (!missing.empty()) { reason = absl::StrCat("persistentvolumeclaim \"", missing, "\" not found"); break; }
      bool ok = true;
      for (const k8s::PersistentVolumeClaim* pvc : claims) {
        if (pvc->status().phase() == "Bound") {
          const k8s::PersistentVolume* pv = s.Pv(pvc->spec().volume_name());
          if (pv != nullptr && !NodeAllowed(*pv, name)) {
            ok = false;
            reason = "node(s) had volume node affinity conflict";
          }
        } else {
          const k8s::StorageClass* cls = s.ClassOf(*pvc);
          if (!ClusterState::Wffc(cls)) {
            ok = false;
            reason = absl::StrCat("pod has unbound immediate PersistentVolumeClaims");
          } else if (!Provisions(cls) && MatchingPv(s, *pvc, name) == nullptr) {
            ok = false;
            reason = "node(s) didn't find available persistent volumes to bind";
          }
        }
        const std::set<Key>* users = s.PodsOnClaim(ns, pvc->metadata().name());
        if (ok && ReadWriteOnce(*pvc) && users != nullptr) {
          for (const Key& other_key : *users) {
            const k8s::Pod* other = s.pods().at(other_key).get();
            if (other_key == pod_key || Terminal(*other) || other->spec().node_name().empty() ||
                other->spec().node_name() == name) {
              continue;
            }
            for (const auto& ov : other->spec().volumes()) {
              if (ov.persistent_volume_claim().claim_name() == pvc->metadata().name() &&
                  NamespaceOrDefault(other->metadata().namespace_()) == ns) {
                ok = false;
                reason = absl::StrCat("ReadWriteOnce claim ", pvc->metadata().name(),
                                      " is in use on node ", other->spec().node_name());
              }
            }
          }
        }
      }
      if (ok) { chosen = name; break; }
    }
    if (chosen.empty()) {
      const std::string message = absl::StrCat("0/", s.nodes().size(), " nodes are available: ", reason);
      if (pod->status().message() != message) {
        k8s::Pod next = *pod;
        next.mutable_status()->set_phase("Pending");
        next.mutable_status()->set_reason("Unschedulable");
        next.mutable_status()->set_message(message);
        if (api_.UpdateStatus(next).ok()) {
          did->push_back(absl::StrCat("scheduler: ", ns, "/", pod->metadata().name(), ": ", message));
        }
      }
      continue;
    }
    annotate(chosen);
    k8s::Pod next = *pod;
    next.mutable_spec()->set_node_name(chosen);
    if (api_.Update(next).ok()) {
      did->push_back(absl::StrCat("scheduler: ", ns, "/", pod->metadata().name(), " on ", chosen));
    }
  }
}

}  // namespace ferry::sim::internal
