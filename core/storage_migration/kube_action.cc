#include "core/storage_migration/kube_action.h"

#include "base/status_macros.h"

namespace ferry::storage_migration {
namespace {

std::shared_ptr<google::protobuf::Message> Copy(const google::protobuf::Message& object) {
  std::shared_ptr<google::protobuf::Message> copy(object.New());
  copy->CopyFrom(object);
  return copy;
}

}  // namespace

KubeAction Create(const google::protobuf::Message& object, std::string what) {
  return KubeAction{KubeAction::Verb::kCreate, Copy(object), {}, std::move(what)};
}
KubeAction Update(const google::protobuf::Message& object, std::string what) {
  return KubeAction{KubeAction::Verb::kUpdate, Copy(object), {}, std::move(what)};
}
KubeAction UpdateStatus(const google::protobuf::Message& object, std::string what) {
  return KubeAction{KubeAction::Verb::kUpdateStatus, Copy(object), {}, std::move(what)};
}
KubeAction Delete(ports::ObjectKey key, std::string what) {
  return KubeAction{KubeAction::Verb::kDelete, nullptr, std::move(key), std::move(what)};
}

absl::Status ApplyKubeAction(ports::KubeApi& api, const KubeAction& action,
                             ResourceVersions& seen) {
  if (action.verb == KubeAction::Verb::kDelete) {
    absl::Status status = api.Delete(action.key);
    // Deleting what is already gone is done (check, then act, may race).
    return status.code() == absl::StatusCode::kNotFound ? absl::OkStatus() : status;
  }
  ASSIGN_OR_RETURN(ports::ObjectKey key, ports::KeyOf(*action.object));
  std::unique_ptr<google::protobuf::Message> object(action.object->New());
  object->CopyFrom(*action.object);
  auto it = seen.find(key);
  if (it != seen.end() && action.verb != KubeAction::Verb::kCreate) {
    ports::MutableMetadataOf(object.get())->set_resource_version(it->second);
  }
  absl::StatusOr<ports::ObjectPtr> result;
  switch (action.verb) {
    case KubeAction::Verb::kCreate: result = api.Create(*object); break;
    case KubeAction::Verb::kUpdate: result = api.Update(*object); break;
    case KubeAction::Verb::kUpdateStatus: result = api.UpdateStatus(*object); break;
    case KubeAction::Verb::kDelete: break;
  }
  if (!result.ok()) return result.status();
  seen[key] = ports::MetadataOf(**result).resource_version();
  return absl::OkStatus();
}

}  // namespace ferry::storage_migration
