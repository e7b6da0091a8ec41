// CDI's DataVolume controller and importer (sim/cluster_cdi.h).
#include "sim/cluster_cdi.h"

#include <cstdint>
#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "api/cdi.pb.h"
#include "api/core.pb.h"
#include "api/names.h"
#include "base/fnv.h"

namespace ferry::sim::internal {
namespace {

using api::NamespaceOrDefault;

// The kinds the pass lists, in the order it lists them (the hooks of those
// lists run in this order).
constexpr std::initializer_list<const char*> kKinds = {
    "StorageClass", "PersistentVolume", "PersistentVolumeClaim", "Pod", "Node", "DataVolume"};

}  // namespace

void Cdi::Import(std::vector<std::string>* did) {
  const Reading read = reader_.Read(kKinds);
  const ClusterState& s = *read.state;
  for (const Key& dv_key : s.unsettled_data_volumes()) {
    const cdi::DataVolume* dv = s.data_volumes().at(dv_key).get();
    if (dv->status().phase() == "Succeeded" || !dv->metadata().deletion_timestamp().empty()) continue;
    const std::string ns(NamespaceOrDefault(dv->metadata().namespace_()));
    const k8s::PersistentVolumeClaim* pvc = s.Pvc(ns, dv->metadata().name());
    cdi::DataVolume next = *dv;
    if (pvc == nullptr) {
      k8s::PersistentVolumeClaim claim;
      claim.set_api_version("v1");
      claim.set_kind("PersistentVolumeClaim");
      claim.mutable_metadata()->set_name(dv->metadata().name());
      claim.mutable_metadata()->set_namespace_(ns);
      ports::AddOwnerReference(*dv, claim.mutable_metadata());
      if (dv->spec().has_pvc()) {
        *claim.mutable_spec() = dv->spec().pvc();
      } else {
        const cdi::StorageSpec& st = dv->spec().storage();
        for (const auto& m : st.access_modes()) claim.mutable_spec()->add_access_modes(m);
        if (claim.spec().access_modes().empty()) claim.mutable_spec()->add_access_modes("ReadWriteOnce");
        *claim.mutable_spec()->mutable_resources() = st.resources();
        if (st.has_storage_class_name()) claim.mutable_spec()->set_storage_class_name(st.storage_class_name());
        if (st.has_volume_mode()) claim.mutable_spec()->set_volume_mode(st.volume_mode());
      }
      if (api_.Create(claim).ok()) {
        did->push_back(absl::StrCat("cdi: created claim ", ns, "/", dv->metadata().name()));
      }
      next.mutable_status()->set_phase(
          ClusterState::Wffc(s.ClassOf(claim)) ? "WaitForFirstConsumer" : "Pending");
    } else if (pvc->status().phase() == "Bound") {
      const uint64_t base = dv->spec().source().has_blank()
                                ? 0
                                : Fnv1a64(absl::StrCat(ns, "/", dv->metadata().name())) | 1;
      if (!fabric_.ImportImage(pvc->spec().volume_name(), base).ok()) continue;
      next.mutable_status()->set_phase("Succeeded");
      next.mutable_status()->set_progress("100.0%");
      next.mutable_status()->set_claim_name(dv->metadata().name());
    } else {
      continue;
    }
    if (next.status().phase() != dv->status().phase() && api_.UpdateStatus(next).ok()) {
      did->push_back(absl::StrCat("cdi: DataVolume ", ns, "/", dv->metadata().name(), " ",
                                  next.status().phase()));
    }
  }
}

}  // namespace ferry::sim::internal
