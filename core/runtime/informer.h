// Informer: the objects of one kind as a client keeps them (client-go's
// reflector and indexer): a List, then Watches from the last
// resourceVersion seen; a Watch refused as OutOfRange ("410 Gone": the
// server no longer keeps history that far back) lists afresh. Pull-based
// like the port: the caller decides when to Sync (the simulator after an
// event, production when its watch stream delivered).
//
//   Informer pvcs(api, "PersistentVolumeClaim");
//   pvcs.AddIndex("volume", [](const google::protobuf::Message& m) {
//     return std::vector<std::string>{PvcOf(m).spec().volume_name()}; });
//   RETURN_IF_ERROR(pvcs.Sync());
//   for (const Key& key : pvcs.changed()) queue.Add(...);
//   for (const Key& key : pvcs.ByIndex("volume", "pv-1")) ...
//
// Invariants:
//   - after a Sync that succeeded, the store is the server's state of the
//     kind at resource_version() (as fresh as the server answered: a
//     lagging watch lags it);
//   - changed() names exactly the keys whose object was added, replaced by
//     a newer resourceVersion, or removed by that Sync (a relist compares
//     with what was held: an unchanged object is not a change, nor is one
//     created and deleted within the Sync);
//   - a Sync that fails changes nothing; the next one retries from the same
//     resourceVersion;
//   - every index maps a value to exactly the keys whose object yields it.
#ifndef FERRY_CORE_RUNTIME_INFORMER_H_
#define FERRY_CORE_RUNTIME_INFORMER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/ports/kube_api.h"
#include "core/runtime/key.h"
#include "google/protobuf/message.h"

namespace ferry::runtime {

class Informer {
 public:
  // The values an object is indexed under (none: not indexed).
  using IndexFn = std::function<std::vector<std::string>(const google::protobuf::Message&)>;
  // Called by Sync for each changed key, in key order, after the store and
  // indexes hold the new state: the object before and now (null: absent).
  using Handler = std::function<void(const Key& key, const ports::ObjectPtr& before,
                                     const ports::ObjectPtr& now)>;

  // Holds the objects of `kind` that `selector` selects (every one by
  // default): an object that stops being selected leaves the store as if
  // deleted.
  Informer(ports::KubeApi& api, std::string kind, ports::Selector selector = {})
      : api_(api), kind_(std::move(kind)), selector_(std::move(selector)) {}
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  const std::string& kind() const { return kind_; }
  const ports::Selector& selector() const { return selector_; }

  // Indexes and handlers apply to every object from then on, the held ones
  // included.
  void AddIndex(const std::string& name, IndexFn fn);
  void AddHandler(Handler handler) { handlers_.push_back(std::move(handler)); }

  // Catches up with the server: List at first (and after OutOfRange), then
  // Watch from resource_version(), with bookmarks: a quiet kind's watch
  // moves on with the server and is not sent back to List by compaction.
  absl::Status Sync();
  // Holds `object`, which this client just wrote (the server's answer),
  // before its watch event arrives (client-go's mutation cache): a
  // reconcile right after a write reads it instead of deciding again from
  // the version before. Ignored when the store holds a newer one; an event
  // older than what the store holds never replaces it. Not a change: its
  // handlers and changed() hear of it from the watch.
  // True when it replaced what the store held.
  bool Assume(const ports::ObjectPtr& object);
  // Drops the resourceVersion so the next Sync lists afresh (a resync).
  void Invalidate() { resource_version_.clear(); }

  bool has_synced() const { return lists_ > 0 && !resource_version_.empty(); }
  const std::string& resource_version() const { return resource_version_; }
  // The resourceVersion of the last change the server told it of: a watch
  // event's, or a relist's (which may hide when its changes happened). A
  // bookmark does not move it, so a reader that needs another informer to
  // be as new as this kind's changes is not held back by a quiet kind's
  // bookmarks. "" until listed.
  const std::string& last_change_version() const { return last_change_version_; }
  const std::set<Key>& changed() const { return changed_; }
  // Moves whenever the store changed (a Sync with changes, an Assume that
  // replaced an object): what was derived from the store holds until then.
  uint64_t generation() const { return generation_; }

  // The object now (null when the store has none).
  ports::ObjectPtr Get(const Key& key) const;
  template <typename T>
  std::shared_ptr<const T> GetAs(const Key& key) const {
    return ports::As<T>(Get(key));
  }
  // Every object, in key order (the API's order).
  const std::map<Key, ports::ObjectPtr>& objects() const { return objects_; }
  // The keys whose object yields `value` under index `name`, in key order.
  // An unknown index is a programming error (aborts).
  const std::set<Key>& ByIndex(absl::string_view name, absl::string_view value) const;

  // Calls made so far, for the figures of how much a process asks.
  int64_t lists() const { return lists_; }
  int64_t watches() const { return watches_; }
  int64_t relists_after_gone() const { return relists_after_gone_; }
  int64_t bookmarks() const { return bookmarks_; }

 private:
  struct Index {
    IndexFn fn;
    std::map<std::string, std::set<Key>, std::less<>> keys;  // value -> keys
  };

  absl::Status Relist();
  // Puts `now` (null: removes) under `key`, noting a change.
  void Put(const Key& key, ports::ObjectPtr now);
  void Unindex(const Key& key, const google::protobuf::Message& object);
  void Reindex(const Key& key, const google::protobuf::Message& object);

  ports::KubeApi& api_;
  const std::string kind_;
  const ports::Selector selector_;
  std::string resource_version_;  // "" until listed
  std::string last_change_version_;
  std::map<Key, ports::ObjectPtr> objects_;
  std::map<std::string, Index, std::less<>> indexes_;
  std::vector<Handler> handlers_;
  std::set<Key> changed_;
  std::map<Key, ports::ObjectPtr> before_;  // for the handlers: each changed key's first state
  // Held from a write, its watch event still to come: the state the
  // handlers last heard of (null: absent).
  std::map<Key, ports::ObjectPtr> assumed_;
  int64_t lists_ = 0, watches_ = 0, relists_after_gone_ = 0, bookmarks_ = 0;
  uint64_t generation_ = 0;
};

// The key of an object's metadata.
Key KeyOfObject(const google::protobuf::Message& object);

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_INFORMER_H_
