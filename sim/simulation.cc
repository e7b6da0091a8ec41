#include "sim/simulation.h"


namespace ferry::sim {
namespace {

void Mix(uint64_t* hash, absl::string_view bytes) {
  for (unsigned char c : bytes) *hash = (*hash ^ c) * 1099511628211ull;
}

void Mix(uint64_t* hash, int64_t value) {
  for (int i = 0; i < 8; ++i) {
    *hash = (*hash ^ static_cast<unsigned char>(value >> (8 * i))) * 1099511628211ull;
  }
}

}  // namespace

Simulation::Simulation(uint64_t seed, absl::Time start)
    : seed_(seed), clock_(start), rng_(seed) {}

Simulation::EventId Simulation::At(absl::Time when, std::string owner, std::string label,
                                   std::function<void()> fn) {
  if (when < now()) when = now();
  const EventId id = next_id_++;
  queue_.emplace(Key(when, id), Event{std::move(owner), std::move(label), std::move(fn)});
  due_.emplace(id, when);
  return id;
}

Simulation::EventId Simulation::After(absl::Duration delay, std::string owner,
                                      std::string label, std::function<void()> fn) {
  return At(now() + delay, std::move(owner), std::move(label), std::move(fn));
}

bool Simulation::Cancel(EventId id) {
  auto it = due_.find(id);
  if (it == due_.end()) return false;
  queue_.erase(Key(it->second, id));
  due_.erase(it);
  return true;
}

size_t Simulation::Crash(const std::string& owner) {
  size_t dropped = 0;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->second.owner == owner) {
      due_.erase(it->first.second);
      it = queue_.erase(it);
      ++dropped;
    } else {
      ++it;
    }
  }
  return dropped;
}

void Simulation::Record(absl::Time time, EventId id, const Event& event) {
  // Field by field, with separators, and no allocation: this runs per event.
  Mix(&trace_hash_, absl::ToUnixNanos(time));
  Mix(&trace_hash_, event.owner);
  Mix(&trace_hash_, "|");
  Mix(&trace_hash_, event.label);
  Mix(&trace_hash_, "\n");
  if (record_trace_) trace_.push_back(TraceEntry{time, id, event.owner, event.label});
}

bool Simulation::Step() {
  if (queue_.empty()) return false;
  auto it = queue_.begin();
  const Key key = it->first;
  Event event = std::move(it->second);
  queue_.erase(it);
  due_.erase(key.second);
  clock_.Set(key.first);
  Record(key.first, key.second, event);
  event.fn();
  return true;
}

void Simulation::RunFor(absl::Duration duration) {
  const absl::Time end = now() + duration;
  while (!queue_.empty() && queue_.begin()->first.first <= end) Step();
  clock_.Set(end);
}

size_t Simulation::RunUntilIdle(size_t max_events) {
  size_t ran = 0;
  while (ran < max_events && Step()) ++ran;
  return ran;
}

}  // namespace ferry::sim
