// AgentReconciler: the node agent as a keyed reconciler on the runtime
// (core/runtime): one VirtualMachineInstanceMigration per key, decided by
// PlanAgent from the cache and from what this node's libvirt shows of the
// VM's domain, exactly as a pass decides it from its lists and its lookup.
//
//   AgentReconciler reconciler("node-a");
//   runtime::Executor executor({.kube = &api, .hypervisor = &libvirt});
//   runtime::Manager manager(reconciler, api, executor, scheduler, {});
//
// The domain has no watch: a migration that concerns this node (it is the
// source or the target, and the migration still holds its finalizer) asks
// the runtime to observe the domain (runtime::DomainRead); the runtime polls
// it while asked and a change wakes the migration. A migration that
// concerns another node, or whose effects are complete, costs this agent
// nothing but its share of the watches.
#ifndef FERRY_CORE_STORAGE_MIGRATION_AGENT_RECONCILER_H_
#define FERRY_CORE_STORAGE_MIGRATION_AGENT_RECONCILER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/kubevirt.pb.h"
#include "core/runtime/reconciler.h"
#include "core/storage_migration/agent.h"
#include "core/storage_migration/cluster_view.h"
#include "core/storage_migration/controller_reconciler.h"

namespace ferry::storage_migration {

class AgentReconciler : public runtime::Reconciler {
 public:
  // `bandwidth_mib_per_s` caps each copy this node starts (0: unlimited),
  // as KubeVirt's bandwidthPerMigration does.
  explicit AgentReconciler(std::string node, absl::Duration period = absl::Seconds(1),
                           int64_t bandwidth_mib_per_s = 0)
      : node_(std::move(node)), period_(period), bandwidth_mib_per_s_(bandwidth_mib_per_s) {}

  // What PlanAgent reads: migrations, VMIs, claims (their volume names),
  // the pods on this node; and, by ObjectRead, one node (SourceNodeRead).
  std::vector<std::string> Kinds() const override;
  ports::Selector SelectorFor(absl::string_view kind) const override;
  void AddIndexes(runtime::Cache& cache) const override { AddMigrationIndexes(cache); }
  void Wake(const runtime::Change& change, const runtime::Cache& cache,
            std::vector<runtime::Key>& keys) const override;
  runtime::Result Reconcile(const runtime::Key& key, const runtime::Cache& cache,
                            absl::Time now) override;

  // This node is the source or target of `migration`, whose effects are
  // not complete (a completed one is history: its domain name may belong
  // to a newer migration of the same VM).
  bool Concerns(const kubevirt::VirtualMachineInstanceMigration& migration) const;
  // The read of the source's Node a target needs after the handover (it
  // resumes when that node is not ready); none before, or on the source.
  std::optional<runtime::ObjectRead> SourceNodeRead(
      const kubevirt::VirtualMachineInstanceMigration& migration) const;

 private:
  std::string node_;
  absl::Duration period_;
  int64_t bandwidth_mib_per_s_ = 0;
};

// An agent's action as an effect (the same write or libvirt call).
runtime::Effect ToEffect(const AgentAction& action);

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_AGENT_RECONCILER_H_
