#include "core/ports/hypervisor.h"

namespace ferry::ports {

absl::string_view DomainStateName(DomainState state) {
  switch (state) {
    case DomainState::kNoState: return "nostate";
    case DomainState::kRunning: return "running";
    case DomainState::kBlocked: return "blocked";
    case DomainState::kPaused: return "paused";
    case DomainState::kShutdown: return "shutdown";
    case DomainState::kShutoff: return "shutoff";
    case DomainState::kCrashed: return "crashed";
    case DomainState::kPMSuspended: return "pmsuspended";
  }
  return "unknown";
}

absl::string_view DomainEventName(DomainEventType type) {
  switch (type) {
    case DomainEventType::kDefined: return "defined";
    case DomainEventType::kUndefined: return "undefined";
    case DomainEventType::kStarted: return "started";
    case DomainEventType::kSuspended: return "suspended";
    case DomainEventType::kResumed: return "resumed";
    case DomainEventType::kStopped: return "stopped";
    case DomainEventType::kShutdown: return "shutdown";
    case DomainEventType::kPMSuspended: return "pmsuspended";
    case DomainEventType::kCrashed: return "crashed";
  }
  return "unknown";
}

}  // namespace ferry::ports
