#include "core/storage_migration/agent_reconciler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "api/core.pb.h"
#include "api/names.h"

#include "core/storage_migration/controller.h"
#include "core/storage_migration/controller_reconciler.h"

namespace ferry::storage_migration {
namespace {

using VMIM = kubevirt::VirtualMachineInstanceMigration;
constexpr char kMigration[] = "VirtualMachineInstanceMigration";

// The objects PlanAgent reads for `m`, looked up by key: its VMI, its
// claims, its target pod, its two nodes. (The whole cache as a view was
// rebuilt whenever anything in the cluster changed: each agent walked
// every object at each reconcile.)
// What PlanAgent reads of the cluster for `m`, looked up by key; the
// source's node as observed (null: not wanted, or absent).
ClusterView ViewFor(const VMIM& m, const runtime::Cache& cache,
                    std::shared_ptr<const k8s::Node> source_node) {
  ClusterView view;
  const std::string ns(api::NamespaceOrDefault(m.metadata().namespace_()));
  if (auto vmi = cache.GetAs<kubevirt::VirtualMachineInstance>("VirtualMachineInstance",
                                                               {ns, m.spec().vmi_name()})) {
    view.vmis.push_back(std::move(vmi));
  }
  for (const auto& p : m.spec().local_storage_migration().migrate_non_shared_disks()) {
    for (const std::string& claim : {p.source_pvc(), p.destination_pvc()}) {
      if (claim.empty()) continue;  // a container disk source has no claim
      if (auto pvc = cache.GetAs<k8s::PersistentVolumeClaim>("PersistentVolumeClaim", {ns, claim})) {
        view.pvcs.push_back(std::move(pvc));
      }
    }
  }
  if (auto pod = cache.GetAs<k8s::Pod>("Pod", {ns, TargetPodName(m)})) {
    view.pods.push_back(std::move(pod));
  }
  if (source_node != nullptr) view.nodes.push_back(std::move(source_node));
  return view;
}

}  // namespace

std::vector<std::string> AgentReconciler::Kinds() const {
  return {kMigration, "VirtualMachineInstance", "PersistentVolumeClaim", "Pod"};
}

ports::Selector AgentReconciler::SelectorFor(absl::string_view kind) const {
  ports::Selector selector;
  // The target pod matters only once it runs here (PlanAgent's readiness).
  if (kind == "Pod") selector.fields["spec.nodeName"] = node_;
  return selector;
}

std::optional<runtime::ObjectRead> AgentReconciler::SourceNodeRead(const VMIM& migration) const {
  const auto& st = migration.status();
  if (RoleOf(migration, node_) != "Target" || st.switchover().side() != "Destination" ||
      !st.switchover().specs_switched() || st.migration_state().source_node().empty()) {
    return std::nullopt;
  }
  return runtime::ObjectRead{{"Node", "", st.migration_state().source_node()}};
}

bool AgentReconciler::Concerns(const VMIM& migration) const {
  if (RoleOf(migration, node_).empty()) return false;
  const auto& finalizers = migration.metadata().finalizers();
  return std::find(finalizers.begin(), finalizers.end(), kFinalizer) != finalizers.end();
}

void AgentReconciler::Wake(const runtime::Change& change, const runtime::Cache& cache,
                           std::vector<runtime::Key>& keys) const {
  if (change.kind == kMigration) {
    // Also when it stopped concerning this node: its reads are let go.
    const auto before = ports::As<VMIM>(change.before);
    const auto now = ports::As<VMIM>(change.now);
    if ((before != nullptr && Concerns(*before)) || (now != nullptr && Concerns(*now))) {
      keys.push_back(change.key);
    }
    return;
  }
  std::vector<runtime::Key> woken;
  MigrationsWoken(change, cache, woken);
  for (runtime::Key& key : woken) {
    auto m = cache.GetAs<VMIM>(kMigration, key);
    if (m != nullptr && Concerns(*m)) keys.push_back(std::move(key));
  }
}

runtime::Result AgentReconciler::Reconcile(const runtime::Key& key, const runtime::Cache& cache,
                                           absl::Time now) {
  runtime::Result result;
  auto migration = cache.GetAs<VMIM>(kMigration, key);
  if (migration == nullptr || !Concerns(*migration)) return result;
  const runtime::DomainRead read{
      DomainName(migration->metadata().namespace_(), migration->spec().vmi_name())};
  result.observe.push_back(read);
  // Reports carry the time they were written: while the migration is in
  // flight they are rewritten on a cadence, as a pass did.
  result.requeue_after = period_;
  const runtime::Observation* seen = cache.observer().Get(read);
  // Not observed yet, or libvirt did not answer: nothing to decide from
  // (the first result, or the next that differs, wakes this key).
  if (seen == nullptr || !seen->status.ok() || seen->As<runtime::DomainSeen>() == nullptr) {
    return result;
  }
  // A new report (a new sequence) must rest on a read of the domain made
  // after the newest report in the migration, the controller's asking
  // included (rule 4): sequences order observations, and a poll is up to a
  // period old. A result from before the asking reported a target still
  // awaiting the copy after the handover (BM_StorageScale/200 on the
  // runtime); one from before the target's report reported a source still
  // copying after the target had the VM (e2e story outrun). Either way the
  // controller failed a migration whose copy had completed.
  const std::string role = RoleOf(*migration, node_);
  const int64_t newest = NewestReportSequence(migration->status());
  const std::string fresh = absl::StrCat("report after ", newest);
  // After the handover a target resumes when the source's node is gone
  // (PlanAgent): it reads that one node while it may need it, rather than
  // holding every node of the cluster for it.
  std::shared_ptr<const k8s::Node> source_node;
  if (const std::optional<runtime::ObjectRead> node = SourceNodeRead(*migration)) {
    result.observe.push_back(*node);
    const runtime::Observation* node_seen = cache.observer().Get(*node);
    if (node_seen == nullptr || !node_seen->status.ok()) return result;
    const auto* object = node_seen->As<ports::ObjectPtr>();
    if (object != nullptr) source_node = ports::As<k8s::Node>(*object);
  }
  const runtime::DomainSeen& domain = *seen->As<runtime::DomainSeen>();
  AgentView view;
  view.node = node_;
  view.now = now;
  view.bandwidth_mib_per_s = bandwidth_mib_per_s_;
  view.migration = migration.get();
  const ClusterView cluster = ViewFor(*migration, cache, std::move(source_node));
  view.cluster = &cluster;
  view.domain.present = domain.present;
  view.domain.info = domain.info;
  view.domain.job = domain.job;
  const std::vector<AgentAction> actions = PlanAgent(view);
  for (const AgentAction& action : actions) {
    if (action.kind != AgentAction::Kind::kWrite || seen->tag == fresh) continue;
    const auto* next = dynamic_cast<const VMIM*>(action.write.object.get());
    const kubevirt::DomainReport* report =
        next == nullptr ? nullptr : FindReport(next->status(), role);
    if (report != nullptr && report->sequence() > newest) {
      result.refresh = fresh;  // nothing acted on: the fresh read decides
      return result;
    }
  }
  for (const AgentAction& action : actions) result.effects.push_back(ToEffect(action));
  return result;
}

runtime::Effect ToEffect(const AgentAction& action) {
  using Op = runtime::HypervisorCall::Op;
  if (action.kind == AgentAction::Kind::kWrite) return ToEffect(action.write);
  if (action.kind == AgentAction::Kind::kStartMigration) {
    return runtime::Effect::Hypervisor({.op = Op::kStartMigration, .request = action.request},
                                       action.what);
  }
  const Op op = action.kind == AgentAction::Kind::kAbortJob   ? Op::kAbortJob
                : action.kind == AgentAction::Kind::kDestroy  ? Op::kDestroy
                : action.kind == AgentAction::Kind::kUndefine ? Op::kUndefine
                                                              : Op::kResume;
  return runtime::Effect::Hypervisor({.op = op, .domain = action.domain}, action.what);
}

}  // namespace ferry::storage_migration
