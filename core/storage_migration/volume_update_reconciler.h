// VolumeUpdateReconciler: the volume-update front-end (volume_update.h) as a
// keyed reconciler on the runtime, one VirtualMachine per key. It runs in
// the migration controller's process, beside ControllerReconciler.
//
//   VolumeUpdateReconciler reconciler;
//   runtime::Manager manager(reconciler, api, executor, scheduler, {});
//
// Wakes: a VM itself; a VMI its VM (the same key); a migration the VM of the
// VMI it names, when it carries the volume-update label; a claim the VMs
// whose template names it (its size and modes are in migratedVolumes). A VM
// whose VMI says VolumesChange True is reconciled again after `period`.
#ifndef FERRY_CORE_STORAGE_MIGRATION_VOLUME_UPDATE_RECONCILER_H_
#define FERRY_CORE_STORAGE_MIGRATION_VOLUME_UPDATE_RECONCILER_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/runtime/reconciler.h"
#include "core/storage_migration/controller_reconciler.h"

namespace ferry::storage_migration {

class VolumeUpdateReconciler : public runtime::Reconciler {
 public:
  explicit VolumeUpdateReconciler(absl::Duration period = absl::Seconds(1)) : period_(period) {}

  std::vector<std::string> Kinds() const override;
  void AddIndexes(runtime::Cache& cache) const override;
  void Wake(const runtime::Change& change, const runtime::Cache& cache,
            std::vector<runtime::Key>& keys) const override;
  runtime::Result Reconcile(const runtime::Key& key, const runtime::Cache& cache,
                            absl::Time now) override;

 private:
  absl::Duration period_;
  CachedView view_;
};

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_VOLUME_UPDATE_RECONCILER_H_
