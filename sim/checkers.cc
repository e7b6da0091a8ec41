#include "sim/checkers.h"

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
        "spec-disks-complete",   "source-untouched", "terminal-has-reason"};
    for (const std::string& n : LunCheckers::Names()) v->push_back(n);
    return v;
  }();
  return *names;
}

absl::Status Checkers::Refresh() {
  // The API objects are immutable and any change bumps the resourceVersion,
  // so an unchanged version means the objects of the last read still hold
  // (most events are passes that wrote nothing).
  if (objects_rv_ == world_.api().resource_version()) return absl::OkStatus();
  ports::KubeApi& api = world_.api();
  using kubevirt::VirtualMachine;
  using kubevirt::VirtualMachineInstance;
  using kubevirt::VirtualMachineInstanceMigration;
  ASSIGN_OR_RETURN(auto vmis, ports::ListAll<VirtualMachineInstance>(api, "VirtualMachineInstance"));
  ASSIGN_OR_RETURN(auto vms, ports::ListAll<VirtualMachine>(api, "VirtualMachine"));
  ASSIGN_OR_RETURN(auto migrations,
                   ports::ListAll<VirtualMachineInstanceMigration>(api, "VirtualMachineInstanceMigration"));
  ASSIGN_OR_RETURN(auto pvcs, ports::ListAll<k8s::PersistentVolumeClaim>(api, "PersistentVolumeClaim"));
  Objects next;
  for (const auto& vmi : vmis) next.vmi.emplace(KeyOf(*vmi), vmi);
  for (auto& vm : vms) next.vm.emplace(KeyOf(*vm), std::move(vm));
  for (auto& pvc : pvcs) next.pvc.emplace(KeyOf(*pvc), std::move(pvc));
  next.vmis = std::move(vmis);
  next.migrations = std::move(migrations);
  objects_ = std::move(next);
  objects_rv_ = world_.api().resource_version();
  return absl::OkStatus();
}

std::string Checkers::ClaimVolume(const std::string& ns, const std::string& claim) const {
  const k8s::PersistentVolumeClaim* pvc = Find(objects_.pvc, Key(ns, claim));
  if (pvc == nullptr || pvc->status().phase() != "Bound") return "";
  const std::string* path = world_.cluster().VolumeOf(pvc->spec().volume_name());
  return path == nullptr ? "" : *path;
}

void Checkers::Baseline() {
  if (!Refresh().ok()) return;
  for (const auto& vmi : objects_.vmis) {
    SetBaseline(absl::StrCat("VMI ", KeyOf(*vmi)), Bytes(vmi->spec()));
  }
  for (const auto& [key, vm] : objects_.vm) SetBaseline(absl::StrCat("VM ", key), Bytes(vm->spec()));
}

void Checkers::SetBaseline(const std::string& key, std::string spec) {
  baseline_[key] = std::move(spec);
  same_as_baseline_.erase(key);
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
  const Objects& api = objects_;

  // Track migrations and what they move.
  for (const auto& m : api.migrations) {
    const std::string ns(Ns(m->metadata().namespace_()));
    Tracked& t = migrations_[KeyOf(*m)];
    if (t.vmi.empty()) {
      t.ns = ns;
      t.vmi = m->spec().vmi_name();
      const kubevirt::VirtualMachineInstance* vmi = Find(api.vmi, Key(ns, t.vmi));
      t.vm = vmi != nullptr ? OwnerVm(*vmi) : t.vmi;
      for (const auto& p : m->spec().local_storage_migration().migrate_non_shared_disks()) {
        // Only claims that exist and that the VMI uses are sources to guard.
        if (Find(api.pvc, Key(ns, p.source_pvc())) != nullptr) t.sources.insert(p.source_pvc());
      }
    }
    if (m->status().phase() == "Succeeded" && !t.succeeded) {
      t.succeeded = true;
      // The new specs are the baseline from here on.
      if (const auto* vmi = Find(api.vmi, Key(ns, t.vmi))) {
        SetBaseline(absl::StrCat("VMI ", Key(ns, t.vmi)), Bytes(vmi->spec()));
      }
      if (const auto* vm = Find(api.vm, Key(ns, t.vm))) {
        SetBaseline(absl::StrCat("VM ", Key(ns, t.vm)), Bytes(vm->spec()));
      }
    }
  }

  // reclaim-after-success
  for (const auto& [key, t] : migrations_) {
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
  }

  for (const auto& [domain, vmi_key] : world_.guests()) {
    if (auto v = CheckGuest(domain, vmi_key.first, vmi_key.second)) return v;
  }

  // source-untouched
  for (const auto& vmi : api.vmis) {
    const std::string ns(Ns(vmi->metadata().namespace_()));
    const std::string name = vmi->metadata().name();
    bool destination_recorded = false;
    for (const auto& m : api.migrations) {
      if (Ns(m->metadata().namespace_()) == ns && m->spec().vmi_name() == name &&
          m->status().switchover().side() == "Destination") {
        destination_recorded = true;
      }
    }
    if (destination_recorded) continue;
    const std::string vmi_baseline = absl::StrCat("VMI ", ns, "/", name);
    if (baseline_.contains(vmi_baseline) && !SameAsBaseline(vmi_baseline, vmi, vmi->spec())) {
      return Violation{"source-untouched",
                       absl::StrCat("VMI ", ns, "/", name,
                                    " spec changed without a recorded switchover to the destination")};
    }
    const std::string vm_name = OwnerVm(*vmi);
    auto vm = api.vm.find(Key(ns, vm_name));
    const std::string vm_baseline = absl::StrCat("VM ", ns, "/", vm_name);
    if (vm != api.vm.end() && baseline_.contains(vm_baseline) &&
        !SameAsBaseline(vm_baseline, vm->second, vm->second->spec())) {
      return Violation{"source-untouched",
                       absl::StrCat("VM ", ns, "/", vm_name,
                                    " spec changed without a recorded switchover to the destination")};
    }
  }

  // terminal-has-reason
  for (const auto& m : api.migrations) {
    const std::string& phase = m->status().phase();
    if (phase != "Failed" && phase != "Succeeded") continue;
    bool said = false;
    for (const auto& c : m->status().conditions()) {
      if (c.type() == phase && c.status() == "True" && !c.reason().empty() && !c.message().empty()) {
        said = true;
      }
    }
    if (!said) {
      return Violation{"terminal-has-reason",
                       absl::StrCat("migration ", KeyOf(*m), " is ", phase,
                                    " without a condition saying why")};
    }
  }
  clean_ = now;
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

  // running-disks-complete: every device the guest wrote to is open in the
  // domain it runs in, on an image holding every acknowledged write.
  if (running_on.size() == 1) {
    const std::string& host = running_on[0];
    const std::map<std::string, std::string>* open = fabric.OpenDisks(host, domain);
    for (const auto& [volume, dev] : disks) {
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
      if (fabric.AckedWrites(domain, dev) == nullptr) continue;
      std::optional<std::string> claim;
      for (const auto& v : spec.volumes()) {
        if (v.name() == volume) claim = api::ClaimOf(v);
      }
      if (!claim) {
        return Violation{"spec-disks-complete",
                         absl::StrCat(what, " names no claim for volume ", volume,
                                      ", but the guest wrote to it (", dev, ")")};
      }
      const std::string path = ClaimVolume(ns, *claim);
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
    }
    return std::nullopt;
  };
  const kubevirt::VirtualMachineInstance* vmi = Find(objects_.vmi, Key(ns, name));
  if (vmi == nullptr) return std::nullopt;
  if (auto v = check_spec(absl::StrCat("VMI ", ns, "/", name), vmi->spec())) return v;
  const std::string vm_name = OwnerVm(*vmi);
  if (const auto* vm = Find(objects_.vm, Key(ns, vm_name))) {
    return check_spec(absl::StrCat("VM ", ns, "/", vm_name), vm->spec().template_().spec());
  }
  return std::nullopt;
}

}  // namespace ferry::sim
