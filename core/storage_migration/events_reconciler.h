// MigrationEvents: Kubernetes Events that tell a migration's story, as
// KubeVirt's virt-controller records them on the
// VirtualMachineInstanceMigration: one per phase it reached (from
// status.phaseTransitionTimestamps, so a phase passed between two reads is
// told too), KubeVirt's reasons where it has one (SuccessfulMigration,
// FailedMigration) and "Migration<Phase>" otherwise, and a Warning for
// each reason admission gave for holding it back or refusing it
// (MigrationRejected for a refusal), and a Warning
// CopyRestartedWithSynchronousWrites when the copy was not converging and
// starts again with synchronous writes. Each Event's name is derived from the
// migration's uid and what it tells, and it is created exists_ok: a repeat
// after a crash or a second reconcile never duplicates one. It decides
// from the cache alone and writes nothing but Events.
//
//   MigrationEventsReconciler events({.component = "ferry-controller", .instance = host});
//   runtime::Manager manager(events, api, executor, loop, {});
#ifndef FERRY_CORE_STORAGE_MIGRATION_EVENTS_RECONCILER_H_
#define FERRY_CORE_STORAGE_MIGRATION_EVENTS_RECONCILER_H_

#include <string>
#include <vector>

#include "api/core.pb.h"
#include "api/kubevirt.pb.h"
#include "core/runtime/events.h"
#include "core/runtime/reconciler.h"

namespace ferry::storage_migration {

// The Events a migration's status calls for, in the order it lived them.
std::vector<k8s::Event> MigrationEvents(const kubevirt::VirtualMachineInstanceMigration& m,
                                        const std::string& component,
                                        const std::string& instance);

class MigrationEventsReconciler : public runtime::Reconciler {
 public:
  struct Options {
    std::string component = "ferry-controller";  // source.component
    std::string instance;                         // reportingInstance: the process
    // What happened before this is not told (the API server keeps Events
    // an hour: production passes its start less 55 minutes).
    absl::Time not_before = absl::InfinitePast();
  };
  explicit MigrationEventsReconciler(Options options) : options_(std::move(options)) {}

  std::vector<std::string> Kinds() const override;
  void Wake(const runtime::Change& change, const runtime::Cache& cache,
            std::vector<runtime::Key>& keys) const override;
  runtime::Result Reconcile(const runtime::Key& key, const runtime::Cache& cache,
                            absl::Time now) override;
  void EffectFailed(const runtime::Key& key, const runtime::Effect& effect,
                    const absl::Status& status) override;

 private:
  const Options options_;
  runtime::EventLedger ledger_;
};

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_EVENTS_RECONCILER_H_
