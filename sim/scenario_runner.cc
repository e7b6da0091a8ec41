#include "sim/scenario_runner.h"

#include <algorithm>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "api/forklift.pb.h"
#include "api/manifest/encoder.h"
#include "api/manifest/kinds.h"
#include "api/manifest/reader.h"
#include "base/read_file.h"
#include "base/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "nlohmann/json.hpp"
#include "sim/armed_faults.h"
#include "sim/checkers.h"
#include "sim/coverage.h"
#include "sim/ovirt_world.h"
#include "sim/scenario_limits.h"
#include "sim/world.h"

namespace ferry::sim {
namespace {

using scenario::Action;
using scenario::Condition;
using scenario::Expect;
using scenario::FieldValue;
using scenario::MigrationOutcome;
using scenario::RunningVm;
using scenario::SameSpec;
using scenario::Scenario;
using scenario::Tuning;

constexpr absl::Duration kSettleGrace = absl::Seconds(5);

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  explicit Collector(std::string path) : path_(std::move(path)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat(path_, ":", line + 1, ":", column + 1, ": ", message);
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string path_;
  std::string first_;
};

std::string Stem(const std::string& path) {
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  const size_t dot = base.find('.');
  return dot == std::string::npos ? base : base.substr(0, dot);
}

absl::StatusOr<ports::ObjectKey> ParseRef(const std::string& ref, absl::string_view field) {
  std::vector<std::string> parts = absl::StrSplit(ref, '/');
  if (parts.size() == 3) return ports::ObjectKey{parts[0], parts[1], parts[2]};
  if (parts.size() == 2) return ports::ObjectKey{parts[0], "", parts[1]};
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": \"", ref, "\" is not \"Kind/namespace/name\" (or \"Kind/name\" when cluster-scoped)"));
}

absl::StatusOr<std::pair<std::string, std::string>> ParseClaim(const std::string& ref,
                                                               absl::string_view field) {
  std::vector<std::string> parts = absl::StrSplit(ref, '/');
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", ref, "\" is not \"namespace/name\""));
  }
  return std::make_pair(parts[0], parts[1]);
}

// The objects of a manifest text; errors name where.
absl::StatusOr<std::vector<std::unique_ptr<google::protobuf::Message>>> Manifests(
    absl::string_view where, absl::string_view text) {
  ASSIGN_OR_RETURN(manifest::ManifestSet set, manifest::ParseManifests(where, text));
  for (const manifest::Finding& f : set.findings) {
    return absl::InvalidArgumentError(manifest::FormatFinding(f));
  }
  std::vector<std::unique_ptr<google::protobuf::Message>> out;
  for (manifest::Object& o : set.objects) {
    for (const manifest::Finding& f : o.findings) {
      if (f.severity == manifest::Severity::kError) {
        return absl::InvalidArgumentError(manifest::FormatFinding(f));
      }
    }
    out.push_back(std::move(o.message));
  }
  return out;
}

// An object's field as text ("" and false when absent).
std::pair<bool, std::string> FieldOf(World& world, const std::string& object,
                                     const std::string& path) {
  absl::StatusOr<ports::ObjectKey> key = ParseRef(object, "object");
  if (!key.ok()) return {false, ""};
  absl::StatusOr<ports::ObjectPtr> got = world.api().Get(*key);
  if (!got.ok()) return {false, ""};
  nlohmann::ordered_json tree = manifest::Encode(**got);
  try {
    const nlohmann::ordered_json& value = tree.at(nlohmann::ordered_json::json_pointer(path));
    return {true, value.is_string() ? value.get<std::string>() : value.dump()};
  } catch (const std::exception&) {
    return {false, ""};
  }
}

// Marks the harness's own reads, which injected API faults must not hit.
class Observing {
 public:
  explicit Observing(bool* flag) : flag_(flag) { *flag_ = true; }
  ~Observing() { *flag_ = false; }

 private:
  bool* flag_;
};

class Run {
 public:
  Run(const LoadedScenario& loaded, const RunOptions& options)
      : s_(loaded.scenario), files_(loaded.files), options_(options),
        world_(WorldOptions(loaded.scenario, options)), checkers_(world_), coverage_(world_) {
    checkers_.set_verify_incremental_for_test(options.verify_checkers_for_test);
  }

  ScenarioResult Go() {
    const absl::Time wall_start = absl::Now();
    result_.name = s_.name();
    // A scenario edited or generated after loading is held to the ranges too.
    if (absl::Status limits = CheckScenarioLimits(s_); !limits.ok()) {
      result_.setup_error = std::string(limits.message());
      result_.failures.push_back(result_.setup_error);
    } else if (absl::Status setup = Setup(); !setup.ok()) {
      result_.setup_error = absl::StrCat("world: ", setup.message());
      result_.failures.push_back(result_.setup_error);
    } else {
      Loop();
      Judge();
      for (const std::string& line : world_.stale_waits()) {
        result_.failures.push_back(absl::StrCat("lun-controller: a stale remembered wait: ", line));
      }
      Observing scope(&observing_);
      result_.reached = coverage_.Reached();
      result_.migrated = coverage_.Migrated();
    }
    result_.passed = result_.failures.empty();
    result_.wall = absl::Now() - wall_start;
    result_.simulated = world_.sim().now() - start_;
    result_.trace_hash = world_.sim().trace_hash();
    result_.ferry_api_calls = world_.ferry_api_calls();
    result_.ferry_api_calls_by_verb = world_.ferry_api_calls_by_verb();
    result_.faults_hit = faults_.hit();
    result_.engine_calls = world_.engine_calls();
    result_.engine_calls_by_request = world_.engine_calls_by_request();
    result_.reconciles = world_.reconciles();
    result_.timeline = world_.timeline();
    for (const auto& [domain, vmi] : world_.guests()) {
      result_.acknowledged_writes += world_.fabric().acknowledged_writes(domain);
    }
    return result_;
  }

 private:
  static World::Options WorldOptions(const Scenario& s, const RunOptions& o) {
    World::Options w;
    w.seed = s.seed();
    if (s.world().link_mib_per_s() > 0) w.link_mib_per_s = s.world().link_mib_per_s();
    const Tuning& t = s.tuning();
    if (t.completion_timeout_per_gib_s() > 0) {
      w.controller.completion_timeout_per_gib = absl::Seconds(t.completion_timeout_per_gib_s());
    }
    if (t.destination_wait_timeout_s() > 0) {
      w.controller.destination_wait_timeout = absl::Seconds(t.destination_wait_timeout_s());
    }
    if (t.target_start_timeout_s() > 0) {
      w.controller.target_start_timeout = absl::Seconds(t.target_start_timeout_s());
    }
    if (t.controller_period_s() > 0) w.controller_period = absl::Seconds(t.controller_period_s());
    if (t.agent_period_s() > 0) w.agent_period = absl::Seconds(t.agent_period_s());
    w.record_trace = o.trace;
    w.lun.verify_waits = o.verify_waits;
    if (s.world().has_ovirt()) {
      w.lun_controller = true;
      w.engine = EngineOptions(s.world().ovirt());
    }
    return w;
  }

  absl::Status Apply(absl::string_view where, absl::string_view text) {
    ASSIGN_OR_RETURN(auto objects, Manifests(where, text));
    for (const auto& o : objects) {
      absl::Status st = world_.Apply(*o);
      if (!st.ok()) return absl::Status(st.code(), absl::StrCat(where, ": ", st.message()));
    }
    return absl::OkStatus();
  }

  absl::Status Setup() {
    start_ = world_.sim().now();
    for (const std::string& node : s_.world().node()) RETURN_IF_ERROR(world_.AddNode(node));
    for (int i = 0; i < s_.world().manifest_size(); ++i) {
      RETURN_IF_ERROR(Apply(absl::StrCat("world.manifest[", i, "]"), s_.world().manifest(i)));
    }
    for (int i = 0; i < s_.world().manifest_file_size(); ++i) {
      const std::string field = absl::StrCat("world.manifest_file[", i, "]");
      ASSIGN_OR_RETURN(const std::string path, files_.Resolve(field, s_.world().manifest_file(i)));
      ASSIGN_OR_RETURN(const std::string text, files_.Read(field, s_.world().manifest_file(i)));
      RETURN_IF_ERROR(Apply(path, text));
    }
    for (const RunningVm& vm : s_.world().running_vm()) RETURN_IF_ERROR(world_.StartVm(vm));
    if (s_.world().has_ovirt()) {
      RETURN_IF_ERROR(PopulateSan(s_.world().ovirt(), world_.san()));
      RETURN_IF_ERROR(PopulateEngine(s_.world().ovirt(), world_.engine()));
    }
    checkers_.Baseline();
    world_.SetFaults(faults_.ForProcesses());
    faults_.ForPlatformModel();
    for (int i = 0; i < s_.action_size(); ++i) {
      const Action& a = s_.action(i);
      if (a.has_when()) {
        waiting_.push_back(i);
      } else {
        ++timed_pending_;
        world_.sim().At(start_ + absl::Seconds(a.at_seconds() + a.delay_seconds()), "scenario",
                        absl::StrCat("action[", i, "]"), [this, i] {
                          --timed_pending_;
                          Perform(i);
                        });
      }
    }
    if (s_.has_liveness()) {
      heal_at_ = start_ + absl::Seconds(s_.liveness().heal_at_seconds());
      ++timed_pending_;
      world_.sim().At(heal_at_, "scenario", "heal", [this] {
        --timed_pending_;
        Heal();
      });
    }
    world_.api().SetStaleHook([this](const fakes::FakeKubeApi::Call& call) {
      if (!stale_kind_.empty() && call.key.kind != stale_kind_) return absl::ZeroDuration();
      return observing_ || world_.in_cluster_step() ? absl::ZeroDuration() : stale_lag_;
    });
    world_.Start();
    return absl::OkStatus();
  }

  // The liveness phase begins: every fault ends.
  void Heal() {
    world_.Note("scenario", "HEAL: every fault ends; the liveness phase begins");
    faults_.Clear();
    stale_lag_ = absl::ZeroDuration();
    ++stale_epoch_;
    for (const auto& [a, b] : partitions_) world_.fabric().Heal(a, b);
    world_.fabric().set_link_factor(1);
    world_.HealAll();
    healed_ = true;
  }

  // What is not terminal yet, for a liveness failure.
  std::string Unsettled() {
    std::vector<std::string> open;
    absl::StatusOr<ports::ObjectList> list =
        world_.api().List("VirtualMachineInstanceMigration", "", k8s::LabelSelector());
    if (list.ok()) {
      for (const auto& item : list->items) {
        const auto m = ports::As<kubevirt::VirtualMachineInstanceMigration>(item);
        const std::string& phase = m->status().phase();
        if ((phase != "Succeeded" && phase != "Failed") || !m->metadata().finalizers().empty()) {
          open.push_back(absl::StrCat("VirtualMachineInstanceMigration ", m->metadata().namespace_(),
                                      "/", m->metadata().name(), " in phase ",
                                      phase.empty() ? "(none)" : phase,
                                      m->metadata().finalizers().empty() ? "" : " with its finalizer"));
        }
      }
    }
    absl::StatusOr<ports::ObjectList> runs = world_.api().List("Migration", "", k8s::LabelSelector());
    if (runs.ok()) {
      for (const auto& item : runs->items) {
        const auto run = ports::As<forklift::Migration>(item);
        if (!run->status().completed().empty()) continue;
        std::vector<std::string> vms;
        for (const auto& vm : run->status().vms()) vms.push_back(absl::StrCat(vm.name(), " ", vm.phase()));
        open.push_back(absl::StrCat("Migration ", run->metadata().namespace_(), "/",
                                    run->metadata().name(), " not completed (",
                                    vms.empty() ? "no VM started" : absl::StrJoin(vms, ", "), ")"));
      }
    }
    if (timed_pending_ > 0) open.push_back(absl::StrCat(timed_pending_, " timed actions pending"));
    return open.empty() ? "nothing (settling)" : absl::StrJoin(open, "; ");
  }

  void Perform(int i) {
    const Action& a = s_.action(i);
    const std::string where = absl::StrCat("action[", i, "]");
    world_.Note("scenario", absl::StrCat(where, ": ", a.ShortDebugString()));
    absl::Status st;
    {
      Observing scope(&observing_);  // the user's own calls: injected faults are for the processes
      coverage_.BeforeAction(a);
      st = PerformAction(a, where);
    }
    if (!a.expect_error().empty()) {
      if (st.ok()) {
        result_.failures.push_back(absl::StrCat(where, ": succeeded, expected an error containing \"",
                                                a.expect_error(), "\""));
      } else if (!absl::StrContains(st.message(), a.expect_error())) {
        result_.failures.push_back(absl::StrCat(where, ": failed with \"", st.message(),
                                                "\", expected an error containing \"",
                                                a.expect_error(), "\""));
      } else {
        world_.Note("scenario", absl::StrCat(where, " refused as expected: ", st.message()));
      }
      return;
    }
    if (!st.ok() && a.may_fail()) {
      world_.Note("scenario", absl::StrCat(where, " found nothing to act on: ", st.message()));
      return;
    }
    if (!st.ok()) result_.failures.push_back(absl::StrCat(where, ": ", st.message()));
  }

  absl::StatusOr<std::string> ClaimVolume(const std::string& ref, absl::string_view field) {
    ASSIGN_OR_RETURN(auto claim, ParseClaim(ref, field));
    absl::StatusOr<ports::ObjectPtr> got =
        world_.api().Get({"PersistentVolumeClaim", claim.first, claim.second});
    if (!got.ok()) return absl::NotFoundError(absl::StrCat(field, ": no claim ", ref));
    const std::string pv = ports::As<k8s::PersistentVolumeClaim>(*got)->spec().volume_name();
    if (pv.empty()) return absl::FailedPreconditionError(absl::StrCat(field, ": claim ", ref, " is not bound"));
    return pv;
  }

  absl::Status PerformAction(const Action& a, const std::string& where) {
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
        return world_.Crash(a.crash().process(), absl::Seconds(a.crash().down_seconds() > 0
                                                                   ? a.crash().down_seconds()
                                                                   : 5));
      case Action::kNodeDown:
        return world_.NodeDown(a.node_down());
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
      case Action::kFailPod: {
        ASSIGN_OR_RETURN(auto ref, ParseClaim(a.fail_pod(), "fail_pod"));
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
          const bool source_pod = pod.metadata().name() == absl::StrCat("virt-launcher-", key.second, "-source");
          if ((target_pod || source_pod) && key.first == ref.first) {
            if (auto* host = world_.fabric().host(pod.spec().node_name())) (void)host->Destroy(domain);
          }
        }
        return absl::OkStatus();
      }
      case Action::kApiFault:
        faults_.Arm(a.api_fault());
        return absl::OkStatus();
      case Action::kLibvirtFault:
        faults_.Arm(a.libvirt_fault());
        return absl::OkStatus();
      case Action::kForgetWrite: {
        ASSIGN_OR_RETURN(std::string pv, ClaimVolume(a.forget_write(), "forget_write"));
        if (!world_.fabric().ForgetOneWrite(pv)) {
          return absl::FailedPreconditionError(absl::StrCat("forget_write: ", pv, " has no write to lose"));
        }
        return absl::OkStatus();
      }
      case Action::kReplaceStatus: {
        ASSIGN_OR_RETURN(auto objects, Manifests(absl::StrCat(where, ".replace_status"), a.replace_status()));
        for (const auto& o : objects) {
          ASSIGN_OR_RETURN(ports::ObjectKey key, ports::KeyOf(*o));
          if (key.namespace_.empty() && key.kind != "Node" && key.kind != "PersistentVolume") {
            key.namespace_ = "default";
          }
          ASSIGN_OR_RETURN(ports::ObjectPtr got, world_.api().Get(key));
          std::unique_ptr<google::protobuf::Message> next(got->New());
          next->CopyFrom(*got);
          const auto* field = next->GetDescriptor()->FindFieldByName("status");
          next->GetReflection()->MutableMessage(next.get(), field)->CopyFrom(
              o->GetReflection()->GetMessage(*o, field));
          RETURN_IF_ERROR(world_.api().UpdateStatus(*next).status());
        }
        return absl::OkStatus();
      }
      case Action::kDuplicateDomain: {
        ASSIGN_OR_RETURN(auto ref, ParseClaim(a.duplicate_domain().vmi(), "duplicate_domain.vmi"));
        const std::string domain = World::DomainNameOf(ref.first, ref.second);
        fakes::FakeHypervisor* to = world_.fabric().host(a.duplicate_domain().node());
        if (to == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat("duplicate_domain.node: no node \"",
                                                         a.duplicate_domain().node(), "\""));
        }
        for (const std::string& h : world_.fabric().HostsRunning(domain)) {
          ASSIGN_OR_RETURN(std::string xml, world_.fabric().host(h)->DomainXml(domain));
          RETURN_IF_ERROR(to->DefineDomain(xml).status());
          return to->Start(domain);
        }
        return absl::FailedPreconditionError(absl::StrCat("duplicate_domain: ", domain, " runs nowhere"));
      }
      case Action::kOvirtFault:
        faults_.Arm(a.ovirt_fault());
        return absl::OkStatus();
      case Action::kOvirtStart: {
        Observing scope(&observing_);  // the user's call, not the plan's: no faults
        return world_.engine().Start(a.ovirt_start());
      }
      case Action::kOvirtAttach: {
        Observing scope(&observing_);
        RETURN_IF_ERROR(world_.engine().AttachForTest(
            a.ovirt_attach().vm(), {.disk_id = a.ovirt_attach().disk()}));
        std::optional<ovirt::Vm> vm = world_.engine().VmForTest(a.ovirt_attach().vm());
        if (vm.has_value() && vm->status() == "down") {
          return world_.engine().Start(a.ovirt_attach().vm());
        }
        return absl::OkStatus();
      }
      case Action::kDamageLabel: {
        ASSIGN_OR_RETURN(ports::ObjectKey key, ParseRef(a.damage_label().object(), "damage_label.object"));
        const std::string label_key = a.damage_label().key();
        const std::string value = a.damage_label().value();
        return world_.api().CorruptForTest(key, [&](google::protobuf::Message* m) {
          (*ports::MutableMetadataOf(m)->mutable_labels())[label_key] = value;
        });
      }
      case Action::kPartition: {
        const scenario::Partition& p = a.partition();
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
      case Action::kSlowLink: {
        const double factor = a.slow_link().factor();
        if (!(factor > 0 && factor <= 1)) {
          return absl::InvalidArgumentError(
              absl::StrCat("slow_link.factor: ", factor, " is not in (0, 1]"));
        }
        world_.fabric().set_link_factor(factor);
        if (a.slow_link().seconds() > 0) {
          world_.sim().After(absl::Seconds(a.slow_link().seconds()), "scenario", "link recovers",
                             [this] { world_.fabric().set_link_factor(1); });
        }
        return absl::OkStatus();
      }
      case Action::kStaleReads: {
        if (a.stale_reads().lag_seconds() <= 0) {
          return absl::InvalidArgumentError("stale_reads.lag_seconds: must be above 0");
        }
        const uint64_t epoch = ++stale_epoch_;
        stale_lag_ = absl::Seconds(a.stale_reads().lag_seconds());
        stale_kind_ = a.stale_reads().kind();
        if (a.stale_reads().seconds() > 0) {
          world_.sim().After(absl::Seconds(a.stale_reads().seconds()), "scenario", "reads fresh",
                             [this, epoch] {
                               if (stale_epoch_ == epoch) stale_lag_ = absl::ZeroDuration();
                             });
        }
        return absl::OkStatus();
      }
      case Action::WHAT_NOT_SET:
        return absl::InvalidArgumentError("the action does nothing (set apply, delete, crash...)");
    }
    return absl::OkStatus();
  }

  bool Settled() {
    if (timed_pending_ > 0) return false;
    absl::StatusOr<ports::ObjectList> list =
        world_.api().List("VirtualMachineInstanceMigration", "", k8s::LabelSelector());
    if (!list.ok()) return false;
    for (const auto& item : list->items) {
      const auto m = ports::As<kubevirt::VirtualMachineInstanceMigration>(item);
      const std::string& phase = m->status().phase();
      if (phase != "Succeeded" && phase != "Failed") return false;
      if (!m->metadata().finalizers().empty()) return false;
    }
    // Forklift Migrations (LUN plans) end when their status says completed.
    absl::StatusOr<ports::ObjectList> runs = world_.api().List("Migration", "", k8s::LabelSelector());
    if (!runs.ok()) return false;
    for (const auto& item : runs->items) {
      if (ports::As<forklift::Migration>(item)->status().completed().empty()) return false;
    }
    return true;
  }

  void Loop() {
    absl::Duration max = absl::Seconds(s_.max_seconds() > 0 ? s_.max_seconds() : 7200);
    const absl::Duration bound =
        absl::Seconds(s_.liveness().bound_seconds() > 0 ? s_.liveness().bound_seconds() : 1800);
    if (s_.has_liveness()) max = std::max(max, heal_at_ - start_ + bound + absl::Minutes(1));
    absl::Time settled_at = absl::InfiniteFuture();
    while (world_.sim().Step()) {
      ++result_.events;
      Observing scope(&observing_);
      if (result_.events > options_.max_events) {
        result_.failures.push_back(absl::StrCat(
            "stopped after ", options_.max_events, " events, at ",
            absl::FormatDuration(world_.sim().now() - start_),
            " of simulated time (the event cap; open: ", Unsettled(), ")"));
        return;
      }
      for (size_t w = 0; w < waiting_.size();) {
        const int i = waiting_[w];
        const Condition& c = s_.action(i).when();
        if (FieldOf(world_, c.object(), c.path()) == std::make_pair(true, c.equals())) {
          waiting_.erase(waiting_.begin() + static_cast<long>(w));
          ++timed_pending_;
          world_.sim().After(absl::Seconds(s_.action(i).delay_seconds()), "scenario",
                             absl::StrCat("action[", i, "]"), [this, i] {
                               --timed_pending_;
                               Perform(i);
                             });
        } else {
          ++w;
        }
      }
      if (std::optional<Violation> v = checkers_.Check()) {
        result_.violation = v->checker;
        result_.violation_message = v->message;
        world_.Note("CHECKER", absl::StrCat(v->checker, ": ", v->message));
        return;
      }
      const absl::Time now = world_.sim().now();
      const bool settled = Settled();
      if (settled_at == absl::InfiniteFuture() && settled) settled_at = now;
      if (settled_at != absl::InfiniteFuture() && !settled) settled_at = absl::InfiniteFuture();
      if (now - settled_at >= kSettleGrace) return;
      if (healed_ && now - heal_at_ > bound) {
        result_.liveness_failure = absl::StrCat("not settled ", absl::FormatDuration(bound),
                                                " after the faults healed: ", Unsettled());
        result_.failures.push_back(absl::StrCat("liveness: ", result_.liveness_failure));
        world_.Note("LIVENESS", result_.liveness_failure);
        return;
      }
      if (now - start_ > max) {
        result_.failures.push_back(absl::StrCat("did not settle within ", absl::FormatDuration(max),
                                                " of simulated time (a migration is not terminal, or "
                                                "a finalizer or timed action is left)"));
        return;
      }
    }
  }

  void Judge() {
    Observing scope(&observing_);
    const Expect& e = s_.expect();
    for (int i : waiting_) {
      if (s_.action(i).may_fail()) continue;  // a generated trigger the run never reached
      result_.failures.push_back(absl::StrCat("action[", i, "]: its trigger never fired (",
                                              s_.action(i).when().ShortDebugString(), ")"));
    }
    if (!e.violation().empty()) {
      if (result_.violation != e.violation()) {
        result_.failures.push_back(absl::StrCat(
            "expected checker ", e.violation(), " to stop the run, got ",
            result_.violation.empty() ? "no violation" : result_.violation));
      }
      return;
    }
    if (!result_.violation.empty()) {
      result_.failures.push_back(absl::StrCat("checker ", result_.violation, ": ",
                                              result_.violation_message));
      return;
    }
    for (const MigrationOutcome& m : e.migration()) {
      const std::string ns = m.namespace_().empty() ? "default" : m.namespace_();
      absl::StatusOr<ports::ObjectPtr> got =
          world_.api().Get({"VirtualMachineInstanceMigration", ns, m.name()});
      const std::string what = absl::StrCat("migration ", ns, "/", m.name());
      if (m.phase() == "Deleted") {
        if (got.ok()) result_.failures.push_back(absl::StrCat(what, ": expected it gone, it exists"));
        continue;
      }
      if (!got.ok()) {
        result_.failures.push_back(absl::StrCat(what, ": ", got.status().message()));
        continue;
      }
      const auto vmim = ports::As<kubevirt::VirtualMachineInstanceMigration>(*got);
      if (vmim->status().phase() != m.phase()) {
        result_.failures.push_back(absl::StrCat(what, ": phase ", vmim->status().phase(),
                                                ", expected ", m.phase()));
        continue;
      }
      if (!m.reason_contains().empty()) {
        std::string said;
        for (const auto& c : vmim->status().conditions()) {
          if (c.type() == m.phase()) said = absl::StrCat(c.reason(), ": ", c.message());
        }
        if (!absl::StrContains(said, m.reason_contains())) {
          result_.failures.push_back(absl::StrCat(what, ": reason \"", said,
                                                  "\" does not contain \"", m.reason_contains(), "\""));
        }
      }
    }
    for (const FieldValue& f : e.field()) {
      auto [found, value] = FieldOf(world_, f.object(), f.path());
      if (!found || value != f.equals()) {
        result_.failures.push_back(absl::StrCat(f.object(), " ", f.path(), ": ",
                                                found ? absl::StrCat("\"", value, "\"") : "absent",
                                                ", expected \"", f.equals(), "\""));
      }
    }
    for (int i = 0; i < e.same_spec_size(); ++i) Compare(i, e.same_spec(i));
    for (const scenario::OvirtVmState& want : e.ovirt_vm()) {
      std::optional<ovirt::Vm> vm = world_.engine().VmForTest(want.id());
      const std::string what = absl::StrCat("oVirt VM ", want.id());
      if (!vm.has_value()) {
        result_.failures.push_back(absl::StrCat(what, ": no such VM in world.ovirt"));
        continue;
      }
      if (!want.status().empty() && vm->status() != want.status()) {
        result_.failures.push_back(absl::StrCat(what, ": status ", vm->status(), ", expected ",
                                                want.status()));
      }
      std::vector<std::string> attached;
      for (const auto& a : vm->disk_attachments().disk_attachment()) attached.push_back(a.id());
      const std::vector<std::string> expected(want.attached().begin(), want.attached().end());
      if (attached != expected) {
        result_.failures.push_back(absl::StrCat(what, ": attached [", absl::StrJoin(attached, ", "),
                                                "], expected [", absl::StrJoin(expected, ", "), "]"));
      }
    }
    for (const std::string& ref : e.absent()) {
      absl::StatusOr<ports::ObjectKey> key = ParseRef(ref, "expect.absent");
      if (key.ok() && world_.api().Get(*key).ok()) {
        result_.failures.push_back(absl::StrCat(ref, ": expected absent, it exists"));
      }
    }
    for (const std::string& ref : e.present()) {
      absl::StatusOr<ports::ObjectKey> key = ParseRef(ref, "expect.present");
      if (!key.ok() || !world_.api().Get(*key).ok()) {
        result_.failures.push_back(absl::StrCat(ref, ": expected present, it is not"));
      }
    }
    int64_t writes = 0;
    for (const auto& [domain, vmi] : world_.guests()) writes += world_.fabric().acknowledged_writes(domain);
    if (writes < e.min_acknowledged_writes()) {
      result_.failures.push_back(absl::StrCat("the guests wrote ", writes,
                                              " acknowledged blocks, expected at least ",
                                              e.min_acknowledged_writes()));
    }
  }

  void Compare(int i, const SameSpec& same) {
    const std::string file_field = absl::StrCat("expect.same_spec[", i, "].file");
    absl::StatusOr<std::string> text = files_.Read(file_field, same.file());
    if (!text.ok()) {
      result_.failures.push_back(std::string(text.status().message()));
      return;
    }
    const std::string path = *files_.Resolve(file_field, same.file());
    absl::StatusOr<std::vector<std::unique_ptr<google::protobuf::Message>>> objects =
        Manifests(path, *text);
    absl::StatusOr<ports::ObjectKey> key = ParseRef(same.object(), "expect.same_spec.object");
    if (!objects.ok() || objects->empty() || !key.ok()) {
      result_.failures.push_back(absl::StrCat(same.object(), ": cannot compare with ", path));
      return;
    }
    absl::StatusOr<ports::ObjectPtr> got = world_.api().Get(*key);
    if (!got.ok()) {
      result_.failures.push_back(absl::StrCat(same.object(), ": ", got.status().message()));
      return;
    }
    const google::protobuf::Message& want = *objects->front();
    const auto* field = want.GetDescriptor()->FindFieldByName("spec");
    if (field == nullptr || (*got)->GetDescriptor() != want.GetDescriptor()) {
      result_.failures.push_back(absl::StrCat(same.object(), ": ", path, " holds another kind"));
      return;
    }
    google::protobuf::util::MessageDifferencer diff;
    std::string report;
    diff.ReportDifferencesToString(&report);
    if (!diff.Compare(want.GetReflection()->GetMessage(want, field),
                      (*got)->GetReflection()->GetMessage(**got, field))) {
      result_.failures.push_back(absl::StrCat(same.object(), ": spec differs from ", path,
                                              " (expected -> actual):\n", report));
    }
  }

  const Scenario& s_;
  ScenarioFiles files_;
  RunOptions options_;
  World world_;
  Checkers checkers_;
  Coverage coverage_;
  ScenarioResult result_;
  // Liveness: when the faults heal (InfiniteFuture without a liveness phase).
  absl::Time heal_at_ = absl::InfiniteFuture();
  bool healed_ = false;
  std::set<std::pair<std::string, std::string>> partitions_;
  absl::Duration stale_lag_;
  std::string stale_kind_;  // "" for every kind
  uint64_t stale_epoch_ = 0;
  absl::Time start_;
  std::vector<int> waiting_;
  int timed_pending_ = 0;
  bool observing_ = false;
  ArmedFaults faults_{world_, coverage_, &observing_};
};

}  // namespace

// Faults name verbs, kinds, codes and nodes that exist, so a typo is an
// error rather than a fault that silently never fires.
absl::Status CheckFault(const Scenario& s, const Action& a, const std::string& where) {
  static const std::set<std::string> kApiVerbs = {"get",    "list",          "create",
                                                  "update", "update_status", "delete",
                                                  "watch"};
  static const std::set<std::string> kLibvirtVerbs = {
      "lookup", "list",   "define", "undefine",  "xml",       "start",  "destroy",
      "suspend", "resume", "migrate", "job_stats", "abort_job", "events"};
  static const std::set<std::string> kCodes = {"", "Unavailable", "Conflict", "Internal",
                                               "FailedPrecondition"};
  auto bad = [&](absl::string_view field, absl::string_view value, absl::string_view allowed) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".", field, ": \"", value,
                                                   "\" is not one of ", allowed));
  };
  if (a.has_api_fault()) {
    const scenario::ApiFault& f = a.api_fault();
    if (!kApiVerbs.contains(f.verb())) {
      return bad("api_fault.verb", f.verb(), absl::StrJoin(kApiVerbs, ", "));
    }
    if (!kCodes.contains(f.code())) return bad("api_fault.code", f.code(), absl::StrJoin(kCodes, ", "));
    if (!f.kind().empty()) {
      std::vector<std::string> kinds;
      for (const manifest::KindInfo& k : manifest::AllKinds()) kinds.emplace_back(k.kind);
      if (std::find(kinds.begin(), kinds.end(), f.kind()) == kinds.end()) {
        return bad("api_fault.kind", f.kind(), absl::StrJoin(kinds, ", "));
      }
    }
  }
  if (a.has_libvirt_fault()) {
    const scenario::LibvirtFault& f = a.libvirt_fault();
    if (!kLibvirtVerbs.contains(f.verb())) {
      return bad("libvirt_fault.verb", f.verb(), absl::StrJoin(kLibvirtVerbs, ", "));
    }
    if (!kCodes.contains(f.code())) {
      return bad("libvirt_fault.code", f.code(), absl::StrJoin(kCodes, ", "));
    }
    if (std::find(s.world().node().begin(), s.world().node().end(), f.node()) ==
        s.world().node().end()) {
      return bad("libvirt_fault.node", f.node(), absl::StrJoin(s.world().node(), ", "));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<LoadedScenario> LoadScenario(const std::string& path,
                                            const ScenarioFileOptions& options) {
  LoadedScenario loaded;
  loaded.path = path;
  loaded.files = ScenarioFiles::For(path, options);
  ASSIGN_OR_RETURN(const std::string text, ReadFileBounded(path, loaded.files.limits()));
  google::protobuf::TextFormat::Parser parser;
  Collector errors(path);
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &loaded.scenario)) {
    return absl::InvalidArgumentError(errors.first().empty() ? absl::StrCat(path, ": not a scenario")
                                                             : errors.first());
  }
  Scenario& s = loaded.scenario;
  if (s.name().empty()) s.set_name(Stem(path));
  if (s.world().node().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": world.node: a world needs at least one node"));
  }
  auto in_file = [&](const absl::Status& st) {
    return absl::Status(st.code(), absl::StrCat(path, ": ", st.message()));
  };
  if (absl::Status limits = CheckScenarioLimits(s); !limits.ok()) return in_file(limits);
  // Every file it names is inside its tree (read when the run needs it).
  for (int i = 0; i < s.world().manifest_file_size(); ++i) {
    absl::StatusOr<std::string> file =
        loaded.files.Resolve(absl::StrCat("world.manifest_file[", i, "]"), s.world().manifest_file(i));
    if (!file.ok()) return in_file(file.status());
  }
  for (int i = 0; i < s.action_size(); ++i) {
    if (!s.action(i).has_apply_file()) continue;
    absl::StatusOr<std::string> file =
        loaded.files.Resolve(absl::StrCat("action[", i, "].apply_file"), s.action(i).apply_file());
    if (!file.ok()) return in_file(file.status());
  }
  for (int i = 0; i < s.expect().same_spec_size(); ++i) {
    absl::StatusOr<std::string> file = loaded.files.Resolve(
        absl::StrCat("expect.same_spec[", i, "].file"), s.expect().same_spec(i).file());
    if (!file.ok()) return in_file(file.status());
  }
  for (int i = 0; i < s.action_size(); ++i) {
    const Action& a = s.action(i);
    if (a.has_when() && a.at_seconds() > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": action[", i, "]: set at_seconds or when, not both"));
    }
    if (a.what_case() == Action::WHAT_NOT_SET) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": action[", i, "]: says when but not what (apply, delete, crash, node_down...)"));
    }
    if (a.has_when() && (a.when().object().empty() || a.when().path().empty())) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": action[", i, "].when: needs object and path"));
    }
    RETURN_IF_ERROR(CheckFault(s, a, absl::StrCat(path, ": action[", i, "]")));
    if (a.has_ovirt_fault()) {
      RETURN_IF_ERROR(CheckOvirtFault(a.ovirt_fault(), absl::StrCat(path, ": action[", i, "]")));
    }
    if ((a.has_ovirt_fault() || !a.ovirt_start().empty() || a.has_ovirt_attach()) &&
        !s.world().has_ovirt()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": action[", i, "]: an oVirt action needs world.ovirt (an engine)"));
    }
  }
  return loaded;
}

ScenarioResult RunScenario(const LoadedScenario& scenario, const RunOptions& options) {
  return Run(scenario, options).Go();
}

}  // namespace ferry::sim
