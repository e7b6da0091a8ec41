#include "api/validation/validate.h"

#include "absl/strings/str_cat.h"
#include "api/manifest/kinds.h"
#include "api/validation/cdi_validation.h"
#include "api/validation/core_validation.h"
#include "api/validation/cross_references.h"
#include "api/validation/field_errors.h"
#include "api/validation/forklift_validation.h"
#include "api/validation/kubevirt_validation.h"
#include "api/validation/meta_validation.h"

namespace ferry::validation {

std::vector<manifest::Finding> ValidateObject(const manifest::Object& object) {
  std::vector<manifest::Finding> findings;
  FieldErrors errors(object, &findings);
  ValidateObjectMeta(object.metadata(), object.kind->namespaced, "metadata", errors);
  ValidateTypedStrings(*object.message, "", errors);
  if (const auto* o = object.As<k8s::PersistentVolumeClaim>()) {
    ValidatePersistentVolumeClaim(*o, errors);
  } else if (const auto* o = object.As<k8s::PersistentVolume>()) {
    ValidatePersistentVolume(*o, errors);
  } else if (const auto* o = object.As<k8s::StorageClass>()) {
    ValidateStorageClass(*o, errors);
  } else if (const auto* o = object.As<k8s::Node>()) {
    ValidateNode(*o, errors);
  } else if (const auto* o = object.As<k8s::Pod>()) {
    ValidatePod(*o, errors);
  } else if (const auto* o = object.As<k8s::Secret>()) {
    ValidateSecret(*o, errors);
  } else if (const auto* o = object.As<k8s::Event>()) {
    ValidateEvent(*o, errors);
  } else if (const auto* o = object.As<cdi::DataVolume>()) {
    ValidateDataVolume(*o, errors);
  } else if (const auto* o = object.As<kubevirt::VirtualMachine>()) {
    ValidateVirtualMachine(*o, errors);
  } else if (const auto* o = object.As<kubevirt::VirtualMachineInstance>()) {
    ValidateVirtualMachineInstance(*o, errors);
  } else if (const auto* o = object.As<kubevirt::VirtualMachineInstanceMigration>()) {
    ValidateVirtualMachineInstanceMigration(*o, errors);
  } else if (const auto* o = object.As<forklift::Provider>()) {
    ValidateProvider(*o, errors);
  } else if (const auto* o = object.As<forklift::Plan>()) {
    ValidatePlan(*o, errors);
  } else if (const auto* o = object.As<forklift::Migration>()) {
    ValidateMigration(*o, errors);
  }
  return findings;
}

absl::StatusOr<std::vector<manifest::Finding>> ValidateMessage(
    const google::protobuf::Message& object) {
  const manifest::KindInfo* kind = manifest::FindKindByDescriptor(object.GetDescriptor());
  if (kind == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(object.GetDescriptor()->full_name(), " is not an API object kind"));
  }
  manifest::Object wrapped;
  wrapped.kind = kind;
  wrapped.message.reset(object.New());
  wrapped.message->CopyFrom(object);
  return ValidateObject(wrapped);
}

std::vector<std::vector<manifest::Finding>> ValidateSet(
    absl::Span<const manifest::Object* const> objects) {
  return ValidateCrossReferences(objects);
}

}  // namespace ferry::validation
