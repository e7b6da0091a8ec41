// Observer: the change feed of systems that have no watch (a node's
// libvirt, the oVirt engine). A reconciler says, with each Result, what it
// wants observed for its key; the observer polls each such read while some
// key wants it, and a result that differs from the last one wakes the keys
// that want it, as an informer's change does. Nothing is polled that no
// reconcile asked for, and a read whose result stays the same is polled
// less and less often (doubling from `first` up to `max`). After a key's
// effects act on such a system, its reads' results are dropped and read
// again at once: a reconcile must never decide from a result older than
// its own last effect (it would start a copy it has just started).
//
//   Observer observer({.first = absl::Seconds(1), .max = absl::Seconds(30)});
//   observer.Want(key, {OvirtVmRead{"vm-1"}}, now);      // after a reconcile
//   for (const Read& r : observer.Due(now)) {
//     for (const Key& k : observer.Record(r, executor.Read(r), now)) queue.Add(k);
//   }
//   const Observation* seen = observer.Get(OvirtVmRead{"vm-1"});  // in Reconcile
//
// Invariant: the observer holds an entry exactly for the reads some key
// wants; its results are what the ports returned, never edited.
#ifndef FERRY_CORE_RUNTIME_OBSERVER_H_
#define FERRY_CORE_RUNTIME_OBSERVER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/ovirt.pb.h"
#include "core/ports/hypervisor.h"
#include "core/ports/kube_api.h"
#include "core/runtime/key.h"

namespace ferry::runtime {

// A libvirt domain: its info and its job (LookupDomain, GetJobStats).
struct DomainRead {
  std::string domain;
};
// An engine VM with its disk attachments (GET /vms/{id}?follow=disk_attachments).
struct OvirtVmRead {
  std::string vm_id;
};
// One engine disk (GET /disks/{id}: a LUN's connection details). Read once
// while wanted (ReadOnce): a direct LUN's connection cannot change while it
// exists, and the reads a plan makes of its VMs show what is attached.
struct OvirtDiskRead {
  std::string disk_id;
};
// The engine's version and every VM (GET /api, GET /vms).
struct OvirtInventoryRead {};

// One Kubernetes object by GET, for an object a process needs briefly and
// would otherwise hold all of its kind for (a node agent and one other
// node). Its result is the object (null: absent); a change is a new
// resourceVersion.
struct ObjectRead {
  ports::ObjectKey key;
};

using Read = std::variant<DomainRead, OvirtVmRead, OvirtDiskRead, OvirtInventoryRead, ObjectRead>;

// One line naming the read, e.g. "domain default_vm1"; also its identity.
std::string Describe(const Read& read);
// Read once while wanted, not polled: again only after an Invalidate (or a
// failed read, retried as polls are).
bool ReadOnce(const Read& read);

struct DomainSeen {
  bool present = false;  // LookupDomain found it (NotFound: absent, not an error)
  ports::DomainInfo info;
  ports::JobStats job;  // the active job, or the domain's last one
};

struct OvirtInventory {
  ovirt::Version version;
  std::vector<ovirt::Vm> vms;
};

// What a read returned, and when.
struct Observation {
  absl::Status status;  // the port's error; `value` is empty then
  absl::Time at;
  // The refresh this result was read after (Observer::Invalidate's tag):
  // a reconciler that must decide from a read newer than some event (a
  // fresh report asked for) asks for a refresh tagged with it and waits
  // for a result carrying the tag. Later polls keep it.
  std::string tag;
  // Given by the observer to each result that differs from the one before
  // it, unique within the observer: two results with the same serial are
  // the same result (a reconciler that remembers what it decided from a
  // read compares serials, not values).
  uint64_t serial = 0;
  std::variant<std::monostate, DomainSeen, ovirt::Vm, ovirt::Disk, OvirtInventory,
               ports::ObjectPtr>
      value;

  template <typename T>
  const T* As() const { return std::get_if<T>(&value); }
};

// Same status (code and message) and same value.
bool SameResult(const Observation& a, const Observation& b);

class Observer {
 public:
  struct Options {
    absl::Duration first = absl::Seconds(1);
    absl::Duration max = absl::Seconds(1);
  };

  explicit Observer(Options options) : options_(options) {}

  // What `key` wants observed from now on (it replaces what the key wanted
  // before): `reads` polled, `kept` read once and then kept, not polled
  // (again only after an Invalidate, a Recheck or a failed read). A read
  // new to the observer is due at `now`; a read no key wants any more is
  // forgotten, with its result. A read that only was kept and now is
  // polled loses its result and is due at `now`: the key decides from a
  // read made after it asked.
  void Want(const Key& key, const std::vector<Read>& reads, absl::Time now,
            const std::vector<Read>& kept = {});
  // The reads `key` wants lose their result (Get gives null) and are due
  // at `now`, their interval back at `first`; the next result wakes it and
  // carries `tag` (and so do the ones after, until another Invalidate).
  void Invalidate(const Key& key, absl::Time now, const std::string& tag = "");
  // The same for one read, whoever wants it (its tag kept): after an effect
  // known to change only what that read shows.
  void Invalidate(const Read& read, absl::Time now);
  // The read is due at `now` again, keeping its result: the next one wakes
  // the keys only if it differs (after a call that failed, which most
  // likely changed nothing: the key's back-off must not be cut short by a
  // re-read of the same answer).
  void Recheck(const Read& read, absl::Time now);
  void Recheck(const Key& key, absl::Time now);

  // When the next read is due (none: nothing is wanted).
  std::optional<absl::Time> NextDue() const;
  // The reads due at `now`, the longest due first (then by name).
  std::vector<Read> Due(absl::Time now) const;
  // The first of them (none: nothing is due).
  std::optional<Read> FirstDue(absl::Time now) const;
  // Keeps what `read` returned and schedules its next poll. The keys that
  // want it when this is its first result or differs from the last one;
  // none for a read no key wants (any more).
  std::vector<Key> Record(const Read& read, Observation seen, absl::Time now);

  // The last result of `read` (null: no key wants it, or none yet).
  const Observation* Get(const Read& read) const;
  // The same by the read's name (Describe).
  const Observation* Get(const std::string& name) const;
  size_t wanted() const { return entries_.size(); }

 private:
  struct Entry {
    Read read;
    std::set<Key> wanted_by;
    std::set<Key> polled_by;  // of wanted_by, the keys that want it polled
    std::optional<Observation> last;
    std::string tag;  // given to the results read from now on
    absl::Duration interval;
    absl::Time due = absl::InfiniteFuture();
  };

  const Options options_;
  // Sets `entry`'s next poll (InfiniteFuture: none) in the schedule.
  void SetDue(std::pair<const std::string, Entry>& entry, absl::Time due);
  // Due at `now` (or sooner), the interval back at `first`.
  void PollNow(std::pair<const std::string, Entry>& entry, absl::Time now);
  // PollNow, the result dropped and later results tagged `tag`.
  void Refresh(std::pair<const std::string, Entry>& entry, absl::Time now,
               const std::string& tag);

  std::map<std::string, Entry> entries_;               // by Describe(read)
  std::set<std::pair<absl::Time, std::string>> schedule_;  // (due, name) of polled entries
  std::map<Key, std::set<std::string>> reads_of_key_;  // what each key wants
  uint64_t serials_ = 0;  // the last Observation::serial given
};

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_OBSERVER_H_
