#include "core/runtime/events.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "api/timestamp.h"

namespace ferry::runtime {

k8s::Event MakeEvent(const EventObject& object, absl::string_view what, const std::string& type,
                     const std::string& reason, const std::string& message, const std::string& at,
                     const EventSource& source) {
  const k8s::ObjectMeta& meta = object.metadata;
  k8s::Event e;
  e.set_api_version("v1");
  e.set_kind("Event");
  // The uid's first 8 characters tell two objects of one name apart; a
  // long object name is cut so the whole stays a DNS-1123 subdomain.
  const std::string suffix =
      absl::StrCat(meta.uid().empty() ? "" : ".", meta.uid().substr(0, 8), ".", what);
  const size_t room = suffix.size() < 253 ? 253 - suffix.size() : 0;
  std::string head = meta.name().substr(0, room);
  while (!head.empty() && !absl::ascii_isalnum(head.back())) head.pop_back();
  e.mutable_metadata()->set_name(absl::StrCat(head, suffix));
  e.mutable_metadata()->set_namespace_(meta.namespace_());
  k8s::ObjectReference* ref = e.mutable_involved_object();
  ref->set_api_version(object.api_version);
  ref->set_kind(object.kind);
  ref->set_namespace_(meta.namespace_());
  ref->set_name(meta.name());
  ref->set_uid(meta.uid());
  e.set_type(type);
  e.set_reason(reason);
  e.set_message(message);
  e.set_first_timestamp(at);
  e.set_last_timestamp(at);
  e.set_count(1);
  e.mutable_source()->set_component(source.component);
  e.set_reporting_component(absl::StrCat("ferry.dev/", source.component));
  e.set_reporting_instance(source.instance);
  e.set_action(reason);
  return e;
}

std::vector<Effect> EventLedger::Tell(const Key& key, const std::vector<k8s::Event>& events,
                                      absl::Time not_before) {
  std::vector<Effect> effects;
  for (const k8s::Event& e : events) {
    if (api::ParseTimestamp(e.last_timestamp()) < not_before) continue;
    if (!recorded_[key].insert(e.metadata().name()).second) continue;
    effects.push_back(
        Effect::Create(e, absl::StrCat(ToString(key), ": event ", e.reason())).ExistsOk());
  }
  return effects;
}

}  // namespace ferry::runtime
