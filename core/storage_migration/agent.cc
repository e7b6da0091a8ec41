#include "core/storage_migration/agent.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "api/names.h"
#include "api/volumes.h"
#include "core/bugs/bugs.h"
#include "core/storage_migration/controller.h"

namespace ferry::storage_migration {
namespace {

using VMIM = kubevirt::VirtualMachineInstanceMigration;

absl::string_view Ns(absl::string_view ns) { return api::NamespaceOrDefault(ns); }

constexpr int kMaxStartAttempts = 3;
// Progress is for people watching; every second per migration was a write
// per second per copy on the API server (200 copies: 200 writes a second).
constexpr absl::Duration kProgressEvery = absl::Seconds(5);

std::string Observe(const std::string& role, const LocalDomain& d) {
  if (!d.present) return "Absent";
  switch (d.info.state) {
    case ports::DomainState::kRunning:
    case ports::DomainState::kBlocked:
      return "Running";
    case ports::DomainState::kPaused:
      if (d.info.reason == ports::kPausedMigration) {
        return role == "Source" ? "PausedInHandover" : "PausedAwaitingCopy";
      }
      return role == "Source" ? "Running" : "PausedCopyComplete";
    default:
      return "Absent";
  }
}

// A finished job as its stats describe it: what a restart records of the
// copy it replaces (DomainReport.superseded_job).
std::string JobFingerprint(const ports::JobStats& stats) {
  if (stats.active || stats.type == ports::JobType::kNone) return "";
  return absl::StrCat("type ", static_cast<int>(stats.type), " elapsed ", stats.time_elapsed,
                      "ms disk ", stats.disk_processed, " memory ", stats.memory_processed);
}

// No job of this attempt has run yet: none at all, or only the end of the
// copy this attempt replaces.
bool NoJobYet(const kubevirt::DomainReport& report, const ports::JobStats& stats) {
  if (stats.active) return false;
  return stats.type == ports::JobType::kNone ||
         (!report.superseded_job().empty() && JobFingerprint(stats) == report.superseded_job());
}

std::string JobState(const kubevirt::DomainReport* previous, const ports::JobStats& stats) {
  const std::string prev = previous == nullptr ? "" : previous->job();
  if (prev.empty() || prev == "None") return "None";
  if (stats.active) return "Active";
  if (prev == "Starting" && NoJobYet(*previous, stats)) return "Starting";
  switch (stats.type) {
    case ports::JobType::kCompleted: return "Completed";
    case ports::JobType::kFailed: return "Failed";
    case ports::JobType::kCancelled: return "Cancelled";
    default: return prev;  // unknown here (e.g. the source domain is gone after the handover)
  }
}

// Makes this node's domain of a migration that ended elsewhere go: destroy
// while a QEMU holds it (running, paused, or crashed with on_crash=preserve:
// libvirt's CRASHED state keeps QEMU alive); once it is only a definition,
// shut off (libvirt keeps one of a persistent domain destroyed or whose QEMU
// died: the target is persistent once its copy completed,
// VIR_MIGRATE_PERSIST_DEST), undefine it, as destroy would be refused
// ("domain is not running") at every retry.
void RemoveDomain(const LocalDomain& domain, absl::string_view role, absl::string_view why,
                  AgentAction* act) {
  const bool inactive = domain.info.state == ports::DomainState::kShutoff;
  act->kind = inactive ? AgentAction::Kind::kUndefine : AgentAction::Kind::kDestroy;
  act->what = inactive ? absl::StrCat("undefine the ", role, " domain, ",
                                      ports::DomainStateName(domain.info.state), " (", why, ")")
                       : absl::StrCat("destroy the ", role, " domain (", why, ")");
}

bool SameReport(const kubevirt::DomainReport& a, const kubevirt::DomainReport& b) {
  return a.role() == b.role() && a.node() == b.node() && a.domain() == b.domain() &&
         a.job() == b.job() && a.error() == b.error() && a.ready() == b.ready() &&
         a.start_attempts() == b.start_attempts() && a.copy_mode() == b.copy_mode() &&
         a.superseded_job() == b.superseded_job();
}

}  // namespace

int64_t NewestReportSequence(const kubevirt::VirtualMachineInstanceMigrationStatus& status) {
  int64_t newest = status.reports_requested();
  for (const auto& r : status.domain_reports()) newest = std::max(newest, r.sequence());
  return newest;
}

std::string RoleOf(const VMIM& m, absl::string_view node) {
  const auto& ms = m.status().migration_state();
  if (!ms.source_node().empty() && ms.source_node() == node) return "Source";
  if (!ms.target_node().empty() && ms.target_node() == node) return "Target";
  return "";
}

std::string DiskTargetDev(const kubevirt::VirtualMachineInstanceSpec& spec,
                          absl::string_view volume) {
  // virt-launcher's naming: the prefix from the bus (virtio "vd"; sata,
  // scsi and usb "sd"), the letters from the disk's place among the disks
  // of that prefix, in spec order.
  auto prefix_of = [](const kubevirt::Disk& d) {
    std::string bus = d.has_lun() ? d.lun().bus() : d.has_cdrom() ? d.cdrom().bus() : d.disk().bus();
    if (bus.empty()) bus = d.has_lun() ? "scsi" : d.has_cdrom() ? "sata" : "virtio";
    return bus == "virtio" ? std::string("vd") : std::string("sd");
  };
  const auto& disks = spec.domain().devices().disks();
  int target = -1;
  for (int i = 0; i < disks.size(); ++i) {
    if (disks.Get(i).name() == volume) target = i;
  }
  if (target < 0) return "";
  const std::string prefix = prefix_of(disks.Get(target));
  int index = 0, same = 0;
  for (int i = 0; i < disks.size(); ++i) {
    if (prefix_of(disks.Get(i)) != prefix) continue;
    if (i < target) ++index;
    ++same;
  }
  if (bugs::Enabled(bugs::Bug::kDiskDevsReversed)) index = same - 1 - index;
  // Letters as spreadsheet columns: a..z, aa, ab...
  std::string letters;
  for (int n = index + 1; n > 0; n = (n - 1) / 26) {
    letters.insert(letters.begin(), static_cast<char>('a' + (n - 1) % 26));
  }
  return prefix + letters;
}

std::vector<AgentAction> PlanAgent(const AgentView& v) {
  std::vector<AgentAction> actions;
  const VMIM& m = *v.migration;
  const std::string role = RoleOf(m, v.node);
  if (role.empty()) return actions;
  const std::string ns(Ns(m.metadata().namespace_()));
  const std::string domain = DomainName(ns, m.spec().vmi_name());
  const auto& st = m.status();
  const std::string side = st.switchover().side();
  const kubevirt::DomainReport* previous = FindReport(st, role);

  kubevirt::DomainReport report;
  report.set_role(role);
  report.set_node(v.node);
  report.set_domain(Observe(role, v.domain));
  if (previous != nullptr) {
    report.set_start_attempts(previous->start_attempts());
    report.set_copy_mode(previous->copy_mode());
    report.set_superseded_job(previous->superseded_job());
  }
  if (role == "Source") {
    report.set_job(JobState(previous, v.domain.job));
    // libvirt's reason when it gives one; else the reason already
    // reported stays (a refused start's, which no job carries).
    if (report.job() == "Failed" && !v.domain.job.errmsg.empty()) {
      report.set_error(v.domain.job.errmsg);
    } else if (previous != nullptr) {
      report.set_error(previous->error());
    }
    // Every attempt to start the copy was refused: the domain still runs
    // here with no job, not even a finished one.
    if (report.job() == "Starting" && report.start_attempts() >= kMaxStartAttempts &&
        report.domain() == "Running" && NoJobYet(report, v.domain.job)) {
      report.set_job("Failed");
      report.set_error(absl::StrCat("libvirt on ", v.node, " refused to start the copy ",
                                    kMaxStartAttempts,
                                    " times (see the agent's log for each error)"));
    }
    // A refused start of a migration that has since ended on the source (it
    // failed, or was decided for the source): no copy runs and none will
    // start, so nothing is in flight; "Starting" would hold its finalizer.
    if (report.job() == "Starting" && (st.phase() == "Failed" || side == "Source") &&
        NoJobYet(report, v.domain.job)) {
      report.set_job("None");
    }
  } else {
    const k8s::Pod* pod = v.cluster->FindPod(ns, TargetPodName(m));
    report.set_ready(pod != nullptr && pod->spec().node_name() == v.node &&
                     pod->status().phase() == "Running");
  }

  AgentAction act;
  act.domain = domain;
  bool start = false, restart = false;
  if (role == "Source") {
    // The copy is to start again with another copy mode (only ever from
    // Background to WriteBlocking: the controller found it not converging).
    const bool superseded = report.copy_mode() != st.copy_mode();
    if (side == "Source" && v.domain.job.active) {
      act.kind = AgentAction::Kind::kAbortJob;
      act.what = "abort the copy (the migration was decided for the source)";
    } else if (side.empty() && superseded && v.domain.job.active && report.job() == "Active") {
      act.kind = AgentAction::Kind::kAbortJob;
      act.what = absl::StrCat("abort the copy to start it again with copy mode ",
                              st.copy_mode(), " (it was not converging)");
    } else if (side == "Destination" && v.domain.present) {
      RemoveDomain(v.domain, "source", "the migration was decided for the destination", &act);
    } else if (side.empty() && m.metadata().deletion_timestamp().empty() &&
               (st.phase() == "TargetReady" || st.phase() == "Running") &&
               report.domain() == "Running" && !v.domain.job.active &&
               (report.job() == "None" ||
                (report.job() == "Starting" && NoJobYet(report, v.domain.job) &&
                 report.start_attempts() < kMaxStartAttempts) ||
                (superseded && (report.job() == "Cancelled" || report.job() == "Failed")))) {
      ports::MigrationRequest& r = act.request;
      r.domain = domain;
      r.destination_uri = absl::StrCat("qemu+tcp://", st.migration_state().target_node(), "/system");
      // A container disk is an image chain (its read-only base, the
      // launcher's overlay): only a full copy flattens it onto the claim
      // (NON_SHARED_DISK); the top layer alone would leave the base behind.
      // For claims without a backing image the two copy the same.
      r.incremental = true;
      for (const auto& p : m.spec().local_storage_migration().migrate_non_shared_disks()) {
        if (!p.source_volume().empty() && !bugs::Enabled(bugs::Bug::kContainerDiskTopOnly)) {
          r.incremental = false;
        }
      }
      r.synchronous_writes = st.copy_mode() == kWriteBlocking;
      r.leave_paused = true;
      r.bandwidth_mib_per_s = v.bandwidth_mib_per_s;
      const kubevirt::VirtualMachineInstance* vmi = v.cluster->FindVmi(ns, m.spec().vmi_name());
      bool ready = vmi != nullptr;
      for (const auto& p : m.spec().local_storage_migration().migrate_non_shared_disks()) {
        if (!ready) break;
        std::string dev;
        for (const auto& vol : vmi->spec().volumes()) {
          if (api::PairMoves(p, vol)) dev = DiskTargetDev(vmi->spec(), vol.name());
        }
        // Where the controller recorded the destination's data on the target.
        const kubevirt::DestinationVolume* destination = nullptr;
        for (const auto& d : st.destination_volumes()) {
          if (d.claim() == p.destination_pvc()) destination = &d;
        }
        if (dev.empty() || destination == nullptr) {
          ready = false;
          break;
        }
        r.disks.push_back({dev,
                           {.claim = absl::StrCat(ns, "/", destination->claim()),
                            .volume = destination->volume(),
                            .block = destination->volume_mode() == "Block",
                            .capacity_bytes = destination->capacity_bytes(),
                            .path = destination->path()}});
      }
      if (ready) {
        start = true;
        act.kind = AgentAction::Kind::kStartMigration;
        act.what = absl::StrCat("start the copy to ", st.migration_state().target_node());
        if (superseded) {  // a new copy: its own attempts, no error of the last
          restart = true;
          report.set_superseded_job(JobFingerprint(v.domain.job));
          report.set_copy_mode(st.copy_mode());
          report.set_start_attempts(0);
          report.set_error("");
        }
        report.set_job("Starting");
        report.set_start_attempts(report.start_attempts() + 1);
      }
    }
  } else {
    if ((side == "Source" || st.phase() == "Failed") && v.domain.present) {
      RemoveDomain(v.domain, "target", "the migration ended on the source", &act);
    } else if (side == "Destination" && st.switchover().specs_switched() &&
               report.domain() == "PausedCopyComplete") {
      const kubevirt::DomainReport* source = FindReport(st, "Source");
      if ((source != nullptr && source->domain() == "Absent") ||
          !NodeReady(*v.cluster, st.migration_state().source_node())) {
        act.kind = AgentAction::Kind::kResume;
        act.what = "resume the target (decision, specs and the source's end are durable)";
      }
    }
  }

  const bool changed = previous == nullptr || !SameReport(*previous, report) ||
                       previous->sequence() <= st.reports_requested();
  // Progress is written at most once per kProgressEvery (whatever woke the
  // agent: its own last write does, on the runtime).
  const bool progress =
      role == "Source" && v.domain.job.active &&
      ParseTimestamp(st.progress().updated_timestamp()) + kProgressEvery <= v.now;
  if (changed || progress) {
    VMIM next = m;
    // A report's sequence orders what the two agents observed (rule 4), so
    // only a new observation takes one: progress alone leaves the report
    // as it was. (Re-stamping an unchanged "Running, job Active" made from
    // a poll just before the handover, after the target had reported the
    // copy complete, read as "libvirt resumed the source", and the
    // controller failed a migration whose VM had moved: real QEMU, e2e
    // story outrun.)
    if (changed) {
      report.set_observed_timestamp(Timestamp(v.now));
      report.set_sequence(NewestReportSequence(st) + 1);
      auto* reports = next.mutable_status()->mutable_domain_reports();
      bool replaced = false;
      for (auto& r : *reports) {
        if (r.role() == role) {
          r = report;
          replaced = true;
        }
      }
      if (!replaced) *reports->Add() = report;
    }
    // A new copy's progress starts afresh (its watermark too).
    if (restart) next.mutable_status()->clear_progress();
    if (progress) {
      const ports::JobStats& j = v.domain.job;
      auto* p = next.mutable_status()->mutable_progress();
      // libvirt reports no disk bytes (remaining 0) until the mirrors begin.
      if (j.disk_total > 0 && (p->lowest_disk_remaining_timestamp().empty() ||
                               j.disk_remaining < p->lowest_disk_remaining())) {
        p->set_lowest_disk_remaining(j.disk_remaining);
        p->set_lowest_disk_remaining_timestamp(Timestamp(v.now));
      }
      p->set_disk_total(j.disk_total);
      p->set_disk_processed(j.disk_processed);
      p->set_disk_remaining(j.disk_remaining);
      p->set_disk_bps(j.disk_bps);
      p->set_iteration(j.memory_iteration);
      p->set_updated_timestamp(Timestamp(v.now));
    }
    AgentAction write;
    write.kind = AgentAction::Kind::kWrite;
    write.write = UpdateStatus(
        next, changed ? absl::StrCat(role, " report: domain ", report.domain(),
                                     role == "Source" ? ", job " : "",
                                     role == "Source" ? report.job() : "")
                      : absl::StrCat(role, " progress: ", v.domain.job.disk_remaining, " of ",
                                     v.domain.job.disk_total, " disk bytes left"));
    write.what = write.write.what;
    actions.push_back(std::move(write));
  }
  // Starting is durable before the copy starts, so a crash in between is
  // seen as an attempt (check, then act).
  if (start || act.kind != AgentAction::Kind::kWrite) actions.push_back(std::move(act));
  return actions;
}

}  // namespace ferry::storage_migration
