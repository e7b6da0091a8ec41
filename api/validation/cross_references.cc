#include "api/validation/cross_references.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/cdi.pb.h"
#include "api/core.pb.h"
#include "api/kubevirt.pb.h"
#include "api/quantity.h"
#include "api/volumes.h"
#include "api/validation/field_errors.h"

namespace ferry::validation {
namespace {

using api::ClaimOf;
using manifest::Object;
using Key3 = std::tuple<std::string, std::string, std::string>;  // kind, ns, name

std::string NamespaceOf(const Object& o) {
  if (!o.kind->namespaced) return "";
  return o.metadata().namespace_().empty() ? "default" : o.metadata().namespace_();
}

std::string Where(const Object& o) {
  return absl::StrCat(o.location.file, ":", o.location.line);
}

// Findings per object, parallel to the input span.
struct Sink {
  explicit Sink(absl::Span<const Object* const> objects) : findings(objects.size()) {
    for (size_t i = 0; i < objects.size(); ++i) position[objects[i]] = i;
  }
  FieldErrors For(const Object& o) { return FieldErrors(o, &findings[position.at(&o)]); }

  std::vector<std::vector<manifest::Finding>> findings;
  absl::flat_hash_map<const Object*, size_t> position;  // looked up, never iterated
};

class ObjectIndex {
 public:
  explicit ObjectIndex(absl::Span<const Object* const> objects) {
    for (const Object* o : objects) {
      by_key_.emplace(Key3(std::string(o->kind->kind), NamespaceOf(*o), o->metadata().name()), o);
    }
  }
  const Object* Find(absl::string_view kind, const std::string& ns,
                     const std::string& name) const {
    auto it = by_key_.find(Key3(std::string(kind), ns, name));
    return it == by_key_.end() ? nullptr : it->second;
  }

 private:
  std::map<Key3, const Object*> by_key_;  // first definition wins
};

const kubevirt::VirtualMachineInstanceSpec* InstanceSpec(const Object& o) {
  if (const auto* vmi = o.As<kubevirt::VirtualMachineInstance>()) return &vmi->spec();
  if (const auto* vm = o.As<kubevirt::VirtualMachine>()) return &vm->spec().template_().spec();
  return nullptr;
}

// What the set says of a claim named `name`: a PVC, a DataVolume, or a
// DataVolume template of `owner`. Its requested size, and whether it is
// Block: a PVC without volumeMode is Filesystem (Kubernetes' default), a
// DataVolume's `storage` without one is up to its storage profile (unknown).
struct ClaimFacts {
  std::optional<api::Quantity> size;
  std::optional<bool> block;
};
ClaimFacts FindClaim(const ObjectIndex& index, const std::string& ns, const std::string& name,
                     const Object* owner) {
  if (const Object* o = index.Find("PersistentVolumeClaim", ns, name)) {
    const k8s::PersistentVolumeClaimSpec& spec = o->As<k8s::PersistentVolumeClaim>()->spec();
    return {api::StorageSize(spec.resources().requests()), spec.volume_mode() == "Block"};
  }
  auto of_dv = [](const cdi::DataVolumeSpec& spec) -> ClaimFacts {
    if (spec.has_pvc()) {
      return {api::StorageSize(spec.pvc().resources().requests()),
              spec.pvc().volume_mode() == "Block"};
    }
    ClaimFacts facts{api::StorageSize(spec.storage().resources().requests()), std::nullopt};
    if (spec.storage().has_volume_mode()) facts.block = spec.storage().volume_mode() == "Block";
    return facts;
  };
  if (const Object* o = index.Find("DataVolume", ns, name)) {
    return of_dv(o->As<cdi::DataVolume>()->spec());
  }
  if (owner != nullptr) {
    if (const auto* vm = owner->As<kubevirt::VirtualMachine>()) {
      for (const auto& t : vm->spec().data_volume_templates()) {
        if (t.metadata().name() == name) return of_dv(t.spec());
      }
    }
  }
  return {};
}

std::optional<api::Quantity> ClaimSize(const ObjectIndex& index, const std::string& ns,
                                       const std::string& name, const Object* owner) {
  return FindClaim(index, ns, name, owner).size;
}

// Admission's rule: a Block source becomes a file on a Filesystem
// destination, which needs room for the filesystem too. A mode the
// manifests do not say counts for no overhead.
bool BlockToFilesystem(const ObjectIndex& index, const std::string& ns, const std::string& source,
                       const Object* source_owner, const std::string& destination) {
  return FindClaim(index, ns, source, source_owner).block.value_or(false) &&
         !FindClaim(index, ns, destination, nullptr).block.value_or(true);
}

void CheckDuplicates(absl::Span<const Object* const> objects,
                     Sink& sink) {
  std::map<Key3, const Object*> seen;
  for (const Object* o : objects) {
    const Key3 key(std::string(o->kind->kind), NamespaceOf(*o), o->metadata().name());
    if (o->metadata().name().empty()) continue;
    auto [it, inserted] = seen.emplace(key, o);
    if (!inserted) {
      sink.For(*o).Invalid(
          "metadata.name", absl::StrCat("duplicate object: ", o->Describe(),
                                        " is also defined at ", Where(*it->second)));
    }
  }
}

// A pair's sourceVolume names a containerDisk volume of the VM (or VMI);
// with a VMI that reports the image's virtual size (status.volumeStatus),
// the destination must hold it.
void CheckContainerDiskSource(const kubevirt::MigrateNonSharedDisk& pair, const Object& vm,
                              const ObjectIndex& index, const std::string& ns,
                              const std::string& at, FieldErrors& errors) {
  const kubevirt::Volume* volume = nullptr;
  std::vector<std::string> disks;
  for (const kubevirt::Volume& v : InstanceSpec(vm)->volumes()) {
    if (v.has_container_disk()) disks.push_back(v.name());
    if (v.name() == pair.source_volume()) volume = &v;
  }
  const std::string path = Child(at, "sourceVolume");
  if (volume == nullptr) {
    errors.Invalid(path, absl::StrCat("\"", pair.source_volume(), "\" is not a volume of ",
                                      vm.Describe(), " (", Where(vm), "); its containerDisk "
                                      "volumes: ", disks.empty() ? "none" : absl::StrJoin(disks, ", ")));
    return;
  }
  if (!volume->has_container_disk()) {
    const std::optional<std::string> claim = ClaimOf(*volume);
    errors.Invalid(path, claim ? absl::StrCat("volume \"", volume->name(), "\" stands on claim \"",
                                              *claim, "\": name it with sourcePvc: ", *claim)
                               : absl::StrCat("volume \"", volume->name(),
                                              "\" is not a containerDisk: sourceVolume moves a "
                                              "container disk to a claim, nothing else"));
    return;
  }
  const Object* vmi = index.Find("VirtualMachineInstance", ns, vm.metadata().name());
  if (vmi == nullptr || pair.destination_pvc().empty()) return;
  for (const kubevirt::VolumeStatus& st : vmi->As<kubevirt::VirtualMachineInstance>()->status().volume_status()) {
    if (st.name() != volume->name() || st.size() <= 0) continue;
    const ClaimFacts destination = FindClaim(index, ns, pair.destination_pvc(), nullptr);
    const std::optional<api::Quantity>& to = destination.size;
    // The image becomes a file on a Filesystem claim (admission's rule).
    const bool as_file = !destination.block.value_or(true);
    if (to && to->Value() < api::DestinationBytesNeeded(st.size(), as_file)) {
      errors.Invalid(
          Child(at, "destinationPvc"),
          absl::StrCat("\"", pair.destination_pvc(), "\" (", to->ToString(),
                       ") is smaller than the virtual size of container disk \"", volume->name(),
                       "\" (",
                       api::Quantity::FromInt64(st.size(), api::Quantity::Format::kBinarySI).ToString(),
                       ", image ", volume->container_disk().image(),
                       as_file ? api::FilesystemOverheadNote("a Filesystem destination") : "", ")"));
    }
  }
}

void CheckMigration(const Object& o, absl::Span<const Object* const> objects,
                    const ObjectIndex& index, Sink& sink) {
  const auto* migration = o.As<kubevirt::VirtualMachineInstanceMigration>();
  // After success the VM points at the destinations and no longer has the
  // sources: the references describe the past.
  if (migration->status().phase() == "Succeeded") return;
  const auto& spec = migration->spec();
  const std::string ns = NamespaceOf(o);
  FieldErrors errors = sink.For(o);
  const Object* vm = index.Find("VirtualMachineInstance", ns, spec.vmi_name());
  if (vm == nullptr) vm = index.Find("VirtualMachine", ns, spec.vmi_name());
  const std::string list = "spec.localStorageMigration.migrateNonSharedDisks";
  if (vm != nullptr && spec.local_storage_migration().migrate_non_shared_disks_size() > 0) {
    // A container disk's writes are in an overlay on the source node.
    for (const kubevirt::Volume& v : InstanceSpec(*vm)->volumes()) {
      if (!v.has_container_disk()) continue;
      bool listed = false;
      for (const auto& pair : spec.local_storage_migration().migrate_non_shared_disks()) {
        listed = listed || pair.source_volume() == v.name();
      }
      if (!listed) {
        errors.Invalid(list, absl::StrCat("volume \"", v.name(), "\" of ", vm->Describe(),
                                          " is a containerDisk, which moves only onto a claim: "
                                          "add {sourceVolume: ", v.name(),
                                          ", destinationPvc: <a new claim>}"));
      }
    }
  }
  for (int i = 0; i < spec.local_storage_migration().migrate_non_shared_disks_size(); ++i) {
    const auto& pair = spec.local_storage_migration().migrate_non_shared_disks(i);
    const std::string at = Index(list, i);
    if (vm != nullptr && !pair.source_volume().empty()) {
      CheckContainerDiskSource(pair, *vm, index, ns, at, errors);
    } else if (vm != nullptr && !pair.source_pvc().empty()) {
      std::vector<std::string> claims;
      for (const kubevirt::Volume& v : InstanceSpec(*vm)->volumes()) {
        if (std::optional<std::string> claim = ClaimOf(v)) claims.push_back(*claim);
      }
      if (std::find(claims.begin(), claims.end(), pair.source_pvc()) == claims.end()) {
        errors.Invalid(Child(at, "sourcePvc"),
                       absl::StrCat("\"", pair.source_pvc(),
                                    "\" is not a persistentVolumeClaim or dataVolume "
                                    "volume of ",
                                    vm->Describe(), " (", Where(*vm), "); its claims: ",
                                    claims.empty() ? "none" : absl::StrJoin(claims, ", ")));
      }
    }
    if (pair.destination_pvc().empty()) continue;
    if (pair.source_pvc().empty()) {
      // A container disk's size is its image's: CheckContainerDiskSource.
    } else {
      const std::optional<api::Quantity> source_size =
          ClaimSize(index, ns, pair.source_pvc(), vm);
      const std::optional<api::Quantity> destination_size =
          ClaimSize(index, ns, pair.destination_pvc(), nullptr);
      const bool as_file =
          BlockToFilesystem(index, ns, pair.source_pvc(), vm, pair.destination_pvc());
      if (source_size && destination_size &&
          destination_size->Value() < api::DestinationBytesNeeded(source_size->Value(), as_file)) {
        errors.Invalid(Child(at, "destinationPvc"),
                       absl::StrCat("\"", pair.destination_pvc(), "\" (",
                                    destination_size->ToString(),
                                    ") is smaller than its source \"", pair.source_pvc(),
                                    "\" (", source_size->ToString(),
                                    as_file ? api::FilesystemOverheadNote("Block to Filesystem") : "",
                                    ")"));
      }
    }
    // In use by any VM or VMI, the migrated one included (a destination is a
    // fresh claim; copying onto another disk of the same VM destroys it).
    for (const Object* other : objects) {
      const kubevirt::VirtualMachineInstanceSpec* other_spec = InstanceSpec(*other);
      if (other_spec == nullptr || NamespaceOf(*other) != ns) continue;
      for (const kubevirt::Volume& v : other_spec->volumes()) {
        if (ClaimOf(v) == pair.destination_pvc()) {
          errors.Invalid(Child(at, "destinationPvc"),
                         absl::StrCat("\"", pair.destination_pvc(), "\" is in use by ",
                                      other->Describe(), " (", Where(*other),
                                      ", volume \"", v.name(), "\")"));
        }
      }
    }
  }
}

// A VM's volume update checked against its running VMI, when the set holds
// both (`kubectl get vm,vmi,pvc -o yaml` plus the edited VM): the volumes in
// both whose claim differs are what would move; KubeVirt's rules on them.
void CheckVolumeUpdate(const Object& o, const ObjectIndex& index, Sink& sink) {
  const auto* vm = o.As<kubevirt::VirtualMachine>();
  const std::string ns = NamespaceOf(o);
  const Object* vmi_object = index.Find("VirtualMachineInstance", ns, o.metadata().name());
  if (vmi_object == nullptr) return;
  const auto& running = vmi_object->As<kubevirt::VirtualMachineInstance>()->spec();
  const auto& wanted = vm->spec().template_().spec();
  std::map<std::string, std::string> running_claims;
  for (const kubevirt::Volume& v : running.volumes()) {
    if (std::optional<std::string> claim = ClaimOf(v)) running_claims[v.name()] = *claim;
  }
  // A container disk edited to a claim: the volume update moves claims only.
  for (int i = 0; i < wanted.volumes_size(); ++i) {
    const kubevirt::Volume& v = wanted.volumes(i);
    const std::optional<std::string> claim = ClaimOf(v);
    if (!claim) continue;
    for (const kubevirt::Volume& r : running.volumes()) {
      if (r.name() != v.name() || !r.has_container_disk()) continue;
      sink.For(o).Invalid(
          Index("spec.template.spec.volumes", static_cast<size_t>(i)),
          absl::StrCat("volume \"", v.name(), "\" runs on a containerDisk (", vmi_object->Describe(),
                       "): a volume update moves claims only, and would leave the VM to boot from "
                       "an empty \"", *claim, "\"; move it with a VirtualMachineInstanceMigration "
                       "pair {sourceVolume: ", v.name(), ", destinationPvc: ", *claim, "}"));
    }
  }
  std::set<std::string> moved;
  std::vector<std::pair<int, std::string>> changes;  // template volume index, source claim
  for (int i = 0; i < wanted.volumes_size(); ++i) {
    const std::optional<std::string> claim = ClaimOf(wanted.volumes(i));
    auto it = running_claims.find(wanted.volumes(i).name());
    if (!claim || it == running_claims.end() || it->second == *claim) continue;
    moved.insert(wanted.volumes(i).name());
    changes.emplace_back(i, it->second);
  }
  if (changes.empty()) return;
  FieldErrors errors = sink.For(o);
  const std::string volumes = "spec.template.spec.volumes";
  if (vm->spec().update_volumes_strategy() != "Migration") {
    errors.Warning("spec.updateVolumesStrategy",
                   absl::StrCat("the volumes of ", absl::StrJoin(moved, ", "), " differ from ",
                                vmi_object->Describe(), " (", Where(*vmi_object),
                                "), which keeps running on the old claims: set "
                                "updateVolumesStrategy: Migration to move them live"));
    return;
  }
  for (const auto& [i, source] : changes) {
    const kubevirt::Volume& v = wanted.volumes(i);
    const std::string at = Index(volumes, static_cast<size_t>(i));
    const std::string destination = *ClaimOf(v);
    for (const kubevirt::Disk& disk : running.domain().devices().disks()) {
      if (disk.name() != v.name()) continue;
      if (disk.has_lun()) {
        errors.Invalid(at, absl::StrCat("volume \"", v.name(),
                                        "\" is a LUN disk: a volume update cannot move it "
                                        "(a LUN is passed through, not copied)"));
      }
      if (disk.has_shareable() && disk.shareable()) {
        errors.Invalid(at, absl::StrCat("volume \"", v.name(),
                                        "\" is shareable: a volume update cannot move it (another "
                                        "writer could change it during the copy)"));
      }
    }
    for (const kubevirt::Filesystem& fs : running.domain().devices().filesystems()) {
      if (fs.name() == v.name()) {
        errors.Invalid(at, absl::StrCat("volume \"", v.name(),
                                        "\" is a virtiofs filesystem: a volume update moves "
                                        "disks only"));
      }
    }
    const std::optional<api::Quantity> from = ClaimSize(index, ns, source, vmi_object);
    const std::optional<api::Quantity> to = ClaimSize(index, ns, destination, nullptr);
    const bool as_file = BlockToFilesystem(index, ns, source, vmi_object, destination);
    if (from && to && to->Value() < api::DestinationBytesNeeded(from->Value(), as_file)) {
      errors.Invalid(at, absl::StrCat("\"", destination, "\" (", to->ToString(),
                                      ") is smaller than \"", source, "\" (", from->ToString(),
                                      as_file ? api::FilesystemOverheadNote("Block to Filesystem") : "",
                                      "), which volume \"", v.name(), "\" runs on"));
    }
  }
  // Every RWO volume of the VM moves in the same update (KubeVirt's rule).
  for (const auto& [name, claim] : running_claims) {
    if (moved.contains(name)) continue;
    const Object* pvc = index.Find("PersistentVolumeClaim", ns, claim);
    if (pvc == nullptr) continue;
    const auto& modes = pvc->As<k8s::PersistentVolumeClaim>()->spec().access_modes();
    const bool many = std::find(modes.begin(), modes.end(), "ReadWriteMany") != modes.end();
    if (!many) {
      errors.Invalid(volumes, absl::StrCat("volume \"", name, "\" (claim \"", claim,
                                           "\") is not ReadWriteMany and not moved: every such "
                                           "volume moves in the same volume update"));
    }
  }
}

void CheckBinding(absl::Span<const Object* const> objects, const ObjectIndex& index,
                  Sink& sink) {
  std::map<std::pair<std::string, std::string>, const Object*> claimed;
  for (const Object* o : objects) {
    if (const auto* pv = o->As<k8s::PersistentVolume>()) {
      if (!pv->spec().has_claim_ref()) continue;
      const auto& ref = pv->spec().claim_ref();
      auto [it, inserted] = claimed.emplace(std::pair(ref.namespace_(), ref.name()), o);
      if (!inserted) {
        sink.For(*o).Invalid(
            "spec.claimRef", absl::StrCat("claim ", ref.namespace_(), "/", ref.name(),
                                          " is already pre-bound to ",
                                          it->second->Describe(), " (",
                                          Where(*it->second), ")"));
      }
      const Object* pvc = index.Find("PersistentVolumeClaim",
                                     ref.namespace_().empty() ? "default" : ref.namespace_(),
                                     ref.name());
      if (pvc == nullptr) continue;
      const std::string& volume = pvc->As<k8s::PersistentVolumeClaim>()->spec().volume_name();
      if (!volume.empty() && volume != pv->metadata().name()) {
        sink.For(*o).Invalid(
            "spec.claimRef", absl::StrCat(pvc->Describe(), " asks for volume \"", volume,
                                          "\", not this one: neither will bind"));
      }
    } else if (const auto* pvc = o->As<k8s::PersistentVolumeClaim>()) {
      const std::string& volume = pvc->spec().volume_name();
      if (volume.empty()) continue;
      const Object* pv_object = index.Find("PersistentVolume", "", volume);
      if (pv_object == nullptr) continue;
      const auto& ref = pv_object->As<k8s::PersistentVolume>()->spec().claim_ref();
      const std::string ref_ns = ref.namespace_().empty() ? "default" : ref.namespace_();
      if (!ref.name().empty() &&
          (ref.name() != pvc->metadata().name() || ref_ns != NamespaceOf(*o))) {
        sink.For(*o).Invalid(
            "spec.volumeName", absl::StrCat("\"", volume, "\" is pre-bound to claim ",
                                            ref_ns, "/", ref.name(), " (",
                                            Where(*pv_object), ")"));
      }
    }
  }
}

}  // namespace

std::vector<std::vector<manifest::Finding>> ValidateCrossReferences(
    absl::Span<const manifest::Object* const> objects) {
  Sink sink(objects);
  const ObjectIndex index(objects);
  CheckDuplicates(objects, sink);
  for (const Object* o : objects) {
    if (o->As<kubevirt::VirtualMachineInstanceMigration>() != nullptr) {
      CheckMigration(*o, objects, index, sink);
    }
    if (o->As<kubevirt::VirtualMachine>() != nullptr) CheckVolumeUpdate(*o, index, sink);
  }
  CheckBinding(objects, index, sink);
  return std::move(sink.findings);
}

}  // namespace ferry::validation
