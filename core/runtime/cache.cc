#include "core/runtime/cache.h"

#include <cstdlib>

namespace ferry::runtime {

Cache::Cache(ports::KubeApi& api, const std::vector<std::string>& kinds,
             Observer::Options observe,
             const std::map<std::string, ports::Selector, std::less<>>& selectors)
    : observer_(observe) {
  for (const std::string& kind : kinds) {
    auto selector = selectors.find(kind);
    informers_.try_emplace(
        kind, std::make_unique<Informer>(
                  api, kind, selector == selectors.end() ? ports::Selector() : selector->second));
  }
}

absl::Status Cache::Sync() {
  for (auto& [kind, informer] : informers_) {
    const absl::Status synced = informer->Sync();
    if (!informer->changed().empty()) ++generation_;
    if (!synced.ok()) return synced;
  }
  return absl::OkStatus();
}

bool Cache::has_synced() const {
  for (const auto& [kind, informer] : informers_) {
    if (!informer->has_synced()) return false;
  }
  return true;
}

void Cache::Assume(const ports::ObjectPtr& object) {
  if (object == nullptr) return;
  absl::StatusOr<ports::ObjectKey> key = ports::KeyOf(*object);
  if (!key.ok()) return;
  auto it = informers_.find(key->kind);
  // A view derived from the cache must not mix this write with what it
  // derived before it.
  if (it != informers_.end() && it->second->Assume(object)) ++generation_;
}

void Cache::Invalidate() {
  for (auto& [kind, informer] : informers_) informer->Invalidate();
}

Informer& Cache::informer(absl::string_view kind) {
  auto it = informers_.find(kind);
  if (it == informers_.end()) std::abort();  // a kind the cache was not built with
  return *it->second;
}

const Informer& Cache::informer(absl::string_view kind) const {
  auto it = informers_.find(kind);
  if (it == informers_.end()) std::abort();
  return *it->second;
}

}  // namespace ferry::runtime
