#include "core/lun_migration/validation.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/ovirt_version.h"
#include "api/volumes.h"
#include "core/lun_migration/lun_objects.h"

namespace ferry::lun_migration {
namespace {

// Where a LUN is, as a PV would name it: one key per LUN whichever way it
// is reached; "" for an iSCSI LUN without a number (lun.lun_mapping).
std::string LunKey(const Lun& lun) {
  if (lun.transport == Transport::kFibreChannel) return absl::StrCat("fc:", lun.lun_id);
  if (!lun.lun_number.has_value()) return "";
  return absl::StrCat("iscsi:", lun.iqn, "/", *lun.lun_number);
}

class Validator {
 public:
  explicit Validator(const PlanInventory& inventory) : in_(inventory) {}

  std::vector<Finding> Run() {
    const bool old_engine = EngineLacksLunDetails(in_.engine_version);
    std::set<std::string> plan_vm_ids;
    for (const VmInventory& v : in_.vms) plan_vm_ids.insert(v.vm.id());
    // Indexes built once, so that a plan of n VMs validates in O(n log n),
    // not O(n^2) (every LUN against every VM and every PV).
    for (const ovirt::Vm& vm : in_.all_vms) {
      for (const ovirt::DiskAttachment& a : vm.disk_attachments().disk_attachment()) {
        vms_by_disk_[a.id()].push_back(&vm);
      }
    }
    for (const k8s::PersistentVolume& pv : in_.cluster_pvs) {
      auto plan = pv.metadata().labels().find(kPlanUidLabel);
      const bool ours = plan != pv.metadata().labels().end() && plan->second == in_.plan_uid;
      if (!ours) foreign_pvs_by_lun_[PvLunKey(pv)].push_back(&pv);
    }
    // Every VM of the plan holding each LUN (however reached: two disks may
    // name one LUN), and every VM of the plan becoming each target name.
    std::map<std::string, std::vector<std::string>> holders;  // LUN key -> VM names
    std::map<std::string, std::vector<std::string>> targets;  // target name -> VM names
    for (const VmInventory& v : in_.vms) {
      targets[ToDnsLabel(v.vm.name())].push_back(v.vm.name());
      for (const Lun& lun : DescribeLuns(v.vm, v.disks)) {
        const std::string key = LunKey(lun);
        if (lun.logical_units != 1 || key.empty()) continue;
        std::vector<std::string>& names = holders[key];
        if (names.empty() || names.back() != v.vm.name()) names.push_back(v.vm.name());
      }
    }
    for (const VmInventory& v : in_.vms) {
      const ovirt::Vm& vm = v.vm;
      if (vm.status() != "up" && vm.status() != "down") {
        Add("vm.status", Category::kWarning, vm.name(), "",
            absl::StrCat("the VM is ", vm.status(),
                         "; the plan waits for it to be up or down before powering it off"));
      }
      if (auto other = in_.vms_in_other_plans.find(vm.id());
          other != in_.vms_in_other_plans.end()) {
        Add("vm.in_other_plan", Category::kCritical, vm.name(), "",
            absl::StrCat("the VM is being migrated by ", other->second,
                         ", which started earlier; a VM may be migrated by one plan at a time"));
      }
      CheckTargetName(vm, targets);
      for (const ovirt::DiskAttachment& a : vm.disk_attachments().disk_attachment()) {
        const std::string id = a.disk().id().empty() ? a.id() : a.disk().id();
        auto it = v.disks.find(id);
        if (it == v.disks.end()) continue;
        const ovirt::Disk& disk = it->second;
        if (disk.storage_type() != "image" && disk.storage_type() != "lun") {
          Add("disk.storage_type", Category::kCritical, vm.name(), id,
              absl::StrCat("storage type \"", disk.storage_type(),
                           "\" cannot be migrated; only image and lun disks can"));
        }
        if (disk.status() == "illegal" || disk.status() == "locked") {
          Add("disk.status", Category::kCritical, vm.name(), id,
              absl::StrCat("the disk is ", disk.status(), "; fix it in oVirt first"));
        }
        if (disk.storage_type() == "image") {
          CheckNameFree("DataVolume", in_.target_namespace, DataVolumeName(id), vm, id);
          int64_t size = 0;
          if (!absl::SimpleAtoi(disk.provisioned_size(), &size) || size <= 0) {
            Add("disk.size", Category::kCritical, vm.name(), id,
                absl::StrCat("the image disk's provisioned_size \"", disk.provisioned_size(),
                             "\" is not a positive number of bytes; its DataVolume needs a size"));
          }
        }
      }
      for (const Lun& lun : DescribeLuns(vm, v.disks)) {
        CheckLun(vm, lun, old_engine, plan_vm_ids);
        const std::string key = LunKey(lun);
        if (lun.logical_units == 1 && !key.empty()) {
          // A LUN shared by VMs of the plan: whichever of them moved first
          // would write to it from the cluster while the others still have
          // it attached in oVirt. Every holder is refused, nothing touched.
          const std::vector<std::string>& names = holders[key];
          if (names.size() > 1) {
            Add("lun.duplicate_in_plan", Category::kCritical, vm.name(), lun.disk_id,
                absl::StrCat("the LUN ", key, " is a disk of VMs ", absl::StrJoin(names, ", "),
                             " in this plan; a LUN used by several VMs cannot be migrated "
                             "(each would write to it from its own side): none of them is "
                             "migrated; detach it from all but one first"));
          }
          auto served = foreign_pvs_by_lun_.find(key);
          if (served == foreign_pvs_by_lun_.end()) continue;
          for (const k8s::PersistentVolume* pv : served->second) {
            Add("lun.claimed_by_pv", Category::kCritical, vm.name(), lun.disk_id,
                absl::StrCat("the LUN ", key, " is already served by PersistentVolume ",
                             pv->metadata().name(), "; a LUN bound to two PVs corrupts data"));
          }
        }
      }
    }
    return std::move(findings_);
  }

 private:
  void CheckLun(const ovirt::Vm& vm, const Lun& lun, bool old_engine,
                const std::set<std::string>& plan_vm_ids) {
    const std::string& name = vm.name();
    if (lun.logical_units != 1) {
      Add("lun.logical_units", Category::kCritical, name, lun.disk_id,
          absl::StrCat("the LUN disk has ", lun.logical_units,
                       " logical units; exactly one is supported"));
      return;
    }
    if (lun.transport == Transport::kUnknown) {
      Add("lun.transport", Category::kCritical, name, lun.disk_id,
          "the LUN's storage type is neither iscsi nor fcp");
    }
    if (lun.transport == Transport::kFibreChannel && !lun.transport_reported && old_engine) {
      // No type and no address: Fibre Channel on a new engine, but an old
      // one omits every LUN's address, so an iSCSI LUN looks the same.
      Add("lun.details_missing", Category::kCritical, name, lun.disk_id,
          absl::StrCat("the engine (", DescribeEngineVersion(in_.engine_version),
                       ") gives no address, port or target for LUNs, so an iSCSI LUN cannot be "
                       "told from a Fibre Channel one; LUN details are supported as from version ",
                       api::OvirtVersionString(api::kLunDetailsSince), ": upgrade the engine"));
    }
    if (lun.transport == Transport::kIscsi && (lun.portal.empty() || lun.iqn.empty())) {
      Add("lun.details_missing", Category::kCritical, name, lun.disk_id,
          old_engine
              ? absl::StrCat("the engine (", DescribeEngineVersion(in_.engine_version),
                             ") gives no address, port or target for iSCSI LUNs; they are "
                             "supported as from version ",
                             api::OvirtVersionString(api::kLunDetailsSince),
                             ": upgrade the engine")
              : "the engine gave no address, port or target for this iSCSI LUN");
    }
    if (lun.transport == Transport::kIscsi && !lun.iqn.empty() && !api::IsValidIqn(lun.iqn)) {
      Add("lun.iqn", Category::kCritical, name, lun.disk_id,
          absl::StrCat("the engine's target \"", lun.iqn,
                       "\" is not an iSCSI qualified name (iqn.YYYY-MM.reverse.domain[:name], "
                       "eui.<16 hex digits> or naa.<16 or 32 hex digits>); a PersistentVolume "
                       "cannot name it"));
    }
    if (lun.transport == Transport::kIscsi && !lun.lun_number.has_value()) {
      Add("lun.lun_mapping", Category::kCritical, name, lun.disk_id,
          absl::StrCat("the logical unit's ", ParseLunNumber(lun.lun_mapping).status().message(),
                       "; a PersistentVolume needs the LUN number, which is never guessed"));
    }
    if (lun.size_bytes <= 0) {
      Add("lun.size", Category::kCritical, name, lun.disk_id,
          "the logical unit's size is 0 or missing; a PersistentVolume needs a capacity");
    }
    if (lun.shareable) {
      Add("lun.shareable", Category::kWarning, name, lun.disk_id,
          "the disk is shareable in oVirt; after migration only the KubeVirt VM may use it");
    }
    if (auto holders = vms_by_disk_.find(lun.disk_id); holders != vms_by_disk_.end()) {
      for (const ovirt::Vm* other : holders->second) {
        if (other->id() == vm.id() || plan_vm_ids.count(other->id()) > 0) continue;
        Add("lun.in_use_elsewhere", Category::kCritical, name, lun.disk_id,
            absl::StrCat("the LUN disk is also attached to VM ", other->name(),
                         ", which is not in this plan; detach it there first"));
      }
    }
    if (auto started = in_.luns_started_in_this_run.find(lun.disk_id);
        started != in_.luns_started_in_this_run.end() && started->second != name) {
      Add("lun.duplicate_in_plan", Category::kCritical, name, lun.disk_id,
          absl::StrCat("the LUN disk is also a disk of VM ", started->second,
                       ", which this plan is already migrating; a LUN may be given to one "
                       "VM only"));
    }
    CheckNameFree("PersistentVolume", "", ObjectName(lun), vm, lun.disk_id);
    CheckNameFree("PersistentVolumeClaim", in_.target_namespace, ObjectName(lun), vm,
                  lun.disk_id);
    auto other = in_.luns_in_other_plans.find(lun.disk_id);
    if (other != in_.luns_in_other_plans.end()) {
      Add("lun.in_other_plan", Category::kCritical, name, lun.disk_id,
          absl::StrCat("the LUN disk is being migrated by ", other->second,
                       ", which started earlier; a LUN may be migrated by one plan at a time"));
    }
    if (lun.uses_scsi_reservation) {
      Add("lun.scsi_reservation", Category::kWarning, name, lun.disk_id,
          "the VM uses SCSI persistent reservation on this LUN; the KubeVirt disk gets "
          "reservation: true, which needs the PR helper enabled in KubeVirt");
    }
    if (lun.interface != "sata" && lun.interface != "virtio_scsi" && lun.interface != "virtio") {
      Add("lun.interface", Category::kWarning, name, lun.disk_id,
          absl::StrCat("interface \"", lun.interface, "\" has no KubeVirt equivalent; the disk "
                       "gets bus ", BusFor(lun.interface)));
    }
    if (lun.transport == Transport::kIscsi && !lun.chap_username.empty()) CheckChap(vm, lun);
  }

  // The PV of an iSCSI LUN with CHAP names the plan's Secret; the kubelet
  // logs in with its keys, long after the source was powered off and
  // detached. So the Secret is checked now, before anything is touched.
  void CheckChap(const ovirt::Vm& vm, const Lun& lun) {
    const ChapSecret& secret = in_.chap_secret;
    const std::string where = absl::StrCat("Secret ", in_.target_namespace, "/", secret.name);
    std::string problem;
    if (secret.name.empty()) {
      problem = "the plan names no CHAP secret (annotation ferry.io/chap-secret)";
    } else if (!secret.found) {
      problem = absl::StrCat("the plan names ", where, ", which does not exist");
    } else if (!secret.has_username || !secret.has_password) {
      problem = absl::StrCat(where, " lacks key ",
                             !secret.has_username ? kChapUsernameKey : kChapPasswordKey,
                             ", which the iSCSI volume reads");
    } else if (secret.username != lun.chap_username) {
      problem = absl::StrCat(where, " has ", kChapUsernameKey, " \"", secret.username,
                             "\", not the target's user");
    }
    if (problem.empty()) return;
    Add("lun.chap_secret", Category::kCritical, vm.name(), lun.disk_id,
        absl::StrCat("the iSCSI target needs CHAP (user ", lun.chap_username, ") but ", problem,
                     "; the LUN could not be logged in to once the source is down"));
  }

  // Two VMs of the plan with one target name ("Web_01" and "web.01"), or a
  // target an earlier running plan makes: the first in plan order keeps it.
  void CheckTargetName(const ovirt::Vm& vm,
                       const std::map<std::string, std::vector<std::string>>& targets) {
    const std::string target = ToDnsLabel(vm.name());
    const std::vector<std::string>& same = targets.at(target);
    if (same.front() != vm.name()) {
      Add("vm.target_name_conflict", Category::kCritical, vm.name(), "",
          absl::StrCat("VM ", same.front(), " of this plan also becomes VirtualMachine ",
                       in_.target_namespace, "/", target,
                       "; rename one of them in oVirt or migrate it with another plan"));
    }
    const std::string key = absl::StrCat(in_.target_namespace, "/", target);
    if (in_.vms_in_other_plans.count(vm.id()) > 0) return;  // said: vm.in_other_plan
    if (auto other = in_.targets_of_other_plans.find(key);
        other != in_.targets_of_other_plans.end()) {
      Add("vm.target_name_conflict", Category::kCritical, vm.name(), "",
          absl::StrCat("VirtualMachine ", key, " is the target of a VM of ", other->second,
                       ", which started earlier"));
    }
  }

  // A name the VM's migration will create, taken by an object it did not
  // make: found now rather than after the source was powered off.
  void CheckNameFree(const std::string& kind, const std::string& ns, const std::string& name,
                     const ovirt::Vm& vm, const std::string& disk_id) {
    if (!in_.find_object) return;
    const k8s::ObjectMeta* meta = in_.find_object(kind, ns, name);
    if (meta == nullptr || MadeByPlan(*meta, in_.plan_uid, vm.id())) return;
    Add("disk.object_name_taken", Category::kCritical, vm.name(), disk_id,
        absl::StrCat(kind, " ", ns.empty() ? "" : absl::StrCat(ns, "/"), name,
                     " exists and was not made by this plan for this VM; delete or rename it"));
  }

  void Add(std::string id, Category category, const std::string& vm, const std::string& disk,
           std::string message) {
    findings_.push_back(Finding{std::move(id), category, vm, disk, std::move(message)});
  }

  const PlanInventory& in_;
  std::vector<Finding> findings_;
  // Every engine VM with an attachment of the disk, in all_vms order.
  std::map<std::string, std::vector<const ovirt::Vm*>> vms_by_disk_;
  // The PVs not made by this plan, by the LUN they serve ("" for none).
  std::map<std::string, std::vector<const k8s::PersistentVolume*>> foreign_pvs_by_lun_;
};

}  // namespace

std::vector<Finding> ValidatePlan(const PlanInventory& inventory) {
  return Validator(inventory).Run();
}

bool HasCritical(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.category == Category::kCritical; });
}

std::string FormatFinding(const Finding& f) {
  return absl::StrCat(f.category == Category::kCritical ? "Critical " : "Warning ", f.id, " ",
                      f.vm, f.disk.empty() ? "" : "/", f.disk, ": ", f.message);
}

bool EngineLacksLunDetails(const ovirt::Version& version) {
  const absl::StatusOr<api::OvirtVersion> v = api::ParseOvirtVersion(version);
  return !v.ok() || *v < api::kLunDetailsSince;
}

std::string DescribeEngineVersion(const ovirt::Version& version) {
  const absl::StatusOr<api::OvirtVersion> v = api::ParseOvirtVersion(version);
  if (!v.ok()) {
    return absl::StrCat("unreadable version \"", version.full_version(), "\": ",
                        v.status().message());
  }
  const std::string parsed = api::OvirtVersionString(*v);
  return version.full_version().empty() || version.full_version() == parsed
             ? parsed
             : absl::StrCat(parsed, ", ", version.full_version());
}

}  // namespace ferry::lun_migration
