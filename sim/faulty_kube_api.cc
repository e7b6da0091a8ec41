#include "sim/faulty_kube_api.h"

#include <string>

#include "base/status_macros.h"

namespace ferry::sim {

absl::Status FaultyKubeApi::Before(absl::string_view verb, ports::ObjectKey key) {
  if (faults_ == nullptr) return absl::OkStatus();
  const KubeCall call{verb, std::move(key)};
  if (faults_->delay) latency_ += faults_->delay(call);
  return faults_->fail ? faults_->fail(call) : absl::OkStatus();
}

absl::Status FaultyKubeApi::BeforeWrite(absl::string_view verb,
                                        const google::protobuf::Message& object) {
  absl::StatusOr<ports::ObjectKey> key = ports::KeyOf(object);
  return key.ok() ? Before(verb, *std::move(key)) : absl::OkStatus();
}

absl::StatusOr<ports::ObjectPtr> FaultyKubeApi::Get(const ports::ObjectKey& key) {
  RETURN_IF_ERROR(Before("get", key));
  return api_.Get(key);
}

absl::StatusOr<ports::ObjectList> FaultyKubeApi::List(absl::string_view kind,
                                                      absl::string_view namespace_,
                                                      const ports::Selector& selector) {
  RETURN_IF_ERROR(Before("list", {std::string(kind), std::string(namespace_), ""}));
  return api_.List(kind, namespace_, selector);
}

absl::StatusOr<ports::ObjectPtr> FaultyKubeApi::Create(const google::protobuf::Message& object) {
  RETURN_IF_ERROR(BeforeWrite("create", object));
  return api_.Create(object);
}

absl::StatusOr<ports::ObjectPtr> FaultyKubeApi::Update(const google::protobuf::Message& object) {
  RETURN_IF_ERROR(BeforeWrite("update", object));
  return api_.Update(object);
}

absl::StatusOr<ports::ObjectPtr> FaultyKubeApi::UpdateStatus(
    const google::protobuf::Message& object) {
  RETURN_IF_ERROR(BeforeWrite("update_status", object));
  return api_.UpdateStatus(object);
}

absl::Status FaultyKubeApi::Delete(const ports::ObjectKey& key,
                                   absl::string_view resource_version) {
  RETURN_IF_ERROR(Before("delete", key));
  return api_.Delete(key, resource_version);
}

absl::StatusOr<std::vector<ports::WatchEvent>> FaultyKubeApi::Watch(
    absl::string_view kind, absl::string_view resource_version, const ports::Selector& selector,
    bool bookmarks) {
  RETURN_IF_ERROR(Before("watch", {std::string(kind), "", ""}));
  return api_.Watch(kind, resource_version, selector, bookmarks);
}

}  // namespace ferry::sim
