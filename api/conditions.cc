#include "api/conditions.h"

#include <algorithm>

#include "api/timestamp.h"

namespace ferry::api {

bool SetCondition(Conditions* conditions, const std::string& type, const std::string& status,
                  const std::string& reason, const std::string& message, absl::Time now) {
  for (k8s::Condition& c : *conditions) {
    if (c.type() != type) continue;
    if (c.status() == status && c.reason() == reason && c.message() == message) return false;
    if (c.status() != status) c.set_last_transition_time(Timestamp(now));
    c.set_status(status);
    c.set_reason(reason);
    c.set_message(message);
    return true;
  }
  k8s::Condition* c = conditions->Add();
  c->set_type(type);
  c->set_status(status);
  c->set_reason(reason);
  c->set_message(message);
  c->set_last_transition_time(Timestamp(now));
  return true;
}

bool RemoveCondition(Conditions* conditions, absl::string_view type) {
  const auto gone = std::remove_if(conditions->begin(), conditions->end(),
                                   [&](const k8s::Condition& c) { return c.type() == type; });
  if (gone == conditions->end()) return false;
  conditions->erase(gone, conditions->end());
  return true;
}

const k8s::Condition* FindCondition(const Conditions& conditions, absl::string_view type) {
  for (const k8s::Condition& c : conditions) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

}  // namespace ferry::api
