// RenderRecipe: a recipe as a self-contained scenario (sim/swarm.h).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/saturating.h"
#include "sim/swarm.h"

namespace ferry::sim {

std::string CutoverTimestamp(double seconds) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ",
                          absl::FromUnixSeconds(1692259200) + absl::Seconds(SaturatingCast<int64_t>(seconds)),
                          absl::UTCTimeZone());
}

namespace {

using scenario::Action;

// Classes of every swarm world: an immediate default (LUN plans' image
// disks) and two node-local classes (storage migrations name theirs).
constexpr char kClusterYaml[] = R"(apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: csi.example.com
volumeBindingMode: Immediate
reclaimPolicy: Delete
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local}
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: topolvm.io
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
)";

constexpr char kProviderYaml[] = R"(apiVersion: v1
kind: Secret
metadata: {name: ovirt-credentials}
type: Opaque
stringData: {user: admin@internal, password: not-a-real-password}
---
apiVersion: forklift.konveyor.io/v1beta1
kind: Provider
metadata: {name: ovirt-engine}
spec:
  type: ovirt
  url: https://engine.example.com/ovirt-engine/api
  secret: {name: ovirt-credentials, namespace: default}
)";

std::string SourceName(const StorageVm& vm, size_t d) { return absl::StrCat(vm.name, "-disk-", d); }

// A container disk's image: one per size (world.container_image gives it).
std::string ImageName(const StorageVm::Disk& disk) {
  return absl::StrCat("registry.example/disk-", disk.size_gib, "g:latest");
}

// The VM with its claims; `edited`: as a user edits it for a volume update
// (updateVolumesStrategy: Migration; `moved`: its volumes on the destination
// claims, else back on its sources), without the claims.
std::string StorageVmYaml(const StorageVm& vm, bool edited = false, bool moved = false) {
  std::string disks, volumes, templates, claims;
  for (size_t d = 0; d < vm.disks.size(); ++d) {
    const StorageVm::Disk& disk = vm.disks[d];
    const std::string source = SourceName(vm, d);
    absl::StrAppend(&disks, "          - {name: d", d, ", disk: {bus: virtio}}\n");
    absl::StrAppend(&volumes, "      - {name: d", d, ", ",
                    moved ? absl::StrCat("persistentVolumeClaim: {claimName: ", vm.name, "-dest-", d)
                    : disk.container_disk ? absl::StrCat("containerDisk: {image: \"", ImageName(disk), "\"")
                    : disk.data_volume ? absl::StrCat("dataVolume: {name: ", source)
                                       : absl::StrCat("persistentVolumeClaim: {claimName: ", source),
                    "}}\n");
    // A template no volume uses is refused: a move drops it with its volume
    // (the DataVolume stays, as KubeVirt leaves it).
    if (disk.data_volume && !moved) {
      absl::StrAppend(&templates, "  - metadata: {name: ", source,
                      "}\n    spec:\n      pvc: {accessModes: [ReadWriteOnce], storageClassName: "
                      "local, resources: {requests: {storage: ", disk.size_gib,
                      "Gi}}}\n      source: {blank: {}}\n");
    }
    if (!disk.data_volume && !disk.container_disk && !edited) {
      absl::StrAppend(&claims, "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: ",
                      source, "}\nspec: {accessModes: [ReadWriteOnce], volumeMode: Filesystem, "
                      "storageClassName: local, resources: {requests: {storage: ",
                      disk.size_gib, "Gi}}}\n");
    }
  }
  return absl::StrCat("apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: ", vm.name,
                      "}\nspec:\n  runStrategy: Always\n",
                      edited ? "  updateVolumesStrategy: Migration\n" : "",
                      templates.empty() ? "" : absl::StrCat("  dataVolumeTemplates:\n", templates),
                      "  template:\n    metadata: {labels: {kubevirt.io/vm: ", vm.name,
                      "}}\n    spec:\n      domain:\n        devices:\n          disks:\n", disks,
                      "        resources: {requests: {memory: 1Gi}}\n      volumes:\n", volumes,
                      claims);
}

std::string DestinationYaml(const StorageVm& vm) {
  std::string out;
  for (size_t d = 0; d < vm.disks.size(); ++d) {
    absl::StrAppend(&out, d == 0 ? "" : "---\n",
                    "{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: ", vm.name,
                    "-dest-", d, "}, spec: {accessModes: [ReadWriteOnce], volumeMode: Filesystem, "
                    "storageClassName: ", vm.disks[d].destination_class,
                    ", resources: {requests: {storage: ", vm.disks[d].destination_gib, "Gi}}}}\n");
  }
  return out;
}

std::string MigrationYaml(const StorageVm& vm) {
  std::vector<std::string> pairs;
  for (size_t d = 0; d < vm.disks.size(); ++d) {
    pairs.push_back(absl::StrCat(vm.disks[d].container_disk ? "{sourceVolume: d" : "{sourcePvc: ",
                                 vm.disks[d].container_disk ? absl::StrCat(d) : SourceName(vm, d),
                                 ", destinationPvc: ", vm.name, "-dest-", d, "}"));
  }
  return absl::StrCat("{apiVersion: kubevirt.io/v1, kind: VirtualMachineInstanceMigration, "
                      "metadata: {name: mig-", vm.name, "}, spec: {vmiName: ", vm.name,
                      ", localStorageMigration: {migrateNonSharedDisks: [",
                      absl::StrJoin(pairs, ", "), "]",
                      vm.reclaim_delete ? ", reclaimPolicySourcePvc: Delete" : "", "}}}\n");
}

// A drawn fault about a VM's migration, for a VM moved by a volume update:
// its cancel is a revert of the VM's volumes; a crash when its migration is
// Running is one when its VMI says VolumesChange (the condition Ferry sets
// once it created the migration), one when the migration recorded the
// switchover is one when the VMI names its first destination.
Action ForVolumeUpdates(const Recipe& r, const Action& a) {
  for (const StorageVm& vm : r.storage_vms) {
    if (!vm.volume_update) continue;
    const std::string migration = absl::StrCat("VirtualMachineInstanceMigration/default/mig-", vm.name);
    Action out = a;
    if (a.delete_() == migration) {
      out.set_apply(StorageVmYaml(vm, /*edited=*/true, /*moved=*/false));
      // Four in five (by the drawn time's last tenth) land a moment after
      // Ferry made the migration rather than at the drawn time: a revert is a
      // cancel only while the migration copies (one at the drawn time comes
      // before the edit, a no-op, or after the move, a move back).
      if (std::llround(a.at_seconds() * 10) % 5 != 0) {
        out.set_at_seconds(0);
        auto* when = out.mutable_when();
        when->set_object(absl::StrCat("VirtualMachineInstance/default/", vm.name));
        when->set_path("/status/conditions/0/type");
        when->set_equals("VolumesChange");
        out.set_delay_seconds(std::round(std::fmod(a.at_seconds(), 20.0) * 10) / 10);
      }
      return out;
    }
    if (a.has_when() && a.when().object() == migration) {
      auto* when = out.mutable_when();
      when->set_object(absl::StrCat("VirtualMachineInstance/default/", vm.name));
      if (a.when().path() == "/status/switchover/side") {
        when->set_path("/spec/volumes/0/persistentVolumeClaim/claimName");
        when->set_equals(absl::StrCat(vm.name, "-dest-0"));
      } else {
        when->set_path("/status/conditions/0/type");
        when->set_equals("VolumesChange");
      }
      return out;
    }
  }
  return a;
}

std::string PlanYaml(const Recipe& r) {
  std::string vms;
  for (const LunVm& vm : r.lun_vms) absl::StrAppend(&vms, "  - id: ", vm.id, "\n");
  return absl::StrCat(
      "apiVersion: forklift.konveyor.io/v1beta1\nkind: Plan\nmetadata: {name: plan-1}\nspec:\n"
      "  provider:\n    source: {name: ovirt-engine, namespace: default}\n"
      "    destination: {name: host, namespace: default}\n  targetNamespace: default\n",
      r.warm ? "  warm: true\n" : "", "  vms:\n", vms,
      "---\napiVersion: forklift.konveyor.io/v1beta1\nkind: Migration\nmetadata: {name: run-1}\n"
      "spec:\n  plan: {name: plan-1, namespace: default}\n",
      r.warm ? absl::StrCat("  cutover: \"", CutoverTimestamp(r.cutover_at), "\"\n") : "");
}

void RenderEngine(const Recipe& r, scenario::Ovirt* ovirt) {
  ovirt->set_stop_seconds(r.stop_seconds);
  for (const LunVm& vm : r.lun_vms) {
    scenario::OvirtVm* v = ovirt->add_vm();
    v->set_id(vm.id);
    v->set_name(vm.name);
    v->set_status(vm.up ? "up" : "down");
    if (vm.image_disk) {
      scenario::OvirtDisk* disk = ovirt->add_disk();
      disk->set_id(absl::StrCat(vm.id, "-os"));
      disk->set_storage_type("image");
      disk->set_size_gib(10);
      auto* a = v->add_attachment();
      a->set_disk(disk->id());
      a->set_interface("virtio");
      a->set_bootable(true);
    }
    for (size_t l = 0; l < vm.luns.size(); ++l) {
      const LunVm::Lun& lun = vm.luns[l];
      scenario::OvirtDisk* disk = ovirt->add_disk();
      disk->set_id(absl::StrCat(vm.id, "-lun-", l));
      const uint64_t n = static_cast<uint64_t>(ovirt->disk_size());
      if (lun.fibre_channel) {
        disk->set_wwid(absl::StrFormat("36001405%024x", n));
      } else {
        disk->set_address(absl::StrCat("10.0.", n / 250, ".", 1 + n % 250));
        disk->set_iqn(absl::StrCat("iqn.2024-01.com.example:", vm.id));
        disk->set_lun_mapping(static_cast<int32_t>(l));
      }
      disk->set_size_gib(lun.size_gib);
      auto* a = v->add_attachment();
      a->set_disk(disk->id());
      a->set_uses_scsi_reservation(lun.reservation);
    }
  }
}

std::string Describe(const Recipe& r) {
  std::vector<std::string> on;
  for (const auto& [kind, rate] : r.mix) {
    if (rate > 0) on.push_back(absl::StrCat(kind, " ", rate));
  }
  std::string what;
  if (!r.storage_vms.empty()) {
    size_t disks = 0, hot = 0, updates = 0, images = 0;
    for (const StorageVm& vm : r.storage_vms) {
      disks += vm.disks.size();
      for (const StorageVm::Disk& d : vm.disks) images += d.container_disk ? 1 : 0;
      hot += vm.hot ? 1 : 0;
      updates += vm.volume_update ? 1 : 0;
    }
    absl::StrAppend(&what, r.storage_vms.size(), " storage migrations (", disks, " disks",
                    hot > 0 ? absl::StrCat(", ", hot, " of a guest outrunning the link") : "",
                    updates > 0 ? absl::StrCat(", ", updates, " by volume update") : "",
                    images > 0 ? absl::StrCat(", ", images, " from a container disk") : "", ")");
  }
  if (!r.lun_vms.empty()) {
    size_t luns = 0;
    for (const LunVm& vm : r.lun_vms) luns += vm.luns.size();
    absl::StrAppend(&what, what.empty() ? "" : ", ", r.warm ? "a warm" : "a cold", " LUN plan of ",
                    r.lun_vms.size(), " VMs (", luns, " LUNs)");
  }
  return absl::StrCat("swarm run: ", WorkloadName(r.workload), " seed ", r.seed, ": ", what,
                      " on ", r.nodes.size(), " nodes; faults per 100 s: ",
                      on.empty() ? "none" : absl::StrJoin(on, ", "), "; heal at ", r.heal_at, " s");
}

}  // namespace

scenario::Scenario RenderRecipe(const Recipe& r) {
  scenario::Scenario s;
  s.set_name(absl::StrCat("swarm-", WorkloadName(r.workload), "-", r.seed));
  s.set_description(Describe(r));
  s.set_seed(r.seed);
  for (const std::string& node : r.nodes) s.mutable_world()->add_node(node);
  s.mutable_world()->add_manifest(kClusterYaml);
  std::set<std::string> images;
  for (const StorageVm& vm : r.storage_vms) {
    for (const StorageVm::Disk& d : vm.disks) {
      if (!d.container_disk || !images.insert(ImageName(d)).second) continue;
      scenario::ContainerImage* image = s.mutable_world()->add_container_image();
      image->set_image(ImageName(d));
      image->set_size_gib(d.size_gib);
    }
  }
  for (const StorageVm& vm : r.storage_vms) {
    s.mutable_world()->add_manifest(StorageVmYaml(vm));
    scenario::RunningVm* running = s.mutable_world()->add_running_vm();
    running->set_name(vm.name);
    running->set_node(vm.node);
    running->set_write_mib_per_s(vm.write_mib_per_s);
    if (vm.hot) {
      int gib = 0;
      for (const StorageVm::Disk& d : vm.disks) gib += d.size_gib;
      running->set_working_set_mib(1024.0 * gib);
      running->set_memory_dirty_mib_per_s(10);
    }
    const std::string destinations = DestinationYaml(vm);
    const std::string request =
        vm.volume_update ? StorageVmYaml(vm, /*edited=*/true, /*moved=*/true) : MigrationYaml(vm);
    if (vm.destination_delay > 0) {
      Action* mig = s.add_action();
      mig->set_at_seconds(vm.migrate_at);
      mig->set_apply(request);
      Action* dest = s.add_action();
      dest->set_at_seconds(vm.migrate_at + vm.destination_delay);
      dest->set_apply(destinations);
    } else {
      Action* both = s.add_action();
      both->set_at_seconds(vm.migrate_at);
      both->set_apply(absl::StrCat(destinations, "---\n", request));
    }
  }
  if (!r.lun_vms.empty()) {
    s.mutable_world()->add_manifest(kProviderYaml);
    s.mutable_world()->add_manifest(PlanYaml(r));
    RenderEngine(r, s.mutable_world()->mutable_ovirt());
  }
  // A hot guest's background copy stalls for the progress timeout before it
  // starts again: 30 s rather than 150 keeps such runs short (the swarm
  // simulates every block a hot guest writes).
  for (const StorageVm& vm : r.storage_vms) {
    if (vm.hot) s.mutable_tuning()->set_progress_timeout_s(30);
  }
  for (const Action& a : r.faults) *s.add_action() = ForVolumeUpdates(r, a);
  s.mutable_liveness()->set_heal_at_seconds(r.heal_at);
  s.mutable_liveness()->set_bound_seconds(r.liveness_bound);
  return s;
}

}  // namespace ferry::sim
