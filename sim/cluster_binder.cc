// The PV controller and the provisioners (sim/cluster_binder.h).
#include "sim/cluster_binder.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "api/names.h"
#include "api/timestamp.h"
#include "sim/cluster_volume_binding.h"

namespace ferry::sim::internal {
namespace {

using api::NamespaceOrDefault;

// The kinds each pass lists, in the order it lists them (the hooks of
// those lists run in this order).
constexpr std::initializer_list<const char*> kKinds = {
    "StorageClass", "PersistentVolume", "PersistentVolumeClaim", "Pod", "Node"};

}  // namespace

void Binder::Bind(std::vector<std::string>* did) {
  const Reading read = reader_.Read(kKinds);
  const ClusterState& s = *read.state;
  for (const Key& key : s.pvcs_to_bind()) {
    const k8s::PersistentVolumeClaim* pvc = s.pvcs().at(key).get();
    if (pvc->status().phase() == "Bound" || !pvc->metadata().deletion_timestamp().empty()) continue;
    const k8s::StorageClass* cls = s.ClassOf(*pvc);
    const bool wffc = ClusterState::Wffc(cls);
    std::string selected;
    auto it = pvc->metadata().annotations().find(kSelectedNode);
    if (it != pvc->metadata().annotations().end()) selected = it->second;
    if (wffc && selected.empty()) continue;  // waits for a consumer
    const std::string ns(NamespaceOrDefault(pvc->metadata().namespace_()));
    k8s::PersistentVolume pv;
    if (const k8s::PersistentVolume* match = MatchingPv(s, *pvc, wffc ? selected : "")) {
      pv = *match;
    } else if (Provisions(cls) && pvc->spec().volume_name().empty()) {
      pv.set_api_version("v1");
      pv.set_kind("PersistentVolume");
      pv.mutable_metadata()->set_name(absl::StrCat("pvc-", ns, "-", pvc->metadata().name()));
      (*pv.mutable_spec()->mutable_capacity())["storage"] =
          pvc->spec().resources().requests().at("storage");
      for (const auto& m : pvc->spec().access_modes()) pv.mutable_spec()->add_access_modes(m);
      pv.mutable_spec()->set_storage_class_name(cls->metadata().name());
      pv.mutable_spec()->set_volume_mode(VolumeMode(pvc->spec()));
      pv.mutable_spec()->set_persistent_volume_reclaim_policy(
          cls->has_reclaim_policy() ? cls->reclaim_policy() : "Delete");
      pv.mutable_spec()->mutable_csi()->set_driver(cls->provisioner());
      pv.mutable_spec()->mutable_csi()->set_volume_handle(pv.metadata().name());
      if (wffc && !selected.empty()) {
        auto* e = pv.mutable_spec()
                      ->mutable_node_affinity()
                      ->mutable_required()
                      ->add_node_selector_terms()
                      ->add_match_expressions();
        e->set_key("kubernetes.io/hostname");
        e->set_operator_("In");
        e->add_values(selected);
      }
      const int64_t bytes = StorageBytes(pv.spec().capacity());
      // A volume left by an earlier attempt (its PV create failed) is reused.
      if (fabric_.volume(pv.metadata().name()) == nullptr) {
        const absl::Status made =
            fabric_.CreateVolume(pv.metadata().name(), std::max<int64_t>(bytes, 1), 0);
        if (!made.ok()) {
          ReportProvisioningFailed(*pvc, std::string(made.message()), did);
          continue;
        }
      }
      record_volume_(pv.metadata().name(), pv.metadata().name());
      absl::StatusOr<ports::ObjectPtr> created = api_.Create(pv);
      if (!created.ok()) continue;
      pv = *ports::As<k8s::PersistentVolume>(*created);
      did->push_back(absl::StrCat("provisioner: created PersistentVolume ", pv.metadata().name(),
                                  " for ", ns, "/", pvc->metadata().name()));
    } else {
      continue;
    }
    // Bind both ways: the PV's claimRef, then the claim.
    auto* ref = pv.mutable_spec()->mutable_claim_ref();
    ref->set_kind("PersistentVolumeClaim");
    ref->set_namespace_(ns);
    ref->set_name(pvc->metadata().name());
    ref->set_uid(pvc->metadata().uid());
    absl::StatusOr<ports::ObjectPtr> updated = api_.Update(pv);
    if (!updated.ok()) continue;
    k8s::PersistentVolume bound = *ports::As<k8s::PersistentVolume>(*updated);
    bound.mutable_status()->set_phase("Bound");
    if (!api_.UpdateStatus(bound).ok()) continue;
    k8s::PersistentVolumeClaim claim = *pvc;
    claim.mutable_spec()->set_volume_name(pv.metadata().name());
    absl::StatusOr<ports::ObjectPtr> claimed = api_.Update(claim);
    if (!claimed.ok()) continue;
    claim = *ports::As<k8s::PersistentVolumeClaim>(*claimed);
    claim.mutable_status()->set_phase("Bound");
    claim.mutable_status()->clear_access_modes();
    for (const auto& m : pv.spec().access_modes()) claim.mutable_status()->add_access_modes(m);
    (*claim.mutable_status()->mutable_capacity())["storage"] = pv.spec().capacity().at("storage");
    if (api_.UpdateStatus(claim).ok()) {
      did->push_back(absl::StrCat("pv-controller: bound ", ns, "/", pvc->metadata().name(),
                                  " to ", pv.metadata().name()));
    }
  }
}

void Binder::Release(std::vector<std::string>* did) {
  const Reading read = reader_.Read(kKinds);
  const ClusterState& s = *read.state;
  for (const Key& pv_key : s.released_pvs()) {
    const k8s::PersistentVolume* pv = s.pvs().at(pv_key).get();
    const auto& ref = pv->spec().claim_ref();
    if (ref.name().empty() || pv->status().phase() != "Bound") continue;
    const k8s::PersistentVolumeClaim* pvc = s.Pvc(ref.namespace_(), ref.name());
    if (pvc != nullptr && pvc->metadata().uid() == ref.uid()) continue;
    if (pv->spec().persistent_volume_reclaim_policy() == "Delete") {
      if (api_.Delete({"PersistentVolume", "", pv->metadata().name()}).ok()) {
        (void)fabric_.DeleteVolume(pv->metadata().name());
        did->push_back(absl::StrCat("pv-controller: deleted released PersistentVolume ",
                                    pv->metadata().name()));
      }
    } else {
      k8s::PersistentVolume next = *pv;
      next.mutable_status()->set_phase("Released");
      if (api_.UpdateStatus(next).ok()) {
        did->push_back(absl::StrCat("pv-controller: PersistentVolume ", pv->metadata().name(),
                                    " Released"));
      }
    }
  }
}

const std::string* Binder::ProvisioningFailure(absl::string_view ns,
                                               absl::string_view claim) const {
  auto it = provisioning_failed_.find(absl::StrCat(ns, "/", claim));
  return it == provisioning_failed_.end() ? nullptr : &it->second;
}

void Binder::ReportProvisioningFailed(const k8s::PersistentVolumeClaim& pvc,
                                      const std::string& message, std::vector<std::string>* did) {
  const std::string ns(NamespaceOrDefault(pvc.metadata().namespace_()));
  const std::string key = absl::StrCat(ns, "/", pvc.metadata().name());
  if (provisioning_failed_.contains(key)) return;
  k8s::Event event;
  event.set_api_version("v1");
  event.set_kind("Event");
  event.mutable_metadata()->set_name(absl::StrCat(pvc.metadata().name(), ".provisioning-failed"));
  event.mutable_metadata()->set_namespace_(ns);
  event.mutable_involved_object()->set_kind("PersistentVolumeClaim");
  event.mutable_involved_object()->set_namespace_(ns);
  event.mutable_involved_object()->set_name(pvc.metadata().name());
  event.mutable_involved_object()->set_uid(pvc.metadata().uid());
  event.set_reason("ProvisioningFailed");
  event.set_message(message);
  event.set_type("Warning");
  event.mutable_source()->set_component("persistentvolume-controller");
  const std::string now = api::Timestamp(clock_.Now());
  event.set_first_timestamp(now);
  event.set_last_timestamp(now);
  event.set_count(1);
  if (!api_.Create(event).ok()) return;
  provisioning_failed_[key] = message;
  did->push_back(absl::StrCat("provisioner: ", key, ": ", message));
}

}  // namespace ferry::sim::internal
