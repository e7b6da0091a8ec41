#include "fakes/kube/fake_kube_api.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "api/core.pb.h"
#include "api/label_selector.h"
#include "api/manifest/kinds.h"
#include "api/timestamp.h"
#include "api/validation/validate.h"
#include "base/status_macros.h"
#include "google/protobuf/util/message_differencer.h"

namespace ferry::fakes {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using ports::ObjectKey;
using ports::ObjectPtr;
using ports::WatchEventType;

std::string Resource(absl::string_view kind) {
  std::string plural = absl::AsciiStrToLower(kind);
  absl::StrAppend(&plural, absl::EndsWith(plural, "s") ? "es" : "s");
  return plural;
}

std::string Describe(const ObjectKey& key) {
  return absl::StrCat(Resource(key.kind), " \"",
                      key.namespace_.empty() ? "" : key.namespace_ + "/", key.name,
                      "\"");
}

absl::Status Conflict(const ObjectKey& key) {
  return absl::AbortedError(absl::StrCat(
      "Operation cannot be fulfilled on ", Describe(key),
      ": the object has been modified; please apply your changes to the latest "
      "version and try again"));
}

// True when `key` is one of the objects a List of `kind` in `namespace_`
// ("" for all namespaces) covers.
bool Listed(const ObjectKey& key, absl::string_view kind, absl::string_view namespace_) {
  return key.kind == kind && (namespace_.empty() || key.namespace_ == namespace_);
}

const FieldDescriptor* StatusField(const Message& m) {
  return m.GetDescriptor()->FindFieldByName("status");
}

// True when the two objects differ outside metadata and status: a spec change.
bool SpecChanged(const Message& a, const Message& b) {
  google::protobuf::util::MessageDifferencer differ;
  for (const char* name : {"api_version", "kind", "metadata", "status"}) {
    if (const FieldDescriptor* f = a.GetDescriptor()->FindFieldByName(name)) {
      differ.IgnoreField(f);
    }
  }
  return !differ.Compare(a, b);
}

// The API server validates every write; warnings do not fail it.
absl::Status Validate(const manifest::KindInfo& kind, const Message& object) {
  ASSIGN_OR_RETURN(const std::vector<manifest::Finding> findings,
                   validation::ValidateMessage(object));
  std::vector<std::string> errors;
  for (const manifest::Finding& f : findings) {
    if (f.severity == manifest::Severity::kError) {
      errors.push_back(absl::StrCat(f.path, ": ", f.message));
    }
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      kind.kind, " \"", ports::MetadataOf(object).name(), "\" is invalid: ",
      absl::StrJoin(errors, "; ")));
}

// A Secret's stringData is write-only: the API server merges it into data
// (stringData winning) and never stores or returns it.
void MergeStringData(Message* object) {
  auto* secret = dynamic_cast<k8s::Secret*>(object);
  if (secret == nullptr || secret->string_data().empty()) return;
  for (const auto& [key, value] : secret->string_data()) (*secret->mutable_data())[key] = value;
  secret->clear_string_data();
}

void SetTypeFields(const manifest::KindInfo& kind, Message* object) {
  const auto* d = object->GetDescriptor();
  object->GetReflection()->SetString(object, d->FindFieldByName("api_version"),
                                     std::string(kind.api_version));
  object->GetReflection()->SetString(object, d->FindFieldByName("kind"),
                                     std::string(kind.kind));
}

// to.status = from.status (cleared when `from` has none).
void CopyStatus(const Message& from, Message* to) {
  const FieldDescriptor* status = StatusField(from);
  if (status == nullptr) return;
  if (from.GetReflection()->HasField(from, status)) {
    to->GetReflection()->MutableMessage(to, status)->CopyFrom(
        from.GetReflection()->GetMessage(from, status));
  } else {
    to->GetReflection()->ClearField(to, status);
  }
}

}  // namespace

FakeKubeApi::FakeKubeApi(const ports::Clock& clock, Options options)
    : clock_(clock),
      options_(options),
      resource_version_(options.first_resource_version),
      compacted_through_(options.first_resource_version) {}

std::string FakeKubeApi::Timestamp() const {
  return api::Timestamp(clock_.Now());
}

absl::Status FakeKubeApi::Fault(absl::string_view verb, const ObjectKey& key,
                                absl::Duration* lag) {
  const bool stale = lag != nullptr && stale_hook_;
  if (!delay_hook_ && !fault_hook_ && !stale) return absl::OkStatus();
  const Call call{verb, key};
  if (delay_hook_) latency_ += delay_hook_(call);
  if (fault_hook_) RETURN_IF_ERROR(fault_hook_(call));
  if (stale) *lag = stale_hook_(call);
  return absl::OkStatus();
}

FakeKubeApi::HistoryIterator FakeKubeApi::Unseen(absl::Duration lag) const {
  // A cutoff older than the kept history undoes all of it: each entry keeps
  // the object it replaced, so that is exactly the state as of the newest
  // compacted event, the oldest one that can be rebuilt.
  const absl::Time cutoff = clock_.Now() - lag;
  return std::partition_point(history_.begin(), history_.end(),
                              [&](const HistoryEntry& e) { return e.at <= cutoff; });
}

ObjectPtr FakeKubeApi::Past(const ObjectKey& key, HistoryIterator unseen) const {
  // The first change after the cutoff knows what the object was before it.
  for (; unseen != history_.end(); ++unseen) {
    if (unseen->kind != key.kind) continue;
    const k8s::ObjectMeta& meta = ports::MetadataOf(*unseen->event.object);
    if (meta.name() == key.name && meta.namespace_() == key.namespace_) {
      return unseen->previous;
    }
  }
  auto it = objects_.find(key);  // unchanged since the cutoff
  return it == objects_.end() ? nullptr : it->second.object;
}

absl::StatusOr<ObjectPtr> FakeKubeApi::Get(const ObjectKey& key) {
  absl::Duration lag;
  RETURN_IF_ERROR(Fault("get", key, &lag));
  if (lag > absl::ZeroDuration()) {
    ObjectPtr past = Past(key, Unseen(lag));
    if (past == nullptr) {
      return absl::NotFoundError(absl::StrCat(Describe(key), " not found"));
    }
    return past;
  }
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    return absl::NotFoundError(absl::StrCat(Describe(key), " not found"));
  }
  return it->second.object;
}

absl::StatusOr<ports::ObjectList> FakeKubeApi::List(absl::string_view kind,
                                                    absl::string_view namespace_,
                                                    const ports::Selector& selector) {
  RETURN_IF_ERROR(ports::ValidateSelector(kind, selector));
  ASSIGN_OR_RETURN(const absl::Duration lag, ListHooks(kind, namespace_));
  return ListAt(kind, namespace_, selector, lag);
}

absl::StatusOr<absl::Duration> FakeKubeApi::ListHooks(absl::string_view kind,
                                                      absl::string_view namespace_) {
  absl::Duration lag;
  RETURN_IF_ERROR(Fault("list", ObjectKey{std::string(kind), std::string(namespace_), ""}, &lag));
  return lag;
}

ports::ObjectList FakeKubeApi::ListAt(absl::string_view kind, absl::string_view namespace_,
                                      const ports::Selector& selector,
                                      absl::Duration lag) const {
  const ObjectKey from{std::string(kind), std::string(namespace_), ""};
  ports::ObjectList list;
  if (lag > absl::ZeroDuration()) {
    const HistoryIterator unseen = Unseen(lag);
    list.resource_version = absl::StrCat(
        unseen == history_.begin() ? compacted_through_ : std::prev(unseen)->resource_version);
    // The current objects, with every change since the cutoff undone; undone
    // newest first, so the oldest change of a key has the last word.
    std::map<ObjectKey, ObjectPtr> past;
    for (auto it = objects_.lower_bound(from);
         it != objects_.end() && Listed(it->first, kind, namespace_); ++it) {
      past.emplace(it->first, it->second.object);
    }
    for (auto it = history_.end(); it != unseen;) {
      --it;
      if (it->kind != kind) continue;
      const k8s::ObjectMeta& meta = ports::MetadataOf(*it->event.object);
      ObjectKey key{it->kind, meta.namespace_(), meta.name()};
      if (Listed(key, kind, namespace_)) past.insert_or_assign(std::move(key), it->previous);
    }
    for (const auto& [key, object] : past) {
      if (object != nullptr && ports::Selects(selector, *object)) {
        list.items.push_back(object);
      }
    }
    return list;
  }
  list.resource_version = absl::StrCat(resource_version_);
  const bool everything = selector.everything();
  // Every key the list covers sorts before this one (no name has a NUL).
  const ObjectKey past = namespace_.empty()
                             ? ObjectKey{absl::StrCat(kind, std::string(1, '\0')), "", ""}
                             : ObjectKey{std::string(kind),
                                         absl::StrCat(namespace_, std::string(1, '\0')), ""};
  for (auto it = objects_.lower_bound(from), end = objects_.lower_bound(past); it != end; ++it) {
    if (everything || ports::Selects(selector, *it->second.object)) {
      list.items.push_back(it->second.object);
    }
  }
  return list;
}

bool FakeKubeApi::ForEachChangeSince(
    int64_t resource_version,
    const std::function<void(const ObjectKey&, const ObjectPtr&)>& fn) const {
  if (resource_version < compacted_through_) return false;
  auto it = std::upper_bound(
      history_.begin(), history_.end(), resource_version,
      [](int64_t v, const HistoryEntry& e) { return v < e.resource_version; });
  for (; it != history_.end(); ++it) {
    const k8s::ObjectMeta& meta = ports::MetadataOf(*it->event.object);
    fn(ObjectKey{it->kind, meta.namespace_(), meta.name()},
       it->event.type == WatchEventType::kDeleted ? nullptr : it->event.object);
  }
  return true;
}

void FakeKubeApi::ForEachObject(absl::string_view kind,
                                const std::function<void(const ObjectPtr&)>& fn) const {
  for (auto it = objects_.lower_bound(ObjectKey{std::string(kind), "", ""});
       it != objects_.end() && it->first.kind == kind; ++it) {
    fn(it->second.object);
  }
}

absl::StatusOr<ObjectPtr> FakeKubeApi::Create(const Message& object) {
  const manifest::KindInfo* kind = manifest::FindKindByDescriptor(object.GetDescriptor());
  if (kind == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(object.GetDescriptor()->full_name(), " is not an API object kind"));
  }
  std::unique_ptr<Message> stored(object.New());
  stored->CopyFrom(object);
  k8s::ObjectMeta* meta = ports::MutableMetadataOf(stored.get());
  if (kind->namespaced && meta->namespace_().empty()) meta->set_namespace_("default");
  if (!kind->namespaced && !meta->namespace_().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metadata.namespace: ", kind->kind, " is cluster-scoped and takes no namespace"));
  }
  if (meta->name().empty() && !meta->generate_name().empty()) {
    // Deterministic stand-in for the server's random 5-character suffix.
    meta->set_name(absl::StrCat(meta->generate_name(),
                                absl::StrFormat("%05d", ++name_counter_ % 100000)));
  }
  const ObjectKey key{std::string(kind->kind), meta->namespace_(), meta->name()};
  RETURN_IF_ERROR(Fault("create", key));
  if (!meta->resource_version().empty()) {
    return absl::InvalidArgumentError(
        "metadata.resourceVersion: must be empty when creating an object");
  }
  if (objects_.contains(key)) {
    return absl::AlreadyExistsError(absl::StrCat(Describe(key), " already exists"));
  }
  // Server-owned fields.
  SetTypeFields(*kind, stored.get());
  if (const FieldDescriptor* status = StatusField(*stored)) {
    stored->GetReflection()->ClearField(stored.get(), status);
  }
  meta->set_uid(absl::StrFormat("00000000-0000-4000-8000-%012d", ++uid_counter_));
  meta->set_generation(1);
  meta->set_creation_timestamp(Timestamp());
  meta->clear_deletion_timestamp();
  meta->clear_deletion_grace_period_seconds();
  MergeStringData(stored.get());
  RETURN_IF_ERROR(Validate(*kind, *stored));
  return Commit(key, std::move(stored), WatchEventType::kAdded);
}

absl::StatusOr<const FakeKubeApi::Stored*> FakeKubeApi::ForWrite(const Message& object,
                                                                 ObjectKey* key) const {
  ASSIGN_OR_RETURN(*key, ports::KeyOf(object));
  const manifest::KindInfo* kind = manifest::FindKindByDescriptor(object.GetDescriptor());
  if (kind->namespaced && key->namespace_.empty()) key->namespace_ = "default";
  auto it = objects_.find(*key);
  if (it == objects_.end()) {
    return absl::NotFoundError(absl::StrCat(Describe(*key), " not found"));
  }
  const k8s::ObjectMeta& meta = ports::MetadataOf(object);
  if (meta.resource_version().empty()) {
    return absl::InvalidArgumentError(
        "metadata.resourceVersion: must be specified for an update");
  }
  if (meta.resource_version() != ports::MetadataOf(*it->second.object).resource_version()) {
    return Conflict(*key);
  }
  if (!meta.uid().empty() && meta.uid() != ports::MetadataOf(*it->second.object).uid()) {
    return absl::AbortedError(absl::StrCat("Precondition failed: UID in precondition: ",
                                           meta.uid(), ", UID in object meta: ",
                                           ports::MetadataOf(*it->second.object).uid()));
  }
  return &it->second;
}

absl::StatusOr<ObjectPtr> FakeKubeApi::Update(const Message& object) {
  ObjectKey key;
  {
    absl::StatusOr<ObjectKey> k = ports::KeyOf(object);
    if (k.ok()) RETURN_IF_ERROR(Fault("update", *k));
  }
  ASSIGN_OR_RETURN(const Stored* current, ForWrite(object, &key));
  const Message& old = *current->object;
  const k8s::ObjectMeta& old_meta = ports::MetadataOf(old);

  std::unique_ptr<Message> next(object.New());
  next->CopyFrom(object);
  k8s::ObjectMeta* meta = ports::MutableMetadataOf(next.get());
  if (!old_meta.deletion_timestamp().empty()) {
    for (const std::string& f : meta->finalizers()) {
      if (std::find(old_meta.finalizers().begin(), old_meta.finalizers().end(), f) ==
          old_meta.finalizers().end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "metadata.finalizers: no new finalizers can be added if the object is being "
            "deleted (found new finalizer \"", f, "\")"));
      }
    }
  }
  // Server-owned fields come from the stored object.
  meta->set_namespace_(old_meta.namespace_());
  meta->set_uid(old_meta.uid());
  meta->set_creation_timestamp(old_meta.creation_timestamp());
  meta->set_deletion_timestamp(old_meta.deletion_timestamp());
  if (old_meta.has_deletion_grace_period_seconds()) {
    meta->set_deletion_grace_period_seconds(old_meta.deletion_grace_period_seconds());
  } else {
    meta->clear_deletion_grace_period_seconds();
  }
  meta->set_generation(old_meta.generation());
  meta->set_resource_version(old_meta.resource_version());
  SetTypeFields(*current->kind, next.get());
  MergeStringData(next.get());
  CopyStatus(old, next.get());
  if (SpecChanged(old, *next)) meta->set_generation(old_meta.generation() + 1);
  // A no-op update changes nothing, not even the resourceVersion.
  if (google::protobuf::util::MessageDifferencer::Equals(old, *next)) return current->object;
  RETURN_IF_ERROR(Validate(*current->kind, *next));
  if (!meta->deletion_timestamp().empty() && meta->finalizers().empty()) {
    return Commit(key, std::move(next), WatchEventType::kDeleted);
  }
  return Commit(key, std::move(next), WatchEventType::kModified);
}

absl::StatusOr<ObjectPtr> FakeKubeApi::UpdateStatus(const Message& object) {
  ObjectKey key;
  {
    absl::StatusOr<ObjectKey> k = ports::KeyOf(object);
    if (k.ok()) RETURN_IF_ERROR(Fault("update_status", *k));
  }
  ASSIGN_OR_RETURN(const Stored* current, ForWrite(object, &key));
  const Message& old = *current->object;
  if (StatusField(old) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(current->kind->kind, " has no status subresource"));
  }
  // The very object stored, written back (a fence: the core writes an
  // object back as read to prove its read current): a no-op, known
  // without copying or comparing it.
  if (&object == &old) return current->object;
  std::unique_ptr<Message> next(old.New());
  next->CopyFrom(old);
  CopyStatus(object, next.get());
  if (google::protobuf::util::MessageDifferencer::Equals(old, *next)) return current->object;
  RETURN_IF_ERROR(Validate(*current->kind, *next));
  return Commit(key, std::move(next), WatchEventType::kModified);
}

absl::Status FakeKubeApi::CorruptForTest(const ObjectKey& key,
                                         const std::function<void(Message*)>& mutate) {
  auto it = objects_.find(key);
  if (it == objects_.end()) return absl::NotFoundError(absl::StrCat(Describe(key), " not found"));
  std::unique_ptr<Message> next(it->second.object->New());
  next->CopyFrom(*it->second.object);
  mutate(next.get());
  Commit(key, std::move(next), WatchEventType::kModified);
  return absl::OkStatus();
}

absl::Status FakeKubeApi::Delete(const ObjectKey& key, absl::string_view resource_version) {
  RETURN_IF_ERROR(Fault("delete", key));
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    return absl::NotFoundError(absl::StrCat(Describe(key), " not found"));
  }
  const Message& old = *it->second.object;
  const k8s::ObjectMeta& old_meta = ports::MetadataOf(old);
  if (!resource_version.empty() && resource_version != old_meta.resource_version()) {
    return Conflict(key);
  }
  std::unique_ptr<Message> next(old.New());
  next->CopyFrom(old);
  if (old_meta.finalizers().empty()) {
    Commit(key, std::move(next), WatchEventType::kDeleted);
    return absl::OkStatus();
  }
  if (!old_meta.deletion_timestamp().empty()) return absl::OkStatus();  // already deleting
  k8s::ObjectMeta* meta = ports::MutableMetadataOf(next.get());
  meta->set_deletion_timestamp(Timestamp());
  meta->set_deletion_grace_period_seconds(0);
  Commit(key, std::move(next), WatchEventType::kModified);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ports::WatchEvent>> FakeKubeApi::Watch(
    absl::string_view kind, absl::string_view resource_version, const ports::Selector& selector,
    bool bookmarks) {
  RETURN_IF_ERROR(ports::ValidateSelector(kind, selector));
  absl::Duration lag = absl::ZeroDuration();
  RETURN_IF_ERROR(Fault("watch", ObjectKey{std::string(kind), "", ""}, &lag));
  int64_t from;
  if (!absl::SimpleAtoi(resource_version, &from) || from < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "watch needs the resourceVersion of a List or of an earlier event, got \"",
        resource_version, "\""));
  }
  if (from < compacted_through_) {
    return absl::OutOfRangeError(absl::StrCat("too old resource version: ", from, " (",
                                              compacted_through_, "); list again"));
  }
  std::vector<ports::WatchEvent> events;
  auto it = std::upper_bound(
      history_.begin(), history_.end(), from,
      [](int64_t v, const HistoryEntry& e) { return v < e.resource_version; });
  // A lagging reader's watch delivers as late as its reads lag.
  const absl::Time deliverable = clock_.Now() - std::max(watch_delay_, lag);
  const bool everything = selector.everything();
  int64_t read_through = from, delivered_through = from;
  for (; it != history_.end() && it->at <= deliverable; ++it) {
    read_through = it->resource_version;
    if (it->kind != kind) continue;
    std::optional<ports::WatchEvent> event = Selected(*it, selector, everything);
    if (!event.has_value()) continue;
    events.push_back(*std::move(event));
    delivered_through = it->resource_version;
  }
  if (bookmarks && read_through > delivered_through) {
    if (ObjectPtr mark = Bookmark(kind, read_through)) {
      events.push_back(ports::WatchEvent{WatchEventType::kBookmark, std::move(mark)});
    }
  }
  return events;
}

std::optional<ports::WatchEvent> FakeKubeApi::Selected(const HistoryEntry& entry,
                                                       const ports::Selector& selector,
                                                       bool everything) {
  if (everything) return entry.event;
  // As the API server's watch cache filters: by the object now and before.
  const bool now = entry.event.type != WatchEventType::kDeleted &&
                   ports::Selects(selector, *entry.event.object);
  const bool before = entry.previous != nullptr && ports::Selects(selector, *entry.previous);
  if (now && before) return entry.event;
  if (now) return ports::WatchEvent{WatchEventType::kAdded, entry.event.object};
  if (!before) return std::nullopt;
  if (entry.event.type == WatchEventType::kDeleted) return entry.event;
  // No longer selected: gone, as it was last selected, at this version.
  std::unique_ptr<Message> gone(entry.previous->New());
  gone->CopyFrom(*entry.previous);
  ports::MutableMetadataOf(gone.get())->set_resource_version(absl::StrCat(entry.resource_version));
  return ports::WatchEvent{WatchEventType::kDeleted, ObjectPtr(std::move(gone))};
}

ObjectPtr FakeKubeApi::Bookmark(absl::string_view kind, int64_t resource_version) {
  const manifest::KindInfo* info = manifest::FindKindNamed(kind);
  if (info == nullptr) return nullptr;  // not a kind the server serves: nothing to watch
  std::unique_ptr<Message> mark(info->prototype->New());
  ports::MutableMetadataOf(mark.get())->set_resource_version(absl::StrCat(resource_version));
  return ObjectPtr(std::move(mark));
}

ObjectPtr FakeKubeApi::Commit(const ObjectKey& key, std::unique_ptr<Message> object,
                              WatchEventType type) {
  const int64_t version = ++resource_version_;
  ports::MutableMetadataOf(object.get())->set_resource_version(absl::StrCat(version));
  const manifest::KindInfo* kind = manifest::FindKindByDescriptor(object->GetDescriptor());
  ObjectPtr shared(std::move(object));
  // The replaced object moves into the history (for stale reads), at no cost.
  auto [it, added] = objects_.try_emplace(key);
  ObjectPtr previous = added ? nullptr : std::move(it->second.object);
  if (type == WatchEventType::kDeleted) {
    objects_.erase(it);
  } else {
    it->second = Stored{shared, kind};
  }
  history_.push_back(HistoryEntry{key.kind, version, clock_.Now(),
                                  ports::WatchEvent{type, shared}, std::move(previous)});
  while (history_.size() > options_.watch_history) {
    compacted_through_ = history_.front().resource_version;
    history_.pop_front();
  }
  return shared;
}

}  // namespace ferry::fakes
