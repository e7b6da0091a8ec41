#include "core/lun_migration/events_reconciler.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/timestamp.h"
#include "base/fnv.h"
#include "core/lun_migration/plan_status.h"
#include "core/lun_migration/plan_step.h"

namespace ferry::lun_migration {
namespace {

constexpr char kMigrationKind[] = "Migration";
constexpr char kPlanKind[] = "Plan";
constexpr char kForkliftApiVersion[] = "forklift.konveyor.io/v1beta1";
constexpr char kNormal[] = "Normal";
constexpr char kWarning[] = "Warning";

std::string Hash8(absl::string_view text) {
  return absl::StrCat(absl::Hex(static_cast<uint32_t>(Fnv1a64(text)), absl::kZeroPad8));
}

// Free text (a VM id, a step name, a condition type) as a part of an
// Event's name: lower case, at most 63 characters, every character a
// DNS-1123 subdomain may not hold there as '-'. When more than case had to
// change, a hash of the text follows, so two texts that map alike stay apart.
std::string NamePart(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  std::string part = lower;
  for (size_t i = 0; i < part.size(); ++i) {
    const bool dot_between = part[i] == '.' && i > 0 && i + 1 < lower.size() &&
                             absl::ascii_isalnum(lower[i - 1]) && absl::ascii_isalnum(lower[i + 1]);
    if (!absl::ascii_isalnum(part[i]) && part[i] != '-' && !dot_between) part[i] = '-';
  }
  size_t begin = 0, end = part.size();
  while (begin < end && !absl::ascii_isalnum(part[begin])) ++begin;
  while (end > begin && !absl::ascii_isalnum(part[end - 1])) --end;
  part = part.substr(begin, end - begin);
  if (!part.empty() && part == lower && part.size() <= 63) return part;
  part.resize(std::min<size_t>(part.size(), 54));
  while (!part.empty() && !absl::ascii_isalnum(part.back())) part.pop_back();
  return part.empty() ? Hash8(text) : absl::StrCat(part, "-", Hash8(text));
}

k8s::Event EventFor(const k8s::ObjectMeta& object, const char* kind, absl::string_view what,
                    const std::string& type, const std::string& reason, const std::string& message,
                    const std::string& at, const std::string& component,
                    const std::string& instance) {
  return runtime::MakeEvent({kForkliftApiVersion, kind, object}, what, type, reason, message, at,
                            {component, instance});
}

// Forklift's rule (its base Reconciler's Record): Warning for a condition
// of category Critical, Error or Warn, Normal otherwise. One departure: the
// LUN core's outcome conditions (plan_status.h) carry no category, and a
// failed run is told as a Warning (Forklift's own Failed is Advisory, so
// Forklift tells it as Normal, which hides it from `--field-selector
// type=Warning`).
std::string TypeOf(const k8s::Condition& c) {
  if (c.category() == "Critical" || c.category() == "Error" || c.category() == "Warn") {
    return kWarning;
  }
  return c.type() == kFailed ? kWarning : kNormal;
}

// What a pipeline step does, for its Events' messages. The LUN core writes
// no Step.description (Forklift does: "Transfer disks.", "Create VM."), so
// the steps plan_step.h names are described here; a step that carries a
// description is told with it.
std::string DescriptionOf(const forklift::Step& step) {
  if (!step.description().empty()) return step.description();
  static const auto* const kDescriptions = new std::map<std::string, std::string, std::less<>>{
      {kInitialize, "record the power state and the LUN attachments"},
      {kPreCopy, "copy the image disks while the source VM runs"},
      {kWaitForCutover, "wait for the cutover time"},
      {kPowerOff, "power off the source VM"},
      {kDetachLuns, "detach the LUN disks from the source VM"},
      {kCreateVolumes, "create a PersistentVolume and a claim per LUN"},
      {kWaitForBinding, "wait for the claims to bind to their LUN volumes"},
      {kCopyDisks, "copy the image disks"},
      {kCreateVm, "create the target VirtualMachine"},
  };
  auto it = kDescriptions->find(step.name());
  return it == kDescriptions->end() ? step.name() : it->second;
}

const k8s::Condition* TrueCondition(const forklift::VMStatus& vm, absl::string_view type) {
  for (const k8s::Condition& c : vm.conditions()) {
    if (c.type() == type && c.status() == "True") return &c;
  }
  return nullptr;
}

const forklift::Step* FindStep(const forklift::VMStatus& vm, const std::string& name) {
  for (const forklift::Step& s : vm.pipeline()) {
    if (s.name() == name) return &s;
  }
  return nullptr;
}

// Adds an Event: (what, type, reason, message, at).
using Add = std::function<void(const std::string&, const std::string&, const std::string&,
                               const std::string&, const std::string&)>;

void AddVmEvents(const forklift::VMStatus& vm, const Add& add) {
  const std::string who = absl::StrCat("VM ", vm.name(), " (", vm.id(), ")");
  const std::string at = absl::StrCat("vm.", NamePart(vm.id()), ".");
  // Its validation warnings (kept on it from Initialize on). Their
  // condition has no lastTransitionTime: the VM's start is theirs.
  for (const k8s::Condition& c : vm.conditions()) {
    if (c.status() != "True" || TypeOf(c) != kWarning) continue;
    add(absl::StrCat(at, NamePart(c.type()), "-", Hash8(c.message())), kWarning, c.type(),
        absl::StrCat(who, ": ", c.message()),
        c.last_transition_time().empty() ? vm.started() : c.last_transition_time());
  }
  // Its pipeline. A step entered again (PowerOff, DetachLuns: the user
  // started the source VM again) is told once: the status keeps its first
  // completion, so a second one could not be told apart anyway.
  for (const forklift::Step& step : vm.pipeline()) {
    const std::string name = absl::StrCat(at, NamePart(step.name()));
    const std::string does = absl::StrCat(who, ": ", DescriptionOf(step));
    if (!step.started().empty()) {
      add(absl::StrCat(name, "-started"), kNormal, absl::StrCat(step.name(), "Started"), does,
          step.started());
    }
    // Each engine call of the step that failed (RecordFailure): it is tried
    // again up to max_call_failures. The status gives no time for it; the
    // step's start is the last time known to precede it.
    for (int i = 0; i < step.error().reasons_size(); ++i) {
      add(absl::StrCat(name, "-error-", i + 1), kWarning, absl::StrCat(step.name(), "Error"),
          absl::StrCat(does, ": call ", i + 1, " failed: ", step.error().reasons(i)),
          step.started());
    }
    if (step.phase() == kCompleted && !step.completed().empty()) {
      add(absl::StrCat(name, "-completed"), kNormal, absl::StrCat(step.name(), "Completed"), does,
          step.completed());
    }
  }
  const k8s::Condition* canceled = TrueCondition(vm, kCanceled);
  // A rollback (a failure or a cancel after Initialize touched something).
  // The status records no time for its start: the failed step's start is
  // the last time known to precede it.
  const bool rolls_back =
      vm.phase() == kRollingBack || vm.phase() == kFailed || vm.phase() == kCanceled;
  if (rolls_back && vm.has_error() && vm.pipeline_size() > 0) {
    const forklift::Step* from = FindStep(vm, vm.error().phase());
    add(absl::StrCat(at, "rollingback"), canceled != nullptr ? kNormal : kWarning, "VMRollingBack",
        absl::StrCat(who, ": rolling back from ", vm.error().phase(), ": ",
                     absl::StrJoin(vm.error().reasons(), "; ")),
        from != nullptr && !from->started().empty() ? from->started() : vm.started());
  }
  // How it ended (plan_step.h: Completed, Failed or Canceled). Forklift's
  // VM conditions say SUCCEEDED, FAILED, CANCELED; the reasons carry a VM
  // prefix so they do not read as the run's own outcome on the same object.
  if (vm.phase() == kCompleted) {
    add(absl::StrCat(at, "succeeded"), kNormal, "VMSucceeded",
        absl::StrCat(who, ": the VM migration has SUCCEEDED."), vm.completed());
  } else if (vm.phase() == kCanceled) {
    add(absl::StrCat(at, "canceled"), kNormal, "VMCanceled",
        absl::StrCat(who, ": the VM migration was CANCELED",
                     canceled != nullptr ? absl::StrCat(" (", canceled->message(), ")") : "",
                     "; the source VM was restored."),
        vm.completed());
  } else if (vm.phase() == kFailed) {
    add(absl::StrCat(at, "failed"), kWarning, "VMFailed",
        absl::StrCat(
            who, ": the VM migration has FAILED in ", vm.error().phase(), ": ",
            absl::StrJoin(vm.error().reasons(), "; "),
            vm.pipeline_size() > 0 ? "; the source VM was restored." : "; nothing was touched."),
        vm.completed());
  }
}

// `events` in the order lived: by time, what one moment saw in the order
// it was added (second-granularity timestamps tie often).
void SortByTime(std::vector<k8s::Event>& events) {
  std::vector<std::pair<absl::Time, size_t>> order;
  for (size_t i = 0; i < events.size(); ++i) {
    order.emplace_back(api::ParseTimestamp(events[i].last_timestamp()), i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<k8s::Event> sorted;
  sorted.reserve(events.size());
  for (const auto& [at, i] : order) sorted.push_back(std::move(events[i]));
  events = std::move(sorted);
}

}  // namespace

std::vector<k8s::Event> MigrationEvents(const forklift::Migration& m, const std::string& component,
                                        const std::string& instance) {
  std::vector<k8s::Event> events;
  const Add add = [&](const std::string& what, const std::string& type, const std::string& reason,
                      const std::string& message, const std::string& at) {
    events.push_back(EventFor(m.metadata(), kMigrationKind, what, type, reason, message, at,
                              component, instance));
  };
  const forklift::MigrationRunStatus& s = m.status();
  // The run started. Forklift marks this moment with its Plan's Executing
  // condition ("The plan is EXECUTING."), which its Record turns into an
  // Event of reason Executing: the same word here, on the run itself.
  if (!s.started().empty()) {
    const runtime::Key plan = PlanOf(m);
    add("executing", kNormal, "Executing",
        absl::StrCat("The migration of plan ", plan.namespace_, "/", plan.name, " is EXECUTING."),
        s.started());
  }
  for (const forklift::VMStatus& vm : s.vms()) AddVmEvents(vm, add);
  // Its own conditions (the outcome, when every VM ended). The validation
  // ones SetOutcome gathers there restate its VMs' warnings, told above.
  for (const k8s::Condition& c : s.conditions()) {
    if (c.status() != "True" || IsValidationCondition(c)) continue;
    add(NamePart(c.type()), TypeOf(c), c.type(), c.message(), c.last_transition_time());
  }
  SortByTime(events);
  return events;
}

std::vector<k8s::Event> PlanEvents(const forklift::Plan& plan, const std::string& component,
                                   const std::string& instance) {
  std::vector<k8s::Event> events;
  for (const k8s::Condition& c : plan.status().conditions()) {
    if (c.status() != "True") continue;
    // Told again when it tells something new: a finding whose message
    // changed, each run's outcome (its time). Not a finding restamped
    // unchanged: every validation of a changed spec restamps them all.
    std::string told = c.message();
    if (!IsValidationCondition(c)) absl::StrAppend(&told, "\n", c.last_transition_time());
    events.push_back(
        EventFor(plan.metadata(), kPlanKind, absl::StrCat(NamePart(c.type()), "-", Hash8(told)),
                 TypeOf(c), c.type(), c.message(), c.last_transition_time(), component, instance));
  }
  SortByTime(events);
  return events;
}

std::vector<std::string> LunEventsReconciler::Kinds() const { return {kMigrationKind, kPlanKind}; }

void LunEventsReconciler::Wake(const runtime::Change& change, const runtime::Cache& cache,
                               std::vector<runtime::Key>& keys) const {
  keys.push_back(change.key);
  if (options_.source_provider.empty() || change.kind != kPlanKind) return;
  for (const auto& [key, object] : cache.informer(kMigrationKind).objects()) {
    auto m = ports::As<forklift::Migration>(object);
    if (m != nullptr && key != change.key && PlanOf(*m) == change.key) keys.push_back(key);
  }
}

runtime::Result LunEventsReconciler::Reconcile(const runtime::Key& key, const runtime::Cache& cache,
                                               absl::Time) {
  runtime::Result result;
  auto m = cache.GetAs<forklift::Migration>(kMigrationKind, key);
  auto p = cache.GetAs<forklift::Plan>(kPlanKind, key);
  if (m == nullptr && p == nullptr) {
    ledger_.Forget(key);
    return result;
  }
  std::vector<k8s::Event> events;
  if (m != nullptr) {
    // Whose run it is shows on its Plan: a run whose Plan is not in the
    // cache yet is told once it is (Wake).
    auto plan = cache.GetAs<forklift::Plan>(kPlanKind, PlanOf(*m));
    if (options_.source_provider.empty() ||
        (plan != nullptr && FromSourceProvider(*plan, options_.source_provider))) {
      events = MigrationEvents(*m, options_.component, options_.instance);
    }
  }
  if (p != nullptr && FromSourceProvider(*p, options_.source_provider)) {
    for (k8s::Event& e : PlanEvents(*p, options_.component, options_.instance)) {
      events.push_back(std::move(e));
    }
  }
  for (runtime::Effect& effect : ledger_.Tell(key, events, options_.not_before)) {
    result.effects.push_back(std::move(effect));
  }
  return result;
}

void LunEventsReconciler::EffectFailed(const runtime::Key& key, const runtime::Effect&,
                                       const absl::Status&) {
  // That event and the rest of its batch were not made: asked for again.
  ledger_.Forget(key);
}

}  // namespace ferry::lun_migration
