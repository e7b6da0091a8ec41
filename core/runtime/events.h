// Kubernetes Events as Ferry's reconcilers tell them (the storage
// migration's and the LUN plans' Events reconcilers): each Event named
// from its object's name, the uid's first 8 characters and what it tells,
// so a restarted process derives the same name and creates it exists-ok:
// a repeat never duplicates one. EventLedger remembers what this process
// asked for, sparing calls; memory only, a restart asks again.
//
//   k8s::Event e = MakeEvent({"kubevirt.io/v1", "VirtualMachineInstanceMigration",
//                             m.metadata()}, "succeeded", "Normal", "SuccessfulMigration",
//                            message, at, {"ferry-controller", host});
//   for (Effect& effect : ledger.Tell(key, events, not_before)) result.effects.push_back(...);
#ifndef FERRY_CORE_RUNTIME_EVENTS_H_
#define FERRY_CORE_RUNTIME_EVENTS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/core.pb.h"
#include "core/runtime/effect.h"
#include "core/runtime/key.h"

namespace ferry::runtime {

struct EventObject {
  std::string api_version;  // "kubevirt.io/v1"
  std::string kind;
  const k8s::ObjectMeta& metadata;
};

struct EventSource {
  std::string component;  // source.component; reportingComponent "ferry.dev/<component>"
  std::string instance;   // reportingInstance: the process
};

// An Event about `object`, named "<name, cut>.<uid[:8]>.<what>" (at most
// 253 characters; `what` must already be lower-case DNS-1123), type
// Normal or Warning, first and last timestamp `at`, count 1, action the
// reason.
k8s::Event MakeEvent(const EventObject& object, absl::string_view what, const std::string& type,
                     const std::string& reason, const std::string& message, const std::string& at,
                     const EventSource& source);

class EventLedger {
 public:
  // A create (exists-ok) for each of `events` this process has not asked
  // for yet under `key`, skipping those before `not_before` (the API
  // server keeps Events an hour: older ones were told long ago, and a
  // restart must not tell them again once the server forgot them).
  std::vector<Effect> Tell(const Key& key, const std::vector<k8s::Event>& events,
                           absl::Time not_before);
  // The key's object is gone, or an effect of its batch failed: its
  // Events are asked for again (those made come back AlreadyExists: done).
  void Forget(const Key& key) { recorded_.erase(key); }

 private:
  std::map<Key, std::set<std::string>> recorded_;
};

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_EVENTS_H_
