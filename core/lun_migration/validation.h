// Validation of a LUN migration plan before anything is touched. Each
// finding has a stable id (for scripts and docs), a category (Critical
// blocks the plan, Warning informs) and a message naming the VM and disk.
//
//   PlanInventory inventory = ...;  // engine version, VMs, disks, cluster PVs
//   std::vector<Finding> findings = ValidatePlan(inventory);
//   if (HasCritical(findings)) ... the plan does not start ...
#ifndef FERRY_CORE_LUN_MIGRATION_VALIDATION_H_
#define FERRY_CORE_LUN_MIGRATION_VALIDATION_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/core.pb.h"
#include "api/ovirt.pb.h"
#include "core/lun_migration/lun.h"

namespace ferry::lun_migration {

enum class Category { kWarning, kCritical };

struct Finding {
  std::string id = "";  // e.g. "lun.details_missing"; see docs/lun-migration.md
  Category category = Category::kCritical;
  std::string vm = "";    // the VM's name
  std::string disk = "";  // the disk's id, or ""
  std::string message = "";
};

struct VmInventory {
  ovirt::Vm vm;                              // with attachments
  std::map<std::string, ovirt::Disk> disks;  // single-disk reads, by id
};

// What the plan's CHAP Secret holds, as far as validation needs it: never
// the password itself (it goes nowhere but the PV's secretRef).
struct ChapSecret {
  std::string name = "";      // the Secret the plan names, "" for none
  bool found = false;         // it exists in the target namespace
  bool has_username = false;  // key node.session.auth.username
  std::string username = "";
  bool has_password = false;  // key node.session.auth.password, non-empty
};

// The keys of a Secret named by an iSCSI PV with chapAuthSession, as the
// kubelet's iSCSI volume plugin reads them.
inline constexpr char kChapUsernameKey[] = "node.session.auth.username";
inline constexpr char kChapPasswordKey[] = "node.session.auth.password";

struct PlanInventory {
  std::string plan_uid;
  ovirt::Version engine_version;   // product_info.version, as the engine reports it
  std::vector<VmInventory> vms;    // the plan's VMs
  std::vector<ovirt::Vm> all_vms;  // every VM of the engine (ListVms)
  // Every PersistentVolume of the cluster: a LUN one of them serves is
  // claimed, unless the PV is this plan's own (a re-run).
  std::vector<k8s::PersistentVolume> cluster_pvs;
  ChapSecret chap_secret;
  std::string target_namespace;
  // LUN disks an earlier running plan is migrating: disk id -> that plan.
  std::map<std::string, std::string> luns_in_other_plans;
  // Source VMs an earlier running plan is migrating or rolling back: VM id
  // -> that plan. Its LUNs may be detached right now, so the LUN check
  // alone would not see them.
  std::map<std::string, std::string> vms_in_other_plans;
  // LUN disks of VMs of this very run that already started (their recorded
  // attachments: the LUNs may be detached from them by now) -> the VM's name.
  std::map<std::string, std::string> luns_started_in_this_run;
  // Target VirtualMachines ("namespace/name") that an earlier running plan
  // will create -> that plan.
  std::map<std::string, std::string> targets_of_other_plans;
  // The metadata of an existing object of `kind` ("PersistentVolume" takes
  // namespace ""), or null: the names a VM's migration will create must be
  // free or made by this plan for that VM.
  std::function<const k8s::ObjectMeta*(const std::string& kind, const std::string& ns,
                                       const std::string& name)>
      find_object;
};

std::vector<Finding> ValidatePlan(const PlanInventory& inventory);

bool HasCritical(const std::vector<Finding>& findings);
std::string FormatFinding(const Finding& finding);  // "Critical lun.size vm/disk: message"

// True for engine versions before 4.5.2.1, which omit a LUN's address,
// port and target (engine PR #559), read from the fields the engine reports
// (4.5.2-1.el8 is 4.5.2.0: before it); an unreadable version counts as old.
bool EngineLacksLunDetails(const ovirt::Version& version);

// "4.5.2.0 (4.5.2-1.el8)": the version as compared, and as the engine
// names its package; the reported text when unreadable.
std::string DescribeEngineVersion(const ovirt::Version& version);

}  // namespace ferry::lun_migration

#endif  // FERRY_CORE_LUN_MIGRATION_VALIDATION_H_
