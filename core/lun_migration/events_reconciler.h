// LunEventsReconciler: Kubernetes Events that tell a direct-LUN migration's
// story, as Forklift's controllers record them (an Event per condition that
// appears: reason = the condition's type, Warning when its category is
// Critical, Error or Warn, message = its message). On the Migration, in the
// order lived: the run started (Executing), then per VM each pipeline step
// started and completed, each error a step's engine call met, the start of
// a rollback and how the VM ended, then the run's own outcome condition.
// On the Plan: each condition with status True (validation findings,
// Critical ones as Warnings; each run's outcome). Each Event's name is
// derived from the object's uid and what it tells, and it is created
// exists_ok: a repeat after a crash, a second reconcile or a restarted
// process never duplicates one. It decides from the cache alone and writes
// nothing but Events.
//
//   LunEventsReconciler events({.instance = host, .not_before = start - absl::Minutes(55)});
//   runtime::Manager manager(events, api, executor, loop, {});
#ifndef FERRY_CORE_LUN_MIGRATION_EVENTS_RECONCILER_H_
#define FERRY_CORE_LUN_MIGRATION_EVENTS_RECONCILER_H_

#include <string>
#include <utility>
#include <vector>

#include "api/core.pb.h"
#include "api/forklift.pb.h"
#include "core/runtime/events.h"
#include "core/runtime/reconciler.h"

namespace ferry::lun_migration {

// The Events a Migration's status calls for, in the order it lived them.
std::vector<k8s::Event> MigrationEvents(const forklift::Migration& m, const std::string& component,
                                        const std::string& instance);

// The Events a Plan's status calls for: one per condition with status True.
std::vector<k8s::Event> PlanEvents(const forklift::Plan& plan, const std::string& component,
                                   const std::string& instance);

class LunEventsReconciler : public runtime::Reconciler {
 public:
  struct Options {
    std::string component = "ferry-lun-controller";  // source.component
    std::string instance;                            // reportingInstance: the process
    // What happened before this is not told (the API server keeps Events
    // an hour: production passes its start less 55 minutes).
    absl::Time not_before = absl::InfinitePast();
    // The Provider ("namespace/name") whose plans are told, as
    // LunPlanOptions::source_provider: a plan of another source (one
    // Forklift itself runs, and records its own Events for) is left alone.
    // "": every plan.
    std::string source_provider = "";
  };
  explicit LunEventsReconciler(Options options) : options_(std::move(options)) {}

  // Migrations and Plans. A Migration and a Plan may share a key
  // (namespace/name): a reconcile of the key tells both.
  std::vector<std::string> Kinds() const override;
  // The changed key; with a source_provider, a Plan's change also wakes
  // its Migrations (whether they are told hangs on it).
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

}  // namespace ferry::lun_migration

#endif  // FERRY_CORE_LUN_MIGRATION_EVENTS_RECONCILER_H_
