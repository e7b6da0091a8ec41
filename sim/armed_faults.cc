#include "sim/armed_faults.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ferry::sim {
namespace {

bool ForCluster(const scenario::ApiFault& f) { return f.cluster(); }
template <typename Fault>
bool ForCluster(const Fault&) { return false; }

absl::Status Injected(absl::string_view code, absl::string_view fallback, const std::string& msg) {
  const absl::string_view c = code.empty() ? fallback : code;
  if (c == "Conflict") return absl::AbortedError(msg);
  if (c == "Internal") return absl::InternalError(msg);
  if (c == "FailedPrecondition") return absl::FailedPreconditionError(msg);
  return absl::UnavailableError(msg);
}

}  // namespace

void ArmedFaults::Arm(const scenario::ApiFault& fault) {
  api_.push_back({fault, std::max(fault.count(), 1)});
}
void ArmedFaults::Arm(const scenario::LibvirtFault& fault) {
  libvirt_.push_back({fault, std::max(fault.count(), 1)});
}
void ArmedFaults::Arm(const scenario::OvirtFault& fault) {
  ovirt_.push_back({fault, std::max(fault.count(), 1)});
}

void ArmedFaults::Clear() {
  api_.clear();
  libvirt_.clear();
  ovirt_.clear();
}

World::Faults ArmedFaults::ForProcesses() {
  World::Faults faults;
  faults.api.fail = [this](const KubeCall& call) { return ApiFault(call.verb, call.key); };
  faults.api.delay = [this](const KubeCall& call) { return ApiDelay(call.verb, call.key); };
  faults.libvirt.fail = [this](const HypervisorCall& call) {
    return LibvirtFault(call.host, call.verb, call.domain);
  };
  faults.libvirt.delay = [this](const HypervisorCall& call) {
    return LibvirtDelay(call.host, call.verb);
  };
  faults.ovirt.fail = [this](const OvirtCall& call) { return OvirtFault(call.verb, call.id); };
  faults.ovirt.delay = [this](const OvirtCall& call) { return OvirtDelay(call.verb, call.id); };
  return faults;
}

void ArmedFaults::ForPlatformModel() {
  world_.api().SetFaultHook([this](const fakes::FakeKubeApi::Call& call) {
    return world_.in_cluster_step() ? ApiFault(call.verb, call.key) : absl::OkStatus();
  });
  world_.api().SetDelayHook([this](const fakes::FakeKubeApi::Call& call) {
    return world_.in_cluster_step() ? ApiDelay(call.verb, call.key) : absl::ZeroDuration();
  });
}

template <typename Fault, typename Matches>
const Fault* ArmedFaults::Next(absl::string_view port, std::vector<std::pair<Fault, int>>& faults,
                               Matches matches) {
  // The harness itself sees through faults; the platform model too, unless
  // the fault is for it (ApiFault.cluster).
  if (*observing_) return nullptr;
  for (auto& [fault, left] : faults) {
    if (left > 0 && matches(fault) && (!world_.in_cluster_step() || ForCluster(fault))) {
      --left;
      ++hit_;
      coverage_.FaultHit(port);
      return &fault;
    }
  }
  return nullptr;
}

absl::Status ArmedFaults::ApiFault(absl::string_view verb, const ports::ObjectKey& key) {
  const scenario::ApiFault* fault = Next("api", api_, [&](const scenario::ApiFault& f) {
    return f.delay_seconds() <= 0 && f.verb() == verb && (f.kind().empty() || f.kind() == key.kind);
  });
  if (fault == nullptr) return absl::OkStatus();
  return Injected(fault->code(), "Unavailable",
                  absl::StrCat("injected fault on ", verb, " ", key.kind));
}

absl::Duration ArmedFaults::ApiDelay(absl::string_view verb, const ports::ObjectKey& key) {
  const scenario::ApiFault* fault = Next("api", api_, [&](const scenario::ApiFault& f) {
    return f.delay_seconds() > 0 && f.verb() == verb && (f.kind().empty() || f.kind() == key.kind);
  });
  return fault == nullptr ? absl::ZeroDuration() : absl::Seconds(fault->delay_seconds());
}

absl::Status ArmedFaults::LibvirtFault(absl::string_view node, absl::string_view verb,
                                       absl::string_view domain) {
  const scenario::LibvirtFault* fault =
      Next("libvirt", libvirt_, [&](const scenario::LibvirtFault& f) {
        return f.delay_seconds() <= 0 && f.node() == node && f.verb() == verb;
      });
  if (fault == nullptr) return absl::OkStatus();
  return Injected(fault->code(), "Internal",
                  absl::StrCat("injected fault on libvirt ", verb, " ", domain, " on ", node));
}

absl::Duration ArmedFaults::LibvirtDelay(absl::string_view node, absl::string_view verb) {
  const scenario::LibvirtFault* fault =
      Next("libvirt", libvirt_, [&](const scenario::LibvirtFault& f) {
        return f.delay_seconds() > 0 && f.node() == node && f.verb() == verb;
      });
  return fault == nullptr ? absl::ZeroDuration() : absl::Seconds(fault->delay_seconds());
}

absl::Status ArmedFaults::OvirtFault(absl::string_view verb, absl::string_view id) {
  if (!*observing_) coverage_.EngineCall(verb);
  const scenario::OvirtFault* fault = Next("ovirt", ovirt_, [&](const scenario::OvirtFault& f) {
    return f.delay_seconds() <= 0 && f.verb() == verb && (f.id().empty() || f.id() == id);
  });
  if (fault == nullptr) return absl::OkStatus();
  return Injected(fault->code(), "FailedPrecondition",
                  absl::StrCat("Operation Failed: [injected fault on ", verb, " ", id, "]"));
}

absl::Duration ArmedFaults::OvirtDelay(absl::string_view verb, absl::string_view id) {
  const scenario::OvirtFault* fault = Next("ovirt", ovirt_, [&](const scenario::OvirtFault& f) {
    return f.delay_seconds() > 0 && f.verb() == verb && (f.id().empty() || f.id() == id);
  });
  return fault == nullptr ? absl::ZeroDuration() : absl::Seconds(fault->delay_seconds());
}

}  // namespace ferry::sim
