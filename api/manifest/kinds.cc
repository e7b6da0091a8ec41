#include "api/manifest/kinds.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/cdi.pb.h"
#include "api/core.pb.h"
#include "api/forklift.pb.h"
#include "api/kubevirt.pb.h"

namespace ferry::manifest {
namespace {

// A function-local static: the prototypes are other translation units' globals.
absl::Span<const KindInfo> Table() {
  static const KindInfo kKinds[] = {
      {"v1", "PersistentVolumeClaim", true, &k8s::PersistentVolumeClaim::default_instance(),
       "persistentvolumeclaims", "pvc"},
      {"v1", "PersistentVolume", false, &k8s::PersistentVolume::default_instance(),
       "persistentvolumes", "pv"},
      {"v1", "Node", false, &k8s::Node::default_instance(),
       "nodes", "no"},
      {"v1", "Pod", true, &k8s::Pod::default_instance(),
       "pods", "po"},
      {"v1", "Secret", true, &k8s::Secret::default_instance(),
       "secrets", ""},
      {"v1", "Event", true, &k8s::Event::default_instance(),
       "events", "ev"},
      {"coordination.k8s.io/v1", "Lease", true, &k8s::Lease::default_instance(),
       "leases", ""},
      {"storage.k8s.io/v1", "StorageClass", false, &k8s::StorageClass::default_instance(),
       "storageclasses", "sc"},
      {"cdi.kubevirt.io/v1beta1", "DataVolume", true, &cdi::DataVolume::default_instance(),
       "datavolumes", "dv,dvs"},
      {"kubevirt.io/v1", "VirtualMachine", true, &kubevirt::VirtualMachine::default_instance(),
       "virtualmachines", "vm,vms"},
      {"kubevirt.io/v1", "VirtualMachineInstance", true, &kubevirt::VirtualMachineInstance::default_instance(),
       "virtualmachineinstances", "vmi,vmis"},
      {"kubevirt.io/v1", "VirtualMachineInstanceMigration", true, &kubevirt::VirtualMachineInstanceMigration::default_instance(),
       "virtualmachineinstancemigrations", "vmim,vmims"},
      {"forklift.konveyor.io/v1beta1", "Provider", true, &forklift::Provider::default_instance(),
       "providers", ""},
      {"forklift.konveyor.io/v1beta1", "Plan", true, &forklift::Plan::default_instance(),
       "plans", ""},
      {"forklift.konveyor.io/v1beta1", "Migration", true, &forklift::Migration::default_instance(),
       "migrations", ""},
  };
  return kKinds;
}

}  // namespace

absl::Span<const KindInfo> AllKinds() { return Table(); }

absl::string_view GroupOf(absl::string_view api_version) {
  const size_t slash = api_version.find('/');
  return slash == absl::string_view::npos ? absl::string_view() : api_version.substr(0, slash);
}

absl::string_view VersionOf(absl::string_view api_version) {
  const size_t slash = api_version.find('/');
  return slash == absl::string_view::npos ? api_version : api_version.substr(slash + 1);
}

std::vector<absl::string_view> ApiVersions() {
  std::vector<absl::string_view> out;
  for (const KindInfo& info : AllKinds()) {
    if (std::find(out.begin(), out.end(), info.api_version) == out.end()) {
      out.push_back(info.api_version);
    }
  }
  return out;
}

const KindInfo* FindKindNamed(absl::string_view kind) {
  for (const KindInfo& info : AllKinds()) {
    if (info.kind == kind) return &info;
  }
  return nullptr;
}

const KindInfo* FindKindByResource(absl::string_view api_version, absl::string_view plural) {
  for (const KindInfo& info : AllKinds()) {
    if (info.api_version == api_version && info.plural == plural) return &info;
  }
  return nullptr;
}

const KindInfo* FindKind(absl::string_view api_version, absl::string_view kind) {
  for (const KindInfo& info : AllKinds()) {
    if (info.api_version == api_version && info.kind == kind) return &info;
  }
  return nullptr;
}

const KindInfo* FindKindByDescriptor(const google::protobuf::Descriptor* descriptor) {
  for (const KindInfo& info : AllKinds()) {
    if (info.prototype->GetDescriptor() == descriptor) return &info;
  }
  return nullptr;
}

std::string ExplainUnknownKind(absl::string_view api_version,
                               absl::string_view kind) {
  for (const KindInfo& info : AllKinds()) {
    if (info.kind == kind) {
      return absl::StrCat("kind \"", kind, "\" is served as apiVersion ",
                          info.api_version, ", not \"", api_version, "\"");
    }
  }
  for (const KindInfo& info : AllKinds()) {
    if (absl::EqualsIgnoreCase(info.kind, kind)) {
      return absl::StrCat("unknown kind \"", kind, "\"; did you mean \"",
                          info.kind, "\"?");
    }
  }
  std::vector<std::string> known;
  for (const KindInfo& info : AllKinds()) {
    known.push_back(absl::StrCat(info.api_version, " ", info.kind));
  }
  return absl::StrCat("unknown kind \"", kind, "\" (apiVersion \"", api_version,
                      "\"); Ferry reads: ", absl::StrJoin(known, ", "));
}

}  // namespace ferry::manifest
