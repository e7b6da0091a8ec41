#include "core/runtime/effect.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/message_differencer.h"

namespace ferry::runtime {
namespace {

ports::ObjectPtr Copy(const google::protobuf::Message& object) {
  std::shared_ptr<google::protobuf::Message> copy(object.New());
  copy->CopyFrom(object);
  return copy;
}

Effect Write(KubeWrite::Verb verb, const google::protobuf::Message& object, std::string what) {
  return Effect{.call = KubeWrite{.verb = verb, .object = Copy(object), .key = {}},
                .fence = {},
                .what = std::move(what)};
}

bool SameObject(const ports::ObjectPtr& a, const ports::ObjectPtr& b) {
  if (a == nullptr || b == nullptr) return a == b;
  return google::protobuf::util::MessageDifferencer::Equals(*a, *b);
}

std::string KeyText(const ports::ObjectKey& key) {
  return absl::StrCat(key.kind, " ", key.namespace_, "/", key.name);
}

std::string ObjectText(const ports::ObjectPtr& object) {
  if (object == nullptr) return "(none)";
  absl::StatusOr<ports::ObjectKey> key = ports::KeyOf(*object);
  return key.ok() ? KeyText(*key) : object->GetTypeName();
}

struct Same {
  bool operator()(const KubeWrite& a, const KubeWrite& b) const {
    return a.verb == b.verb && a.key == b.key && a.exists_ok == b.exists_ok &&
           a.resource_version == b.resource_version &&
           SameObject(a.object, b.object);
  }
  bool operator()(const HypervisorCall& a, const HypervisorCall& b) const {
    const ports::MigrationRequest &x = a.request, &y = b.request;
    return a.op == b.op && a.domain == b.domain && x.domain == y.domain &&
           x.destination_uri == y.destination_uri && x.disks == y.disks &&
           x.incremental == y.incremental && x.synchronous_writes == y.synchronous_writes &&
           x.leave_paused == y.leave_paused && x.bandwidth_mib_per_s == y.bandwidth_mib_per_s;
  }
  bool operator()(const OvirtCall& a, const OvirtCall& b) const {
    return a.op == b.op && a.vm_id == b.vm_id && a.attachment_id == b.attachment_id &&
           google::protobuf::util::MessageDifferencer::Equals(a.attachment, b.attachment);
  }
  template <typename A, typename B>
  bool operator()(const A&, const B&) const {
    return false;
  }
};

struct Text {
  std::string operator()(const KubeWrite& w) const {
    switch (w.verb) {
      case KubeWrite::Verb::kCreate: return absl::StrCat("create ", ObjectText(w.object));
      case KubeWrite::Verb::kUpdate: return absl::StrCat("update ", ObjectText(w.object));
      case KubeWrite::Verb::kUpdateStatus:
        return absl::StrCat("update_status ", ObjectText(w.object));
      case KubeWrite::Verb::kDelete: return absl::StrCat("delete ", KeyText(w.key));
    }
    return "?";
  }
  std::string operator()(const HypervisorCall& c) const {
    switch (c.op) {
      case HypervisorCall::Op::kStartMigration:
        return absl::StrCat(
            "migrate domain ", c.request.domain, " to ", c.request.destination_uri, " (",
            absl::StrJoin(c.request.disks, ", ",
                          [](std::string* out, const ports::DiskCopy& d) {
                            absl::StrAppend(out, d.target_dev, " -> ", d.destination.claim);
                          }),
            ")");
      case HypervisorCall::Op::kAbortJob: return absl::StrCat("abort job of domain ", c.domain);
      case HypervisorCall::Op::kDestroy: return absl::StrCat("destroy domain ", c.domain);
      case HypervisorCall::Op::kResume: return absl::StrCat("resume domain ", c.domain);
      case HypervisorCall::Op::kUndefine: return absl::StrCat("undefine domain ", c.domain);
    }
    return "?";
  }
  std::string operator()(const OvirtCall& c) const {
    switch (c.op) {
      case OvirtCall::Op::kShutdown: return absl::StrCat("shut down oVirt VM ", c.vm_id);
      case OvirtCall::Op::kStop: return absl::StrCat("stop oVirt VM ", c.vm_id);
      case OvirtCall::Op::kStart: return absl::StrCat("start oVirt VM ", c.vm_id);
      case OvirtCall::Op::kDetachDisk:
        return absl::StrCat("detach attachment ", c.attachment_id, " from oVirt VM ", c.vm_id);
      case OvirtCall::Op::kDeactivateDisk:
        return absl::StrCat("deactivate attachment ", c.attachment_id, " of oVirt VM ", c.vm_id);
      case OvirtCall::Op::kAttachDisk:
        return absl::StrCat("attach disk ", c.attachment.disk().id(), " to oVirt VM ", c.vm_id);
    }
    return "?";
  }
};

}  // namespace

Effect Effect::Create(const google::protobuf::Message& object, std::string what) {
  return Write(KubeWrite::Verb::kCreate, object, std::move(what));
}
Effect Effect::Update(const google::protobuf::Message& object, std::string what) {
  return Write(KubeWrite::Verb::kUpdate, object, std::move(what));
}
Effect Effect::UpdateStatus(const google::protobuf::Message& object, std::string what) {
  return Write(KubeWrite::Verb::kUpdateStatus, object, std::move(what));
}
Effect Effect::Delete(ports::ObjectKey key, std::string what, std::string resource_version) {
  return Effect{.call = KubeWrite{.verb = KubeWrite::Verb::kDelete, .object = nullptr,
                                  .key = std::move(key),
                                  .resource_version = std::move(resource_version)},
                .fence = {},
                .what = std::move(what)};
}
Effect Effect::Hypervisor(HypervisorCall call, std::string what) {
  return Effect{.call = std::move(call), .fence = {}, .what = std::move(what)};
}
Effect Effect::Ovirt(OvirtCall call, std::string what) {
  return Effect{.call = std::move(call), .fence = {}, .what = std::move(what)};
}

Effect Effect::FencedBy(std::vector<ports::ObjectPtr> read) && {
  fence = std::move(read);
  return std::move(*this);
}

Effect Effect::ExistsOk() && {
  if (auto* write = std::get_if<KubeWrite>(&call)) write->exists_ok = true;
  return std::move(*this);
}

Effect Effect::Invalidating(std::vector<Read> reads) && {
  invalidates = std::move(reads);
  return std::move(*this);
}

bool operator==(const Effect& a, const Effect& b) {
  if (a.what != b.what || a.fence.size() != b.fence.size()) return false;
  for (size_t i = 0; i < a.fence.size(); ++i) {
    const k8s::ObjectMeta &x = ports::MetadataOf(*a.fence[i]), &y = ports::MetadataOf(*b.fence[i]);
    if (ports::KeyOf(*a.fence[i]).value_or(ports::ObjectKey{}) !=
            ports::KeyOf(*b.fence[i]).value_or(ports::ObjectKey{}) ||
        x.resource_version() != y.resource_version()) {
      return false;
    }
  }
  return std::visit(Same{}, a.call, b.call);
}

std::string Describe(const Effect& effect) {
  std::string text = std::visit(Text{}, effect.call);
  if (!effect.fence.empty()) {
    std::vector<std::string> fenced;
    for (const ports::ObjectPtr& read : effect.fence) {
      fenced.push_back(absl::StrCat(ObjectText(read), "@",
                                    ports::MetadataOf(*read).resource_version()));
    }
    absl::StrAppend(&text, " fenced by ", absl::StrJoin(fenced, ", "));
  }
  if (!effect.what.empty()) absl::StrAppend(&text, " (", effect.what, ")");
  return text;
}

}  // namespace ferry::runtime
