// KubeAction: one write a reconciler asks for, and ApplyKubeAction, which
// carries it out through the KubeApi port. Reconcilers are pure and return
// these; a process applies them one at a time, so a crash can fall between
// any two.
//
// Every update carries the resourceVersion the reconciler observed (a
// compare-and-swap). When one pass writes the same object twice, the second
// write carries the version the first returned (ResourceVersions remembers
// it), never a newer one it did not see.
//
//   ResourceVersions seen;
//   for (const KubeAction& action : actions) RETURN_IF_ERROR(ApplyKubeAction(api, action, seen));
#ifndef FERRY_CORE_STORAGE_MIGRATION_KUBE_ACTION_H_
#define FERRY_CORE_STORAGE_MIGRATION_KUBE_ACTION_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/timestamp.h"
#include "core/ports/kube_api.h"
#include "google/protobuf/message.h"

namespace ferry::storage_migration {

struct KubeAction {
  enum class Verb { kCreate, kUpdate, kUpdateStatus, kDelete };
  Verb verb = Verb::kUpdate;
  std::shared_ptr<google::protobuf::Message> object;  // create, update, update status
  ports::ObjectKey key;                               // delete
  std::string what;  // for traces: "record switchover Destination"
};

KubeAction Create(const google::protobuf::Message& object, std::string what);
KubeAction Update(const google::protobuf::Message& object, std::string what);
KubeAction UpdateStatus(const google::protobuf::Message& object, std::string what);
KubeAction Delete(ports::ObjectKey key, std::string what);

using ResourceVersions = std::map<ports::ObjectKey, std::string>;

absl::Status ApplyKubeAction(ports::KubeApi& api, const KubeAction& action,
                             ResourceVersions& seen);

// The API's timestamps (api/timestamp.h), by their short names here.
using api::ParseTimestamp;
using api::Timestamp;

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_KUBE_ACTION_H_
