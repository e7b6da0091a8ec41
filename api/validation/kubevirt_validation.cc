#include "api/validation/kubevirt_validation.h"

#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "api/validation/cdi_validation.h"
#include "api/validation/meta_validation.h"

namespace ferry::validation {
namespace {

constexpr std::initializer_list<absl::string_view> kBuses = {"virtio", "sata", "scsi",
                                                             "usb"};

int SourceCount(const kubevirt::Volume& v) {
  return v.has_persistent_volume_claim() + v.has_data_volume() + v.has_container_disk() +
         v.has_ephemeral() + v.has_empty_disk() + v.has_host_disk() +
         v.has_cloud_init_no_cloud() + v.has_config_map() + v.has_secret() +
         v.has_service_account();
}

void ValidateVolumes(const kubevirt::VirtualMachineInstanceSpec& spec,
                     absl::string_view path, FieldErrors& errors) {
  std::set<std::string> names;
  for (int i = 0; i < spec.volumes_size(); ++i) {
    const kubevirt::Volume& v = spec.volumes(i);
    const std::string at = Index(Child(path, "volumes"), i);
    if (v.name().empty()) {
      errors.Required(Child(at, "name"));
    } else if (!names.insert(v.name()).second) {
      errors.Invalid(Child(at, "name"), absl::StrCat("duplicate volume \"", v.name(), "\""));
    }
    const int sources = SourceCount(v);
    if (sources == 0) {
      errors.Required(at, "a volume source (persistentVolumeClaim, dataVolume, "
                          "containerDisk, ...)");
    } else if (sources > 1) {
      errors.Invalid(at, "may name only one volume source");
    }
    if (v.has_persistent_volume_claim()) {
      ValidateRequiredName(Child(at, "persistentVolumeClaim.claimName"),
                           v.persistent_volume_claim().claim_name(), errors);
    }
    if (v.has_data_volume()) {
      ValidateRequiredName(Child(at, "dataVolume.name"), v.data_volume().name(), errors);
    }
    if (v.has_ephemeral()) {
      ValidateRequiredName(Child(at, "ephemeral.persistentVolumeClaim.claimName"),
                           v.ephemeral().persistent_volume_claim().claim_name(), errors);
    }
    if (v.has_container_disk() && v.container_disk().image().empty()) {
      errors.Required(Child(at, "containerDisk.image"));
    }
    if (v.has_container_disk()) {
      ValidateEnum(Child(at, "containerDisk.imagePullPolicy"),
                   v.container_disk().image_pull_policy(), {"Always", "Never", "IfNotPresent"},
                   errors);
    }
    if (v.has_host_disk()) {
      if (v.host_disk().path().empty()) errors.Required(Child(at, "hostDisk.path"));
      ValidateEnum(Child(at, "hostDisk.type"), v.host_disk().type(),
                   {"Disk", "DiskOrCreate"}, errors);
    }
  }
}

void ValidateDevices(const kubevirt::VirtualMachineInstanceSpec& spec,
                     absl::string_view path, FieldErrors& errors) {
  std::set<std::string> volumes;
  for (const kubevirt::Volume& v : spec.volumes()) volumes.insert(v.name());
  const std::string devices = Child(Child(path, "domain"), "devices");
  std::map<std::string, std::string> used_by;  // volume -> device path
  std::map<uint32_t, std::string> boot_orders;
  auto use_volume = [&](const std::string& name, const std::string& at) {
    if (!volumes.contains(name)) {
      errors.Invalid(Child(at, "name"),
                     absl::StrCat("\"", name, "\" names no volume in ",
                                  Child(path, "volumes")));
      return;
    }
    auto [it, inserted] = used_by.emplace(name, at);
    if (!inserted) {
      errors.Invalid(Child(at, "name"), absl::StrCat("volume \"", name,
                                                     "\" is already used by ", it->second));
    }
  };
  auto boot_order = [&](bool has, uint32_t order, const std::string& at) {
    if (!has) return;
    if (order == 0) {
      errors.Invalid(Child(at, "bootOrder"), "must be greater than 0");
      return;
    }
    auto [it, inserted] = boot_orders.emplace(order, at);
    if (!inserted) {
      errors.Invalid(Child(at, "bootOrder"), absl::StrCat("boot order ", order,
                                                          " is already used by ", it->second));
    }
  };

  std::set<std::string> disk_names;
  for (int i = 0; i < spec.domain().devices().disks_size(); ++i) {
    const kubevirt::Disk& disk = spec.domain().devices().disks(i);
    const std::string at = Index(Child(devices, "disks"), i);
    if (disk.name().empty()) {
      errors.Required(Child(at, "name"));
      continue;
    }
    if (!disk_names.insert(disk.name()).second) {
      errors.Invalid(Child(at, "name"), absl::StrCat("duplicate disk \"", disk.name(), "\""));
    }
    use_volume(disk.name(), at);
    const int targets = disk.has_disk() + disk.has_lun() + disk.has_cdrom();
    if (targets > 1) errors.Invalid(at, "may be only one of disk, lun and cdrom");
    if (disk.has_disk()) ValidateEnum(Child(at, "disk.bus"), disk.disk().bus(), kBuses, errors);
    if (disk.has_lun()) ValidateEnum(Child(at, "lun.bus"), disk.lun().bus(), kBuses, errors);
    if (disk.has_cdrom()) {
      ValidateEnum(Child(at, "cdrom.bus"), disk.cdrom().bus(), kBuses, errors);
    }
    boot_order(disk.has_boot_order(), disk.boot_order(), at);
    ValidateEnum(Child(at, "cache"), disk.cache(), {"none", "writethrough", "writeback"},
                 errors);
    ValidateEnum(Child(at, "io"), disk.io(), {"native", "threads"}, errors);
    ValidateEnum(Child(at, "errorPolicy"), disk.error_policy(),
                 {"stop", "ignore", "report", "enospace"}, errors);
  }
  for (int i = 0; i < spec.domain().devices().filesystems_size(); ++i) {
    const kubevirt::Filesystem& fs = spec.domain().devices().filesystems(i);
    use_volume(fs.name(), Index(Child(devices, "filesystems"), i));
  }

  std::set<std::string> networks;
  for (int i = 0; i < spec.networks_size(); ++i) {
    const kubevirt::Network& n = spec.networks(i);
    const std::string at = Index(Child(path, "networks"), i);
    if (n.name().empty()) {
      errors.Required(Child(at, "name"));
    } else if (!networks.insert(n.name()).second) {
      errors.Invalid(Child(at, "name"), absl::StrCat("duplicate network \"", n.name(), "\""));
    }
    if (n.has_pod() + n.has_multus() != 1) {
      errors.Invalid(at, "needs exactly one of pod and multus");
    }
  }
  std::set<std::string> interfaces;
  for (int i = 0; i < spec.domain().devices().interfaces_size(); ++i) {
    const kubevirt::Interface& iface = spec.domain().devices().interfaces(i);
    const std::string at = Index(Child(devices, "interfaces"), i);
    if (!interfaces.insert(iface.name()).second) {
      errors.Invalid(Child(at, "name"), absl::StrCat("duplicate interface \"", iface.name(), "\""));
    }
    if (!networks.contains(iface.name())) {
      errors.Invalid(Child(at, "name"),
                     absl::StrCat("\"", iface.name(), "\" names no network in ",
                                  Child(path, "networks")));
    }
    boot_order(iface.has_boot_order(), iface.boot_order(), at);
    ValidateEnum(Child(at, "model"), iface.model(),
                 {"e1000", "e1000e", "igb", "ne2k_pci", "pcnet", "rtl8139", "virtio"}, errors);
  }
}

void ValidateMigrationState(const kubevirt::VirtualMachineInstanceMigrationState& state,
                            absl::string_view path, FieldErrors& errors) {
  for (int i = 0; i < state.migration_local_disks_size(); ++i) {
    const kubevirt::MigrateNonSharedDisk& pair = state.migration_local_disks(i);
    const std::string at = Index(Child(path, "migrationLocalDisks"), i);
    if (pair.source_volume().empty()) {
      ValidateRequiredName(Child(at, "sourcePvc"), pair.source_pvc(), errors);
    }
    ValidateRequiredName(Child(at, "destinationPvc"), pair.destination_pvc(), errors);
  }
  ValidateEnum(Child(path, "abortStatus"), state.abort_status(),
               {"Succeeded", "Failed", "Aborting"}, errors);
  ValidateEnum(Child(path, "mode"), state.mode(), {"PreCopy", "PostCopy"}, errors);
}

}  // namespace

void ValidateVirtualMachineInstanceSpec(const kubevirt::VirtualMachineInstanceSpec& spec,
                                        absl::string_view path, FieldErrors& errors) {
  ValidateVolumes(spec, path, errors);
  ValidateDevices(spec, path, errors);
  if (spec.has_termination_grace_period_seconds() &&
      spec.termination_grace_period_seconds() < 0) {
    errors.Invalid(Child(path, "terminationGracePeriodSeconds"), "must not be negative");
  }
  ValidateEnum(Child(path, "evictionStrategy"), spec.eviction_strategy(),
               {"None", "LiveMigrate", "LiveMigrateIfPossible", "External"}, errors);
  if (!spec.hostname().empty()) ValidateLabel(Child(path, "hostname"), spec.hostname(), errors);
}

void ValidateVirtualMachine(const kubevirt::VirtualMachine& vm, FieldErrors& errors) {
  const kubevirt::VirtualMachineSpec& spec = vm.spec();
  if (spec.has_running() && spec.has_run_strategy()) {
    errors.Invalid("spec.running", "may not be set together with spec.runStrategy");
  }
  if (spec.has_run_strategy()) {
    ValidateEnum("spec.runStrategy", spec.run_strategy(),
                 {"Always", "Halted", "Manual", "RerunOnFailure", "Once", "WaitAsReceiver"},
                 errors);
  }
  ValidateEnum("spec.updateVolumesStrategy", spec.update_volumes_strategy(),
               {"Replacement", "Migration"}, errors);
  if (!spec.has_template_()) {
    errors.Required("spec.template");
    return;
  }
  ValidateLabels(spec.template_().metadata().labels(), "spec.template.metadata.labels",
                 errors);
  ValidateVirtualMachineInstanceSpec(spec.template_().spec(), "spec.template.spec", errors);

  std::set<std::string> referenced;
  for (const kubevirt::Volume& v : spec.template_().spec().volumes()) {
    if (v.has_data_volume()) referenced.insert(v.data_volume().name());
  }
  std::set<std::string> templates;
  for (int i = 0; i < spec.data_volume_templates_size(); ++i) {
    const kubevirt::DataVolumeTemplateSpec& t = spec.data_volume_templates(i);
    const std::string at = Index("spec.dataVolumeTemplates", i);
    const std::string& name = t.metadata().name();
    ValidateRequiredName(Child(at, "metadata.name"), name, errors);
    if (name.empty()) continue;
    if (!templates.insert(name).second) {
      errors.Invalid(Child(at, "metadata.name"),
                     absl::StrCat("duplicate DataVolume template \"", name, "\""));
    }
    if (!referenced.contains(name)) {
      errors.Invalid(Child(at, "metadata.name"),
                     absl::StrCat("DataVolume template \"", name,
                                  "\" must be used by a dataVolume volume in "
                                  "spec.template.spec.volumes"));
    }
    ValidateDataVolumeSpec(t.spec(), Child(at, "spec"), errors);
  }
}

void ValidateVirtualMachineInstance(const kubevirt::VirtualMachineInstance& vmi,
                                    FieldErrors& errors) {
  ValidateVirtualMachineInstanceSpec(vmi.spec(), "spec", errors);
  ValidateEnum("status.phase", vmi.status().phase(),
               {"Pending", "Scheduling", "Scheduled", "Running", "Succeeded", "Failed",
                "Unknown"},
               errors);
  ValidateEnum("status.migrationMethod", vmi.status().migration_method(),
               {"BlockMigration", "LiveMigration"}, errors);
  ValidateMigrationState(vmi.status().migration_state(), "status.migrationState", errors);
}

void ValidateVirtualMachineInstanceMigration(
    const kubevirt::VirtualMachineInstanceMigration& migration, FieldErrors& errors) {
  const kubevirt::VirtualMachineInstanceMigrationSpec& spec = migration.spec();
  ValidateRequiredName("spec.vmiName", spec.vmi_name(), errors);
  const kubevirt::LocalStorageMigration& local = spec.local_storage_migration();
  const std::string list = "spec.localStorageMigration.migrateNonSharedDisks";
  // Sources by claim and by containerDisk volume name: one destination each.
  std::map<std::string, int> claims, volumes, destinations;
  for (int i = 0; i < local.migrate_non_shared_disks_size(); ++i) {
    const kubevirt::MigrateNonSharedDisk& pair = local.migrate_non_shared_disks(i);
    const std::string at = Index(list, i);
    const bool by_volume = !pair.source_volume().empty();
    if (by_volume && !pair.source_pvc().empty()) {
      errors.Invalid(Child(at, "sourceVolume"),
                     absl::StrCat("\"", pair.source_volume(), "\": set either sourcePvc (a claim) "
                                  "or sourceVolume (a containerDisk volume of the VMI), not both"));
      continue;
    }
    if (by_volume) {
      ValidateLabel(Child(at, "sourceVolume"), pair.source_volume(), errors);
    } else {
      ValidateRequiredName(Child(at, "sourcePvc"), pair.source_pvc(), errors);
    }
    ValidateRequiredName(Child(at, "destinationPvc"), pair.destination_pvc(), errors);
    const std::string& source = by_volume ? pair.source_volume() : pair.source_pvc();
    if (source.empty() || pair.destination_pvc().empty()) continue;
    const std::string field = by_volume ? "sourceVolume" : "sourcePvc";
    if (!by_volume && pair.source_pvc() == pair.destination_pvc()) {
      errors.Invalid(Child(at, "destinationPvc"),
                     absl::StrCat("\"", pair.destination_pvc(),
                                  "\": must differ from sourcePvc (a volume cannot be "
                                  "copied onto itself)"));
    }
    std::map<std::string, int>& sources = by_volume ? volumes : claims;
    auto [src, new_source] = sources.emplace(source, i);
    if (!new_source) {
      const kubevirt::MigrateNonSharedDisk& other =
          local.migrate_non_shared_disks(src->second);
      errors.Invalid(Child(at, field),
                     other.destination_pvc() == pair.destination_pvc()
                         ? absl::StrCat("the disk pair ", source, " -> ",
                                        pair.destination_pvc(), " is named twice (also at ",
                                        Index(list, src->second), ")")
                         : absl::StrCat("duplicate ", by_volume ? "source volume" : "source PVC",
                                        " \"", source, "\" (also at ", Index(list, src->second),
                                        "): a volume can be copied to one destination only"));
    }
    auto [dst, new_destination] = destinations.emplace(pair.destination_pvc(), i);
    if (!new_destination && new_source) {
      errors.Invalid(Child(at, "destinationPvc"),
                     absl::StrCat("duplicate destination PVC \"", pair.destination_pvc(),
                                  "\" (also at ", Index(list, dst->second),
                                  "): two volumes cannot be copied onto one"));
    }
  }
  for (int i = 0; i < local.migrate_non_shared_disks_size(); ++i) {
    const kubevirt::MigrateNonSharedDisk& pair = local.migrate_non_shared_disks(i);
    auto it = claims.find(pair.destination_pvc());
    if (it != claims.end() && it->second != i) {
      errors.Invalid(Child(Index(list, i), "destinationPvc"),
                     absl::StrCat("\"", pair.destination_pvc(), "\" is also a source (at ",
                                  Index(list, it->second),
                                  "): a destination must be a fresh volume"));
    }
  }
  if (!local.reclaim_policy_source_pvc().empty() &&
      local.reclaim_policy_source_pvc() != "Delete") {
    errors.Invalid("spec.localStorageMigration.reclaimPolicySourcePvc",
                   absl::StrCat("unsupported value \"", local.reclaim_policy_source_pvc(),
                                "\": must be \"Delete\" or left out (keep the sources)"));
  }
  if (spec.has_local_storage_migration() && local.migrate_non_shared_disks().empty()) {
    errors.Warning(list, kNoDiskPairs);
  }
  if (!local.reclaim_policy_source_pvc().empty() && local.migrate_non_shared_disks().empty()) {
    errors.Warning("spec.localStorageMigration.reclaimPolicySourcePvc",
                   "has no effect: migrateNonSharedDisks is empty");
  }
  ValidateEnum("status.phase", migration.status().phase(),
               {"Pending", "Scheduling", "Scheduled", "PreparingTarget", "TargetReady",
                "Running", "Succeeded", "Failed"},
               errors);
  ValidateMigrationState(migration.status().migration_state(), "status.migrationState",
                         errors);
  for (int i = 0; i < migration.status().domain_reports_size(); ++i) {
    const kubevirt::DomainReport& r = migration.status().domain_reports(i);
    const std::string at = Index("status.domainReports", i);
    ValidateEnum(Child(at, "role"), r.role(), {"Source", "Target"}, errors);
    ValidateEnum(Child(at, "domain"), r.domain(),
                 {"Absent", "Running", "PausedInHandover", "PausedAwaitingCopy",
                  "PausedCopyComplete"},
                 errors);
    ValidateEnum(Child(at, "job"), r.job(),
                 {"None", "Starting", "Active", "Completed", "Failed", "Cancelled"}, errors);
  }
  if (migration.status().has_switchover()) {
    ValidateEnum("status.switchover.side", migration.status().switchover().side(),
                 {"Source", "Destination"}, errors);
    if (migration.status().switchover().side().empty()) {
      errors.Required("status.switchover.side");
    }
  }
}

}  // namespace ferry::validation
