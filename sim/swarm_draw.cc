// DrawRecipe: a seed's workload and fault mix (sim/swarm.h).
#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/fnv.h"
#include "sim/swarm.h"

namespace ferry::sim {
namespace {

using scenario::Action;

// Draws from the seed's generator with the same results on every platform
// (the standard distributions are implementation-defined).
class Dice {
 public:
  explicit Dice(uint64_t seed) : rng_(seed) {}
  int Int(int lo, int hi) {  // [lo, hi]
    return lo + static_cast<int>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }
  double Real(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  }
  double LogReal(double lo, double hi) { return std::exp(Real(std::log(lo), std::log(hi))); }
  bool Chance(double p) { return Real(0, 1) < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& from) {
    return from[static_cast<size_t>(Int(0, static_cast<int>(from.size()) - 1))];
  }
  // Events of a Poisson process of `per_100s` over `window` seconds.
  int Count(double per_100s, double window) {
    const double mean = per_100s * window / 100.0;
    double limit = std::exp(-mean), product = Real(0, 1);
    int n = 0;
    while (product > limit && n < 200) {
      ++n;
      product *= Real(0, 1);
    }
    return n;
  }

 private:
  std::mt19937_64 rng_;
};

double Round(double x) { return std::round(x * 10) / 10; }  // tenths: readable files

const std::vector<std::string> kStorageKinds = {
    "crash.controller", "crash.agent",    "node.reboot",   "network.partition",
    "network.slow",     "api.error",      "api.slow",      "api.stale",
    "libvirt.error",    "libvirt.slow",   "storage.full",  "pod.fail",
    "user.cancel",      "user.delete-vm", "crash.at-switchover", "crash.mid-copy"};
const std::vector<std::string> kLunKinds = {
    "crash.lun-controller", "api.error",   "api.slow",   "api.stale",
    "ovirt.error",          "ovirt.slow",  "user.cancel-plan", "user.delete-target-vm",
    "user.start-target-early", "user.competing-plan"};

std::string Ns(const std::string& name) { return absl::StrCat("default/", name); }

class Drawer {
 public:
  Drawer(Workload workload, uint64_t seed, const SwarmOptions& options)
      : dice_(Fnv1a64(absl::StrCat(WorkloadName(workload), "/", seed))), options_(options) {
    r_.workload = workload;
    r_.seed = seed;
    r_.liveness_bound = options.liveness_bound_seconds;
  }

  Recipe Draw() {
    const bool storage = HasStorage(r_.workload), lun = HasLun(r_.workload);
    const int nodes = options_.exact_nodes > 0 ? options_.exact_nodes
                                               : dice_.Int(storage ? 2 : 1, options_.max_nodes);
    for (int i = 1; i <= nodes; ++i) r_.nodes.push_back(absl::StrCat("node-", i));
    if (storage) DrawStorage();
    if (lun) DrawLun();
    r_.heal_at = Round(dice_.Real(60, 400));
    if (options_.faults) DrawFaults();
    std::stable_sort(r_.faults.begin(), r_.faults.end(), [](const Action& a, const Action& b) {
      return a.at_seconds() < b.at_seconds();
    });
    // Drawn last, so that every other draw of a seed stays what it was.
    if (options_.faults) {
      for (StorageVm& vm : r_.storage_vms) {
        if (!dice_.Chance(0.3)) continue;
        vm.hot = true;
        vm.write_mib_per_s = Round(dice_.Real(1500, 3000));
        // More than a few link-seconds of disk to dirty (the link is 1 GiB/s).
        for (StorageVm::Disk& d : vm.disks) {
          d.destination_gib = std::max(d.destination_gib, d.destination_gib / d.size_gib * 4);
          d.size_gib = std::max(d.size_gib, 4);
        }
      }
    }
    // After those, for the same reason: a VM moved by KubeVirt's volume
    // update, which has no reclaim policy (the source is kept).
    for (StorageVm& vm : r_.storage_vms) {
      if (!dice_.Chance(0.3)) continue;
      vm.volume_update = true;
      vm.reclaim_delete = false;
    }
    // After those: one in four VMs moved by a VMIM boots from a container
    // disk (its first disk), which the migration moves to a claim; the
    // claim holds the image plus a Filesystem's overhead.
    for (StorageVm& vm : r_.storage_vms) {
      if (vm.volume_update || !dice_.Chance(0.25)) continue;
      StorageVm::Disk& disk = vm.disks[0];
      disk.container_disk = true;
      disk.data_volume = false;
      disk.destination_gib = std::max(disk.destination_gib, 2 * disk.size_gib);
    }
    // After those: two in five VMs moved by a volume update are shut down
    // (and started again by KubeVirt) 0..30 s after Ferry made its
    // migration: mid-copy, after the switchover, or once it moved.
    if (options_.faults) {
      for (const StorageVm& vm : r_.storage_vms) {
        if (!vm.volume_update || !dice_.Chance(0.4)) continue;
        Action a;
        auto* when = a.mutable_when();
        when->set_object(absl::StrCat("VirtualMachineInstance/default/", vm.name));
        when->set_path("/status/conditions/0/type");
        when->set_equals("VolumesChange");
        a.set_delay_seconds(Round(dice_.Real(0, 30)));
        a.set_restart_vm(absl::StrCat("default/", vm.name));
        a.set_may_fail(true);
        r_.faults.push_back(a);
      }
    }
    return r_;
  }

 private:
  void DrawStorage() {
    const int vms = options_.exact_storage_vms > 0 ? options_.exact_storage_vms
                                                   : dice_.Int(1, options_.max_storage_vms);
    static const std::vector<int> kSizes = {1, 2, 4, 8, 16, 32};
    for (int i = 1; i <= vms; ++i) {
      StorageVm vm;
      vm.name = absl::StrCat("vm-", i);
      vm.node = dice_.Pick(r_.nodes);
      const int disks = dice_.Int(1, options_.max_disks);
      for (int d = 0; d < disks; ++d) {
        StorageVm::Disk disk;
        disk.size_gib = dice_.Pick(kSizes);
        disk.destination_gib = disk.size_gib * (dice_.Chance(0.3) ? 2 : 1);
        disk.destination_class = dice_.Chance(0.5) ? "local" : "fast";
        disk.data_volume = dice_.Chance(0.3);
        vm.disks.push_back(disk);
      }
      vm.write_mib_per_s = dice_.Chance(0.2) ? 0 : Round(dice_.LogReal(1, 60));
      vm.migrate_at = Round(dice_.Real(1, 30));
      vm.destination_delay = dice_.Chance(0.2) ? Round(dice_.Real(1, 120)) : 0;
      vm.reclaim_delete = dice_.Chance(0.3);
      r_.storage_vms.push_back(vm);
    }
  }

  void DrawLun() {
    const int vms = options_.exact_lun_vms > 0 ? options_.exact_lun_vms
                                               : dice_.Int(1, options_.max_lun_vms);
    for (int i = 1; i <= vms; ++i) {
      LunVm vm;
      vm.id = absl::StrCat("vm-", i);
      vm.name = absl::StrCat("db-", i);
      vm.up = dice_.Chance(0.8);
      const int luns = options_.exact_luns > 0 ? options_.exact_luns : dice_.Int(1, options_.max_luns);
      for (int l = 0; l < luns; ++l) {
        vm.luns.push_back({.fibre_channel = dice_.Chance(0.4),
                           .size_gib = dice_.Int(1, 500),
                           .reservation = dice_.Chance(0.3)});
      }
      vm.image_disk = options_.exact_lun_vms == 0 && dice_.Chance(0.3);
      r_.lun_vms.push_back(vm);
    }
    r_.warm = dice_.Chance(0.4);
    r_.cutover_at = Round(dice_.Real(10, 200));
    r_.stop_seconds = Round(dice_.LogReal(1, 120));
  }

  // Swarm testing: each kind is on with probability 1/2, at a rate of its own.
  void DrawFaults() {
    for (const std::string& kind : FaultKinds(r_.workload)) {
      const double rate = dice_.Chance(0.5) ? Round(dice_.LogReal(0.3, 8)) : 0;
      r_.mix[kind] = rate;
      if (rate == 0) continue;
      const int n = dice_.Count(rate, r_.heal_at);
      for (int k = 0; k < n; ++k) AddFault(kind, Round(dice_.Real(0, r_.heal_at)));
    }
  }

  std::string AnyNode() { return dice_.Pick(r_.nodes); }

  Action& NewAction(double at) {
    Action& a = r_.faults.emplace_back();
    a.set_at_seconds(at);
    return a;
  }

  // The controller or a drawn VM's source agent crashes up to `max_delay`
  // seconds after that VM's migration has `path` equal to `equals`.
  void CrashWhen(const std::string& path, const std::string& equals, double max_delay) {
    const StorageVm& vm = dice_.Pick(r_.storage_vms);
    Action& a = r_.faults.emplace_back();
    a.mutable_when()->set_object(absl::StrCat("VirtualMachineInstanceMigration/default/mig-", vm.name));
    a.mutable_when()->set_path(path);
    a.mutable_when()->set_equals(equals);
    a.set_delay_seconds(Round(dice_.Real(0, max_delay)));
    a.mutable_crash()->set_process(dice_.Chance(0.5) ? "controller" : absl::StrCat("agent/", vm.node));
    a.mutable_crash()->set_down_seconds(Round(dice_.LogReal(1, 30)));
    a.set_may_fail(true);
  }

  void AddFault(const std::string& kind, double at) {
    static const std::vector<std::string> kApiVerbs = {"get",    "list",          "watch",
                                                       "create", "update",        "update_status",
                                                       "delete"};
    static const std::vector<std::string> kStorageKindsOfApi = {
        "", "VirtualMachineInstanceMigration", "Pod", "PersistentVolumeClaim",
        "VirtualMachineInstance", "VirtualMachine", "PersistentVolume"};
    static const std::vector<std::string> kLunKindsOfApi = {
        "", "Migration", "Plan", "PersistentVolume", "PersistentVolumeClaim", "VirtualMachine",
        "DataVolume"};
    static const std::vector<std::string> kCodes = {"Unavailable", "Conflict", "Internal"};
    static const std::vector<std::string> kLibvirtVerbs = {
        "lookup", "list", "define", "start", "destroy", "resume", "migrate", "job_stats",
        "abort_job", "events"};
    static const std::vector<std::string> kOvirtVerbs = {
        "get_vm", "get_disk", "list_vms", "shutdown", "stop", "start", "detach", "attach"};
    if (kind == "crash.controller" || kind == "crash.lun-controller" || kind == "crash.agent") {
      Action& a = NewAction(at);
      a.mutable_crash()->set_process(kind == "crash.controller"       ? "controller"
                                     : kind == "crash.lun-controller" ? "lun-controller"
                                                                      : absl::StrCat("agent/", AnyNode()));
      a.mutable_crash()->set_down_seconds(Round(dice_.LogReal(1, 60)));
    } else if (kind == "crash.at-switchover") {
      // A fault point at a rare state (FoundationDB's BUGGIFY, in the
      // harness): a process crashes just after a migration recorded its
      // Destination decision, before it is carried out.
      CrashWhen("/status/switchover/side", "Destination", 1.5);
    } else if (kind == "crash.mid-copy") {
      // A fault point while a copy runs: the controller or the source agent
      // crashes a moment after a migration's phase says Running. (A crash
      // at a drawn second hit a copy only when the cadence put one there.)
      CrashWhen("/status/phase", "Running", 2);
    } else if (kind == "node.reboot") {
      const std::string node = AnyNode();
      NewAction(at).set_node_down(node);
      Action& up = NewAction(Round(at + dice_.LogReal(10, 120)));
      up.set_node_up(node);
    } else if (kind == "network.partition") {
      if (r_.nodes.size() < 2) return;
      const std::string a = AnyNode();
      std::string b = AnyNode();
      if (a == b) b = r_.nodes[(std::find(r_.nodes.begin(), r_.nodes.end(), a) - r_.nodes.begin() + 1) % r_.nodes.size()];
      Action& act = NewAction(at);
      act.mutable_partition()->set_a(a);
      act.mutable_partition()->set_b(b);
      act.mutable_partition()->set_seconds(Round(dice_.LogReal(5, 120)));
    } else if (kind == "network.slow") {
      Action& a = NewAction(at);
      a.mutable_slow_link()->set_factor(Round(dice_.Real(0.1, 0.6)));
      a.mutable_slow_link()->set_seconds(Round(dice_.LogReal(10, 200)));
    } else if (kind == "api.error" || kind == "api.slow") {
      Action& a = NewAction(at);
      auto* f = a.mutable_api_fault();
      f->set_verb(dice_.Pick(kApiVerbs));
      f->set_kind(dice_.Pick(HasStorage(r_.workload) && (!HasLun(r_.workload) || dice_.Chance(0.5))
                                 ? kStorageKindsOfApi
                                 : kLunKindsOfApi));
      if (kind == "api.error") {
        f->set_code(dice_.Pick(kCodes));
        f->set_count(dice_.Int(1, 5));
      } else {
        f->set_delay_seconds(Round(dice_.LogReal(0.5, 20)));
      }
    } else if (kind == "api.stale") {
      Action& a = NewAction(at);
      a.mutable_stale_reads()->set_lag_seconds(Round(dice_.LogReal(1, 15)));
      a.mutable_stale_reads()->set_seconds(Round(dice_.LogReal(5, 120)));
      // Sometimes one informer alone lags: a run a read does not list at
      // all while the other kinds are current (the LUN plan's locks).
      if (dice_.Chance(0.4)) {
        a.mutable_stale_reads()->set_kind(
            dice_.Pick(HasStorage(r_.workload) && (!HasLun(r_.workload) || dice_.Chance(0.5))
                           ? kStorageKindsOfApi
                           : kLunKindsOfApi));
      }
    } else if (kind == "libvirt.error" || kind == "libvirt.slow") {
      Action& a = NewAction(at);
      auto* f = a.mutable_libvirt_fault();
      f->set_node(AnyNode());
      f->set_verb(dice_.Pick(kLibvirtVerbs));
      if (kind == "libvirt.error") {
        f->set_code(dice_.Chance(0.7) ? "Internal" : "Unavailable");
        f->set_count(dice_.Int(1, 3));
      } else {
        f->set_delay_seconds(Round(dice_.LogReal(0.5, 10)));
      }
    } else if (kind == "storage.full") {
      const StorageVm& vm = dice_.Pick(r_.storage_vms);
      Action& a = NewAction(at);
      a.set_fill_claim(Ns(absl::StrCat(vm.name, "-dest-", dice_.Int(0, static_cast<int>(vm.disks.size()) - 1))));
      a.set_may_fail(true);
    } else if (kind == "pod.fail") {
      const StorageVm& vm = dice_.Pick(r_.storage_vms);
      Action& a = NewAction(at);
      a.set_fail_pod(Ns(dice_.Chance(0.7) ? absl::StrCat("virt-launcher-", vm.name, "-mig-", vm.name, "-target")
                                          : absl::StrCat("virt-launcher-", vm.name, "-source")));
      a.set_may_fail(true);
    } else if (kind == "user.cancel") {
      Action& a = NewAction(at);
      a.set_delete_(absl::StrCat("VirtualMachineInstanceMigration/default/mig-",
                                 dice_.Pick(r_.storage_vms).name));
      a.set_may_fail(true);
    } else if (kind == "user.delete-vm") {
      Action& a = NewAction(at);
      a.set_delete_(absl::StrCat("VirtualMachine/default/", dice_.Pick(r_.storage_vms).name));
      a.set_may_fail(true);
    } else if (kind == "ovirt.error" || kind == "ovirt.slow") {
      Action& a = NewAction(at);
      auto* f = a.mutable_ovirt_fault();
      f->set_verb(dice_.Pick(kOvirtVerbs));
      if (dice_.Chance(0.5)) f->set_id(dice_.Pick(r_.lun_vms).id);
      if (kind == "ovirt.error") {
        f->set_code(dice_.Chance(0.6) ? "FailedPrecondition" : (dice_.Chance(0.5) ? "Unavailable" : "Internal"));
        f->set_count(dice_.Int(1, 4));
      } else {
        f->set_delay_seconds(Round(dice_.LogReal(1, 120)));
      }
    } else if (kind == "user.cancel-plan") {
      // Half of the cancels land at a drawn step of a VM rather than at a
      // drawn time: a plan on the runtime moves through its steps in
      // seconds, and a cancel after the LUNs are detached is the one whose
      // rollback re-attaches them (lun.rollback-reattached).
      const size_t index = static_cast<size_t>(dice_.Int(0, static_cast<int>(r_.lun_vms.size()) - 1));
      const LunVm& vm = r_.lun_vms[index];
      Action& a = r_.faults.emplace_back();
      if (dice_.Chance(0.5)) {
        static const std::vector<std::string> kSteps = {"PowerOff", "DetachLuns", "CreateVolumes",
                                                        "WaitForBinding", "CreateVm"};
        a.mutable_when()->set_object("Migration/default/run-1");
        a.mutable_when()->set_path(absl::StrCat("/status/vms/", index, "/phase"));
        a.mutable_when()->set_equals(dice_.Pick(kSteps));
        a.set_delay_seconds(Round(dice_.LogReal(0.001, 5)));
      } else {
        a.set_at_seconds(at);
      }
      a.set_apply(absl::StrCat(
          "apiVersion: forklift.konveyor.io/v1beta1\nkind: Migration\nmetadata: {name: run-1}\n"
          "spec:\n  plan: {name: plan-1, namespace: default}\n",
          r_.warm ? absl::StrCat("  cutover: \"", CutoverTimestamp(r_.cutover_at), "\"\n") : "",
          "  cancel: [{id: ", vm.id, "}]\n"));
      a.set_may_fail(true);
    } else if (kind == "user.delete-target-vm") {
      Action& a = NewAction(at);
      a.set_delete_(absl::StrCat("VirtualMachine/default/", dice_.Pick(r_.lun_vms).name));
      a.set_may_fail(true);
    } else if (kind == "user.start-target-early") {
      // A user starts a VM on a LUN's claim before the plan has made its own
      // VM (triggered by an early step of the plan), and deletes it later. One
      // per plan VM: two user VMs on one claim, or one started after the plan's
      // VM runs, are the user's own double use, which RWX claims cannot refuse.
      const size_t index = static_cast<size_t>(dice_.Int(0, static_cast<int>(r_.lun_vms.size()) - 1));
      const LunVm& vm = r_.lun_vms[index];
      if (!early_started_.insert(vm.id).second) return;
      static const std::vector<std::string> kEarlySteps = {"Initialize", "PowerOff", "DetachLuns",
                                                           "WaitForBinding"};
      scenario::Condition when;
      when.set_object("Migration/default/run-1");
      when.set_path(absl::StrCat("/status/vms/", index, "/phase"));
      when.set_equals(dice_.Pick(kEarlySteps));
      const std::string name = absl::StrCat("early-", vm.id);
      Action& a = r_.faults.emplace_back();
      *a.mutable_when() = when;
      a.set_apply(absl::StrCat(
          "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: ", name,
          "}\nspec:\n  running: true\n  template:\n    spec:\n      domain:\n"
          "        devices: {disks: [{name: data, lun: {bus: scsi}}]}\n"
          "        resources: {requests: {memory: 1Gi}}\n"
          "      volumes: [{name: data, persistentVolumeClaim: {claimName: ferry-lun-",
          vm.id, "-lun-0}}]\n"));
      a.set_may_fail(true);
      Action& gone = r_.faults.emplace_back();
      *gone.mutable_when() = when;
      gone.set_delay_seconds(Round(dice_.LogReal(5, 200)));
      gone.set_delete_(absl::StrCat("VirtualMachine/default/", name));
      gone.set_may_fail(true);
    } else if (kind == "user.competing-plan") {
      const int k = static_cast<int>(r_.faults.size());
      Action& a = NewAction(at);
      a.set_apply(absl::StrCat(
          "apiVersion: forklift.konveyor.io/v1beta1\nkind: Plan\nmetadata: {name: other-plan-", k,
          "}\nspec:\n  provider: {source: {name: ovirt-engine, namespace: default}, destination: "
          "{name: host, namespace: default}}\n  targetNamespace: default\n  vms: [{id: ",
          dice_.Pick(r_.lun_vms).id, "}]\n---\napiVersion: forklift.konveyor.io/v1beta1\nkind: "
          "Migration\nmetadata: {name: other-run-", k, "}\nspec: {plan: {name: other-plan-", k,
          ", namespace: default}}\n"));
      a.set_may_fail(true);
    }
  }

  Dice dice_;
  std::set<std::string> early_started_;
  SwarmOptions options_;
  Recipe r_;
};

}  // namespace

absl::StatusOr<Workload> ParseWorkload(absl::string_view name) {
  if (name == "storage") return Workload::kStorage;
  if (name == "lun") return Workload::kLun;
  if (name == "mixed") return Workload::kMixed;
  return absl::InvalidArgumentError(
      absl::StrCat("--workload: \"", name, "\" is not one of storage, lun, mixed"));
}

absl::string_view WorkloadName(Workload workload) {
  switch (workload) {
    case Workload::kStorage: return "storage";
    case Workload::kLun: return "lun";
    case Workload::kMixed: return "mixed";
  }
  return "storage";
}

bool HasStorage(Workload workload) { return workload != Workload::kLun; }
bool HasLun(Workload workload) { return workload != Workload::kStorage; }

std::vector<std::string> FaultKinds(Workload workload) {
  std::vector<std::string> kinds;
  if (HasStorage(workload)) kinds = kStorageKinds;
  if (HasLun(workload)) {
    for (const std::string& k : kLunKinds) {
      if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
    }
  }
  return kinds;
}

Recipe DrawRecipe(Workload workload, uint64_t seed, const SwarmOptions& options) {
  return Drawer(workload, seed, options).Draw();
}

}  // namespace ferry::sim
