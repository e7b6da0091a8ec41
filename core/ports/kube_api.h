// KubeApi: the Kubernetes object API as the core sees it. One interface for
// the real API server (over HTTPS, adapters/kube) and the deterministic fake
// (fakes/kube), both held to core/ports/kube_api_conformance.h.
//
// Semantics are the API server's: a global, monotonically increasing
// resourceVersion; Update and UpdateStatus refuse a stale resourceVersion
// with Aborted (HTTP 409 Conflict); Create refuses an existing name with
// AlreadyExists; Delete of an object with finalizers only sets its
// deletionTimestamp. Errors use canonical codes: NotFound, AlreadyExists,
// Aborted (conflict), InvalidArgument, FailedPrecondition, OutOfRange (a watch
// from a compacted resourceVersion: "410 Gone", relist), Unavailable.
//
// Watching is pull-based so a simulator decides when events arrive:
//
//   ASSIGN_OR_RETURN(ObjectList list, api.List("PersistentVolumeClaim", "ns", {}));
//   ... later ...
//   ASSIGN_OR_RETURN(std::vector<WatchEvent> events,
//                    api.Watch("PersistentVolumeClaim", list.resource_version));
#ifndef FERRY_CORE_PORTS_KUBE_API_H_
#define FERRY_CORE_PORTS_KUBE_API_H_

#include <compare>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/meta.pb.h"
#include "core/ports/selector.h"
#include "google/protobuf/message.h"

namespace ferry::ports {

// An object as the server returned it: immutable, shared by every reader.
using ObjectPtr = std::shared_ptr<const google::protobuf::Message>;

struct ObjectKey {
  std::string kind;       // "PersistentVolumeClaim", as in api/manifest/kinds.h
  std::string namespace_; // "" for cluster-scoped kinds
  std::string name;

  friend auto operator<=>(const ObjectKey&, const ObjectKey&) = default;
};

struct ObjectList {
  std::vector<ObjectPtr> items;   // ordered by namespace, then name
  std::string resource_version;   // watch from here to miss nothing
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

struct WatchEvent {
  WatchEventType type;
  // For kDeleted, the object as it was last, with a new resourceVersion;
  // for kBookmark, an object of the kind with only
  // metadata.resourceVersion set: how far the watch has read.
  ObjectPtr object;
};

class KubeApi {
 public:
  virtual ~KubeApi() = default;

  virtual absl::StatusOr<ObjectPtr> Get(const ObjectKey& key) = 0;

  // `namespace_` "" lists every namespace; `selector` filters by labels
  // and fields (selector.h; a field the kind cannot select on is
  // InvalidArgument).
  virtual absl::StatusOr<ObjectList> List(absl::string_view kind,
                                          absl::string_view namespace_,
                                          const Selector& selector) = 0;

  // Returns the stored object: uid, resourceVersion, generation 1 and
  // creationTimestamp set; status dropped (it is written by UpdateStatus).
  virtual absl::StatusOr<ObjectPtr> Create(const google::protobuf::Message& object) = 0;

  // Replaces metadata (labels, annotations, finalizers, ownerReferences) and
  // spec; status is kept as stored. metadata.resourceVersion must match.
  // Bumps generation when the spec changed.
  virtual absl::StatusOr<ObjectPtr> Update(const google::protobuf::Message& object) = 0;

  // Replaces status only. metadata.resourceVersion must match.
  virtual absl::StatusOr<ObjectPtr> UpdateStatus(const google::protobuf::Message& object) = 0;

  // OK when the object stored under `read`'s key still has `read`'s
  // metadata.resourceVersion: a read the caller decided from is current.
  // Aborted when it has another (a Conflict), NotFound when it is gone;
  // changes nothing. By default a no-op UpdateStatus of `read` (the fake
  // keeps its version: nothing changed); the HTTP adapter asks for the
  // object's metadata alone rather than sending it whole.
  virtual absl::Status Fence(const google::protobuf::Message& read) {
    return UpdateStatus(read).status();
  }

  // With finalizers, sets deletionTimestamp and keeps the object until an
  // Update removes the last finalizer. `resource_version` non-empty is a
  // precondition (Aborted when it does not match).
  virtual absl::Status Delete(const ObjectKey& key,
                              absl::string_view resource_version = "") = 0;

  // Events of `kind` with a resourceVersion after `resource_version`, in order.
  // OutOfRange when that version is older than the server keeps history for.
  // With a selector, only the selected objects' events, as the API server's
  // watch cache sends them: an object that comes to be selected arrives as
  // kAdded, and one that stops being selected as kDeleted (its last
  // selected state, with the new resourceVersion). With `bookmarks`
  // (allowWatchBookmarks), a Watch that read past events it did not deliver
  // ends with a kBookmark saying how far it read, so a client of a quiet
  // kind or selector resumes from there instead of falling behind the
  // history the server keeps.
  virtual absl::StatusOr<std::vector<WatchEvent>> Watch(absl::string_view kind,
                                                        absl::string_view resource_version,
                                                        const Selector& selector,
                                                        bool bookmarks) = 0;
  // Every event of the kind, without bookmarks.
  absl::StatusOr<std::vector<WatchEvent>> Watch(absl::string_view kind,
                                                absl::string_view resource_version) {
    return Watch(kind, resource_version, Selector(), /*bookmarks=*/false);
  }
};

// The key of a typed object (kind from its message type).
absl::StatusOr<ObjectKey> KeyOf(const google::protobuf::Message& object);

// metadata of any API object message.
const k8s::ObjectMeta& MetadataOf(const google::protobuf::Message& object);
k8s::ObjectMeta* MutableMetadataOf(google::protobuf::Message* object);

// Typed access to an ObjectPtr: nullptr when it is of another type.
template <typename T>
std::shared_ptr<const T> As(const ObjectPtr& object) {
  return std::dynamic_pointer_cast<const T>(object);
}

// Every object of `kind` in every namespace, typed, in the server's order.
template <typename T>
absl::StatusOr<std::vector<std::shared_ptr<const T>>> ListAll(KubeApi& api,
                                                              absl::string_view kind) {
  static_assert(std::is_final_v<T>, "ListAll keeps the items whose type is exactly T");
  absl::StatusOr<ObjectList> list = api.List(kind, "", k8s::LabelSelector());
  if (!list.ok()) return list.status();
  std::vector<std::shared_ptr<const T>> out;
  out.reserve(list->items.size());
  for (ObjectPtr& item : list->items) {
    // As<T>, without a dynamic_cast per item: generated messages are final,
    // so exactly the items of type T are kept, moved rather than copied.
    if (item == nullptr) continue;
    const google::protobuf::Message& message = *item;
    if (typeid(message) == typeid(T)) {
      out.push_back(std::static_pointer_cast<const T>(std::move(item)));
    }
  }
  return out;
}

// Makes `owner` an owner of the object `meta` belongs to: apiVersion and
// kind from the owner's message type, name and uid from its metadata;
// `controller` set only when true.
void AddOwnerReference(const google::protobuf::Message& owner, k8s::ObjectMeta* meta,
                       bool controller = false);

}  // namespace ferry::ports

#endif  // FERRY_CORE_PORTS_KUBE_API_H_
