#include "core/storage_migration/kube_action.h"


namespace ferry::storage_migration {
namespace {

std::shared_ptr<google::protobuf::Message> Copy(const google::protobuf::Message& object) {
  std::shared_ptr<google::protobuf::Message> copy(object.New());
  copy->CopyFrom(object);
  return copy;
}

}  // namespace

KubeAction Create(const google::protobuf::Message& object, std::string what) {
  return KubeAction{KubeAction::Verb::kCreate, Copy(object), {}, std::move(what), ""};
}
KubeAction Update(const google::protobuf::Message& object, std::string what) {
  return KubeAction{KubeAction::Verb::kUpdate, Copy(object), {}, std::move(what), ""};
}
KubeAction UpdateStatus(const google::protobuf::Message& object, std::string what) {
  return KubeAction{KubeAction::Verb::kUpdateStatus, Copy(object), {}, std::move(what), ""};
}
KubeAction Delete(ports::ObjectKey key, std::string what, std::string resource_version) {
  return KubeAction{KubeAction::Verb::kDelete, nullptr, std::move(key), std::move(what),
                    std::move(resource_version)};
}

}  // namespace ferry::storage_migration
