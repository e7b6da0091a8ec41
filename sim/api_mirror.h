// ApiMirror: the objects of some kinds as the fake API server holds them
// now, kept up to date from its watch history, so a checker that runs after
// every event reads only what changed instead of listing everything.
//
//   ApiMirror mirror(world.api(), {"PersistentVolume", "Pod"});
//   RETURN_IF_ERROR(mirror.Sync());          // after each event
//   for (const std::string& key : mirror.Changed("Pod")) {
//     const ports::ObjectPtr* pod = mirror.Find("Pod", key);  // null: deleted
//   }
//
// Keys are "namespace/name" ("/name" for cluster-scoped objects). The first
// Sync, and one after the watch history was compacted past the mirror, list
// the kind afresh; every object listed, and every one gone, counts as changed.
// The simulator never delays watch delivery (FakeKubeApi::set_watch_delay);
// with a delay the mirror would lag by it.
#ifndef FERRY_SIM_API_MIRROR_H_
#define FERRY_SIM_API_MIRROR_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/ports/kube_api.h"
#include "fakes/kube/fake_kube_api.h"

namespace ferry::sim {

class ApiMirror {
 public:
  ApiMirror(fakes::FakeKubeApi& api, const std::vector<std::string>& kinds);

  // Catches up with the API. Changed() then names what changed since the
  // previous Sync. On error the mirror lists afresh at the next Sync.
  absl::Status Sync();

  // Every object of a mirrored kind, by key.
  const std::map<std::string, ports::ObjectPtr>& Objects(absl::string_view kind) const;
  // The keys added, modified or deleted by the last Sync.
  const std::set<std::string>& Changed(absl::string_view kind) const;
  // The object now, or null when there is none.
  const ports::ObjectPtr* Find(absl::string_view kind, const std::string& key) const;

  static std::string Key(const k8s::ObjectMeta& meta);

 private:
  struct Kind {
    std::map<std::string, ports::ObjectPtr> objects;
    std::set<std::string> changed;
  };
  const Kind& Get(absl::string_view kind) const;
  absl::Status Relist(const std::string& name, Kind& kind);

  fakes::FakeKubeApi& api_;
  std::map<std::string, Kind, std::less<>> kinds_;
  int64_t synced_rv_ = -1;  // -1: list afresh
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_API_MIRROR_H_
