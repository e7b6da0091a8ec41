#include "core/ports/kube_api.h"

#include "absl/strings/str_cat.h"
#include "api/manifest/kinds.h"

namespace ferry::ports {

namespace {

// The `metadata` field of the object's type. Lists and loops see one type
// many times in a row, so the last lookup (per thread) is kept: the name
// lookup was a tenth of a simulated run's time.
const google::protobuf::FieldDescriptor* MetadataField(const google::protobuf::Descriptor* type) {
  thread_local const google::protobuf::Descriptor* last_type = nullptr;
  thread_local const google::protobuf::FieldDescriptor* last_field = nullptr;
  if (type != last_type) {
    last_field = type->FindFieldByName("metadata");
    last_type = type;
  }
  return last_field;
}

}  // namespace

const k8s::ObjectMeta& MetadataOf(const google::protobuf::Message& object) {
  const auto* field = MetadataField(object.GetDescriptor());
  return static_cast<const k8s::ObjectMeta&>(
      object.GetReflection()->GetMessage(object, field));
}

k8s::ObjectMeta* MutableMetadataOf(google::protobuf::Message* object) {
  const auto* field = MetadataField(object->GetDescriptor());
  return static_cast<k8s::ObjectMeta*>(
      object->GetReflection()->MutableMessage(object, field));
}

absl::StatusOr<ObjectKey> KeyOf(const google::protobuf::Message& object) {
  const manifest::KindInfo* kind = manifest::FindKindByDescriptor(object.GetDescriptor());
  if (kind == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(object.GetDescriptor()->full_name(), " is not an API object kind"));
  }
  const k8s::ObjectMeta& meta = MetadataOf(object);
  return ObjectKey{std::string(kind->kind), kind->namespaced ? meta.namespace_() : "",
                   meta.name()};
}

void AddOwnerReference(const google::protobuf::Message& owner, k8s::ObjectMeta* meta,
                       bool controller) {
  const manifest::KindInfo* kind = manifest::FindKindByDescriptor(owner.GetDescriptor());
  auto* ref = meta->add_owner_references();
  if (kind != nullptr) {
    ref->set_api_version(std::string(kind->api_version));
    ref->set_kind(std::string(kind->kind));
  }
  ref->set_name(MetadataOf(owner).name());
  ref->set_uid(MetadataOf(owner).uid());
  if (controller) ref->set_controller(true);
}

}  // namespace ferry::ports
