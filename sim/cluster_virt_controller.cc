// KubeVirt's virt-controller (sim/cluster_virt_controller.h).
#include "sim/cluster_virt_controller.h"

#include <initializer_list>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/conditions.h"
#include "api/core.pb.h"
#include "api/kubevirt.pb.h"
#include "api/names.h"
#include "api/volumes.h"
#include "base/fnv.h"

namespace ferry::sim::internal {
namespace {

using api::NamespaceOrDefault;

// The kinds the pass lists, in the order it lists them (the hooks of those
// lists run in this order).
constexpr std::initializer_list<const char*> kKinds = {
    "VirtualMachine", "VirtualMachineInstance", "StorageClass", "PersistentVolume",
    "PersistentVolumeClaim", "Pod", "Node"};

}  // namespace

bool HeldForVolumeRecovery(fakes::FakeKubeApi& api, const kubevirt::VirtualMachine& vm,
                           absl::Time now, std::vector<std::string>* did) {
  const kubevirt::VolumeMigrationState& state =
      vm.status().volume_update_state().volume_migration_state();
  if (state.migrated_volumes().empty() && !state.manual_recovery_required()) return false;
  if (state.manual_recovery_required()) return true;
  kubevirt::VirtualMachine held = vm;
  held.mutable_status()
      ->mutable_volume_update_state()
      ->mutable_volume_migration_state()
      ->set_manual_recovery_required(true);
  api::SetCondition(held.mutable_status()->mutable_conditions(), "ManualRecoveryRequired", "True",
                    "VMIWasDeletedDuringVolumeMigration",
                    "the VMI was deleted during a volume migration: the VM is not started until "
                    "its volumes are recovered",
                    now);
  if (api.UpdateStatus(held).ok()) {
    did->push_back(absl::StrCat("virt-controller: VM ",
                                NamespaceOrDefault(vm.metadata().namespace_()), "/",
                                vm.metadata().name(), " ManualRecoveryRequired (volumes were moving)"));
  }
  return true;
}

void VirtController::RunVms(std::vector<std::string>* did) {
  const Reading read = reader_.Read(kKinds);
  const ClusterState& s = *read.state;
  auto find_vm = [&](const std::string& ns, const std::string& name) -> const kubevirt::VirtualMachine* {
    auto it = s.vms().find(Key{ns, name});
    return it == s.vms().end() ? nullptr : it->second.get();
  };
  auto launchers = [&](const std::string& ns, const std::string& name) {
    std::vector<const k8s::Pod*> pods;
    if (const std::set<Key>* of = s.LaunchersOf(ns, name)) {
      for (const Key& key : *of) pods.push_back(s.pods().at(key).get());
    }
    return pods;
  };
  // VMIs of VMs gone or stopped: the VMI and its launcher go.
  for (const Key& vmi_key : s.orphaned_vmis()) {
    const kubevirt::VirtualMachineInstance* vmi = s.vmis().at(vmi_key).get();
    const std::string ns(NamespaceOrDefault(vmi->metadata().namespace_()));
    const std::string& name = vmi->metadata().name();
    const kubevirt::VirtualMachine* vm = find_vm(ns, name);
    if (vm != nullptr && WantsToRun(*vm)) continue;
    bool owned = false;
    for (const auto& ref : vmi->metadata().owner_references()) owned |= ref.kind() == "VirtualMachine";
    if (!owned) continue;
    for (const k8s::Pod* pod : launchers(ns, name)) {
      if (api_.Delete({"Pod", ns, pod->metadata().name()}).ok()) {
        did->push_back(absl::StrCat("virt-controller: deleted launcher ", ns, "/", pod->metadata().name()));
      }
    }
    if (api_.Delete({"VirtualMachineInstance", ns, name}).ok()) {
      did->push_back(absl::StrCat("virt-controller: deleted VMI ", ns, "/", name));
    }
  }
  for (const Key& vm_key : s.vms_to_start()) {
    const kubevirt::VirtualMachine* vm = s.vms().at(vm_key).get();
    if (!WantsToRun(*vm)) continue;
    const std::string ns(NamespaceOrDefault(vm->metadata().namespace_()));
    const std::string& name = vm->metadata().name();
    auto found = s.vmis().find(Key{ns, name});
    const kubevirt::VirtualMachineInstance* vmi =
        found == s.vmis().end() ? nullptr : found->second.get();
    if (vmi == nullptr) {
      if (started_elsewhere_ != nullptr && started_elsewhere_(ns, name)) continue;
      if (HeldForVolumeRecovery(api_, *vm, clock_.Now(), did)) continue;
      kubevirt::VirtualMachineInstance next;
      next.set_api_version("kubevirt.io/v1");
      next.set_kind("VirtualMachineInstance");
      next.mutable_metadata()->set_name(name);
      next.mutable_metadata()->set_namespace_(ns);
      ports::AddOwnerReference(*vm, next.mutable_metadata(), /*controller=*/true);
      *next.mutable_spec() = vm->spec().template_().spec();
      if (!api_.Create(next).ok()) continue;
      k8s::Pod pod;
      pod.set_api_version("v1");
      pod.set_kind("Pod");
      pod.mutable_metadata()->set_name(absl::StrFormat(
          "virt-launcher-%s-%05x", name, Fnv1a64(absl::StrCat(ns, "/", name)) & 0xfffff));
      pod.mutable_metadata()->set_namespace_(ns);
      (*pod.mutable_metadata()->mutable_labels())["kubevirt.io"] = "virt-launcher";
      (*pod.mutable_metadata()->mutable_labels())[kLauncherOf] = name;
      auto* container = pod.mutable_spec()->add_containers();
      container->set_name("compute");
      container->set_image("quay.io/kubevirt/virt-launcher");
      for (const auto& v : vm->spec().template_().spec().volumes()) {
        std::optional<std::string> claim = api::ClaimOf(v);
        if (!claim) continue;
        auto* pv = pod.mutable_spec()->add_volumes();
        pv->set_name(v.name());
        pv->mutable_persistent_volume_claim()->set_claim_name(*claim);
      }
      if (api_.Create(pod).ok()) {
        did->push_back(absl::StrCat("virt-controller: VM ", ns, "/", name, " starting (pod ",
                                    pod.metadata().name(), ")"));
      }
      continue;
    }
    if (vmi->status().phase() == "Running") continue;
    for (const k8s::Pod* pod : launchers(ns, name)) {
      if (pod->status().phase() != "Running") continue;
      kubevirt::VirtualMachineInstance next = *vmi;
      next.mutable_status()->set_phase("Running");
      next.mutable_status()->set_node_name(pod->spec().node_name());
      if (api_.UpdateStatus(next).ok()) {
        did->push_back(absl::StrCat("virt-handler: VMI ", ns, "/", name, " Running on ",
                                    pod->spec().node_name()));
      }
      break;
    }
  }
}

}  // namespace ferry::sim::internal
