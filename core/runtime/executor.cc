#include "core/runtime/executor.h"

#include <memory>
#include <utility>
#include <variant>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace ferry::runtime {
namespace {

absl::Status Missing(absl::string_view port, const Effect& effect) {
  return absl::FailedPreconditionError(
      absl::StrCat("no ", port, " port for: ", Describe(effect)));
}

}  // namespace

absl::Status Executor::Apply(const Effect& effect) {
  last_written_ = nullptr;
  if (std::holds_alternative<KubeWrite>(effect.call) || !effect.fence.empty()) {
    if (ports_.kube == nullptr) return Missing("Kubernetes API", effect);
  }
  if (std::holds_alternative<HypervisorCall>(effect.call) && ports_.hypervisor == nullptr) {
    return Missing("hypervisor", effect);
  }
  if (std::holds_alternative<OvirtCall>(effect.call) && ports_.ovirt == nullptr) {
    return Missing("oVirt engine", effect);
  }
  RETURN_IF_ERROR(Fence(effect));
  if (const auto* write = std::get_if<KubeWrite>(&effect.call)) return Write(*write);
  if (const auto* call = std::get_if<HypervisorCall>(&effect.call)) return Call(*call);
  return Call(std::get<OvirtCall>(effect.call));
}

namespace {

constexpr char kFencePayload[] = "ferry.io/fenced-out";

absl::Status Fenced(absl::Status status) {
  status.SetPayload(kFencePayload, absl::Cord("1"));
  return status;
}

}  // namespace

bool FencedOut(const absl::Status& status) {
  return status.GetPayload(kFencePayload).has_value();
}

absl::Status Executor::Fence(const Effect& effect) {
  for (const ports::ObjectPtr& read : effect.fence) {
    // Written earlier in this batch: the read was overtaken by the
    // reconciler's own write, so the fence checks that version.
    std::unique_ptr<google::protobuf::Message> own;
    if (absl::StatusOr<ports::ObjectKey> key = ports::KeyOf(*read); key.ok()) {
      if (auto it = written_.find(*key); it != written_.end()) {
        own.reset(read->New());
        own->CopyFrom(*read);
        ports::MutableMetadataOf(own.get())->set_resource_version(it->second);
      }
    }
    const absl::Status fenced = ports_.kube->Fence(own != nullptr ? *own : *read);
    if (fenced.ok()) continue;
    if (fenced.code() == absl::StatusCode::kAborted) {
      const k8s::ObjectMeta& meta = ports::MetadataOf(*read);
      return Fenced(absl::AbortedError(absl::StrCat(
          "not taken, ", meta.namespace_(), "/", meta.name(), " changed since it was read at ",
          meta.resource_version(), ": ", Describe(effect))));
    }
    return Fenced(fenced);
  }
  return absl::OkStatus();
}

absl::Status Executor::Write(const KubeWrite& write) {
  ports::KubeApi& api = *ports_.kube;
  if (write.verb == KubeWrite::Verb::kDelete) {
    absl::Status status = api.Delete(write.key, write.resource_version);
    return status.code() == absl::StatusCode::kNotFound ? absl::OkStatus() : status;
  }
  ASSIGN_OR_RETURN(ports::ObjectKey key, ports::KeyOf(*write.object));
  const google::protobuf::Message* object = write.object.get();
  std::unique_ptr<google::protobuf::Message> versioned;
  if (auto it = written_.find(key); it != written_.end() && write.verb != KubeWrite::Verb::kCreate) {
    versioned.reset(write.object->New());
    versioned->CopyFrom(*write.object);
    ports::MutableMetadataOf(versioned.get())->set_resource_version(it->second);
    object = versioned.get();
  }
  absl::StatusOr<ports::ObjectPtr> result;
  switch (write.verb) {
    case KubeWrite::Verb::kCreate:
      result = api.Create(*object);
      if (result.status().code() == absl::StatusCode::kAlreadyExists && write.exists_ok) {
        return absl::OkStatus();
      }
      break;
    case KubeWrite::Verb::kUpdate: result = api.Update(*object); break;
    case KubeWrite::Verb::kUpdateStatus: result = api.UpdateStatus(*object); break;
    case KubeWrite::Verb::kDelete: break;
  }
  if (!result.ok()) return result.status();
  written_[key] = ports::MetadataOf(**result).resource_version();
  last_written_ = *std::move(result);
  return absl::OkStatus();
}

absl::Status Executor::Call(const HypervisorCall& call) {
  ports::Hypervisor& hv = *ports_.hypervisor;
  switch (call.op) {
    case HypervisorCall::Op::kStartMigration: return hv.StartMigration(call.request);
    case HypervisorCall::Op::kAbortJob: return hv.AbortJob(call.domain);
    case HypervisorCall::Op::kDestroy: return hv.Destroy(call.domain);
    case HypervisorCall::Op::kResume: return hv.Resume(call.domain);
    case HypervisorCall::Op::kUndefine: return hv.UndefineDomain(call.domain);
  }
  return absl::InternalError("unknown hypervisor call");
}

Observation Executor::Read(const runtime::Read& read) {
  Observation seen;
  if (const auto* r = std::get_if<DomainRead>(&read)) {
    if (ports_.hypervisor == nullptr) {
      seen.status = absl::FailedPreconditionError(absl::StrCat("no hypervisor port for: ", Describe(read)));
      return seen;
    }
    DomainSeen domain;
    absl::StatusOr<ports::DomainInfo> info = ports_.hypervisor->LookupDomain(r->domain);
    if (info.status().code() == absl::StatusCode::kNotFound) {
      seen.value = domain;
      return seen;
    }
    if (!info.ok()) {
      seen.status = info.status();
      return seen;
    }
    absl::StatusOr<ports::JobStats> job = ports_.hypervisor->GetJobStats(r->domain);
    if (!job.ok()) {
      seen.status = job.status();
      return seen;
    }
    domain.present = true;
    domain.info = *std::move(info);
    domain.job = *std::move(job);
    seen.value = std::move(domain);
    return seen;
  }
  if (const auto* r = std::get_if<ObjectRead>(&read)) {
    if (ports_.kube == nullptr) {
      seen.status = absl::FailedPreconditionError(
          absl::StrCat("no Kubernetes API port for: ", Describe(read)));
      return seen;
    }
    absl::StatusOr<ports::ObjectPtr> object = ports_.kube->Get(r->key);
    if (object.ok()) {
      seen.value = *std::move(object);
    } else if (object.status().code() == absl::StatusCode::kNotFound) {
      seen.value = ports::ObjectPtr();  // absent: a result, not an error
    } else {
      seen.status = object.status();
    }
    return seen;
  }
  if (ports_.ovirt == nullptr) {
    seen.status = absl::FailedPreconditionError(absl::StrCat("no oVirt engine port for: ", Describe(read)));
    return seen;
  }
  ports::Ovirt& engine = *ports_.ovirt;
  if (const auto* r = std::get_if<OvirtVmRead>(&read)) {
    absl::StatusOr<ovirt::Vm> vm = engine.GetVm(r->vm_id);
    if (vm.ok()) seen.value = *std::move(vm);
    else seen.status = vm.status();
  } else if (const auto* r = std::get_if<OvirtDiskRead>(&read)) {
    absl::StatusOr<ovirt::Disk> disk = engine.GetDisk(r->disk_id);
    if (disk.ok()) seen.value = *std::move(disk);
    else seen.status = disk.status();
  } else {
    OvirtInventory inventory;
    absl::StatusOr<ovirt::Version> version = engine.EngineVersion();
    absl::StatusOr<std::vector<ovirt::Vm>> vms =
        version.ok() ? engine.ListVms() : absl::StatusOr<std::vector<ovirt::Vm>>(version.status());
    if (!vms.ok()) {
      seen.status = vms.status();
      return seen;
    }
    inventory.version = *std::move(version);
    inventory.vms = *std::move(vms);
    seen.value = std::move(inventory);
  }
  return seen;
}

absl::Status Executor::Call(const OvirtCall& call) {
  ports::Ovirt& engine = *ports_.ovirt;
  switch (call.op) {
    case OvirtCall::Op::kShutdown: return engine.Shutdown(call.vm_id);
    case OvirtCall::Op::kStop: return engine.Stop(call.vm_id);
    case OvirtCall::Op::kStart: return engine.Start(call.vm_id);
    case OvirtCall::Op::kDetachDisk: return engine.DetachDisk(call.vm_id, call.attachment_id);
    case OvirtCall::Op::kDeactivateDisk:
      return engine.DeactivateDisk(call.vm_id, call.attachment_id);
    case OvirtCall::Op::kAttachDisk: return engine.AttachDisk(call.vm_id, call.attachment).status();
  }
  return absl::InternalError("unknown oVirt call");
}

}  // namespace ferry::runtime
