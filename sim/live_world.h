// LiveWorld: a World (world.h) run in real time, as `ferry up` serves it.
// Each Advance runs the events that the wall clock says are due (scaled by
// `speed`) under the mutex the API server holds around the store, so
// kubectl's writes and the world's steps never interleave within a call.
//
// It also plays the part of KubeVirt's virt-controller and virt-launcher
// for VirtualMachines a user creates (storage worlds; a LUN world's cluster
// model starts its VMs itself): a VM that should run and has no VMI is
// brought up, settled, on the node running the fewest VMIs (ties: the
// first by name), its guest writing `guest_write_mib_per_s`. Once one of
// them runs, a deleted VMI (`kubectl delete vmi`) stops its guest and the
// VM starts again (World::RestartVm: where its local volumes are, not while
// its volumeUpdateState records volumes moving).
//
//   LiveWorld live(world, mu, absl::Now(), {.speed = 1});
//   while (!stopping) { live.Advance(absl::Now()); sleep 10 ms; }
#ifndef FERRY_SIM_LIVE_WORLD_H_
#define FERRY_SIM_LIVE_WORLD_H_

#include <functional>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sim/world.h"

namespace ferry::sim {

class LiveWorld {
 public:
  struct Options {
    double speed = 1;  // virtual seconds per wall second, > 0
    double guest_write_mib_per_s = 10;
    // A line per thing it did (a VM started or not) and per timeline line
    // of the world (with World::Options::record_trace).
    std::function<void(const std::string&)> log = nullptr;
  };

  // `world` has been built and started; `wall_start` is the wall time its
  // virtual clock's now stands for.
  LiveWorld(World& world, absl::Mutex& mu, absl::Time wall_start, Options options);
  LiveWorld(const LiveWorld&) = delete;
  LiveWorld& operator=(const LiveWorld&) = delete;

  // Runs every event due by `wall`, then brings up the VMs that should run.
  void Advance(absl::Time wall);

 private:
  void StartNewVms();
  // What became of a VM this brought up or tried to.
  enum class VmState {
    kCannotStart,   // refused, reported once
    kRunning,       // its VMI exists (or did when last seen)
    kRestarted,     // its VMI was deleted; the world restarts it
    kNotRestarted,  // a restart refused or given up, reported once
  };
  // A VM brought up here whose VMI is gone: restarted, as KubeVirt does.
  void RestartDeleted(const std::string& ns, const std::string& name, VmState& state);
  std::string PickNode();
  void Log(const std::string& line) const;

  World& world_;
  absl::Mutex& mu_;
  const absl::Time wall_start_;
  const absl::Time virtual_start_;
  const Options options_;
  // The VMs (by uid) brought up or refused: each is tried once, so a VM
  // that could not start is reported once (delete and apply it again).
  std::map<std::string, VmState> vms_;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_LIVE_WORLD_H_
