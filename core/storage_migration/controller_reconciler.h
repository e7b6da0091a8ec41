// ControllerReconciler: the migration controller as a keyed reconciler on
// the runtime (core/runtime): one VirtualMachineInstanceMigration per key,
// decided by ReconcileMigration from the cache, exactly as a pass decides
// it from its lists.
//
//   ControllerReconciler reconciler(ControllerOptions{});
//   runtime::Manager manager(reconciler, api, executor, scheduler, {});
//
// Wakes: a change wakes the migrations whose decision reads that object,
// found through indexes on the migrations (AddMigrationIndexes): a
// migration wakes itself and the migrations of the same VMI or of a claim
// it names; a VMI or VM the migrations of that VMI; a claim or DataVolume
// the migrations naming it; a PersistentVolume those naming the claim it
// is bound to; a pod the migration whose target pod it is; a node the
// migrations running from or to it. (Waking every migration of a namespace
// for any change made 200 migrations reconcile 200 times a second.) A
// migration the decision may still act on is reconciled again after
// `period` without a change: its rules wait on time (report deadlines,
// retry delays), and a change no index maps is seen then.
#ifndef FERRY_CORE_STORAGE_MIGRATION_CONTROLLER_RECONCILER_H_
#define FERRY_CORE_STORAGE_MIGRATION_CONTROLLER_RECONCILER_H_

#include <cstdint>
#include <functional>
#include <map>
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

// The indexes MigrationsWoken uses, on the migration informer.
void AddMigrationIndexes(runtime::Cache& cache);
// The migrations whose decision reads the changed object (see above).
void MigrationsWoken(const runtime::Change& change, const runtime::Cache& cache,
                     std::vector<runtime::Key>& keys);

// ViewOf, kept up to date kind by kind: a kind's list is rebuilt only
// when its informer changed (a reconcile per migration must not rebuild
// the whole view each time something changed).
class CachedView {
 public:
  const ClusterView& Of(const runtime::Cache& cache);

 private:
  ClusterView view_;
  std::map<std::string, uint64_t, std::less<>> generations_;  // kind -> informer's, when built
};

class ControllerReconciler : public runtime::Reconciler {
 public:
  explicit ControllerReconciler(ControllerOptions options,
                                absl::Duration period = absl::Seconds(1))
      : options_(options), period_(period) {}

  std::vector<std::string> Kinds() const override { return ObservedKinds(); }
  void AddIndexes(runtime::Cache& cache) const override { AddMigrationIndexes(cache); }
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
