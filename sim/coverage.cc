#include "sim/coverage.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/forklift.pb.h"
#include "api/kubevirt.pb.h"

namespace ferry::sim {
namespace {

using kubevirt::VirtualMachineInstanceMigration;

std::vector<std::shared_ptr<const VirtualMachineInstanceMigration>> Migrations(World& world) {
  std::vector<std::shared_ptr<const VirtualMachineInstanceMigration>> out;
  absl::StatusOr<ports::ObjectList> list =
      world.api().List("VirtualMachineInstanceMigration", "", k8s::LabelSelector());
  if (!list.ok()) return out;
  for (const auto& item : list->items) out.push_back(ports::As<VirtualMachineInstanceMigration>(item));
  return out;
}

std::vector<std::shared_ptr<const forklift::Migration>> PlanRuns(World& world) {
  std::vector<std::shared_ptr<const forklift::Migration>> out;
  absl::StatusOr<ports::ObjectList> list = world.api().List("Migration", "", k8s::LabelSelector());
  if (!list.ok()) return out;
  for (const auto& item : list->items) out.push_back(ports::As<forklift::Migration>(item));
  return out;
}

std::string Ref(const k8s::ObjectMeta& m) { return absl::StrCat(m.namespace_(), "/", m.name()); }

bool Terminal(const VirtualMachineInstanceMigration& m) {
  return m.status().phase() == "Succeeded" || m.status().phase() == "Failed";
}

std::string Said(const VirtualMachineInstanceMigration& m) {
  std::string said;
  for (const auto& c : m.status().conditions()) absl::StrAppend(&said, c.reason(), ": ", c.message(), "; ");
  return said;
}

}  // namespace

const std::vector<CoverageGoal>& CoverageGoals() {
  static const auto* goals = new std::vector<CoverageGoal>{
      {"storage.succeeded-after-controller-crash-mid-copy",
       "a migration succeeds after its controller crashed while the copy ran", true, false},
      {"storage.succeeded-after-agent-crash-mid-copy",
       "a migration succeeds after a node agent crashed while the copy ran", true, false},
      {"storage.switchover-recovered-from-durable-state",
       "a process crashed after the Destination decision was recorded and the migration still "
       "succeeded from what the status said",
       true, false},
      {"storage.copy-failed-and-rolled-back",
       "a copy failed after it started and the VM went on on its source", true, false},
      {"storage.destination-full", "a copy failed on a full destination", true, false},
      {"storage.cancelled-mid-copy", "a migration deleted while copying was cleaned up and gone",
       true, false},
      {"storage.node-lost-mid-migration", "a node was lost under a running migration, which failed",
       true, false},
      {"storage.succeeded-through-api-faults",
       "a migration succeeded although injected API faults hit the processes", true, false},
      {"storage.sources-reclaimed", "reclaimPolicySourcePvc: Delete removed the source claims",
       true, false},
      {"storage.succeeded-with-synchronous-writes",
       "a copy that did not converge started again with synchronous writes and succeeded", true,
       false},
      {"storage.volume-update-succeeded",
       "a VM's volumes edited with updateVolumesStrategy: Migration moved to the new claims", true,
       false},
      {"storage.volume-update-cancelled-by-revert",
       "a volume update reverted before its switchover was cancelled and its migration gone",
       true, false},
      {"storage.volume-update-restart-recovered",
       "a VM shut down while its volume update moved started again on its own (no manual "
       "recovery), running on disks with every write",
       true, false},
      {"storage.container-disk-moved",
       "a VM moved from its container disk to a claim, the image flattened onto it", true, false},
      {"lun.completed-after-controller-crash",
       "a plan VM completed after the LUN controller crashed while the plan ran", false, true},
      {"lun.rollback-reattached",
       "a rollback re-attached a detached LUN to its source VM", false, true},
      {"lun.warm-cutover-completed", "a warm plan VM completed after its cutover", false, true},
      {"lun.competing-plan-refused",
       "a second plan for a LUN already being migrated was refused", false, true},
      {"lun.cancel-restored-source", "a cancelled plan VM ended Canceled", false, true},
      {"lun.completed-through-engine-faults",
       "a plan VM completed although injected oVirt faults hit the plan", false, true},
  };
  return *goals;
}

void Coverage::BeforeAction(const scenario::Action& a) {
  if (a.has_crash()) {
    const std::string& process = a.crash().process();
    if (process == "lun-controller") {
      for (const auto& run : PlanRuns(world_)) {
        if (run->status().completed().empty()) lun_crash_.insert(Ref(run->metadata()));
      }
      return;
    }
    for (const auto& m : Migrations(world_)) {
      if (Terminal(*m)) continue;
      if (m->status().phase() == "Running") {
        (process == "controller" ? controller_crash_mid_copy_ : agent_crash_mid_copy_)
            .insert(Ref(m->metadata()));
      }
      if (m->status().switchover().side() == "Destination") {
        crash_after_destination_.insert(Ref(m->metadata()));
      }
    }
  }
  if (!a.restart_vm().empty()) {
    // Shut down while the VM's record said volumes were moving.
    const size_t slash = a.restart_vm().find('/');
    if (slash != std::string::npos) {
      absl::StatusOr<ports::ObjectPtr> got = world_.api().Get(
          {"VirtualMachine", a.restart_vm().substr(0, slash), a.restart_vm().substr(slash + 1)});
      if (got.ok() && !ports::As<kubevirt::VirtualMachine>(*got)
                           ->status()
                           .volume_update_state()
                           .volume_migration_state()
                           .migrated_volumes()
                           .empty()) {
        restarted_mid_move_.insert(a.restart_vm());
      }
    }
  }
  if (!a.node_down().empty()) {
    for (const auto& m : Migrations(world_)) {
      const auto& state = m->status().migration_state();
      if (!Terminal(*m) && (state.source_node() == a.node_down() || state.target_node() == a.node_down())) {
        node_lost_.insert(Ref(m->metadata()));
      }
    }
  }
  if (a.what_case() == scenario::Action::kApply || a.what_case() == scenario::Action::kApplyFile) {
    // A revert of a VM's volumes comes as an apply of the VM.
    for (const auto& m : Migrations(world_)) {
      if (!Terminal(*m) && m->status().switchover().side().empty() &&
          m->metadata().labels().contains("kubevirt.io/volume-update-migration")) {
        reverted_in_flight_.insert(Ref(m->metadata()));
      }
    }
  }
  if (!a.delete_().empty() && absl::StartsWith(a.delete_(), "VirtualMachineInstanceMigration/")) {
    for (const auto& m : Migrations(world_)) {
      if (m->status().phase() == "Running" &&
          a.delete_() == absl::StrCat("VirtualMachineInstanceMigration/", Ref(m->metadata()))) {
        cancelled_mid_copy_.insert(Ref(m->metadata()));
      }
    }
  }
}

void Coverage::EngineCall(absl::string_view verb) {
  if (verb == "attach") reattached_ = true;
}

int64_t Coverage::Migrated() const {
  int64_t migrated = 0;
  for (const auto& m : Migrations(world_)) migrated += m->status().phase() == "Succeeded" ? 1 : 0;
  for (const auto& run : PlanRuns(world_)) {
    for (const forklift::VMStatus& vm : run->status().vms()) {
      migrated += vm.phase() == "Completed" ? 1 : 0;
    }
  }
  return migrated;
}

std::vector<std::string> Coverage::Reached() const {
  std::set<std::string> reached;
  std::set<std::string> present;
  for (const auto& m : Migrations(world_)) {
    const std::string ref = Ref(m->metadata());
    present.insert(ref);
    const std::string& phase = m->status().phase();
    if (phase == "Succeeded") {
      if (controller_crash_mid_copy_.contains(ref)) {
        reached.insert("storage.succeeded-after-controller-crash-mid-copy");
      }
      if (agent_crash_mid_copy_.contains(ref)) {
        reached.insert("storage.succeeded-after-agent-crash-mid-copy");
      }
      if (crash_after_destination_.contains(ref)) {
        reached.insert("storage.switchover-recovered-from-durable-state");
      }
      if (faults_hit_.contains("api")) reached.insert("storage.succeeded-through-api-faults");
      if (m->metadata().labels().contains("kubevirt.io/volume-update-migration")) {
        reached.insert("storage.volume-update-succeeded");
      }
      for (const auto& pair : m->spec().local_storage_migration().migrate_non_shared_disks()) {
        if (!pair.source_volume().empty()) reached.insert("storage.container-disk-moved");
      }
      if (m->status().copy_mode() == "WriteBlocking") {
        reached.insert("storage.succeeded-with-synchronous-writes");
      }
      if (m->spec().local_storage_migration().reclaim_policy_source_pvc() == "Delete") {
        bool gone = true;
        for (const auto& pair : m->spec().local_storage_migration().migrate_non_shared_disks()) {
          if (pair.source_pvc().empty()) continue;  // a container disk: no claim to reclaim
          gone = gone && !world_.api()
                              .Get({"PersistentVolumeClaim", m->metadata().namespace_(),
                                    pair.source_pvc()})
                              .ok();
        }
        if (gone) reached.insert("storage.sources-reclaimed");
      }
    }
    if (phase == "Failed") {
      const std::string said = Said(*m);
      if (absl::StrContains(said, "CopyFailed")) reached.insert("storage.copy-failed-and-rolled-back");
      if (absl::StrContains(said, "No space left")) reached.insert("storage.destination-full");
      if (node_lost_.contains(ref)) reached.insert("storage.node-lost-mid-migration");
    }
  }
  for (const std::string& ref : cancelled_mid_copy_) {
    if (!present.contains(ref)) reached.insert("storage.cancelled-mid-copy");
  }
  for (const std::string& ref : reverted_in_flight_) {
    if (!present.contains(ref)) reached.insert("storage.volume-update-cancelled-by-revert");
  }
  for (const std::string& ref : restarted_mid_move_) {
    // Started again by KubeVirt's VM controller: its record cleared, no
    // manual recovery; the checkers judged the disks it runs on.
    const size_t slash = ref.find('/');
    absl::StatusOr<ports::ObjectPtr> vmi = world_.api().Get(
        {"VirtualMachineInstance", ref.substr(0, slash), ref.substr(slash + 1)});
    if (vmi.ok() && !world_.restarting().contains(ref) &&
        ports::As<kubevirt::VirtualMachineInstance>(*vmi)->status().phase() == "Running") {
      reached.insert("storage.volume-update-restart-recovered");
    }
  }
  for (const auto& run : PlanRuns(world_)) {
    for (const forklift::VMStatus& vm : run->status().vms()) {
      if (vm.phase() == "Completed") {
        if (lun_crash_.contains(Ref(run->metadata()))) {
          reached.insert("lun.completed-after-controller-crash");
        }
        if (std::any_of(vm.pipeline().begin(), vm.pipeline().end(),
                        [](const auto& step) { return step.name() == "WaitForCutover"; })) {
          reached.insert("lun.warm-cutover-completed");
        }
        if (faults_hit_.contains("ovirt")) reached.insert("lun.completed-through-engine-faults");
      }
      if ((vm.phase() == "Failed" || vm.phase() == "Canceled") && reattached_ &&
          !vm.lun_attachments().empty()) {
        std::optional<ovirt::Vm> source = world_.engine().VmForTest(vm.id());
        if (source.has_value()) {
          for (const auto& att : source->disk_attachments().disk_attachment()) {
            for (const auto& rec : vm.lun_attachments()) {
              if (att.id() == rec.id()) reached.insert("lun.rollback-reattached");
            }
          }
        }
      }
      if (vm.phase() == "Canceled") reached.insert("lun.cancel-restored-source");
      for (const std::string& reason : vm.error().reasons()) {
        if (absl::StrContains(reason, "lun.in_other_plan") ||
            absl::StrContains(reason, "vm.in_other_plan")) {
          reached.insert("lun.competing-plan-refused");
        }
      }
    }
  }
  return {reached.begin(), reached.end()};
}

}  // namespace ferry::sim
