#include "api/validation/forklift_validation.h"

#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/validation/meta_validation.h"

namespace ferry::validation {
namespace {

void ValidateRef(const k8s::ObjectReference& ref, absl::string_view path,
                 FieldErrors& errors) {
  ValidateRequiredName(Child(path, "name"), ref.name(), errors);
  if (!ref.namespace_().empty()) {
    ValidateLabel(Child(path, "namespace"), ref.namespace_(), errors);
  }
}

}  // namespace

void ValidateProvider(const forklift::Provider& provider, FieldErrors& errors) {
  const forklift::ProviderSpec& spec = provider.spec();
  ValidateEnum("spec.type", spec.type(),
               {"ovirt", "vsphere", "openstack", "openshift", "ova"}, errors);
  if (!spec.has_type()) errors.Required("spec.type");
  // An openshift provider with no url is the local cluster.
  if (spec.type() != "openshift" || !spec.url().empty()) {
    if (spec.url().empty()) {
      errors.Required("spec.url");
    } else if (spec.type() == "ovirt" && !absl::StartsWith(spec.url(), "https://")) {
      errors.Invalid("spec.url", absl::StrCat("\"", spec.url(),
                                              "\": an oVirt engine URL must use https://"));
    }
    if (spec.secret().name().empty()) {
      errors.Required("spec.secret.name", "the credentials of the provider");
    }
  }
}

void ValidatePlan(const forklift::Plan& plan, FieldErrors& errors) {
  const forklift::PlanSpec& spec = plan.spec();
  ValidateRef(spec.provider().source(), "spec.provider.source", errors);
  ValidateRef(spec.provider().destination(), "spec.provider.destination", errors);
  if (spec.target_namespace().empty()) {
    errors.Required("spec.targetNamespace");
  } else {
    ValidateLabel("spec.targetNamespace", spec.target_namespace(), errors);
  }
  if (spec.vms().empty()) errors.Required("spec.vms", "at least one VM");
  std::map<std::string, int> ids, names;
  for (int i = 0; i < spec.vms_size(); ++i) {
    const forklift::PlanVM& vm = spec.vms(i);
    const std::string at = Index("spec.vms", i);
    if (vm.id().empty() && vm.name().empty()) {
      errors.Required(at, "the VM's id or name");
    }
    if (!vm.id().empty()) {
      auto [it, inserted] = ids.emplace(vm.id(), i);
      if (!inserted) {
        errors.Invalid(Child(at, "id"), absl::StrCat("VM \"", vm.id(),
                                                     "\" is listed twice (also at ",
                                                     Index("spec.vms", it->second), ")"));
      }
    }
    if (!vm.name().empty()) {
      auto [it, inserted] = names.emplace(vm.name(), i);
      if (!inserted) {
        errors.Invalid(Child(at, "name"), absl::StrCat("VM \"", vm.name(),
                                                       "\" is listed twice (also at ",
                                                       Index("spec.vms", it->second), ")"));
      }
    }
  }
}

void ValidateMigration(const forklift::Migration& migration, FieldErrors& errors) {
  ValidateRef(migration.spec().plan(), "spec.plan", errors);
}

}  // namespace ferry::validation
