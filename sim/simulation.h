// Simulation: virtual time and a deterministic event queue. Everything a
// simulated run does happens in an event; nothing reads the wall clock.
//
// Events run in (time, id) order: the id is unique and increases with each
// schedule call, so events due at the same instant run in the order they were
// scheduled (Envoy's simulated-time tie-break). One seeded generator serves
// the whole run. Events belong to an owner (a process name); Crash(owner)
// drops the owner's pending events, as a process crash loses its timers.
//
//   Simulation sim(/*seed=*/42);
//   sim.After(absl::Seconds(5), "agent", "poll", [&] { ... });
//   sim.RunFor(absl::Minutes(10));
//   uint64_t fingerprint = sim.trace_hash();   // same seed: same hash
#ifndef FERRY_SIM_SIMULATION_H_
#define FERRY_SIM_SIMULATION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "core/ports/clock.h"

namespace ferry::sim {

class Simulation {
 public:
  using EventId = uint64_t;

  struct TraceEntry {
    absl::Time time;
    EventId id;
    std::string owner;
    std::string label;
  };

  explicit Simulation(uint64_t seed,
                      absl::Time start = absl::FromUnixSeconds(1692259200));  // 2023-08-17

  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Schedules `fn` at `when` (not before now). Returns its id.
  EventId At(absl::Time when, std::string owner, std::string label, std::function<void()> fn);
  EventId After(absl::Duration delay, std::string owner, std::string label,
                std::function<void()> fn);
  // False when the event already ran or was cancelled.
  bool Cancel(EventId id);
  // Drops every pending event of `owner`; returns how many.
  size_t Crash(const std::string& owner);

  // Runs the next event, moving the clock to its time. False when none is left.
  bool Step();
  // Runs events due up to `now() + duration`, then sets the clock there.
  void RunFor(absl::Duration duration);
  // Runs until no event is left or `max_events` ran; returns how many ran.
  size_t RunUntilIdle(size_t max_events);

  absl::Time now() const { return clock_.Now(); }
  const ports::Clock& clock() const { return clock_; }
  // The run's only source of randomness (std::mt19937_64: the same sequence
  // on every platform for a seed).
  std::mt19937_64& rng() { return rng_; }
  uint64_t seed() const { return seed_; }

  size_t pending() const { return queue_.size(); }
  const std::vector<TraceEntry>& trace() const { return trace_; }
  // FNV-1a over every event run (time, owner, label): equal for equal runs.
  uint64_t trace_hash() const { return trace_hash_; }
  // Keep the trace entries (the hash is always kept). Off by default: long
  // sweeps need only the hash.
  void set_record_trace(bool record) { record_trace_ = record; }

 private:
  struct Event {
    std::string owner;
    std::string label;
    std::function<void()> fn;
  };
  using Key = std::pair<absl::Time, EventId>;

  void Record(absl::Time time, EventId id, const Event& event);

  uint64_t seed_;
  ports::ManualClock clock_;
  std::mt19937_64 rng_;
  EventId next_id_ = 1;
  std::map<Key, Event> queue_;                      // ordered: the run order
  absl::flat_hash_map<EventId, absl::Time> due_;    // looked up, never iterated
  std::vector<TraceEntry> trace_;
  bool record_trace_ = false;
  uint64_t trace_hash_ = 14695981039346656037ull;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_SIMULATION_H_
