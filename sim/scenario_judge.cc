#include "sim/scenario_judge.h"

#include <memory>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/forklift.pb.h"
#include "api/kubevirt.pb.h"
#include "api/names.h"
#include "api/volumes.h"
#include "google/protobuf/util/message_differencer.h"
#include "sim/scenario_objects.h"

namespace ferry::sim {
namespace {

using scenario::Expect;
using scenario::FieldValue;
using scenario::MigrationOutcome;
using scenario::SameSpec;

// expect.same_spec[i]: the object's spec equals the spec of the file's first object.
void CompareSpec(int i, const SameSpec& same, World& world, const ScenarioFiles& files,
                 std::vector<std::string>& failures) {
  const std::string file_field = absl::StrCat("expect.same_spec[", i, "].file");
  absl::StatusOr<std::string> text = files.Read(file_field, same.file());
  if (!text.ok()) {
    failures.push_back(std::string(text.status().message()));
    return;
  }
  const std::string path = *files.Resolve(file_field, same.file());
  absl::StatusOr<std::vector<std::unique_ptr<google::protobuf::Message>>> objects =
      Manifests(path, *text);
  absl::StatusOr<ports::ObjectKey> key = ParseRef(same.object(), "expect.same_spec.object");
  if (!objects.ok() || objects->empty() || !key.ok()) {
    failures.push_back(absl::StrCat(same.object(), ": cannot compare with ", path));
    return;
  }
  absl::StatusOr<ports::ObjectPtr> got = world.api().Get(*key);
  if (!got.ok()) {
    failures.push_back(absl::StrCat(same.object(), ": ", got.status().message()));
    return;
  }
  const google::protobuf::Message& want = *objects->front();
  const auto* field = want.GetDescriptor()->FindFieldByName("spec");
  if (field == nullptr || (*got)->GetDescriptor() != want.GetDescriptor()) {
    failures.push_back(absl::StrCat(same.object(), ": ", path, " holds another kind"));
    return;
  }
  google::protobuf::util::MessageDifferencer diff;
  std::string report;
  diff.ReportDifferencesToString(&report);
  if (!diff.Compare(want.GetReflection()->GetMessage(want, field),
                    (*got)->GetReflection()->GetMessage(**got, field))) {
    failures.push_back(absl::StrCat(same.object(), ": spec differs from ", path,
                                    " (expected -> actual):\n", report));
  }
}

// VMs whose volume update (updateVolumesStrategy: Migration, a template
// claim other than the VMI's) is not settled: their VMI does not say the
// change failed or was cancelled (VolumesChange False), or says it is under
// way (True). Judged from the objects, not through the core's helpers.
std::vector<std::string> OpenVolumeUpdates(World& world) {
  std::vector<std::string> open;
  absl::StatusOr<ports::ObjectList> vms =
      world.api().List("VirtualMachine", "", k8s::LabelSelector());
  if (!vms.ok()) return {"VirtualMachines: cannot list"};
  for (const auto& item : vms->items) {
    const auto vm = ports::As<kubevirt::VirtualMachine>(item);
    if (vm->spec().update_volumes_strategy() != "Migration") continue;
    absl::StatusOr<ports::ObjectPtr> got = world.api().Get(
        {"VirtualMachineInstance", vm->metadata().namespace_(), vm->metadata().name()});
    if (!got.ok()) {
      // Shut down: its template applies at its start, unless KubeVirt holds
      // that start (volumes were moving when its VMI went).
      if (world.restarting().contains(
              absl::StrCat(api::NamespaceOrDefault(vm->metadata().namespace_()), "/",
                           vm->metadata().name()))) {
        const auto& state = vm->status().volume_update_state().volume_migration_state();
        open.push_back(absl::StrCat(
            "VirtualMachine ", vm->metadata().namespace_(), "/", vm->metadata().name(),
            " shut down and not started again",
            state.manual_recovery_required() ? " (ManualRecoveryRequired)"
            : state.migrated_volumes().empty() ? ""
                                               : " (its volume update record still set)"));
      }
      continue;
    }
    const auto vmi = ports::As<kubevirt::VirtualMachineInstance>(*got);
    std::string changing;
    for (const auto& c : vmi->status().conditions()) {
      if (c.type() == "VolumesChange") changing = c.status();
    }
    bool differs = false;
    for (const kubevirt::Volume& v : vm->spec().template_().spec().volumes()) {
      for (const kubevirt::Volume& running : vmi->spec().volumes()) {
        if (running.name() != v.name()) continue;
        const std::optional<std::string> a = api::ClaimOf(v), b = api::ClaimOf(running);
        if (a && b && *a != *b) differs = true;
      }
    }
    if (changing == "True" || (differs && changing != "False")) {
      open.push_back(absl::StrCat("VirtualMachine ", vm->metadata().namespace_(), "/",
                                  vm->metadata().name(), "'s volume update (VolumesChange ",
                                  changing.empty() ? "not set" : changing, ")"));
    }
  }
  return open;
}

}  // namespace

bool AllTerminal(World& world) {
  absl::StatusOr<ports::ObjectList> list =
      world.api().List("VirtualMachineInstanceMigration", "", k8s::LabelSelector());
  if (!list.ok()) return false;
  for (const auto& item : list->items) {
    const auto m = ports::As<kubevirt::VirtualMachineInstanceMigration>(item);
    const std::string& phase = m->status().phase();
    if (phase != "Succeeded" && phase != "Failed") return false;
    if (!m->metadata().finalizers().empty()) return false;
  }
  // Forklift Migrations (LUN plans) end when their status says completed.
  absl::StatusOr<ports::ObjectList> runs = world.api().List("Migration", "", k8s::LabelSelector());
  if (!runs.ok()) return false;
  for (const auto& item : runs->items) {
    if (ports::As<forklift::Migration>(item)->status().completed().empty()) return false;
  }
  return OpenVolumeUpdates(world).empty();
}

std::vector<std::string> NotTerminal(World& world) {
  std::vector<std::string> open = OpenVolumeUpdates(world);
  absl::StatusOr<ports::ObjectList> list =
      world.api().List("VirtualMachineInstanceMigration", "", k8s::LabelSelector());
  if (list.ok()) {
    for (const auto& item : list->items) {
      const auto m = ports::As<kubevirt::VirtualMachineInstanceMigration>(item);
      const std::string& phase = m->status().phase();
      if ((phase != "Succeeded" && phase != "Failed") || !m->metadata().finalizers().empty()) {
        open.push_back(
            absl::StrCat("VirtualMachineInstanceMigration ", m->metadata().namespace_(), "/",
                         m->metadata().name(), " in phase ", phase.empty() ? "(none)" : phase,
                         m->metadata().finalizers().empty() ? "" : " with its finalizer"));
      }
    }
  }
  absl::StatusOr<ports::ObjectList> runs = world.api().List("Migration", "", k8s::LabelSelector());
  if (runs.ok()) {
    for (const auto& item : runs->items) {
      const auto run = ports::As<forklift::Migration>(item);
      if (!run->status().completed().empty()) continue;
      std::vector<std::string> vms;
      for (const auto& vm : run->status().vms())
        vms.push_back(absl::StrCat(vm.name(), " ", vm.phase()));
      open.push_back(absl::StrCat("Migration ", run->metadata().namespace_(), "/",
                                  run->metadata().name(), " not completed (",
                                  vms.empty() ? "no VM started" : absl::StrJoin(vms, ", "), ")"));
    }
  }
  return open;
}

std::vector<std::string> JudgeExpectations(const Expect& e, World& world,
                                           const ScenarioFiles& files) {
  std::vector<std::string> failures;
  for (const MigrationOutcome& m : e.migration()) {
    const std::string ns = m.namespace_().empty() ? "default" : m.namespace_();
    absl::StatusOr<ports::ObjectPtr> got =
        world.api().Get({"VirtualMachineInstanceMigration", ns, m.name()});
    std::string what = absl::StrCat("migration ", ns, "/", m.name());
    if (!m.volume_update_of().empty()) {
      what = absl::StrCat("the migration of VM ", ns, "/", m.volume_update_of(), "'s volume update");
      k8s::LabelSelector selector;
      (*selector.mutable_match_labels())["kubevirt.io/volume-update-migration"] =
          m.volume_update_of();
      absl::StatusOr<ports::ObjectList> found =
          world.api().List("VirtualMachineInstanceMigration", ns, selector);
      const size_t n = found.ok() ? found->items.size() : 0;
      if (n == 1) {
        got = found->items.front();
      } else if (n == 0) {
        got = absl::NotFoundError("none was created (or it is gone)");
      } else {
        got = absl::FailedPreconditionError(absl::StrCat(n, " exist, expected one"));
      }
    }
    if (m.phase() == "Deleted") {
      if (got.ok() || absl::IsFailedPrecondition(got.status())) {
        failures.push_back(absl::StrCat(what, ": expected it gone, it exists"));
      }
      continue;
    }
    if (!got.ok()) {
      failures.push_back(absl::StrCat(what, ": ", got.status().message()));
      continue;
    }
    const auto vmim = ports::As<kubevirt::VirtualMachineInstanceMigration>(*got);
    if (vmim->status().phase() != m.phase()) {
      failures.push_back(
          absl::StrCat(what, ": phase ", vmim->status().phase(), ", expected ", m.phase()));
      continue;
    }
    if (!m.reason_contains().empty()) {
      std::string said;
      for (const auto& c : vmim->status().conditions()) {
        if (c.type() == m.phase()) said = absl::StrCat(c.reason(), ": ", c.message());
      }
      if (!absl::StrContains(said, m.reason_contains())) {
        failures.push_back(absl::StrCat(what, ": reason \"", said, "\" does not contain \"",
                                        m.reason_contains(), "\""));
      }
    }
  }
  for (const FieldValue& f : e.field()) {
    auto [found, value] = FieldOf(world, f.object(), f.path());
    if (!found || value != f.equals()) {
      failures.push_back(absl::StrCat(f.object(), " ", f.path(), ": ",
                                      found ? absl::StrCat("\"", value, "\"") : "absent",
                                      ", expected \"", f.equals(), "\""));
    }
  }
  for (int i = 0; i < e.same_spec_size(); ++i)
    CompareSpec(i, e.same_spec(i), world, files, failures);
  for (const scenario::OvirtVmState& want : e.ovirt_vm()) {
    std::optional<ovirt::Vm> vm = world.engine().VmForTest(want.id());
    const std::string what = absl::StrCat("oVirt VM ", want.id());
    if (!vm.has_value()) {
      failures.push_back(absl::StrCat(what, ": no such VM in world.ovirt"));
      continue;
    }
    if (!want.status().empty() && vm->status() != want.status()) {
      failures.push_back(
          absl::StrCat(what, ": status ", vm->status(), ", expected ", want.status()));
    }
    std::vector<std::string> attached;
    for (const auto& a : vm->disk_attachments().disk_attachment()) attached.push_back(a.id());
    const std::vector<std::string> expected(want.attached().begin(), want.attached().end());
    if (attached != expected) {
      failures.push_back(absl::StrCat(what, ": attached [", absl::StrJoin(attached, ", "),
                                      "], expected [", absl::StrJoin(expected, ", "), "]"));
    }
  }
  for (const std::string& ref : e.absent()) {
    absl::StatusOr<ports::ObjectKey> key = ParseRef(ref, "expect.absent");
    if (key.ok() && world.api().Get(*key).ok()) {
      failures.push_back(absl::StrCat(ref, ": expected absent, it exists"));
    }
  }
  for (const std::string& ref : e.present()) {
    absl::StatusOr<ports::ObjectKey> key = ParseRef(ref, "expect.present");
    if (!key.ok() || !world.api().Get(*key).ok()) {
      failures.push_back(absl::StrCat(ref, ": expected present, it is not"));
    }
  }
  int64_t writes = 0;
  for (const auto& [domain, vmi] : world.guests())
    writes += world.fabric().acknowledged_writes(domain);
  if (writes < e.min_acknowledged_writes()) {
    failures.push_back(absl::StrCat("the guests wrote ", writes,
                                    " acknowledged blocks, expected at least ",
                                    e.min_acknowledged_writes()));
  }
  return failures;
}

}  // namespace ferry::sim
