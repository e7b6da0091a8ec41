#include "core/storage_migration/controller_reconciler.h"

#include <algorithm>

#include "api/cdi.pb.h"
#include "api/core.pb.h"
#include "api/kubevirt.pb.h"

namespace ferry::storage_migration {
namespace {

constexpr char kMigration[] = "VirtualMachineInstanceMigration";

template <typename T>
void Fill(const runtime::Cache& cache, absl::string_view kind, std::vector<Ptr<T>>& out) {
  out.clear();
  if (!cache.has(kind)) return;  // a process that does not read this kind
  const auto& objects = cache.informer(kind).objects();
  out.reserve(objects.size());
  for (const auto& [key, object] : objects) {
    if (auto typed = ports::As<T>(object)) out.push_back(std::move(typed));
  }
}

}  // namespace

const std::vector<std::string>& ObservedKinds() {
  static const auto* kinds = new std::vector<std::string>{
      kMigration,          "VirtualMachineInstance", "VirtualMachine", "PersistentVolumeClaim",
      "PersistentVolume",  "DataVolume",             "Pod",            "Node"};
  return *kinds;
}

ClusterView ViewOf(const runtime::Cache& cache) {
  ClusterView view;
  Fill(cache, kMigration, view.migrations);
  Fill(cache, "VirtualMachineInstance", view.vmis);
  Fill(cache, "VirtualMachine", view.vms);
  Fill(cache, "PersistentVolumeClaim", view.pvcs);
  Fill(cache, "PersistentVolume", view.pvs);
  Fill(cache, "DataVolume", view.data_volumes);
  Fill(cache, "Pod", view.pods);
  Fill(cache, "Node", view.nodes);
  return view;
}

void ControllerReconciler::Wake(const runtime::Change& change, const runtime::Cache& cache,
                                std::vector<runtime::Key>& keys) const {
  if (change.kind == kMigration) {
    keys.push_back(change.key);
    return;
  }
  const bool cluster_scoped = change.key.namespace_.empty();
  for (const auto& [key, object] : cache.informer(kMigration).objects()) {
    if (cluster_scoped || key.namespace_ == change.key.namespace_) keys.push_back(key);
  }
}

const ClusterView& CachedView::Of(const runtime::Cache& cache) {
  if (generation_ != cache.generation()) {
    view_ = ViewOf(cache);
    generation_ = cache.generation();
  }
  return view_;
}

runtime::Result ControllerReconciler::Reconcile(const runtime::Key& key,
                                                const runtime::Cache& cache, absl::Time now) {
  runtime::Result result;
  auto migration = cache.GetAs<kubevirt::VirtualMachineInstanceMigration>(kMigration, key);
  if (migration == nullptr) return result;
  for (const KubeAction& action : ReconcileMigration(*migration, view_.Of(cache), now, options_)) {
    result.effects.push_back(ToEffect(action));
  }
  const std::string& phase = migration->status().phase();
  const auto& finalizers = migration->metadata().finalizers();
  const bool held = std::find(finalizers.begin(), finalizers.end(), kFinalizer) != finalizers.end();
  if (held || (phase != "Succeeded" && phase != "Failed")) result.requeue_after = period_;
  return result;
}

runtime::Effect ToEffect(const KubeAction& action) {
  switch (action.verb) {
    case KubeAction::Verb::kCreate: return runtime::Effect::Create(*action.object, action.what);
    case KubeAction::Verb::kUpdate: return runtime::Effect::Update(*action.object, action.what);
    case KubeAction::Verb::kUpdateStatus:
      return runtime::Effect::UpdateStatus(*action.object, action.what);
    case KubeAction::Verb::kDelete: return runtime::Effect::Delete(action.key, action.what);
  }
  return runtime::Effect::Delete(action.key, action.what);
}

}  // namespace ferry::storage_migration
