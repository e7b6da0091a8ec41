// ScenarioActions: what a scenario's actions do to its world (the `action`
// list of sim/scenario.proto): a user's applies and deletes, crashes, node
// and network faults, lost writes, stale reads, injected faults, the oVirt
// user's own calls. It also holds what those actions left in force until the
// heal (partitions, a slow link, stale reads) and ends it there. When an
// action fires and what its result means (expect_error, may_fail) is the
// runner's business.
//
//   ScenarioActions actions(world, files, faults, &observing);
//   RETURN_IF_ERROR(actions.Apply("world.manifest[0]", text));
//   absl::Status st = actions.Perform(scenario.action(3), "action[3]");
//   world.api().SetStaleHook([&](const auto& call) { return actions.StaleLag(call); });
//   actions.Heal();  // the liveness phase begins
#ifndef FERRY_SIM_SCENARIO_ACTIONS_H_
#define FERRY_SIM_SCENARIO_ACTIONS_H_

#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fakes/kube/fake_kube_api.h"
#include "sim/armed_faults.h"
#include "sim/scenario.pb.h"
#include "sim/scenario_files.h"
#include "sim/world.h"

namespace ferry::sim {

class ScenarioActions {
 public:
  // `observing` (not owned) is the harness's flag: an oVirt user's call sets
  // it, and no read made while it is set is stale.
  ScenarioActions(World& world, const ScenarioFiles& files, ArmedFaults& faults, bool* observing)
      : world_(world), files_(files), faults_(faults), observing_(observing) {}
  ScenarioActions(const ScenarioActions&) = delete;
  ScenarioActions& operator=(const ScenarioActions&) = delete;

  // Applies a manifest text's objects as a user would; errors name `where`.
  absl::Status Apply(absl::string_view where, absl::string_view text);
  // Performs one action now; errors name `where` or the action's field.
  absl::Status Perform(const scenario::Action& a, const std::string& where);
  // Every fault an action left in force ends: the armed faults, stale reads,
  // partitions and a slow link. (The world's own heal is the runner's.)
  void Heal();
  // How far behind the present a read by Ferry's processes answers (the
  // fake API's stale hook): the stale_reads lag for its kind, none for the
  // harness's or the platform model's own reads.
  absl::Duration StaleLag(const fakes::FakeKubeApi::Call& call) const;

 private:
  // The PV a claim is bound to; errors name `field`.
  absl::StatusOr<std::string> ClaimVolume(const std::string& ref, absl::string_view field);
  absl::Status FailPod(const std::string& ref);
  absl::Status ReplaceStatus(const std::string& where, const std::string& text);
  absl::Status DuplicateDomain(const scenario::DomainCopy& d);
  absl::Status Partition(const scenario::Partition& p);
  absl::Status SlowLink(const scenario::SlowLink& s);
  absl::Status StaleReads(const scenario::StaleReads& s);

  World& world_;
  const ScenarioFiles& files_;
  ArmedFaults& faults_;
  bool* observing_;
  std::set<std::pair<std::string, std::string>> partitions_;  // healed at the heal
  absl::Duration stale_lag_;
  std::string stale_kind_;    // "" for every kind
  uint64_t stale_epoch_ = 0;  // a stale_reads window ends only its own lag
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_SCENARIO_ACTIONS_H_
