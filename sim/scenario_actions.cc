#include "sim/scenario_actions.h"

#include <memory>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/core.pb.h"
#include "base/status_macros.h"
#include "core/storage_migration/controller.h"
#include "sim/scenario_objects.h"
#include "sim/world_builder.h"

namespace ferry::sim {

using scenario::Action;

absl::Status ScenarioActions::Apply(absl::string_view where, absl::string_view text) {
  return ApplyManifests(where, text, world_);
}

void ScenarioActions::Heal() {
  faults_.Clear();
  stale_lag_ = absl::ZeroDuration();
  ++stale_epoch_;
  for (const auto& [a, b] : partitions_) world_.fabric().Heal(a, b);
  world_.fabric().set_link_factor(1);
}

absl::Duration ScenarioActions::StaleLag(const fakes::FakeKubeApi::Call& call) const {
  if (!stale_kind_.empty() && call.key.kind != stale_kind_) return absl::ZeroDuration();
  return *observing_ || world_.in_cluster_step() ? absl::ZeroDuration() : stale_lag_;
}

absl::StatusOr<std::string> ScenarioActions::ClaimVolume(const std::string& ref,
                                                         absl::string_view field) {
  ASSIGN_OR_RETURN(auto claim, ParseClaim(ref, field));
  absl::StatusOr<ports::ObjectPtr> got =
      world_.api().Get({"PersistentVolumeClaim", claim.first, claim.second});
  if (!got.ok()) return absl::NotFoundError(absl::StrCat(field, ": no claim ", ref));
  const std::string pv = ports::As<k8s::PersistentVolumeClaim>(*got)->spec().volume_name();
  if (pv.empty())
    return absl::FailedPreconditionError(absl::StrCat(field, ": claim ", ref, " is not bound"));
  return pv;
}

absl::Status ScenarioActions::Perform(const Action& a, const std::string& where) {
  switch (a.what_case()) {
    case Action::kApply:
      return Apply(absl::StrCat(where, ".apply"), a.apply());
    case Action::kApplyFile: {
      const std::string field = absl::StrCat(where, ".apply_file");
      ASSIGN_OR_RETURN(const std::string path, files_.Resolve(field, a.apply_file()));
      ASSIGN_OR_RETURN(const std::string text, files_.Read(field, a.apply_file()));
      return Apply(path, text);
    }
    case Action::kDelete: {
      ASSIGN_OR_RETURN(ports::ObjectKey key, ParseRef(a.delete_(), "delete"));
      return world_.api().Delete(key);
    }
    case Action::kCrash:
      return world_.Crash(
          a.crash().process(),
          absl::Seconds(a.crash().down_seconds() > 0 ? a.crash().down_seconds() : 5));
    case Action::kNodeDown:
      return world_.NodeDown(a.node_down());
    case Action::kRestartVm:
      return world_.RestartVm(a.restart_vm());
    case Action::kNodeUp:
      return world_.NodeUp(a.node_up());
    case Action::kCutStreams:
      world_.fabric().CutStreams(a.cut_streams());
      return absl::OkStatus();
    case Action::kFillClaim: {
      ASSIGN_OR_RETURN(std::string pv, ClaimVolume(a.fill_claim(), "fill_claim"));
      world_.fabric().FillVolume(pv);
      return absl::OkStatus();
    }
    case Action::kFailPod:
      return FailPod(a.fail_pod());
    case Action::kApiFault:
      faults_.Arm(a.api_fault());
      return absl::OkStatus();
    case Action::kLibvirtFault:
      faults_.Arm(a.libvirt_fault());
      return absl::OkStatus();
    case Action::kForgetWrite: {
      ASSIGN_OR_RETURN(std::string pv, ClaimVolume(a.forget_write(), "forget_write"));
      if (!world_.fabric().ForgetOneWrite(pv)) {
        return absl::FailedPreconditionError(
            absl::StrCat("forget_write: ", pv, " has no write to lose"));
      }
      return absl::OkStatus();
    }
    case Action::kZeroLastBlock: {
      ASSIGN_OR_RETURN(std::string pv, ClaimVolume(a.zero_last_block(), "zero_last_block"));
      if (!world_.fabric().ZeroLastBlock(pv)) {
        return absl::FailedPreconditionError(absl::StrCat("zero_last_block: no volume ", pv));
      }
      return absl::OkStatus();
    }
    case Action::kReplaceStatus:
      return ReplaceStatus(where, a.replace_status());
    case Action::kDuplicateDomain:
      return DuplicateDomain(a.duplicate_domain());
    case Action::kOvirtFault:
      faults_.Arm(a.ovirt_fault());
      return absl::OkStatus();
    case Action::kOvirtStart: {
      Observing scope(observing_);  // the user's call, not the plan's: no faults
      return world_.engine().Start(a.ovirt_start());
    }
    case Action::kOvirtAttach: {
      Observing scope(observing_);
      RETURN_IF_ERROR(world_.engine().AttachForTest(a.ovirt_attach().vm(),
                                                    {.disk_id = a.ovirt_attach().disk()}));
      std::optional<ovirt::Vm> vm = world_.engine().VmForTest(a.ovirt_attach().vm());
      if (vm.has_value() && vm->status() == "down") {
        return world_.engine().Start(a.ovirt_attach().vm());
      }
      return absl::OkStatus();
    }
    case Action::kDamageLabel: {
      ASSIGN_OR_RETURN(ports::ObjectKey key,
                       ParseRef(a.damage_label().object(), "damage_label.object"));
      const std::string label_key = a.damage_label().key();
      const std::string value = a.damage_label().value();
      return world_.api().CorruptForTest(key, [&](google::protobuf::Message* m) {
        (*ports::MutableMetadataOf(m)->mutable_labels())[label_key] = value;
      });
    }
    case Action::kPartition:
      return Partition(a.partition());
    case Action::kSlowLink:
      return SlowLink(a.slow_link());
    case Action::kStaleReads:
      return StaleReads(a.stale_reads());
    case Action::WHAT_NOT_SET:
      return absl::InvalidArgumentError("the action does nothing (set apply, delete, crash...)");
  }
  return absl::OkStatus();
}

absl::Status ScenarioActions::FailPod(const std::string& ref_text) {
  ASSIGN_OR_RETURN(auto ref, ParseClaim(ref_text, "fail_pod"));
  ASSIGN_OR_RETURN(ports::ObjectPtr got, world_.api().Get({"Pod", ref.first, ref.second}));
  k8s::Pod pod = *ports::As<k8s::Pod>(got);
  pod.mutable_status()->set_phase("Failed");
  pod.mutable_status()->set_reason("Error");
  pod.mutable_status()->set_message("the compute container exited (injected)");
  RETURN_IF_ERROR(world_.api().UpdateStatus(pod).status());
  // QEMU ran inside the pod: a domain of the pod's VMI on its node dies with it.
  auto vmi = pod.metadata().labels().find(storage_migration::kMigrationLabel);
  for (const auto& [domain, key] : world_.guests()) {
    const bool target_pod = vmi != pod.metadata().labels().end() &&
                            absl::StrContains(pod.metadata().name(), key.second);
    const bool source_pod =
        pod.metadata().name() == absl::StrCat("virt-launcher-", key.second, "-source");
    if ((target_pod || source_pod) && key.first == ref.first) {
      if (auto* host = world_.fabric().host(pod.spec().node_name())) (void)host->Destroy(domain);
    }
  }
  return absl::OkStatus();
}

absl::Status ScenarioActions::ReplaceStatus(const std::string& where, const std::string& text) {
  ASSIGN_OR_RETURN(auto objects, Manifests(absl::StrCat(where, ".replace_status"), text));
  for (const auto& o : objects) {
    ASSIGN_OR_RETURN(ports::ObjectKey key, ports::KeyOf(*o));
    if (key.namespace_.empty() && key.kind != "Node" && key.kind != "PersistentVolume") {
      key.namespace_ = "default";
    }
    ASSIGN_OR_RETURN(ports::ObjectPtr got, world_.api().Get(key));
    std::unique_ptr<google::protobuf::Message> next(got->New());
    next->CopyFrom(*got);
    const auto* field = next->GetDescriptor()->FindFieldByName("status");
    next->GetReflection()
        ->MutableMessage(next.get(), field)
        ->CopyFrom(o->GetReflection()->GetMessage(*o, field));
    RETURN_IF_ERROR(world_.api().UpdateStatus(*next).status());
  }
  return absl::OkStatus();
}

absl::Status ScenarioActions::DuplicateDomain(const scenario::DomainCopy& d) {
  ASSIGN_OR_RETURN(auto ref, ParseClaim(d.vmi(), "duplicate_domain.vmi"));
  const std::string domain = World::DomainNameOf(ref.first, ref.second);
  fakes::FakeHypervisor* to = world_.fabric().host(d.node());
  if (to == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("duplicate_domain.node: no node \"", d.node(), "\""));
  }
  for (const std::string& h : world_.fabric().HostsRunning(domain)) {
    ASSIGN_OR_RETURN(std::string xml, world_.fabric().host(h)->DomainXml(domain));
    RETURN_IF_ERROR(to->DefineDomain(xml).status());
    return to->Start(domain);
  }
  return absl::FailedPreconditionError(absl::StrCat("duplicate_domain: ", domain, " runs nowhere"));
}

absl::Status ScenarioActions::Partition(const scenario::Partition& p) {
  for (const std::string& node : {p.a(), p.b()}) {
    if (world_.fabric().host(node) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("partition: no node \"", node, "\""));
    }
  }
  world_.fabric().Partition(p.a(), p.b());
  partitions_.insert({p.a(), p.b()});
  if (p.seconds() > 0) {
    world_.sim().After(absl::Seconds(p.seconds()), "scenario", "heal partition",
                       [this, p] { world_.fabric().Heal(p.a(), p.b()); });
  }
  return absl::OkStatus();
}

absl::Status ScenarioActions::SlowLink(const scenario::SlowLink& s) {
  const double factor = s.factor();
  if (!(factor > 0 && factor <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("slow_link.factor: ", factor, " is not in (0, 1]"));
  }
  world_.fabric().set_link_factor(factor);
  if (s.seconds() > 0) {
    world_.sim().After(absl::Seconds(s.seconds()), "scenario", "link recovers",
                       [this] { world_.fabric().set_link_factor(1); });
  }
  return absl::OkStatus();
}

absl::Status ScenarioActions::StaleReads(const scenario::StaleReads& s) {
  if (s.lag_seconds() <= 0) {
    return absl::InvalidArgumentError("stale_reads.lag_seconds: must be above 0");
  }
  const uint64_t epoch = ++stale_epoch_;
  stale_lag_ = absl::Seconds(s.lag_seconds());
  stale_kind_ = s.kind();
  if (s.seconds() > 0) {
    world_.sim().After(absl::Seconds(s.seconds()), "scenario", "reads fresh", [this, epoch] {
      if (stale_epoch_ == epoch) stale_lag_ = absl::ZeroDuration();
    });
  }
  return absl::OkStatus();
}

}  // namespace ferry::sim
