#include "sim/api_mirror.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/core.pb.h"

namespace ferry::sim {

ApiMirror::ApiMirror(fakes::FakeKubeApi& api, const std::vector<std::string>& kinds) : api_(api) {
  for (const std::string& kind : kinds) kinds_[kind];
}

std::string ApiMirror::Key(const k8s::ObjectMeta& meta) {
  return absl::StrCat(meta.namespace_(), "/", meta.name());
}

absl::Status ApiMirror::Relist(const std::string& name, Kind& kind) {
  absl::StatusOr<ports::ObjectList> list = api_.List(name, "", k8s::LabelSelector());
  if (!list.ok()) return list.status();
  for (const auto& [key, object] : kind.objects) kind.changed.insert(key);
  kind.objects.clear();
  for (const ports::ObjectPtr& item : list->items) {
    const std::string key = Key(ports::MetadataOf(*item));
    kind.changed.insert(key);
    kind.objects.emplace(key, item);
  }
  return absl::OkStatus();
}

absl::Status ApiMirror::Sync() {
  for (auto& [name, kind] : kinds_) kind.changed.clear();
  const int64_t now = api_.resource_version();
  if (now == synced_rv_) return absl::OkStatus();
  const int64_t from = synced_rv_;
  synced_rv_ = -1;  // until this Sync succeeds
  for (auto& [name, kind] : kinds_) {
    if (from < 0) {
      if (absl::Status listed = Relist(name, kind); !listed.ok()) return listed;
      continue;
    }
    absl::StatusOr<std::vector<ports::WatchEvent>> events = api_.Watch(name, absl::StrCat(from));
    if (!events.ok()) {
      if (events.status().code() != absl::StatusCode::kOutOfRange) return events.status();
      if (absl::Status listed = Relist(name, kind); !listed.ok()) return listed;
      continue;
    }
    for (const ports::WatchEvent& event : *events) {
      const std::string key = Key(ports::MetadataOf(*event.object));
      kind.changed.insert(key);
      if (event.type == ports::WatchEventType::kDeleted) {
        kind.objects.erase(key);
      } else {
        kind.objects[key] = event.object;
      }
    }
  }
  synced_rv_ = now;
  return absl::OkStatus();
}

const ApiMirror::Kind& ApiMirror::Get(absl::string_view kind) const {
  auto it = kinds_.find(kind);
  if (it == kinds_.end()) std::abort();  // a kind the mirror was not built with: a harness bug
  return it->second;
}

const std::map<std::string, ports::ObjectPtr>& ApiMirror::Objects(absl::string_view kind) const {
  return Get(kind).objects;
}

const std::set<std::string>& ApiMirror::Changed(absl::string_view kind) const {
  return Get(kind).changed;
}

const ports::ObjectPtr* ApiMirror::Find(absl::string_view kind, const std::string& key) const {
  const auto& objects = Get(kind).objects;
  auto it = objects.find(key);
  return it == objects.end() ? nullptr : &it->second;
}

}  // namespace ferry::sim
