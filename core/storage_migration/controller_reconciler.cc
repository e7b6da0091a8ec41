#include "core/storage_migration/controller_reconciler.h"

#include <algorithm>

#include "api/cdi.pb.h"
#include "api/core.pb.h"
#include "api/kubevirt.pb.h"
#include "api/names.h"
#include "absl/strings/str_cat.h"

namespace ferry::storage_migration {
namespace {

constexpr char kMigration[] = "VirtualMachineInstanceMigration";
using VMIM = kubevirt::VirtualMachineInstanceMigration;

// "namespace/name", the namespace as the API stores it ("default" for "").
std::string NsName(absl::string_view ns, absl::string_view name) {
  return absl::StrCat(api::NamespaceOrDefault(ns), "/", name);
}

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
  CachedView view;
  return view.Of(cache);
}

void ControllerReconciler::Wake(const runtime::Change& change, const runtime::Cache& cache,
                                std::vector<runtime::Key>& keys) const {
  MigrationsWoken(change, cache, keys);
}

void AddMigrationIndexes(runtime::Cache& cache) {
  runtime::Informer& migrations = cache.informer(kMigration);
  migrations.AddIndex("vmi", [](const google::protobuf::Message& m) {
    const auto& vmim = static_cast<const VMIM&>(m);
    return std::vector<std::string>{NsName(vmim.metadata().namespace_(), vmim.spec().vmi_name())};
  });
  migrations.AddIndex("claim", [](const google::protobuf::Message& m) {
    const auto& vmim = static_cast<const VMIM&>(m);
    std::vector<std::string> claims;
    for (const auto& p : vmim.spec().local_storage_migration().migrate_non_shared_disks()) {
      if (!p.source_pvc().empty()) {
        claims.push_back(NsName(vmim.metadata().namespace_(), p.source_pvc()));
      }
      claims.push_back(NsName(vmim.metadata().namespace_(), p.destination_pvc()));
    }
    return claims;
  });
  migrations.AddIndex("node", [](const google::protobuf::Message& m) {
    const auto& state = static_cast<const VMIM&>(m).status().migration_state();
    std::vector<std::string> nodes;
    if (!state.source_node().empty()) nodes.push_back(state.source_node());
    if (!state.target_node().empty()) nodes.push_back(state.target_node());
    return nodes;
  });
  migrations.AddIndex("pod", [](const google::protobuf::Message& m) {
    const auto& vmim = static_cast<const VMIM&>(m);
    return std::vector<std::string>{NsName(vmim.metadata().namespace_(), TargetPodName(vmim))};
  });
}

void MigrationsWoken(const runtime::Change& change, const runtime::Cache& cache,
                     std::vector<runtime::Key>& keys) {
  const runtime::Informer& migrations = cache.informer(kMigration);
  auto add = [&](absl::string_view index, const std::string& value) {
    for (const runtime::Key& k : migrations.ByIndex(index, value)) keys.push_back(k);
  };
  const std::string key = NsName(change.key.namespace_, change.key.name);
  if (change.kind == kMigration) {
    keys.push_back(change.key);
    // Admission orders the migrations of one VMI and of one claim.
    for (const ports::ObjectPtr& object : {change.before, change.now}) {
      auto m = ports::As<VMIM>(object);
      if (m == nullptr) continue;
      add("vmi", NsName(m->metadata().namespace_(), m->spec().vmi_name()));
      for (const auto& p : m->spec().local_storage_migration().migrate_non_shared_disks()) {
        if (!p.source_pvc().empty()) add("claim", NsName(m->metadata().namespace_(), p.source_pvc()));
        add("claim", NsName(m->metadata().namespace_(), p.destination_pvc()));
      }
    }
  } else if (change.kind == "VirtualMachineInstance" || change.kind == "VirtualMachine") {
    add("vmi", key);
  } else if (change.kind == "PersistentVolumeClaim" || change.kind == "DataVolume") {
    add("claim", key);
  } else if (change.kind == "PersistentVolume") {
    for (const ports::ObjectPtr& object : {change.before, change.now}) {
      auto pv = ports::As<k8s::PersistentVolume>(object);
      if (pv == nullptr || pv->spec().claim_ref().name().empty()) continue;
      add("claim", NsName(pv->spec().claim_ref().namespace_(), pv->spec().claim_ref().name()));
    }
  } else if (change.kind == "Pod") {
    add("pod", key);
  } else if (change.kind == "Node") {
    add("node", change.key.name);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

const ClusterView& CachedView::Of(const runtime::Cache& cache) {
  view_.in_key_order = true;
  auto refill = [&](absl::string_view kind, auto& list) {
    const uint64_t now = cache.has(kind) ? cache.informer(kind).generation() : 0;
    auto [it, added] = generations_.try_emplace(std::string(kind), now);
    if (!added && it->second == now) return;
    it->second = now;
    Fill(cache, kind, list);
  };
  refill(kMigration, view_.migrations);
  refill("VirtualMachineInstance", view_.vmis);
  refill("VirtualMachine", view_.vms);
  refill("PersistentVolumeClaim", view_.pvcs);
  refill("PersistentVolume", view_.pvs);
  refill("DataVolume", view_.data_volumes);
  refill("Pod", view_.pods);
  refill("Node", view_.nodes);
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
    case KubeAction::Verb::kDelete:
      return runtime::Effect::Delete(action.key, action.what, action.resource_version);
  }
  return runtime::Effect::Delete(action.key, action.what, action.resource_version);
}

}  // namespace ferry::storage_migration
