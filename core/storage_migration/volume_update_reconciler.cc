#include "core/storage_migration/volume_update_reconciler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "api/conditions.h"
#include "api/kubevirt.pb.h"
#include "api/names.h"
#include "api/volumes.h"
#include "core/storage_migration/volume_update.h"

namespace ferry::storage_migration {
namespace {

constexpr char kVm[] = "VirtualMachine";
constexpr char kVmi[] = "VirtualMachineInstance";
constexpr char kMigration[] = "VirtualMachineInstanceMigration";
constexpr char kPvc[] = "PersistentVolumeClaim";

std::string NsName(absl::string_view ns, absl::string_view name) {
  return absl::StrCat(api::NamespaceOrDefault(ns), "/", name);
}

}  // namespace

std::vector<std::string> VolumeUpdateReconciler::Kinds() const {
  return {kVm, kVmi, kMigration, kPvc};
}

void VolumeUpdateReconciler::AddIndexes(runtime::Cache& cache) const {
  cache.informer(kVm).AddIndex("claim", [](const google::protobuf::Message& m) {
    const auto& vm = static_cast<const kubevirt::VirtualMachine&>(m);
    std::vector<std::string> claims;
    for (const kubevirt::Volume& v : vm.spec().template_().spec().volumes()) {
      if (std::optional<std::string> claim = api::ClaimOf(v)) {
        claims.push_back(NsName(vm.metadata().namespace_(), *claim));
      }
    }
    return claims;
  });
}

void VolumeUpdateReconciler::Wake(const runtime::Change& change, const runtime::Cache& cache,
                                  std::vector<runtime::Key>& keys) const {
  if (change.kind == kVm || change.kind == kVmi) {
    keys.push_back(change.key);
  } else if (change.kind == kMigration) {
    for (const ports::ObjectPtr& object : {change.before, change.now}) {
      auto m = ports::As<kubevirt::VirtualMachineInstanceMigration>(object);
      if (m == nullptr || !m->metadata().labels().contains(kVolumeUpdateLabel)) continue;
      keys.push_back({change.key.namespace_, m->spec().vmi_name()});
    }
  } else if (change.kind == kPvc) {
    for (const runtime::Key& k :
         cache.informer(kVm).ByIndex("claim", NsName(change.key.namespace_, change.key.name))) {
      keys.push_back(k);
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

runtime::Result VolumeUpdateReconciler::Reconcile(const runtime::Key& key,
                                                  const runtime::Cache& cache, absl::Time now) {
  runtime::Result result;
  auto vm = cache.GetAs<kubevirt::VirtualMachine>(kVm, key);
  if (vm == nullptr) return result;
  for (const KubeAction& action : ReconcileVolumeUpdate(*vm, view_.Of(cache), now)) {
    result.effects.push_back(ToEffect(action));
  }
  if (auto vmi = cache.GetAs<kubevirt::VirtualMachineInstance>(kVmi, key)) {
    const k8s::Condition* c = api::FindCondition(vmi->status().conditions(), kVolumesChange);
    if (c != nullptr && c->status() == "True") result.requeue_after = period_;
  }
  return result;
}

}  // namespace ferry::storage_migration
