// Cache: the informers of every kind a process reads, synced together, and
// the observer of what has no watch (observer.h); what a reconciler is given
// to read (never the API itself).
//
//   Cache cache(api, {"VirtualMachineInstanceMigration", "PersistentVolumeClaim"});
//   cache.informer("PersistentVolumeClaim").AddIndex("volume", VolumeOf);
//   RETURN_IF_ERROR(cache.Sync());
//   auto m = cache.GetAs<kubevirt::VirtualMachineInstanceMigration>(kind, key);
#ifndef FERRY_CORE_RUNTIME_CACHE_H_
#define FERRY_CORE_RUNTIME_CACHE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/ports/kube_api.h"
#include "core/runtime/informer.h"
#include "core/runtime/observer.h"

namespace ferry::runtime {

class Cache {
 public:
  // `selectors`: the objects held of a kind, when not every one
  // (Informer's selector).
  Cache(ports::KubeApi& api, const std::vector<std::string>& kinds,
        Observer::Options observe = {},
        const std::map<std::string, ports::Selector, std::less<>>& selectors = {});

  // Syncs every informer, in kind order; stops at the first that fails
  // (the others keep what they had, and the next Sync goes on from there).
  absl::Status Sync();
  bool has_synced() const;
  // Moves whenever a Sync changed anything: what was derived from the
  // cache at one generation holds until the next.
  uint64_t generation() const { return generation_; }
  // Informer::Assume on the informer of the object's kind, if it has one.
  void Assume(const ports::ObjectPtr& object);
  // Makes every informer list afresh at the next Sync (a resync).
  void Invalidate();

  bool has(absl::string_view kind) const { return informers_.find(kind) != informers_.end(); }
  // What the reconcilers asked to observe of systems with no watch.
  Observer& observer() { return observer_; }
  const Observer& observer() const { return observer_; }

  // The informer of a kind the cache was built with; any other kind is a
  // programming error (aborts).
  Informer& informer(absl::string_view kind);
  const Informer& informer(absl::string_view kind) const;
  const std::map<std::string, std::unique_ptr<Informer>, std::less<>>& informers() const {
    return informers_;
  }

  ports::ObjectPtr Get(absl::string_view kind, const Key& key) const {
    return informer(kind).Get(key);
  }
  template <typename T>
  std::shared_ptr<const T> GetAs(absl::string_view kind, const Key& key) const {
    return informer(kind).GetAs<T>(key);
  }

 private:
  std::map<std::string, std::unique_ptr<Informer>, std::less<>> informers_;
  Observer observer_;
  uint64_t generation_ = 0;
};

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_CACHE_H_
