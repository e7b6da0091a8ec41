// LeaderElector: one leader among a controller's replicas, by a
// coordination.k8s.io/v1 Lease, as client-go's leaderelection does it. It
// runs on a Scheduler (the production event loop, or the simulator's).
//
// Every retry_period it reads the Lease and:
//   - creates it, holding it, when there is none;
//   - takes it over when its holder is empty (released) or has not renewed
//     it for lease_duration, judged by this process's own clock from when
//     it last saw the Lease change (never by the holder's timestamps: the
//     clocks of two machines need not agree);
//   - renews it when it holds it (an update with the resourceVersion read:
//     a Conflict means another process wrote it first).
// A leader that has not renewed for renew_deadline (< lease_duration) stops
// leading: on_stopped_leading runs once and the elector stops, so that it
// has stopped acting before another can take over. Release() gives the
// Lease up at a graceful shutdown (holder cleared, lease_duration 1 s) so a
// successor need not wait out the lease.
//
//   LeaderElector elector(api, scheduler, {.lease = {"Lease", "ferry-system", "ferry-controller"},
//                                          .identity = hostname},
//                         {.started = [&] { manager.Start(); }, .stopped = [&] { exit(1); }});
//   elector.Start();
#ifndef FERRY_CORE_RUNTIME_LEADER_ELECTION_H_
#define FERRY_CORE_RUNTIME_LEADER_ELECTION_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/core.pb.h"
#include "core/ports/kube_api.h"
#include "core/runtime/scheduler.h"

namespace ferry::runtime {

class LeaderElector {
 public:
  struct Options {
    ports::ObjectKey lease;  // kind "Lease"
    std::string identity;    // unique per process: host name and a random suffix
    absl::Duration lease_duration = absl::Seconds(15);
    absl::Duration renew_deadline = absl::Seconds(10);
    absl::Duration retry_period = absl::Seconds(2);
    // A line per transition (acquired, lost, waiting for whom).
    std::function<void(const std::string&)> log = nullptr;
    // The clock the lease's durations are measured by: a monotonic one in
    // production (a step of the wall clock must neither let a standby take
    // over early nor keep a stalled leader acting); the scheduler's when
    // unset. The Lease's timestamps are always the scheduler's.
    std::function<absl::Time()> clock = nullptr;
  };
  struct Callbacks {
    std::function<void()> started;  // this process now leads
    std::function<void()> stopped;  // it led and no longer does (it must stop acting)
  };

  LeaderElector(ports::KubeApi& api, Scheduler& scheduler, Options options, Callbacks callbacks);
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // InvalidArgument naming the option when they cannot work (an empty
  // identity, renew_deadline not under lease_duration...).
  static absl::Status Validate(const Options& options);

  void Start();
  bool leading() const { return leading_; }
  // Stops trying, and when leading, releases the Lease (one update).
  absl::Status Release();

  // The Lease's MicroTime format: RFC 3339 with microseconds, UTC.
  static std::string MicroTime(absl::Time t);

 private:
  void Try();
  // One attempt to acquire or renew, begun at `started` (options.clock);
  // true when this process holds the Lease.
  bool TryAcquireOrRenew(absl::Time started);
  absl::Time Clock() const;
  void Log(const std::string& line) const;

  ports::KubeApi& api_;
  Scheduler& scheduler_;
  const Options options_;
  const Callbacks callbacks_;
  bool leading_ = false;
  bool stopped_ = false;
  absl::Time last_renewed_ = absl::InfinitePast();
  // The Lease as last read, and when (on this process's clock) it changed.
  std::string observed_record_;
  absl::Time observed_at_ = absl::InfinitePast();
  std::string last_waiting_for_;  // the holder last logged as waited for
};

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_LEADER_ELECTION_H_
