// CountingKubeApi: a KubeApi that forwards every call to another one and
// counts the requests, so the simulator can report the Kubernetes API requests
// Ferry's own processes make (the cluster model and the checkers read the
// fake directly and are not counted).
//
//   CountingKubeApi::Tally tally;
//   CountingKubeApi controller_api(fake, &tally);   // one per process
//   ControllerProcess controller(controller_api, ...);
//   ... tally.calls, tally.by_verb["watch"] ...
//
// One per process: a process's watch goes on from where that process's
// last left off; two processes watching a kind are two streams.
#ifndef FERRY_SIM_COUNTING_KUBE_API_H_
#define FERRY_SIM_COUNTING_KUBE_API_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/ports/kube_api.h"

namespace ferry::sim {

class CountingKubeApi : public ports::KubeApi {
 public:
  // What every process's requests add up to.
  struct Tally {
    int64_t calls = 0;
    std::map<std::string, int64_t> by_verb;  // get, list, watch, create, update...
  };

  // Counts into `tally` (shared), or into its own when none is given.
  explicit CountingKubeApi(ports::KubeApi& api, Tally* tally = nullptr)
      : api_(api), tally_(tally != nullptr ? tally : &own_) {}

  absl::StatusOr<ports::ObjectPtr> Get(const ports::ObjectKey& key) override {
    Count("get");
    return api_.Get(key);
  }
  absl::StatusOr<ports::ObjectList> List(absl::string_view kind, absl::string_view namespace_,
                                         const ports::Selector& selector) override {
    Count("list");
    return api_.List(kind, namespace_, selector);
  }
  absl::StatusOr<ports::ObjectPtr> Create(const google::protobuf::Message& object) override {
    Count("create");
    return api_.Create(object);
  }
  absl::StatusOr<ports::ObjectPtr> Update(const google::protobuf::Message& object) override {
    Count("update");
    return api_.Update(object);
  }
  absl::StatusOr<ports::ObjectPtr> UpdateStatus(const google::protobuf::Message& object) override {
    Count("update_status");
    return api_.UpdateStatus(object);
  }
  absl::Status Delete(const ports::ObjectKey& key, absl::string_view resource_version) override {
    Count("delete");
    return api_.Delete(key, resource_version);
  }
  using ports::KubeApi::Watch;
  // The port's watch is pull-based; a real one is one long request whose
  // events stream in. So a Watch that goes on from where a watch of the
  // kind and selector left off (the last event's resourceVersion, a
  // bookmark's included, or its start when it had none) is the same
  // request, not another one; any other Watch opens a stream and counts.
  absl::StatusOr<std::vector<ports::WatchEvent>> Watch(absl::string_view kind,
                                                        absl::string_view resource_version,
                                                        const ports::Selector& selector,
                                                        bool bookmarks) override {
    const std::string stream = absl::StrCat(kind, " ", selector.ToString());
    if (streams_.erase({stream, std::string(resource_version)}) == 0) Count("watch");
    absl::StatusOr<std::vector<ports::WatchEvent>> events =
        api_.Watch(kind, resource_version, selector, bookmarks);
    if (events.ok()) {
      std::string next(resource_version);
      if (!events->empty() && events->back().object != nullptr) {
        next = ports::MetadataOf(*events->back().object).resource_version();
      }
      streams_.emplace(stream, std::move(next));
    }
    return events;
  }

  // Calls counted into this API's tally so far.
  int64_t calls() const { return tally_->calls; }

 private:
  void Count(const char* verb) {
    ++tally_->calls;
    ++tally_->by_verb[verb];
  }

  ports::KubeApi& api_;
  Tally own_;
  Tally* tally_;
  // Open watches: ("<kind> <selector>", where they are).
  std::set<std::pair<std::string, std::string>> streams_;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_COUNTING_KUBE_API_H_
