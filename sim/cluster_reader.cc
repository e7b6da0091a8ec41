// The reads of the cluster model's passes (sim/cluster_reader.h).
#include "sim/cluster_reader.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ferry::sim::internal {

Reading ClusterReader::Read(std::initializer_list<const char*> kinds) {
  state_.Sync(api_);
  // The lists a pass makes, in its order: their hooks run as List's would.
  std::vector<std::pair<std::string, absl::StatusOr<absl::Duration>>> lists;
  bool current = true;
  for (const char* kind : kinds) {
    absl::StatusOr<absl::Duration> lag = api_.ListHooks(kind, "");
    current = current && lag.ok() && *lag <= absl::ZeroDuration();
    lists.emplace_back(kind, std::move(lag));
  }
  if (current) return Reading{&state_, nullptr};
  // A failed list reads as empty, a stale one as it was then.
  auto own = std::make_unique<ClusterState>();
  for (const auto& [kind, lag] : lists) {
    if (!lag.ok()) continue;
    if (*lag <= absl::ZeroDuration()) {
      state_.ForEachObject(kind, [&, k = kind](const Key& key, const ports::ObjectPtr& object) {
        own->Set(k, key, object);
      });
      continue;
    }
    for (const ports::ObjectPtr& object : api_.ListAt(kind, "", k8s::LabelSelector(), *lag).items) {
      const k8s::ObjectMeta& meta = ports::MetadataOf(*object);
      own->Set(kind, Key{meta.namespace_(), meta.name()}, object);
    }
  }
  const ClusterState* read = own.get();
  return Reading{read, std::move(own)};
}

}  // namespace ferry::sim::internal
