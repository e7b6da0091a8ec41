// KubeAction: one write the storage-migration decisions ask for
// (ReconcileMigration, PlanAgent). Their reconcilers on the runtime turn
// each into a runtime::Effect (ToEffect), which the runtime's Executor
// carries out; every update carries the resourceVersion the decision read
// (a compare-and-swap).
//
//   for (const KubeAction& a : ReconcileMigration(m, view, now, {})) effects.push_back(ToEffect(a));
#ifndef FERRY_CORE_STORAGE_MIGRATION_KUBE_ACTION_H_
#define FERRY_CORE_STORAGE_MIGRATION_KUBE_ACTION_H_

#include <memory>
#include <string>

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
  // Delete only while the object is at this version ("": any).
  std::string resource_version;
};

KubeAction Create(const google::protobuf::Message& object, std::string what);
KubeAction Update(const google::protobuf::Message& object, std::string what);
KubeAction UpdateStatus(const google::protobuf::Message& object, std::string what);
KubeAction Delete(ports::ObjectKey key, std::string what, std::string resource_version = "");

// The API's timestamps (api/timestamp.h), by their short names here.
using api::ParseTimestamp;
using api::Timestamp;

}  // namespace ferry::storage_migration

#endif  // FERRY_CORE_STORAGE_MIGRATION_KUBE_ACTION_H_
