// Executor: carries out effects (effect.h) through the ports, one at a
// time, and owns what makes them safe to repeat:
//   - a fence is written back before its effect; a Conflict there means
//     the read was stale and the effect is not taken (Aborted, naming it);
//   - deleting what is already gone is done (check, then act, may race);
//   - a create marked exists_ok that finds its object is done;
//   - within one batch (one reconcile's effects), an update of an object
//     written earlier in the batch carries the resourceVersion that write
//     returned, never a newer one the reconciler did not see.
// Whether a failed effect counts against anything (a retry budget, a
// failure condition) is the reconciler's decision on its next reconcile,
// never the executor's: it returns the call's status as the port gave it.
//
//   Executor executor({.kube = &api, .hypervisor = &libvirt, .ovirt = nullptr});
//   executor.BeginBatch();
//   for (const Effect& e : effects) RETURN_IF_ERROR(executor.Apply(e));
#ifndef FERRY_CORE_RUNTIME_EXECUTOR_H_
#define FERRY_CORE_RUNTIME_EXECUTOR_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "core/ports/hypervisor.h"
#include "core/ports/kube_api.h"
#include "core/ports/ovirt.h"
#include "core/runtime/effect.h"
#include "core/runtime/observer.h"

namespace ferry::runtime {

// True when Apply failed at the effect's fence: the call itself was not
// made (a failure a reconciler counts is the call's own).
bool FencedOut(const absl::Status& status);

class Executor {
 public:
  // The ports a process has: an effect for a port it lacks is
  // FailedPrecondition (a reconciler wired to the wrong process).
  struct Ports {
    ports::KubeApi* kube = nullptr;
    ports::Hypervisor* hypervisor = nullptr;
    ports::Ovirt* ovirt = nullptr;
  };

  explicit Executor(Ports ports) : ports_(ports) {}

  // Forgets the versions written: the next effects are another reconcile's.
  void BeginBatch() { written_.clear(); }
  absl::Status Apply(const Effect& effect);
  // Carries out a read (observer.h); a port's error is in the result. A
  // domain NotFound is a result (absent), not an error.
  Observation Read(const runtime::Read& read);
  // The object the last successful create or update returned (null after
  // any other effect): a cache can hold it before its watch event arrives.
  const ports::ObjectPtr& last_written() const { return last_written_; }

 private:
  absl::Status Fence(const Effect& effect);
  absl::Status Write(const KubeWrite& write);
  absl::Status Call(const HypervisorCall& call);
  absl::Status Call(const OvirtCall& call);

  Ports ports_;
  std::map<ports::ObjectKey, std::string> written_;  // this batch: key -> version written
  ports::ObjectPtr last_written_;
};

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_EXECUTOR_H_
