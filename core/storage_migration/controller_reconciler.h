// ControllerReconciler: the migration controller as a keyed reconciler on
// the runtime (core/runtime): one VirtualMachineInstanceMigration per key,
// decided by ReconcileMigration from the cache, exactly as a pass decides
// it from its lists.
//
//   ControllerReconciler reconciler(ControllerOptions{});
//   runtime::Manager manager(reconciler, api, executor, scheduler, {});
//
// Wakes: a migration's own change wakes it; a change of any other kind it
// reads wakes every migration of that namespace (every one, for the
// cluster-scoped PersistentVolume and Node). A migration the decision may
// still act on is reconciled again after `period` without a change: its
// rules wait on time (report deadlines, retry delays).
#ifndef FERRY_CORE_STORAGE_MIGRATION_CONTROLLER_RECONCILER_H_
#define FERRY_CORE_STORAGE_MIGRATION_CONTROLLER_RECONCILER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/runtime/reconciler.h"
#include "core/storage_migration/cluster_view.h"
#include "core/storage_migration/controller.h"

namespace ferry::storage_migration {

// The kinds a storage-migration decision reads, migrations first.
const std::vector<std::string>& ObservedKinds();

// The cache as a ClusterView (the objects shared, not copied); a kind the
// cache does not hold stays empty.
ClusterView ViewOf(const runtime::Cache& cache);

// ViewOf, kept while the cache's generation stays the same (a reconcile
// per migration must not rebuild the view each time).
class CachedView {
 public:
  const ClusterView& Of(const runtime::Cache& cache);

 private:
  ClusterView view_;
  uint64_t generation_ = UINT64_MAX;
};

class ControllerReconciler : public runtime::Reconciler {
 public:
  explicit ControllerReconciler(ControllerOptions options,
                                absl::Duration period = absl::Seconds(1))
      : options_(options), period_(period) {}

  std::vector<std::string> Kinds() const override { return ObservedKinds(); }
  void Wake(const runtime::Change& change, const runtime::Cache& cache,
            std::vector<runtime::Key>& keys) const override;
  runtime::Result Reconcile(const runtime::Key& key, const runtime::Cache& cache,
                            absl::Time now) override;

 private:
  ControllerOptions options_;
  absl::Duration period_;
  CachedView view_;
};

// A KubeAction as an effect (the same write).
runtime::Effect ToEffect(const KubeAction& action);

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_CONTROLLER_RECONCILER_H_
