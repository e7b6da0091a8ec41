// Effect: one action a reconciler asks for, as data: a Kubernetes write, a
// hypervisor call or an oVirt engine call, each with an optional fence.
// Reconcilers return them in order; the Executor (executor.h) carries them
// out one at a time, so a crash can fall between any two. Effects compare
// equal when they would do the same thing, and print for traces and logs.
//
//   Effect e = Effect::Update(migration, "record phase Running");
//   Effect d = Effect::Ovirt(OvirtCall{.op = OvirtCall::Op::kDetachDisk,
//                                      .vm_id = id, .attachment_id = att},
//                            "detach LUN disk-1")
//                  .FencedBy(migration_as_read);
//
// A fence is a list of objects as the reconciler read them: before the
// effect, each is written back unchanged (a no-op update carrying the
// resourceVersion read), which fails with Conflict unless the read was
// current, and the effect is then not taken (docs/lun-migration.md, "No
// step from an old read").
#ifndef FERRY_CORE_RUNTIME_EFFECT_H_
#define FERRY_CORE_RUNTIME_EFFECT_H_

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "api/ovirt.pb.h"
#include "core/ports/hypervisor.h"
#include "core/ports/kube_api.h"
#include "core/runtime/observer.h"
#include "google/protobuf/message.h"

namespace ferry::runtime {

struct KubeWrite {
  enum class Verb { kCreate, kUpdate, kUpdateStatus, kDelete };
  Verb verb = Verb::kUpdate;
  ports::ObjectPtr object = nullptr;  // create, update, update status: the whole object
  ports::ObjectKey key = {};          // delete
  // Create: the object may exist already (made by this very effect before a
  // crash): AlreadyExists counts as done.
  bool exists_ok = false;
  // Delete: non-empty, a precondition (Conflict unless the object is still
  // at this resourceVersion: a lock taken by another since is never deleted).
  std::string resource_version = "";
};

struct HypervisorCall {
  enum class Op { kStartMigration, kAbortJob, kDestroy, kResume, kUndefine };
  Op op = Op::kStartMigration;
  std::string domain = "";                // every op but kStartMigration
  ports::MigrationRequest request = {};   // kStartMigration
};

struct OvirtCall {
  enum class Op { kShutdown, kStop, kStart, kDetachDisk, kDeactivateDisk, kAttachDisk };
  Op op = Op::kStop;
  std::string vm_id = "";
  std::string attachment_id = "";          // kDetachDisk, kDeactivateDisk
  ovirt::DiskAttachment attachment = {};   // kAttachDisk
};

struct Effect {
  std::variant<KubeWrite, HypervisorCall, OvirtCall> call;
  std::vector<ports::ObjectPtr> fence = {};
  std::string what = "";  // why, for traces: "record switchover Destination"
  // For a libvirt or engine call: the observed reads (observer.h) it makes
  // old, read again before its key decides more. Empty: every read its key
  // wants (the safe default; a plan of a thousand VMs names the one VM).
  std::vector<Read> invalidates = {};

  static Effect Create(const google::protobuf::Message& object, std::string what);
  static Effect Update(const google::protobuf::Message& object, std::string what);
  static Effect UpdateStatus(const google::protobuf::Message& object, std::string what);
  static Effect Delete(ports::ObjectKey key, std::string what,
                       std::string resource_version = "");
  static Effect Hypervisor(HypervisorCall call, std::string what);
  static Effect Ovirt(OvirtCall call, std::string what);

  // This effect, fenced by `read` (objects as the reconciler read them).
  Effect FencedBy(std::vector<ports::ObjectPtr> read) &&;
  // This create, done when the object exists already (KubeWrite::exists_ok).
  Effect ExistsOk() &&;
  // This call, making only `reads` old (see `invalidates`).
  Effect Invalidating(std::vector<Read> reads) &&;
};

// Same call, same objects (by content), same fence (by key and version).
bool operator==(const Effect& a, const Effect& b);

// One line: the call and its target, then `what`, e.g.
// "update_status VirtualMachineInstanceMigration ns/m1 (record phase Running)".
// Never an object's content (it may hold secrets).
std::string Describe(const Effect& effect);

}  // namespace ferry::runtime

#endif  // FERRY_CORE_RUNTIME_EFFECT_H_
