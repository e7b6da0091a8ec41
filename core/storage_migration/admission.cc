#include "core/storage_migration/admission.h"

#include <algorithm>
#include <optional>
#include <set>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "api/names.h"
#include "api/quantity.h"
#include "api/timestamp.h"
#include "api/volumes.h"
#include "api/validation/kubevirt_validation.h"
#include "api/validation/validate.h"

namespace ferry::storage_migration {
namespace {

using api::ClaimOf;

constexpr char kPairs[] = "spec.localStorageMigration.migrateNonSharedDisks";

std::string Ns(const std::string& ns) { return std::string(api::NamespaceOrDefault(ns)); }

bool IsBlock(const k8s::PersistentVolumeClaim& pvc) {
  return pvc.spec().volume_mode() == "Block";
}

// What the claim holds: its bound capacity, else its request.
std::optional<api::Quantity> SizeOf(const k8s::PersistentVolumeClaim& pvc) {
  if (std::optional<api::Quantity> bound = api::StorageSize(pvc.status().capacity())) {
    return bound;
  }
  return api::StorageSize(pvc.spec().resources().requests());
}

bool AllowsManyNodes(const k8s::PersistentVolumeClaim& pvc) {
  const auto& modes = pvc.spec().access_modes();
  return std::find(modes.begin(), modes.end(), "ReadWriteMany") != modes.end();
}

// A PV pinned to one node: a local volume, or any volume with node affinity.
bool IsNodeLocal(const k8s::PersistentVolume* pv) {
  return pv != nullptr && (pv->spec().has_local() || pv->spec().has_host_path() ||
                           pv->spec().node_affinity().has_required());
}

bool MigrationActive(const kubevirt::VirtualMachineInstanceMigration& m) {
  const std::string& phase = m.status().phase();
  return phase != "Succeeded" && phase != "Failed";
}

bool Admitted(const kubevirt::VirtualMachineInstanceMigration& m) {
  const std::string& phase = m.status().phase();
  return !phase.empty() && phase != "Pending";
}

// RFC 3339, as the API server writes it; a missing one sorts first.
absl::Time CreationTime(const kubevirt::VirtualMachineInstanceMigration& m) {
  return api::ParseTimestamp(m.metadata().creation_timestamp());
}

// Of two migrations of one VM still awaiting admission, the older one
// (creation timestamp, then uid) goes first. The order is total and the same
// for every reader, so of two that see each other exactly one yields.
bool CreatedBefore(const kubevirt::VirtualMachineInstanceMigration& a,
                   const kubevirt::VirtualMachineInstanceMigration& b) {
  const absl::Time ta = CreationTime(a);
  const absl::Time tb = CreationTime(b);
  if (ta != tb) return ta < tb;
  return a.metadata().uid() < b.metadata().uid();
}

class Checker {
 public:
  Checker(const kubevirt::VirtualMachineInstanceMigration& migration, const ClusterView& view)
      : m_(migration), view_(view), ns_(Ns(migration.metadata().namespace_())) {}

  Admission Run() {
    CheckStructure();
    const kubevirt::VirtualMachineInstance* vmi = CheckVmi();
    if (vmi != nullptr) {
      std::set<std::string> migrated;
      const auto& pairs = m_.spec().local_storage_migration().migrate_non_shared_disks();
      for (int i = 0; i < pairs.size(); ++i) {
        if (pairs.Get(i).source_volume().empty()) {
          CheckPair(*vmi, pairs.Get(i), absl::StrCat(kPairs, "[", i, "]"));
          migrated.insert(pairs.Get(i).source_pvc());
        } else {
          CheckContainerDiskPair(*vmi, pairs.Get(i), absl::StrCat(kPairs, "[", i, "]"));
          migrated_disks_.insert(pairs.Get(i).source_volume());
        }
      }
      CheckVolumesLeftBehind(*vmi, migrated);
    }
    Admission a;
    if (!rejects_.empty()) {
      a.verdict = Verdict::kReject;
      a.reasons = rejects_;
    } else if (!waits_.empty()) {
      a.verdict = Verdict::kWait;
      a.reasons = waits_;
      a.wait_reason = wait_reason_;
    }
    return a;
  }

 private:
  void Reject(const std::string& path, const std::string& message) {
    rejects_.push_back(absl::StrCat(path, ": ", message));
  }
  void Wait(const std::string& path, const std::string& message,
            absl::string_view reason = "WaitingForDestination") {
    if (waits_.empty()) wait_reason_ = std::string(reason);
    waits_.push_back(absl::StrCat(path, ": ", message));
  }

  // The rules `ferry lint` applies (names, duplicates, source != destination,
  // reclaim policy), so admission never accepts what lint refuses.
  void CheckStructure() {
    absl::StatusOr<std::vector<manifest::Finding>> findings = validation::ValidateMessage(m_);
    if (!findings.ok()) {
      Reject("", std::string(findings.status().message()));
      return;
    }
    for (const manifest::Finding& f : *findings) {
      if (f.severity == manifest::Severity::kError) Reject(f.path, f.message);
    }
    if (m_.spec().local_storage_migration().migrate_non_shared_disks().empty()) {
      Reject(kPairs, validation::kNoDiskPairs);  // what lint warns of
    }
  }

  const kubevirt::VirtualMachineInstance* CheckVmi() {
    const std::string& name = m_.spec().vmi_name();
    if (name.empty()) return nullptr;  // reported by CheckStructure
    const kubevirt::VirtualMachineInstance* vmi = view_.FindVmi(ns_, name);
    // A VM and its migration applied together (kubectl apply -f DIR, a
    // GitOps sync) meet the migration first: it waits for the VMI to exist
    // and run, as for a destination, rather than failing for good.
    if (vmi == nullptr) {
      Wait("spec.vmiName",
           absl::StrCat("waiting for VirtualMachineInstance ", ns_, "/", name, " to exist"),
           kWaitingForVmi);
      return nullptr;
    }
    const std::string& phase = vmi->status().phase();
    if (phase == "" || phase == "Pending" || phase == "Scheduling" || phase == "Scheduled") {
      Wait("spec.vmiName",
           absl::StrCat("waiting for VirtualMachineInstance ", ns_, "/", name, " to run (it is ",
                        phase.empty() ? "not started" : phase, ")"),
           kWaitingForVmi);
      return nullptr;
    }
    if (phase != "Running") {
      Reject("spec.vmiName",
             absl::StrCat("VirtualMachineInstance ", ns_, "/", name, " is ", phase,
                          ", not Running: only a running VM is live-migrated"));
    }
    const auto& state = vmi->status().migration_state();
    if (vmi->status().has_migration_state() && !state.completed() && !state.failed() &&
        state.migration_uid() != m_.metadata().uid()) {
      Reject("spec.vmiName", absl::StrCat("VirtualMachineInstance ", ns_, "/", name,
                                          " is already migrating (migration uid ",
                                          state.migration_uid(), ")"));
    }
    for (const auto& other : view_.migrations) {
      // An active migration of the same VM blocks this one when it was
      // admitted already, or when both await admission and it is the older.
      if (Ns(other->metadata().namespace_()) == ns_ && other->spec().vmi_name() == name &&
          other->metadata().name() != m_.metadata().name() && MigrationActive(*other) &&
          (Admitted(*other) || CreatedBefore(*other, m_))) {
        Reject("spec.vmiName",
               absl::StrCat("VirtualMachineInstance ", ns_, "/", name,
                            " is already being migrated by VirtualMachineInstanceMigration ",
                            other->metadata().name(), " (",
                            other->status().phase().empty() ? "Pending"
                                                            : other->status().phase(),
                            ")"));
      } else if (Ns(other->metadata().namespace_()) == ns_ && other->spec().vmi_name() == name &&
                 other->metadata().name() != m_.metadata().name() &&
                 absl::c_linear_search(other->metadata().finalizers(), kFinalizer)) {
        // Ended, but its agents may still be destroying its target domain,
        // which has the same name as the one this migration would create.
        Wait("spec.vmiName",
             absl::StrCat("VirtualMachineInstanceMigration ", other->metadata().name(),
                          " of the same VM ended (", other->status().phase(),
                          ") and is still cleaning up"),
             "WaitingForPreviousMigration");
      }
    }
    return vmi;
  }

  void CheckPair(const kubevirt::VirtualMachineInstance& vmi,
                 const kubevirt::MigrateNonSharedDisk& pair, const std::string& at) {
    if (pair.source_pvc().empty() || pair.destination_pvc().empty()) return;
    const std::string source_path = absl::StrCat(at, ".sourcePvc");
    const std::string destination_path = absl::StrCat(at, ".destinationPvc");

    // The source is a claim-backed volume of the VMI that can be copied.
    const kubevirt::Volume* volume = nullptr;
    std::vector<std::string> claims;
    for (const kubevirt::Volume& v : vmi.spec().volumes()) {
      const std::optional<std::string> claim = ClaimOf(v);
      if (!claim) continue;
      claims.push_back(*claim);
      if (*claim == pair.source_pvc()) volume = &v;
    }
    if (volume == nullptr) {
      Reject(source_path,
             absl::StrCat("\"", pair.source_pvc(),
                          "\" is not a persistentVolumeClaim or dataVolume volume of "
                          "VirtualMachineInstance ",
                          ns_, "/", vmi.metadata().name(), " (its claims: ",
                          claims.empty() ? "none" : absl::StrJoin(claims, ", "), ")",
                          absl::c_any_of(vmi.spec().volumes(),
                                         [&](const kubevirt::Volume& v) {
                                           return v.has_container_disk() &&
                                                  v.name() == pair.source_pvc();
                                         })
                              ? "; a containerDisk volume is named with sourceVolume"
                              : ""));
    } else {
      CheckCopyable(vmi, *volume, source_path);
    }

    CheckDestinationUnused(vmi, pair.destination_pvc(), destination_path);

    const k8s::PersistentVolumeClaim* source = view_.FindPvc(ns_, pair.source_pvc());
    const k8s::PersistentVolumeClaim* destination =
        view_.FindPvc(ns_, pair.destination_pvc());
    // The VMI runs on this claim, so it exists: one this reader has not seen
    // yet is a cache behind the VMI's (watches of two kinds are not ordered),
    // not a reason to refuse the migration for good.
    if (volume != nullptr && source == nullptr) {
      Wait(source_path,
           absl::StrCat("waiting for PersistentVolumeClaim ", ns_, "/", pair.source_pvc(),
                        " (a volume of the VirtualMachineInstance) to be seen"),
           kWaitingForSource);
      return;
    }
    if (!DestinationExists(destination, pair.destination_pvc(), destination_path)) return;
    if (source == nullptr) return;
    CheckCapacity(*source, *destination, source_path, destination_path);
  }

  // Whether the destination claim exists (else the migration waits for it);
  // a destination DataVolume must also be done with its import.
  bool DestinationExists(const k8s::PersistentVolumeClaim* destination,
                         const std::string& name, const std::string& destination_path) {
    if (destination == nullptr) {
      Wait(destination_path,
           absl::StrCat("waiting for PersistentVolumeClaim ", ns_, "/", name, " to be created"));
      return false;
    }
    if (const cdi::DataVolume* dv = view_.FindDataVolume(ns_, name); dv != nullptr) {
      CheckDestinationDataVolume(*dv, destination_path);
    }
    return true;
  }

  // The destination is not used by anyone else.
  void CheckDestinationUnused(const kubevirt::VirtualMachineInstance& vmi,
                              const std::string& destination_pvc,
                              const std::string& destination_path) {
  for (const auto& other : view_.vmis) {
    if (Ns(other->metadata().namespace_()) != ns_) continue;
    for (const kubevirt::Volume& v : other->spec().volumes()) {
      if (ClaimOf(v) == destination_pvc) {
        Reject(destination_path,
               absl::StrCat("\"", destination_pvc, "\" is in use by ",
                            other->metadata().name() == vmi.metadata().name()
                                ? "this VirtualMachineInstance"
                                : "VirtualMachineInstance " + other->metadata().name(),
                            " (volume \"", v.name(), "\")"));
      }
    }
  }
  for (const auto& vm : view_.vms) {
    if (Ns(vm->metadata().namespace_()) != ns_ ||
        vm->metadata().name() == vmi.metadata().name()) {
      continue;
    }
    for (const kubevirt::Volume& v : vm->spec().template_().spec().volumes()) {
      if (ClaimOf(v) == destination_pvc) {
        Reject(destination_path, absl::StrCat("\"", destination_pvc,
                                              "\" is in use by VirtualMachine ",
                                              vm->metadata().name()));
      }
    }
  }
  }

  // A containerDisk volume of the VMI copied (its image chain flattened)
  // onto a claim: the destination must hold the image's virtual size, as
  // the node reports it in the VMI's status.volumeStatus[].size.
  void CheckContainerDiskPair(const kubevirt::VirtualMachineInstance& vmi,
                              const kubevirt::MigrateNonSharedDisk& pair, const std::string& at) {
    if (pair.destination_pvc().empty()) return;
    const std::string source_path = absl::StrCat(at, ".sourceVolume");
    const std::string destination_path = absl::StrCat(at, ".destinationPvc");
    const kubevirt::Volume* volume = nullptr;
    std::vector<std::string> disks;
    for (const kubevirt::Volume& v : vmi.spec().volumes()) {
      if (v.has_container_disk()) disks.push_back(v.name());
      if (v.name() == pair.source_volume()) volume = &v;
    }
    const std::string vmi_name = absl::StrCat(ns_, "/", vmi.metadata().name());
    if (volume == nullptr) {
      Reject(source_path, absl::StrCat("\"", pair.source_volume(),
                                       "\" is not a volume of VirtualMachineInstance ", vmi_name,
                                       " (its containerDisk volumes: ",
                                       disks.empty() ? "none" : absl::StrJoin(disks, ", "), ")"));
    } else if (!volume->has_container_disk()) {
      const std::optional<std::string> claim = ClaimOf(*volume);
      Reject(source_path,
             claim ? absl::StrCat("volume \"", volume->name(), "\" stands on claim \"", *claim,
                                  "\": name it with sourcePvc: ", *claim)
                   : absl::StrCat("volume \"", volume->name(),
                                  "\" is not a containerDisk: sourceVolume moves a container "
                                  "disk to a claim, nothing else"));
      volume = nullptr;
    } else {
      CheckCopyable(vmi, *volume, source_path);
    }
    CheckDestinationUnused(vmi, pair.destination_pvc(), destination_path);
    const k8s::PersistentVolumeClaim* destination = view_.FindPvc(ns_, pair.destination_pvc());
    if (!DestinationExists(destination, pair.destination_pvc(), destination_path)) return;
    if (volume == nullptr) return;
    int64_t virtual_size = 0;
    for (const kubevirt::VolumeStatus& st : vmi.status().volume_status()) {
      if (st.name() == volume->name()) virtual_size = st.size();
    }
    if (virtual_size <= 0) {
      Wait(source_path,
           absl::StrCat("waiting for the node to report the virtual size of container disk \"",
                        volume->name(), "\" (VirtualMachineInstance ", vmi_name,
                        " status.volumeStatus[].size)"),
           kWaitingForSource);
      return;
    }
    const std::optional<api::Quantity> dst = SizeOf(*destination);
    if (!dst) {
      Reject(destination_path, absl::StrCat("PersistentVolumeClaim ", pair.destination_pvc(),
                                            " has no storage size"));
      return;
    }
    // The image lands as a disk image on a Filesystem destination, which
    // needs room for the filesystem too (as CDI imports a container disk).
    const bool as_file = !IsBlock(*destination);
    const int64_t needed = api::DestinationBytesNeeded(virtual_size, as_file);
    const std::string why = as_file ? api::FilesystemOverheadNote("a Filesystem destination") : "";
    if (dst->Value() < needed) {
      Reject(destination_path,
             absl::StrCat("\"", pair.destination_pvc(), "\" (", dst->ToString(),
                          ") is smaller than the virtual size of container disk \"",
                          volume->name(), "\" (",
                          api::Quantity::FromInt64(virtual_size, api::Quantity::Format::kBinarySI)
                              .ToString(),
                          ", image ", volume->container_disk().image(), why, ")"));
    }
  }

  // A destination DataVolume is ready when CDI is done with it, or when it is
  // blank and waits for its first consumer (a WaitForFirstConsumer storage
  // class): CDI binds it once a pod using it is scheduled, and the target
  // launcher pod is that pod. One that imports data and waits for a consumer
  // would only import once the target pod exists, racing the copy.
  void CheckDestinationDataVolume(const cdi::DataVolume& dv, const std::string& at) {
    const std::string& phase = dv.status().phase();
    if (phase == "Succeeded") return;
    const bool awaits_consumer = phase == "WaitForFirstConsumer" || phase == "PendingPopulation";
    if (awaits_consumer && dv.spec().source().has_blank()) return;
    const std::string name = absl::StrCat(ns_, "/", dv.metadata().name());
    if (awaits_consumer) {
      Reject(at, absl::StrCat("DataVolume ", name, " waits for a first consumer (", phase,
                              ") to import its source, which would race the copy: use a "
                              "blank DataVolume or a PersistentVolumeClaim"));
      return;
    }
    Wait(at, absl::StrCat("waiting for DataVolume ", name, " to finish (",
                          phase.empty() ? "Pending" : phase,
                          "): the copy must not race its import"));
  }

  // LUNs, shareable disks and virtiofs filesystems cannot be copied.
  void CheckCopyable(const kubevirt::VirtualMachineInstance& vmi, const kubevirt::Volume& v,
                     const std::string& at) {
    for (const kubevirt::Disk& disk : vmi.spec().domain().devices().disks()) {
      if (disk.name() != v.name()) continue;
      if (disk.has_lun()) {
        Reject(at, absl::StrCat("volume \"", v.name(),
                                "\" is a LUN disk: a LUN is passed through, not copied"));
      }
      if (disk.has_shareable() && disk.shareable()) {
        Reject(at, absl::StrCat("volume \"", v.name(),
                                "\" is shareable: another writer could change it "
                                "during the copy"));
      }
    }
    for (const kubevirt::Filesystem& fs : vmi.spec().domain().devices().filesystems()) {
      if (fs.name() == v.name()) {
        Reject(at, absl::StrCat("volume \"", v.name(),
                                "\" is a virtiofs filesystem: only disks are copied"));
      }
    }
  }

  void CheckCapacity(const k8s::PersistentVolumeClaim& source,
                     const k8s::PersistentVolumeClaim& destination,
                     const std::string& source_path, const std::string& destination_path) {
    const std::optional<api::Quantity> src = SizeOf(source);
    const std::optional<api::Quantity> dst = SizeOf(destination);
    if (!src || !dst) {
      Reject(!src ? source_path : destination_path,
             absl::StrCat("PersistentVolumeClaim ",
                          (!src ? source : destination).metadata().name(),
                          " has no storage size"));
      return;
    }
    // A Block source lands as a disk image on a Filesystem destination, which
    // needs room for the filesystem too.
    const bool as_file = IsBlock(source) && !IsBlock(destination);
    const int64_t needed = api::DestinationBytesNeeded(src->Value(), as_file);
    const std::string why = as_file ? api::FilesystemOverheadNote("Block to Filesystem") : "";
    if (dst->Value() < needed) {
      Reject(destination_path,
             absl::StrCat("\"", destination.metadata().name(), "\" (", dst->ToString(),
                          ") is smaller than its source \"", source.metadata().name(),
                          "\" (", src->ToString(), why, ")"));
    }
  }

  // A claim of the VMI left out of the list must be reachable from any node,
  // or the VM cannot move.
  void CheckVolumesLeftBehind(const kubevirt::VirtualMachineInstance& vmi,
                              const std::set<std::string>& migrated) {
    for (const kubevirt::Volume& v : vmi.spec().volumes()) {
      if (v.has_container_disk() && !migrated_disks_.contains(v.name())) {
        Reject(kPairs, absl::StrCat("volume \"", v.name(),
                                    "\" is a containerDisk: the guest's writes to it are in an "
                                    "overlay on the source node, which Ferry moves only onto a "
                                    "claim; add {sourceVolume: ", v.name(),
                                    ", destinationPvc: <a new claim>}"));
        continue;
      }
      if (v.has_host_disk() && !(v.host_disk().has_shared() && v.host_disk().shared())) {
        Reject(kPairs, absl::StrCat("volume \"", v.name(),
                                    "\" is a hostDisk on the source node: the VM cannot "
                                    "move while it uses it"));
        continue;
      }
      const std::optional<std::string> claim = ClaimOf(v);
      if (!claim || migrated.contains(*claim)) continue;
      const k8s::PersistentVolumeClaim* pvc = view_.FindPvc(ns_, *claim);
      if (pvc == nullptr) continue;  // reported elsewhere if it matters
      const k8s::PersistentVolume* pv = view_.FindPv(pvc->spec().volume_name());
      if (!AllowsManyNodes(*pvc) || IsNodeLocal(pv)) {
        Reject(kPairs,
               absl::StrCat("volume \"", v.name(), "\" (claim \"", *claim, "\") is ",
                            IsNodeLocal(pv) ? "on a node-local PersistentVolume"
                                            : "not ReadWriteMany",
                            " and not in the list: the VM could not move without it; "
                            "add a pair for it"));
      }
    }
  }

  const kubevirt::VirtualMachineInstanceMigration& m_;
  const ClusterView& view_;
  const std::string ns_;
  std::set<std::string> migrated_disks_;  // containerDisk volumes named by sourceVolume
  std::vector<std::string> rejects_;
  std::vector<std::string> waits_;
  std::string wait_reason_;
};

}  // namespace

Admission Admit(const kubevirt::VirtualMachineInstanceMigration& migration,
                const ClusterView& view) {
  return Checker(migration, view).Run();
}

}  // namespace ferry::storage_migration
