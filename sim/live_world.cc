#include "sim/live_world.h"

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "api/kubevirt.pb.h"
#include "core/ports/kube_api.h"
#include "sim/cluster_state.h"
#include "sim/scenario.pb.h"

namespace ferry::sim {

LiveWorld::LiveWorld(World& world, absl::Mutex& mu, absl::Time wall_start, Options options)
    : world_(world), mu_(mu), wall_start_(wall_start), virtual_start_(world.sim().now()),
      options_(std::move(options)) {}

void LiveWorld::Advance(absl::Time wall) {
  absl::MutexLock lock(&mu_);
  const absl::Time target = virtual_start_ + (wall - wall_start_) * options_.speed;
  if (target > world_.sim().now()) world_.sim().RunFor(target - world_.sim().now());
  StartNewVms();
  for (const std::string& line : world_.TakeTimeline()) Log(line);
}

void LiveWorld::StartNewVms() {
  if (world_.lun_world()) return;  // the cluster model's virt-controller starts them
  fakes::FakeKubeApi& api = world_.api();
  absl::StatusOr<ports::ObjectList> vms = api.List("VirtualMachine", "", {});
  if (!vms.ok()) return;
  for (const ports::ObjectPtr& object : vms->items) {
    auto vm = ports::As<kubevirt::VirtualMachine>(object);
    if (vm == nullptr || !internal::WantsToRun(*vm)) continue;
    const std::string& uid = vm->metadata().uid();
    auto known = vms_.find(uid);
    if (known != vms_.end() && (known->second == VmState::kCannotStart ||
                                known->second == VmState::kNotRestarted)) {
      continue;  // reported once: delete the VM and apply it again
    }
    const std::string& ns = vm->metadata().namespace_();
    const std::string& name = vm->metadata().name();
    if (api.Get({"VirtualMachineInstance", ns, name}).ok()) {
      if (known != vms_.end()) known->second = VmState::kRunning;
      continue;
    }
    if (known != vms_.end()) {
      RestartDeleted(ns, name, known->second);
      continue;
    }
    scenario::RunningVm running;
    running.set_name(name);
    running.set_namespace_(ns);
    running.set_node(PickNode());
    running.set_write_mib_per_s(options_.guest_write_mib_per_s);
    if (absl::Status st = world_.StartVm(running); !st.ok()) {
      vms_[uid] = VmState::kCannotStart;
      Log(absl::StrCat("VirtualMachine ", ns, "/", name, " cannot start: ", st.message(),
                       " (fix what it names, then delete the VM and apply it again)"));
    } else {
      vms_[uid] = VmState::kRunning;
      Log(absl::StrCat("VirtualMachine ", ns, "/", name, " started on ", running.node()));
    }
  }
}

void LiveWorld::RestartDeleted(const std::string& ns, const std::string& name, VmState& state) {
  const std::string key = absl::StrCat(ns, "/", name);
  if (world_.restarting().contains(key)) return;  // stopping, or held for recovery
  if (state == VmState::kRestarted) {
    // The world gave up starting it again (its timeline says why).
    state = VmState::kNotRestarted;
    Log(absl::StrCat("VirtualMachine ", key, " did not start again (the lines above say why); "
                     "delete the VM and apply it again"));
    return;
  }
  if (absl::Status st = world_.RestartVm(key); !st.ok()) {
    state = VmState::kNotRestarted;
    Log(absl::StrCat("VirtualMachineInstance ", key, " was deleted; its VM is not started "
                     "again: ", st.message()));
    return;
  }
  state = VmState::kRestarted;
  Log(absl::StrCat("VirtualMachineInstance ", key, " was deleted: its guest stops and the VM "
                   "starts again, as KubeVirt's VM controller does"));
}

std::string LiveWorld::PickNode() {
  std::map<std::string, int> load;
  absl::StatusOr<ports::ObjectList> nodes = world_.api().List("Node", "", {});
  if (nodes.ok()) {
    for (const ports::ObjectPtr& object : nodes->items) {
      const std::string& name = ports::MetadataOf(*object).name();
      if (world_.fabric().host(name) != nullptr) load[name] = 0;
    }
  }
  absl::StatusOr<ports::ObjectList> vmis = world_.api().List("VirtualMachineInstance", "", {});
  if (vmis.ok()) {
    for (const ports::ObjectPtr& object : vmis->items) {
      auto vmi = ports::As<kubevirt::VirtualMachineInstance>(object);
      if (vmi != nullptr && load.contains(vmi->status().node_name())) {
        ++load[vmi->status().node_name()];
      }
    }
  }
  std::string best;
  for (const auto& [name, n] : load) {
    if (best.empty() || n < load[best]) best = name;
  }
  return best;
}

void LiveWorld::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

}  // namespace ferry::sim
