// ArmedFaults: a scenario's injected faults (its api_fault, libvirt_fault
// and ovirt_fault actions) as they are used up: a call consumes the first
// armed fault that matches it, whether it fails the call or delays it.
// Ferry's processes meet them through their ports' decorators
// (ForProcesses, given to World::SetFaults); the platform model meets only
// the API faults meant for it (ApiFault.cluster) through the fake API's own
// hooks (ForPlatformModel); the harness's own calls (while `observing`)
// meet none.
//
//   ArmedFaults faults(world, coverage, &observing);
//   world.SetFaults(faults.ForProcesses());
//   faults.ForPlatformModel();
//   faults.Arm(action.api_fault());   // an api_fault action
//   faults.Clear();                   // the heal
#ifndef FERRY_SIM_ARMED_FAULTS_H_
#define FERRY_SIM_ARMED_FAULTS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/ports/kube_api.h"
#include "sim/coverage.h"
#include "sim/scenario.pb.h"
#include "sim/world.h"

namespace ferry::sim {

// Marks the harness's own calls for as long as it lives: injected faults and
// stale reads are for Ferry's processes, not for the scenario's user actions
// or its judging.
//
//   { Observing scope(&observing); world.api().Get(key); }
class Observing {
 public:
  explicit Observing(bool* flag) : flag_(flag) { *flag_ = true; }
  ~Observing() { *flag_ = false; }
  Observing(const Observing&) = delete;
  Observing& operator=(const Observing&) = delete;

 private:
  bool* flag_;
};

class ArmedFaults {
 public:
  // `observing` (not owned) is true while the harness itself calls.
  ArmedFaults(World& world, Coverage& coverage, const bool* observing)
      : world_(world), coverage_(coverage), observing_(observing) {}
  ArmedFaults(const ArmedFaults&) = delete;
  ArmedFaults& operator=(const ArmedFaults&) = delete;

  // A fault for `count` calls (at least one).
  void Arm(const scenario::ApiFault& fault);
  void Arm(const scenario::LibvirtFault& fault);
  void Arm(const scenario::OvirtFault& fault);
  // Every armed fault ends (the liveness phase begins).
  void Clear();
  // Faults that hit a call so far.
  int64_t hit() const { return hit_; }

  // The policies of Ferry's processes' port decorators.
  World::Faults ForProcesses();
  // Installs the fake API's fault and delay hooks: the API faults meant for
  // the platform model, during its steps only.
  void ForPlatformModel();

 private:
  template <typename Fault, typename Matches>
  const Fault* Next(absl::string_view port, std::vector<std::pair<Fault, int>>& faults,
                    Matches matches);
  absl::Status ApiFault(absl::string_view verb, const ports::ObjectKey& key);
  absl::Duration ApiDelay(absl::string_view verb, const ports::ObjectKey& key);
  absl::Status LibvirtFault(absl::string_view node, absl::string_view verb,
                            absl::string_view domain);
  absl::Duration LibvirtDelay(absl::string_view node, absl::string_view verb);
  absl::Status OvirtFault(absl::string_view verb, absl::string_view id);
  absl::Duration OvirtDelay(absl::string_view verb, absl::string_view id);

  World& world_;
  Coverage& coverage_;
  const bool* observing_;
  int64_t hit_ = 0;
  std::vector<std::pair<scenario::ApiFault, int>> api_;  // fault, calls left
  std::vector<std::pair<scenario::LibvirtFault, int>> libvirt_;
  std::vector<std::pair<scenario::OvirtFault, int>> ovirt_;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_ARMED_FAULTS_H_
