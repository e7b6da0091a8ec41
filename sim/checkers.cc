#include "sim/checkers.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/names.h"
#include "api/volumes.h"
#include "base/status_macros.h"
#include "core/ports/kube_api.h"

namespace ferry::sim {
namespace {

absl::string_view Ns(absl::string_view ns) { return api::NamespaceOrDefault(ns); }

std::string Key(absl::string_view ns, absl::string_view name) {
  return absl::StrCat(Ns(ns), "/", name);
}

template <typename T>
std::string KeyOf(const T& object) {
  return Key(object.metadata().namespace_(), object.metadata().name());
}

std::string Bytes(const google::protobuf::Message& m) {
  std::string out;
  m.SerializeToString(&out);  // deterministic for equal messages of one build
  return out;
}

std::string OwnerVm(const kubevirt::VirtualMachineInstance& vmi) {
  for (const auto& ref : vmi.metadata().owner_references()) {
    if (ref.kind() == "VirtualMachine") return ref.name();
  }
  return vmi.metadata().name();
}

template <typename T>
const T* Find(const std::map<std::string, std::shared_ptr<const T>>& index, const std::string& key) {
  auto it = index.find(key);
  return it == index.end() ? nullptr : it->second.get();
}

}  // namespace

const std::vector<std::string>& Checkers::Names() {
  static const auto* names = [] {
    auto* v = new std::vector<std::string>{
        "reclaim-after-success", "single-runner",    "running-disks-complete",
        "spec-disks-complete",   "source-untouched", "terminal-has-reason",
        "image-flattened"};
    for (const std::string& n : LunCheckers::Names()) v->push_back(n);
    return v;
  }();
  return *names;
}

absl::Status Checkers::Refresh() {
  // The API objects are immutable and any change bumps the resourceVersion,
  // so an unchanged version means the objects of the last read still hold
  // (most events are passes that wrote nothing). The objects are caught up
  // from the API's history (its reads, not a client's: the harness sees
  // through injected faults and lags anyway), noting what changed.
  fakes::FakeKubeApi& api = world_.api();
  const int64_t rv = api.resource_version();
  if (rv == objects_rv_) return absl::OkStatus();
  const bool caught_up =
      objects_rv_ >= 0 &&
      api.ForEachChangeSince(objects_rv_, [this](const ports::ObjectKey& key,
                                                 const ports::ObjectPtr& object) { Put(key, object); });
  if (!caught_up) {
    objects_ = Objects();
    vm_of_vmi_.clear();
    vmis_by_vm_.clear();
    vmi_of_migration_.clear();
    migrations_naming_.clear();
    for (const char* kind : {"VirtualMachineInstance", "VirtualMachine",
                             "VirtualMachineInstanceMigration", "PersistentVolumeClaim"}) {
      api.ForEachObject(kind, [&](const ports::ObjectPtr& object) {
        const k8s::ObjectMeta& meta = ports::MetadataOf(*object);
        Put(ports::ObjectKey{kind, meta.namespace_(), meta.name()}, object);
      });
    }
    pending_.all = true;
  }
  objects_rv_ = rv;
  return absl::OkStatus();
}

void Checkers::Put(const ports::ObjectKey& key, const ports::ObjectPtr& object) {
  const std::string k = Key(key.namespace_, key.name);
  const ObjectKey ordered{key.namespace_, key.name};
  if (key.kind == "VirtualMachineInstance") {
    auto vmi = std::dynamic_pointer_cast<const kubevirt::VirtualMachineInstance>(object);
    if (auto old = vm_of_vmi_.find(k); old != vm_of_vmi_.end()) {
      vmis_by_vm_[old->second].erase(k);
      vm_of_vmi_.erase(old);
    }
    if (vmi != nullptr) {
      const std::string vm = Key(key.namespace_, OwnerVm(*vmi));
      vm_of_vmi_[k] = vm;
      vmis_by_vm_[vm].insert(k);
      // A VM the world shut down and KubeVirt started again: its new VMI is
      // the same guest's (its disks still judged on every write it made),
      // and the VM as it was started from is the new baseline.
      const std::string vmi_baseline = absl::StrCat("VMI ", k);
      auto uid = baseline_uid_.find(vmi_baseline);
      if (uid != baseline_uid_.end() && uid->second != vmi->metadata().uid() &&
          world_.StartedVmiUid(key.namespace_, key.name) == vmi->metadata().uid()) {
        uid->second = vmi->metadata().uid();
        SetBaseline(vmi_baseline, Bytes(vmi->spec()));
        if (const auto* owner = Find(objects_.vm, vm)) {
          SetBaseline(absl::StrCat("VM ", vm), Bytes(owner->spec()));
        }
      }
      objects_.vmi[k] = vmi;
      objects_.vmis[ordered] = std::move(vmi);
    } else {
      objects_.vmi.erase(k);
      objects_.vmis.erase(ordered);
    }
    pending_.vmis.insert(k);
  } else if (key.kind == "VirtualMachine") {
    if (auto vm = std::dynamic_pointer_cast<const kubevirt::VirtualMachine>(object)) {
      objects_.vm[k] = std::move(vm);
    } else {
      objects_.vm.erase(k);
    }
    pending_.vms.insert(k);
  } else if (key.kind == "PersistentVolumeClaim") {
    if (auto pvc = std::dynamic_pointer_cast<const k8s::PersistentVolumeClaim>(object)) {
      objects_.pvc[k] = std::move(pvc);
    } else {
      objects_.pvc.erase(k);
    }
    pending_.pvcs.insert(k);
  } else if (key.kind == "VirtualMachineInstanceMigration") {
    auto m = std::dynamic_pointer_cast<const kubevirt::VirtualMachineInstanceMigration>(object);
    if (auto old = vmi_of_migration_.find(k); old != vmi_of_migration_.end()) {
      pending_.vmis_named.insert(old->second);
      migrations_naming_[old->second].erase(ordered);
      vmi_of_migration_.erase(old);
    }
    if (m != nullptr) {
      const std::string vmi = Key(key.namespace_, m->spec().vmi_name());
      pending_.vmis_named.insert(vmi);
      migrations_naming_[vmi].insert(ordered);
      vmi_of_migration_[k] = vmi;
      objects_.migrations[ordered] = std::move(m);
    } else {
      objects_.migrations.erase(ordered);
    }
    pending_.migrations.insert(k);
  }
}

std::string Checkers::ClaimVolume(const std::string& ns, const std::string& claim) const {
  const k8s::PersistentVolumeClaim* pvc = Find(objects_.pvc, Key(ns, claim));
  if (pvc == nullptr || pvc->status().phase() != "Bound") return "";
  const std::string* path = world_.cluster().VolumeOf(pvc->spec().volume_name());
  return path == nullptr ? "" : *path;
}

void Checkers::Baseline() {
  if (!Refresh().ok()) return;
  for (const auto& [key, vmi] : objects_.vmis) {
    SetBaseline(absl::StrCat("VMI ", KeyOf(*vmi)), Bytes(vmi->spec()));
    baseline_uid_[absl::StrCat("VMI ", KeyOf(*vmi))] = vmi->metadata().uid();
  }
  for (const auto& [key, vm] : objects_.vm) {
    SetBaseline(absl::StrCat("VM ", key), Bytes(vm->spec()));
    baseline_uid_[absl::StrCat("VM ", key)] = vm->metadata().uid();
  }
}

bool Checkers::SameObject(const std::string& key, const google::protobuf::Message& object) const {
  auto it = baseline_uid_.find(key);
  return it == baseline_uid_.end() || it->second == ports::MetadataOf(object).uid();
}

void Checkers::RebaselineVms() {
  if (!Refresh().ok()) return;
  for (const auto& [key, vm] : objects_.vm) {
    SetBaseline(absl::StrCat("VM ", key), Bytes(vm->spec()));
    baseline_uid_[absl::StrCat("VM ", key)] = vm->metadata().uid();
  }
}

void Checkers::SetBaseline(const std::string& key, std::string spec) {
  baseline_[key] = std::move(spec);
  same_as_baseline_.erase(key);
  rebaselined_.insert(key);
}

bool Checkers::SameAsBaseline(const std::string& key,
                              const std::shared_ptr<const google::protobuf::Message>& object,
                              const google::protobuf::Message& spec) {
  auto memo = same_as_baseline_.find(key);
  if (memo != same_as_baseline_.end() && memo->second == object) return true;
  if (baseline_.at(key) != Bytes(spec)) return false;
  same_as_baseline_[key] = object;
  return true;
}

Checkers::Stamp Checkers::Now() const {
  return Stamp{.api_rv = world_.api().resource_version(),
               .fabric = world_.fabric().changes(),
               .volume_records = world_.cluster().volume_records(),
               .guests = world_.guests().size()};
}

std::optional<Violation> Checkers::Check() {
  if (std::optional<Violation> v = lun_.Check()) return v;
  // Every storage checker below judges a migration seen, a guest domain or
  // a baseline spec. With none of them (a LUN-only world) there is nothing
  // to judge, and reading the objects (a list of four kinds) is skipped.
  if (migrations_.empty() && baseline_.empty() && world_.guests().empty()) {
    absl::StatusOr<ports::ObjectList> migrations =
        world_.api().List("VirtualMachineInstanceMigration", "", k8s::LabelSelector());
    if (migrations.ok() && migrations->items.empty()) return std::nullopt;
  }
  // Nothing they read changed since a check that found nothing: the same.
  const Stamp now = Now();
  if (now == clean_) return std::nullopt;
  if (absl::Status read = Refresh(); !read.ok()) return Violation{"harness", read.ToString()};
  Track(pending_.all);
  if (verify_) {
    const std::map<std::string, Tracked> tracked = migrations_;
    Track(/*all=*/true);
    if (migrations_ != tracked) {
      return Violation{"harness", "the incremental check tracked other migrations than judging "
                                  "everything does"};
    }
  }
  // What the API changes touched; every guest too when libvirt's side
  // (or the cluster's volume records, or the guests) moved. Whatever was
  // not touched was judged clean with the same inputs.
  const bool all_guests = now.fabric != clean_.fabric ||
                          now.volume_records != clean_.volume_records ||
                          now.guests != clean_.guests;
  const Scope scope = Touched(all_guests);
  std::optional<Violation> v = Judge(scope);
  if (verify_ && !scope.all) {
    const std::optional<Violation> everything = Judge(Scope{});
    auto said = [](const std::optional<Violation>& x) {
      return x.has_value() ? absl::StrCat(x->checker, ": ", x->message) : std::string("nothing");
    };
    if (said(v) != said(everything)) {
      return Violation{"harness", absl::StrCat("the incremental check found ", said(v),
                                               ", judging everything found ", said(everything))};
    }
  }
  if (v.has_value()) return v;
  clean_ = now;
  pending_ = Changes{.all = false};
  rebaselined_.clear();
  return std::nullopt;
}

void Checkers::Track(bool all) {
  const Objects& api = objects_;
  auto track = [&](const kubevirt::VirtualMachineInstanceMigration& m) {
    const std::string ns(Ns(m.metadata().namespace_()));
    const std::string key = KeyOf(m);
    Tracked& t = migrations_[key];
    if (t.vmi.empty()) {
      t.ns = ns;
      t.vmi = m.spec().vmi_name();
      const kubevirt::VirtualMachineInstance* vmi = Find(api.vmi, Key(ns, t.vmi));
      t.vm = vmi != nullptr ? OwnerVm(*vmi) : t.vmi;
      for (const auto& p : m.spec().local_storage_migration().migrate_non_shared_disks()) {
        // Only claims that exist and that the VMI uses are sources to guard.
        if (Find(api.pvc, Key(ns, p.source_pvc())) != nullptr) t.sources.insert(p.source_pvc());
      }
      for (const std::string& source : t.sources) tracked_by_pvc_[Key(ns, source)].insert(key);
      tracked_by_vmi_[Key(ns, t.vmi)].insert(key);
      tracked_by_vm_[Key(ns, t.vm)].insert(key);
      if (t.vmi.empty()) {
        untracked_.insert(key);  // looked at again each time, as before it had a VMI
      } else {
        untracked_.erase(key);
      }
    }
    if (m.status().phase() == "Succeeded" && !t.succeeded) {
      t.succeeded = true;
      // The new specs are the baseline from here on.
      if (const auto* vmi = Find(api.vmi, Key(ns, t.vmi))) {
        SetBaseline(absl::StrCat("VMI ", Key(ns, t.vmi)), Bytes(vmi->spec()));
      }
      if (const auto* vm = Find(api.vm, Key(ns, t.vm))) {
        SetBaseline(absl::StrCat("VM ", Key(ns, t.vm)), Bytes(vm->spec()));
      }
    }
  };
  if (all) {
    for (const auto& [key, m] : api.migrations) track(*m);
    return;
  }
  std::set<std::string> touched = pending_.migrations;
  touched.insert(untracked_.begin(), untracked_.end());
  for (const std::string& key : touched) {
    const size_t slash = key.find('/');
    auto m = api.migrations.find(ObjectKey{key.substr(0, slash), key.substr(slash + 1)});
    if (m != api.migrations.end()) track(*m->second);
  }
}

void Checkers::IndexGuest(const std::string& domain) {
  // References by name, not a structured binding: clang 14 refuses a lambda that
  // captures a binding (the claims lambda below uses ns).
  const std::string& ns = world_.guests().at(domain).first;
  const std::string& name = world_.guests().at(domain).second;
  GuestDeps& deps = guest_deps_[domain];
  if (!deps.vm.empty()) guests_by_vm_[deps.vm].erase(domain);
  for (const std::string& claim : deps.claims) guests_by_pvc_[claim].erase(domain);
  deps = GuestDeps();
  guests_by_vmi_[Key(ns, name)].insert(domain);
  const kubevirt::VirtualMachineInstance* vmi = Find(objects_.vmi, Key(ns, name));
  auto claims = [&](const google::protobuf::RepeatedPtrField<kubevirt::Volume>& volumes) {
    for (const auto& v : volumes) {
      if (std::optional<std::string> claim = api::ClaimOf(v)) deps.claims.insert(Key(ns, *claim));
    }
  };
  if (vmi != nullptr) claims(vmi->spec().volumes());
  // Without a VMI (shut down), the VM of its name: it starts from it.
  deps.vm = Key(ns, vmi != nullptr ? OwnerVm(*vmi) : name);
  if (const auto* vm = Find(objects_.vm, deps.vm)) claims(vm->spec().template_().spec().volumes());
  guests_by_vm_[deps.vm].insert(domain);
  for (const std::string& claim : deps.claims) guests_by_pvc_[claim].insert(domain);
}

Checkers::Scope Checkers::Touched(bool all_guests) {
  Scope s;
  s.all = pending_.all;
  s.all_guests = all_guests || pending_.all;
  auto from = [](const std::map<std::string, std::set<std::string>>& index, const std::string& key,
                 std::set<std::string>& into) {
    if (auto it = index.find(key); it != index.end()) into.insert(it->second.begin(), it->second.end());
  };
  // Guests whose VMI or VM changed: judged, and their inputs read again.
  std::set<std::string> reindex;
  for (const std::string& vmi : pending_.vmis) from(guests_by_vmi_, vmi, reindex);
  for (const std::string& vm : pending_.vms) from(guests_by_vm_, vm, reindex);
  if (pending_.all || guest_deps_.size() != world_.guests().size()) {
    for (const auto& [domain, vmi] : world_.guests()) reindex.insert(domain);
  }
  for (const std::string& domain : reindex) IndexGuest(domain);
  if (s.all) return s;

  // reclaim-after-success: the tracked migrations whose inputs changed.
  for (const std::string& m : pending_.migrations) {
    if (migrations_.contains(m)) s.migrations.insert(m);
  }
  for (const std::string& pvc : pending_.pvcs) from(tracked_by_pvc_, pvc, s.migrations);
  for (const std::string& vmi : pending_.vmis) from(tracked_by_vmi_, vmi, s.migrations);
  for (const std::string& vm : pending_.vms) from(tracked_by_vm_, vm, s.migrations);
  // The guests whose VMI, VM or claims changed.
  if (!s.all_guests) {
    s.guests = reindex;
    for (const std::string& pvc : pending_.pvcs) from(guests_by_pvc_, pvc, s.guests);
  }
  // source-untouched: the VMIs changed, owned by a VM changed, named by a
  // migration changed, or given a new baseline (theirs or their VM's).
  std::set<std::string> vmis = pending_.vmis;
  vmis.insert(pending_.vmis_named.begin(), pending_.vmis_named.end());
  for (const std::string& vm : pending_.vms) from(vmis_by_vm_, vm, vmis);
  for (const std::string& key : rebaselined_) {
    if (absl::StartsWith(key, "VMI ")) vmis.insert(key.substr(4));
    if (absl::StartsWith(key, "VM ")) from(vmis_by_vm_, key.substr(3), vmis);
  }
  for (const std::string& key : vmis) {
    if (auto vmi = objects_.vmi.find(key); vmi != objects_.vmi.end()) {
      s.vmis.emplace(vmi->second->metadata().namespace_(), vmi->second->metadata().name());
    }
  }
  // terminal-has-reason: the migrations changed.
  for (const std::string& key : pending_.migrations) {
    const size_t slash = key.find('/');
    ObjectKey m{key.substr(0, slash), key.substr(slash + 1)};
    if (objects_.migrations.contains(m)) s.terminal.insert(std::move(m));
  }
  return s;
}

std::optional<Violation> Checkers::Judge(const Scope& scope) {
  const Objects& api = objects_;

  // reclaim-after-success
  auto reclaim = [&](const std::string& key, const Tracked& t) -> std::optional<Violation> {
    for (const std::string& source : t.sources) {
      const k8s::PersistentVolumeClaim* pvc = Find(api.pvc, Key(t.ns, source));
      const bool gone = pvc == nullptr || !pvc->metadata().deletion_timestamp().empty();
      if (!gone) continue;
      if (!t.succeeded) {
        return Violation{"reclaim-after-success",
                         absl::StrCat("source claim ", t.ns, "/", source, " was deleted but migration ",
                                      key, " has not succeeded")};
      }
      const auto* vmi = Find(api.vmi, Key(t.ns, t.vmi));
      const auto* vm = Find(api.vm, Key(t.ns, t.vm));
      auto names = [&](const google::protobuf::RepeatedPtrField<kubevirt::Volume>& volumes) {
        for (const auto& v : volumes) {
          if (api::ClaimOf(v) == source) return true;
        }
        return false;
      };
      if ((vmi != nullptr && names(vmi->spec().volumes())) ||
          (vm != nullptr && names(vm->spec().template_().spec().volumes()))) {
        return Violation{"reclaim-after-success",
                         absl::StrCat("source claim ", t.ns, "/", source,
                                      " was deleted while the VMI or VM still names it")};
      }
    }
    return std::nullopt;
  };
  if (scope.all) {
    for (const auto& [key, t] : migrations_) {
      if (auto v = reclaim(key, t)) return v;
    }
  } else {
    for (const std::string& key : scope.migrations) {
      if (auto v = reclaim(key, migrations_.at(key))) return v;
    }
  }

  if (scope.all_guests) {
    for (const auto& [domain, vmi_key] : world_.guests()) {
      if (auto v = CheckGuest(domain, vmi_key.first, vmi_key.second)) return v;
    }
  } else {
    for (const std::string& domain : scope.guests) {
      const auto& [ns, name] = world_.guests().at(domain);
      if (auto v = CheckGuest(domain, ns, name)) return v;
    }
  }

  // source-untouched
  auto untouched = [&](const std::shared_ptr<const kubevirt::VirtualMachineInstance>& vmi)
      -> std::optional<Violation> {
    const std::string ns(Ns(vmi->metadata().namespace_()));
    const std::string name = vmi->metadata().name();
    bool destination_recorded = false;
    if (auto naming = migrations_naming_.find(Key(ns, name)); naming != migrations_naming_.end()) {
      for (const ObjectKey& key : naming->second) {
        const auto& m = api.migrations.at(key);
        if (m->status().switchover().side() == "Destination") destination_recorded = true;
      }
    }
    if (destination_recorded) return std::nullopt;
    const std::string vmi_baseline = absl::StrCat("VMI ", ns, "/", name);
    if (!SameObject(vmi_baseline, *vmi)) return std::nullopt;
    if (baseline_.contains(vmi_baseline) && !SameAsBaseline(vmi_baseline, vmi, vmi->spec())) {
      return Violation{"source-untouched",
                       absl::StrCat("VMI ", ns, "/", name,
                                    " spec changed without a recorded switchover to the destination")};
    }
    const std::string vm_name = OwnerVm(*vmi);
    auto vm = api.vm.find(Key(ns, vm_name));
    const std::string vm_baseline = absl::StrCat("VM ", ns, "/", vm_name);
    // A VM deleted and made again (by a user, or a LUN plan) is another
    // object, not a changed spec.
    if (vm != api.vm.end() && baseline_.contains(vm_baseline) &&
        SameObject(vm_baseline, *vm->second) &&
        !SameAsBaseline(vm_baseline, vm->second, vm->second->spec())) {
      return Violation{"source-untouched",
                       absl::StrCat("VM ", ns, "/", vm_name,
                                    " spec changed without a recorded switchover to the destination")};
    }
    return std::nullopt;
  };
  if (scope.all) {
    for (const auto& [key, vmi] : api.vmis) {
      if (auto v = untouched(vmi)) return v;
    }
  } else {
    for (const ObjectKey& key : scope.vmis) {
      if (auto v = untouched(api.vmis.at(key))) return v;
    }
  }

  // terminal-has-reason
  auto terminal = [&](const kubevirt::VirtualMachineInstanceMigration& m) -> std::optional<Violation> {
    const std::string& phase = m.status().phase();
    if (phase != "Failed" && phase != "Succeeded") return std::nullopt;
    bool said = false;
    for (const auto& c : m.status().conditions()) {
      if (c.type() == phase && c.status() == "True" && !c.reason().empty() && !c.message().empty()) {
        said = true;
      }
    }
    if (said) return std::nullopt;
    return Violation{"terminal-has-reason", absl::StrCat("migration ", KeyOf(m), " is ", phase,
                                                         " without a condition saying why")};
  };
  if (scope.all) {
    for (const auto& [key, m] : api.migrations) {
      if (auto v = terminal(*m)) return v;
    }
  } else {
    for (const ObjectKey& key : scope.terminal) {
      if (auto v = terminal(*api.migrations.at(key))) return v;
    }
  }
  return std::nullopt;
}

std::optional<Violation> Checkers::CheckGuest(const std::string& domain, const std::string& ns,
                                              const std::string& name) const {
  const fakes::FakeFabric& fabric = world_.fabric();
  // single-runner
  std::vector<std::string> running_on;
  for (const std::string& h : fabric.HostsRunning(domain)) {
    absl::StatusOr<ports::DomainInfo> info = fabric.host(h)->LookupDomain(domain);
    if (info.ok() && info->state == ports::DomainState::kRunning) running_on.push_back(h);
  }
  if (running_on.size() > 1) {
    return Violation{"single-runner",
                     absl::StrCat(domain, " runs on ", absl::StrJoin(running_on, " and "))};
  }
  // The guest's disks: VMI volume -> device, as set up.
  static const std::map<std::string, std::string> kNone;
  auto recorded = world_.guest_disks().find(domain);
  const std::map<std::string, std::string>& disks =
      recorded == world_.guest_disks().end() ? kNone : recorded->second;

  // The guest's container disks, as the world set them up: VMI volume ->
  // the overlay it wrote and the image under it.
  static const std::map<std::string, World::ContainerDisk> kNoImages;
  auto recorded_images = world_.container_disks().find(domain);
  const std::map<std::string, World::ContainerDisk>& images =
      recorded_images == world_.container_disks().end() ? kNoImages : recorded_images->second;
  // image-flattened: a disk that left its container disk's overlay holds
  // the image wherever the guest never wrote. Its message is built only
  // for a violation: this runs after every event.
  auto check_image = [&](const std::string& volume, const std::string& dev,
                         const std::string& path,
                         const auto& what) -> std::optional<Violation> {
    auto cd = images.find(volume);
    if (cd == images.end() || path == cd->second.overlay) return std::nullopt;
    if (auto missing = fabric.MissingImage(domain, dev, path, cd->second.image)) {
      return Violation{"image-flattened",
                       absl::StrCat(what(), " container disk volume ", volume, " left its image ",
                                    cd->second.image, " behind: ", *missing)};
    }
    return std::nullopt;
  };

  // running-disks-complete: every device the guest wrote to is open in the
  // domain it runs in, on an image holding every acknowledged write.
  if (running_on.size() == 1) {
    const std::string& host = running_on[0];
    const std::map<std::string, std::string>* open = fabric.OpenDisks(host, domain);
    for (const auto& [volume, dev] : disks) {
      if (open != nullptr && images.contains(volume)) {
        if (auto image = open->find(dev); image != open->end()) {
          if (auto v = check_image(volume, dev, image->second, [&] {
                return absl::StrCat(domain, " runs on ", host, " but its");
              })) {
            return v;
          }
        }
      }
      if (fabric.AckedWrites(domain, dev) == nullptr) continue;
      auto image = open == nullptr ? std::map<std::string, std::string>::const_iterator()
                                   : open->find(dev);
      if (open == nullptr || image == open->end()) {
        return Violation{"running-disks-complete",
                         absl::StrCat(domain, " runs on ", host, " without its disk ", dev,
                                      " (volume ", volume, "), which the guest wrote to")};
      }
      if (auto missing = fabric.MissingWrite(domain, dev, image->second)) {
        return Violation{"running-disks-complete",
                         absl::StrCat(domain, " runs on ", host, " but ", *missing)};
      }
    }
  }

  // spec-disks-complete: each volume of the guest, by its name, still names
  // a claim whose volume holds every write the guest made to that device.
  auto check_spec = [&](const std::string& what,
                        const kubevirt::VirtualMachineInstanceSpec& spec) -> std::optional<Violation> {
    for (const auto& [volume, dev] : disks) {
      const kubevirt::Volume* named = nullptr;
      for (const auto& v : spec.volumes()) {
        if (v.name() == volume) named = &v;
      }
      // A container disk is ephemeral (KubeVirt starts it from its image
      // again): while the spec names one, only the running guest's disk
      // holds its writes, and running-disks-complete judges that.
      if (named != nullptr && named->has_container_disk()) continue;
      const bool acked = fabric.AckedWrites(domain, dev) != nullptr;
      const bool from_image = images.contains(volume);
      if (!acked && !from_image) continue;
      std::optional<std::string> claim;
      if (named != nullptr) claim = api::ClaimOf(*named);
      if (!claim && !acked) continue;
      if (!claim) {
        return Violation{"spec-disks-complete",
                         absl::StrCat(what, " names no claim for volume ", volume,
                                      ", but the guest wrote to it (", dev, ")")};
      }
      const std::string path = ClaimVolume(ns, *claim);
      if (path.empty() && !acked) continue;
      if (path.empty()) {
        return Violation{"spec-disks-complete",
                         absl::StrCat(what, " names claim ", *claim,
                                      ", which has no bound volume, but the guest wrote to ", dev)};
      }
      if (auto missing = fabric.MissingWrite(domain, dev, path)) {
        return Violation{"spec-disks-complete",
                         absl::StrCat(what, " names claim ", *claim, " for volume ", volume, ": ",
                                      *missing)};
      }
      if (auto v = check_image(volume, dev, path,
                               [&] { return absl::StrCat(what, " names claim ", *claim, ": its"); })) {
        return v;
      }
    }
    return std::nullopt;
  };
  const kubevirt::VirtualMachineInstance* vmi = Find(objects_.vmi, Key(ns, name));
  if (vmi == nullptr) {
    // Shut down (by the world): KubeVirt starts the VM from its template whenever its
    // status does not record volumes moving (then it waits, as for a manual
    // recovery). A template it may start from names disks with every write.
    const auto* vm = Find(objects_.vm, Key(ns, name));
    auto restart = world_.restarting().find(Key(ns, name));
    if (vm == nullptr || restart == world_.restarting().end() ||
        restart->second.vm_uid != vm->metadata().uid()) {
      return std::nullopt;  // not this guest's VM to start again
    }
    const kubevirt::VolumeMigrationState& state =
        vm->status().volume_update_state().volume_migration_state();
    if (!state.migrated_volumes().empty() || state.manual_recovery_required()) return std::nullopt;
    return check_spec(absl::StrCat("VM ", ns, "/", name, " (to start from, its VMI gone)"),
                      vm->spec().template_().spec());
  }
  if (!SameObject(absl::StrCat("VMI ", ns, "/", name), *vmi)) return std::nullopt;
  if (auto v = check_spec(absl::StrCat("VMI ", ns, "/", name), vmi->spec())) return v;
  const std::string vm_name = OwnerVm(*vmi);
  if (const auto* vm = Find(objects_.vm, Key(ns, vm_name))) {
    // A volume the user moved to another claim (updateVolumesStrategy:
    // Migration) names where its data is to go, not where it is: until the
    // VMI is switched, it is judged on the claim the VMI runs it on.
    kubevirt::VirtualMachineInstanceSpec tmpl = vm->spec().template_().spec();
    if (vm->spec().update_volumes_strategy() == "Migration") {
      for (kubevirt::Volume& v : *tmpl.mutable_volumes()) {
        for (const kubevirt::Volume& running : vmi->spec().volumes()) {
          if (running.name() == v.name() && (api::ClaimOf(running) || running.has_container_disk()) &&
              api::ClaimOf(v)) {
            v = running;
          }
        }
      }
    }
    return check_spec(absl::StrCat("VM ", ns, "/", vm_name), tmpl);
  }
  return std::nullopt;
}

}  // namespace ferry::sim
