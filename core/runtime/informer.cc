#include "core/runtime/informer.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ferry::runtime {

Key KeyOfObject(const google::protobuf::Message& object) {
  const k8s::ObjectMeta& meta = ports::MetadataOf(object);
  return Key{meta.namespace_(), meta.name()};
}

void Informer::AddIndex(const std::string& name, IndexFn fn) {
  Index& index = indexes_[name];
  index.fn = std::move(fn);
  index.keys.clear();
  for (const auto& [key, object] : objects_) {
    for (std::string& value : index.fn(*object)) index.keys[std::move(value)].insert(key);
  }
}

const std::set<Key>& Informer::ByIndex(absl::string_view name, absl::string_view value) const {
  static const std::set<Key>* const kNone = new std::set<Key>();
  auto index = indexes_.find(name);
  if (index == indexes_.end()) std::abort();  // an index never added: a programming error
  auto keys = index->second.keys.find(value);
  return keys == index->second.keys.end() ? *kNone : keys->second;
}

ports::ObjectPtr Informer::Get(const Key& key) const {
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

void Informer::Unindex(const Key& key, const google::protobuf::Message& object) {
  for (auto& [name, index] : indexes_) {
    for (const std::string& value : index.fn(object)) {
      auto keys = index.keys.find(value);
      if (keys == index.keys.end()) continue;
      keys->second.erase(key);
      if (keys->second.empty()) index.keys.erase(keys);
    }
  }
}

void Informer::Reindex(const Key& key, const google::protobuf::Message& object) {
  for (auto& [name, index] : indexes_) {
    for (std::string& value : index.fn(object)) index.keys[std::move(value)].insert(key);
  }
}

namespace {

// resourceVersions compare as numbers (etcd revisions; the API calls them
// opaque, but every server Ferry meets writes a revision); one that is not
// a number compares as older than anything.
int64_t Revision(const ports::ObjectPtr& object) {
  int64_t v = -1;
  if (!absl::SimpleAtoi(ports::MetadataOf(*object).resource_version(), &v)) return -1;
  return v;
}

}  // namespace

bool Informer::Assume(const ports::ObjectPtr& object) {
  if (object == nullptr) return false;
  const Key key = KeyOfObject(*object);
  auto it = objects_.find(key);
  ports::ObjectPtr held = it == objects_.end() ? nullptr : it->second;
  if (held != nullptr && Revision(held) >= Revision(object)) return false;
  assumed_.try_emplace(key, held);  // the first assumption keeps what was announced
  if (held != nullptr) Unindex(key, *held);
  Reindex(key, *object);
  objects_.insert_or_assign(key, object);
  ++generation_;
  return true;
}

void Informer::Put(const Key& key, ports::ObjectPtr now) {
  auto it = objects_.find(key);
  ports::ObjectPtr held = it == objects_.end() ? nullptr : it->second;
  if (held == nullptr && now == nullptr) return;
  auto assumed = assumed_.find(key);
  // What the handlers last heard of this key.
  const ports::ObjectPtr announced = assumed != assumed_.end() ? assumed->second : held;
  if (held != nullptr && now != nullptr && Revision(held) >= Revision(now) &&
      (assumed != assumed_.end() ||
       ports::MetadataOf(*held).resource_version() == ports::MetadataOf(*now).resource_version())) {
    // The same object read again, or an event older than one this client
    // wrote and holds already. The watch catching up with an assumed
    // write is its change: the handlers hear of it now.
    if (assumed != assumed_.end() && Revision(held) == Revision(now)) {
      before_.try_emplace(key, announced);
      changed_.insert(key);
      assumed_.erase(assumed);
    }
    return;
  }
  if (assumed != assumed_.end()) assumed_.erase(assumed);
  before_.try_emplace(key, announced);
  changed_.insert(key);
  if (held != nullptr) Unindex(key, *held);
  if (now == nullptr) {
    objects_.erase(it);
    return;
  }
  Reindex(key, *now);
  objects_.insert_or_assign(key, std::move(now));
}

absl::Status Informer::Relist() {
  ++lists_;
  absl::StatusOr<ports::ObjectList> list = api_.List(kind_, "", selector_);
  if (!list.ok()) return list.status();
  std::map<Key, ports::ObjectPtr> listed;
  for (ports::ObjectPtr& item : list->items) {
    if (item == nullptr) continue;
    Key key = KeyOfObject(*item);
    listed.insert_or_assign(std::move(key), std::move(item));
  }
  std::vector<Key> gone;
  for (const auto& [key, object] : objects_) {
    if (!listed.contains(key)) gone.push_back(key);
  }
  for (const Key& key : gone) Put(key, nullptr);
  for (auto& [key, object] : listed) Put(key, std::move(object));
  resource_version_ = list->resource_version;
  last_change_version_ = list->resource_version;
  return absl::OkStatus();
}

absl::Status Informer::Sync() {
  changed_.clear();
  before_.clear();
  absl::Status status;
  if (resource_version_.empty()) {
    status = Relist();
  } else {
    ++watches_;
    absl::StatusOr<std::vector<ports::WatchEvent>> events =
        api_.Watch(kind_, resource_version_, selector_, /*bookmarks=*/true);
    if (!events.ok() && events.status().code() == absl::StatusCode::kOutOfRange) {
      ++relists_after_gone_;
      status = Relist();
    } else if (!events.ok()) {
      status = events.status();
    } else {
      for (ports::WatchEvent& event : *events) {
        if (event.object == nullptr) continue;
        resource_version_ = ports::MetadataOf(*event.object).resource_version();
        if (event.type == ports::WatchEventType::kBookmark) {
          ++bookmarks_;
          continue;
        }
        last_change_version_ = resource_version_;
        const Key key = KeyOfObject(*event.object);
        Put(key, event.type == ports::WatchEventType::kDeleted ? nullptr : std::move(event.object));
      }
    }
  }
  // A failed List or Watch put nothing: the store is as it was.
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("syncing the ", kind_, " informer: ", status.message()));
  }
  // A key that came and went within one Sync is no change.
  for (const auto& [key, before] : before_) {
    if (before == nullptr && !objects_.contains(key)) changed_.erase(key);
  }
  if (!changed_.empty()) ++generation_;
  for (const Key& key : changed_) {
    const ports::ObjectPtr now = Get(key);
    for (const Handler& handler : handlers_) handler(key, before_.at(key), now);
  }
  return absl::OkStatus();
}

}  // namespace ferry::runtime
