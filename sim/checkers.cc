#include "sim/checkers.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/names.h"
#include "api/volumes.h"
#include "core/storage_migration/agent.h"
#include "core/storage_migration/processes.h"

namespace ferry::sim {
namespace {

using storage_migration::ClusterView;

absl::string_view Ns(absl::string_view ns) { return api::NamespaceOrDefault(ns); }

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

void Checkers::Baseline() {
  absl::StatusOr<ClusterView> view = storage_migration::ObserveCluster(world_.api());
  if (!view.ok()) return;
  for (const auto& vmi : view->vmis) {
    const std::string ns(Ns(vmi->metadata().namespace_()));
    baseline_[absl::StrCat("VMI ", ns, "/", vmi->metadata().name())] = Bytes(vmi->spec());
  }
  for (const auto& vm : view->vms) {
    const std::string ns(Ns(vm->metadata().namespace_()));
    baseline_[absl::StrCat("VM ", ns, "/", vm->metadata().name())] = Bytes(vm->spec());
  }
}

std::optional<Violation> Checkers::Check() {
  if (std::optional<Violation> v = lun_.Check()) return v;
  // Every storage checker below judges a migration seen, a guest domain or
  // a baseline spec. With none of them (a LUN-only world) there is nothing
  // to judge, and building the view (a list of every kind) is skipped.
  if (migrations_.empty() && baseline_.empty() && world_.guests().empty()) {
    absl::StatusOr<ports::ObjectList> migrations =
        world_.api().List("VirtualMachineInstanceMigration", "", k8s::LabelSelector());
    if (migrations.ok() && migrations->items.empty()) return std::nullopt;
  }
  // The API objects are immutable and any change bumps the resourceVersion,
  // so an unchanged version means the view of the last check still holds
  // (most events are passes that wrote nothing).
  if (!view_.has_value() || view_rv_ != world_.api().resource_version()) {
    absl::StatusOr<ClusterView> observed = storage_migration::ObserveCluster(world_.api());
    if (!observed.ok()) return Violation{"harness", observed.status().ToString()};
    view_ = *std::move(observed);
    view_rv_ = world_.api().resource_version();
  }
  const std::optional<ClusterView>& view = view_;
  const fakes::FakeFabric& fabric = world_.fabric();

  // Track migrations and what they move.
  for (const auto& m : view->migrations) {
    const std::string ns(Ns(m->metadata().namespace_()));
    Tracked& t = migrations_[absl::StrCat(ns, "/", m->metadata().name())];
    if (t.vmi.empty()) {
      t.ns = ns;
      t.vmi = m->spec().vmi_name();
      const kubevirt::VirtualMachineInstance* vmi = view->FindVmi(ns, t.vmi);
      t.vm = vmi != nullptr ? OwnerVm(*vmi) : t.vmi;
      for (const auto& p : m->spec().local_storage_migration().migrate_non_shared_disks()) {
        // Only claims that exist and that the VMI uses are sources to guard.
        if (view->FindPvc(ns, p.source_pvc()) != nullptr) t.sources.insert(p.source_pvc());
      }
    }
    if (m->status().phase() == "Succeeded" && !t.succeeded) {
      t.succeeded = true;
      // The new specs are the baseline from here on.
      if (const auto* vmi = view->FindVmi(ns, t.vmi)) {
        baseline_[absl::StrCat("VMI ", ns, "/", t.vmi)] = Bytes(vmi->spec());
      }
      if (const auto* vm = view->FindVm(ns, t.vm)) {
        baseline_[absl::StrCat("VM ", ns, "/", t.vm)] = Bytes(vm->spec());
      }
    }
  }

  // reclaim-after-success
  for (const auto& [key, t] : migrations_) {
    for (const std::string& source : t.sources) {
      const k8s::PersistentVolumeClaim* pvc = view->FindPvc(t.ns, source);
      const bool gone = pvc == nullptr || !pvc->metadata().deletion_timestamp().empty();
      if (!gone) continue;
      if (!t.succeeded) {
        return Violation{"reclaim-after-success",
                         absl::StrCat("source claim ", t.ns, "/", source, " was deleted but migration ",
                                      key, " has not succeeded")};
      }
      const auto* vmi = view->FindVmi(t.ns, t.vmi);
      const auto* vm = view->FindVm(t.ns, t.vm);
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
    const auto& [ns, name] = vmi_key;
    // single-runner
    const std::vector<std::string> hosts = fabric.HostsRunning(domain);
    std::vector<std::string> running_on;
    for (const std::string& h : hosts) {
      absl::StatusOr<ports::DomainInfo> info = fabric.host(h)->LookupDomain(domain);
      if (info.ok() && info->state == ports::DomainState::kRunning) running_on.push_back(h);
    }
    const size_t running = running_on.size();
    const std::string running_host = running == 1 ? running_on[0] : "";
    if (running > 1) {
      return Violation{"single-runner",
                       absl::StrCat(domain, " runs on ", absl::StrJoin(running_on, " and "))};
    }
    // running-disks-complete
    if (running == 1) {
      absl::StatusOr<std::string> xml = fabric.host(running_host)->DomainXml(domain);
      const kubevirt::VirtualMachineInstance* vmi = view->FindVmi(ns, name);
      if (xml.ok() && vmi != nullptr) {
        for (const auto& v : vmi->spec().volumes()) {
          const std::string dev = storage_migration::DiskTargetDev(vmi->spec(), v.name());
          // The path the running domain uses for dev.
          const std::string key = absl::StrCat("<target dev='", dev, "'");
          const size_t at = xml->find(key);
          if (dev.empty() || at == std::string::npos) continue;
          const size_t src = xml->rfind("<source file='", at);
          if (src == std::string::npos) continue;
          const size_t begin = src + 14;
          const std::string path = xml->substr(begin, xml->find('\'', begin) - begin);
          if (auto missing = fabric.MissingWrite(domain, dev, path)) {
            return Violation{"running-disks-complete",
                             absl::StrCat(domain, " runs on ", running_host, " but ", *missing)};
          }
        }
      }
    }
    // spec-disks-complete
    auto check_spec = [&](const std::string& what,
                          const kubevirt::VirtualMachineInstanceSpec& spec) -> std::optional<Violation> {
      for (const auto& v : spec.volumes()) {
        std::optional<std::string> claim = api::ClaimOf(v);
        if (!claim) continue;
        const std::string dev = storage_migration::DiskTargetDev(spec, v.name());
        if (fabric.AckedWrites(domain, dev) == nullptr) continue;
        const std::string path = storage_migration::VolumePath(*view, ns, *claim);
        if (path.empty()) {
          return Violation{"spec-disks-complete",
                           absl::StrCat(what, " names claim ", *claim,
                                        ", which has no bound volume, but the guest wrote to ", dev)};
        }
        if (auto missing = fabric.MissingWrite(domain, dev, path)) {
          return Violation{"spec-disks-complete", absl::StrCat(what, " names claim ", *claim, ": ", *missing)};
        }
      }
      return std::nullopt;
    };
    const kubevirt::VirtualMachineInstance* vmi = view->FindVmi(ns, name);
    if (vmi != nullptr) {
      if (auto v = check_spec(absl::StrCat("VMI ", ns, "/", name), vmi->spec())) return v;
      const std::string vm_name = OwnerVm(*vmi);
      if (const auto* vm = view->FindVm(ns, vm_name)) {
        if (auto v = check_spec(absl::StrCat("VM ", ns, "/", vm_name), vm->spec().template_().spec())) {
          return v;
        }
      }
    }
  }

  // source-untouched
  for (const auto& vmi : view->vmis) {
    const std::string ns(Ns(vmi->metadata().namespace_()));
    const std::string name = vmi->metadata().name();
    bool destination_recorded = false;
    for (const auto& m : view->migrations) {
      if (Ns(m->metadata().namespace_()) == ns && m->spec().vmi_name() == name &&
          m->status().switchover().side() == "Destination") {
        destination_recorded = true;
      }
    }
    if (destination_recorded) continue;
    auto it = baseline_.find(absl::StrCat("VMI ", ns, "/", name));
    if (it != baseline_.end() && it->second != Bytes(vmi->spec())) {
      return Violation{"source-untouched",
                       absl::StrCat("VMI ", ns, "/", name,
                                    " spec changed without a recorded switchover to the destination")};
    }
    const std::string vm_name = OwnerVm(*vmi);
    const auto* vm = view->FindVm(ns, vm_name);
    auto vt = baseline_.find(absl::StrCat("VM ", ns, "/", vm_name));
    if (vm != nullptr && vt != baseline_.end() && vt->second != Bytes(vm->spec())) {
      return Violation{"source-untouched",
                       absl::StrCat("VM ", ns, "/", vm_name,
                                    " spec changed without a recorded switchover to the destination")};
    }
  }

  // terminal-has-reason
  for (const auto& m : view->migrations) {
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
                       absl::StrCat("migration ", Ns(m->metadata().namespace_()), "/",
                                    m->metadata().name(), " is ", phase,
                                    " without a condition saying why")};
    }
  }
  return std::nullopt;
}

}  // namespace ferry::sim
