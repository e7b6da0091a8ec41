#include "core/runtime/leader_election.h"

#include "absl/strings/str_cat.h"

namespace ferry::runtime {
namespace {

// What makes a Lease record: a change of any of these is the holder alive.
std::string Record(const k8s::Lease& lease) {
  const k8s::LeaseSpec& s = lease.spec();
  return absl::StrCat(s.holder_identity(), "|", s.lease_duration_seconds(), "|", s.acquire_time(),
                      "|", s.renew_time(), "|", s.lease_transitions());
}

}  // namespace

LeaderElector::LeaderElector(ports::KubeApi& api, Scheduler& scheduler, Options options,
                             Callbacks callbacks)
    : api_(api), scheduler_(scheduler), options_(std::move(options)),
      callbacks_(std::move(callbacks)) {}

absl::Status LeaderElector::Validate(const Options& o) {
  if (o.lease.kind != "Lease" || o.lease.name.empty()) {
    return absl::InvalidArgumentError("lease: name a Lease (kind Lease, a namespace and a name)");
  }
  if (o.identity.empty()) return absl::InvalidArgumentError("identity: must not be empty");
  if (o.retry_period <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("retry_period: must be positive");
  }
  if (o.renew_deadline <= o.retry_period) {
    return absl::InvalidArgumentError("renew_deadline: must be longer than retry_period");
  }
  if (o.lease_duration <= o.renew_deadline) {
    return absl::InvalidArgumentError(
        "lease_duration: must be longer than renew_deadline (a leader must know it lost the "
        "Lease before another may take it)");
  }
  return absl::OkStatus();
}

std::string LeaderElector::MicroTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

void LeaderElector::Start() {
  scheduler_.After(absl::ZeroDuration(), "leader election", [this] { Try(); });
}

absl::Time LeaderElector::Clock() const {
  return options_.clock ? options_.clock() : scheduler_.Now();
}

void LeaderElector::Try() {
  if (stopped_) return;
  // The renewal counts from before its calls: a slow answer must not
  // extend how long this process believes it leads.
  const absl::Time started = Clock();
  const bool held = TryAcquireOrRenew(started);
  const absl::Time now = Clock();
  if (held) {
    last_renewed_ = started;
    if (!leading_) {
      leading_ = true;
      Log(absl::StrCat("leading: holds Lease ", options_.lease.namespace_, "/", options_.lease.name,
                       " as ", options_.identity));
      if (callbacks_.started) callbacks_.started();
    }
  } else if (leading_ && now - last_renewed_ >= options_.renew_deadline) {
    leading_ = false;
    stopped_ = true;
    Log(absl::StrCat("lost the lead: Lease ", options_.lease.namespace_, "/", options_.lease.name,
                     " not renewed for ", absl::FormatDuration(now - last_renewed_)));
    if (callbacks_.stopped) callbacks_.stopped();
    return;
  }
  scheduler_.After(options_.retry_period, "leader election", [this] { Try(); });
}

bool LeaderElector::TryAcquireOrRenew(absl::Time now) {
  const absl::Time wall = scheduler_.Now();
  const int32_t seconds = static_cast<int32_t>(absl::ToInt64Seconds(options_.lease_duration));
  absl::StatusOr<ports::ObjectPtr> got = api_.Get(options_.lease);
  if (absl::IsNotFound(got.status())) {
    k8s::Lease lease;
    lease.set_api_version("coordination.k8s.io/v1");
    lease.set_kind("Lease");
    lease.mutable_metadata()->set_name(options_.lease.name);
    lease.mutable_metadata()->set_namespace_(options_.lease.namespace_);
    lease.mutable_spec()->set_holder_identity(options_.identity);
    lease.mutable_spec()->set_lease_duration_seconds(seconds);
    lease.mutable_spec()->set_acquire_time(MicroTime(wall));
    lease.mutable_spec()->set_renew_time(MicroTime(wall));
    lease.mutable_spec()->set_lease_transitions(0);
    absl::StatusOr<ports::ObjectPtr> created = api_.Create(lease);
    observed_record_ = Record(lease);
    observed_at_ = now;
    return created.ok();
  }
  if (!got.ok()) {
    Log(absl::StrCat("cannot read Lease ", options_.lease.namespace_, "/", options_.lease.name, ": ",
                     got.status().message()));
    return false;
  }
  auto current = ports::As<k8s::Lease>(*got);
  if (current == nullptr) return false;
  const std::string record = Record(*current);
  if (record != observed_record_) {
    observed_record_ = record;
    observed_at_ = now;
  }
  const std::string& holder = current->spec().holder_identity();
  const bool mine = holder == options_.identity;
  if (!mine && !holder.empty() && now < observed_at_ + options_.lease_duration) {
    if (holder != last_waiting_for_) {
      last_waiting_for_ = holder;
      Log(absl::StrCat("waiting: ", holder, " holds Lease ", options_.lease.namespace_, "/",
                       options_.lease.name));
    }
    return false;
  }
  k8s::Lease next = *current;
  next.mutable_spec()->set_holder_identity(options_.identity);
  next.mutable_spec()->set_lease_duration_seconds(seconds);
  next.mutable_spec()->set_renew_time(MicroTime(wall));
  if (!mine) {
    next.mutable_spec()->set_acquire_time(MicroTime(wall));
    next.mutable_spec()->set_lease_transitions(current->spec().lease_transitions() + 1);
  }
  absl::StatusOr<ports::ObjectPtr> updated = api_.Update(next);
  if (!updated.ok()) return false;
  if (auto lease = ports::As<k8s::Lease>(*updated)) observed_record_ = Record(*lease);
  observed_at_ = now;
  return true;
}

absl::Status LeaderElector::Release() {
  stopped_ = true;
  if (!leading_) return absl::OkStatus();
  leading_ = false;
  absl::StatusOr<ports::ObjectPtr> got = api_.Get(options_.lease);
  if (!got.ok()) return got.status();
  auto current = ports::As<k8s::Lease>(*got);
  if (current == nullptr || current->spec().holder_identity() != options_.identity) {
    return absl::OkStatus();  // no longer ours: nothing to give up
  }
  k8s::Lease next = *current;
  next.mutable_spec()->set_holder_identity("");
  next.mutable_spec()->set_lease_duration_seconds(1);
  next.mutable_spec()->set_renew_time(MicroTime(scheduler_.Now()));
  absl::Status st = api_.Update(next).status();
  if (st.ok()) Log(absl::StrCat("released Lease ", options_.lease.namespace_, "/", options_.lease.name));
  return st;
}

void LeaderElector::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

}  // namespace ferry::runtime
