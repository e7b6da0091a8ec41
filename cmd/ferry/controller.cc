#include "cmd/ferry/controller.h"

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "api/kubevirt.pb.h"
#include "cmd/ferry/runtime_process.h"
#include "core/storage_migration/controller_reconciler.h"
#include "core/storage_migration/volume_update_reconciler.h"
#include "core/storage_migration/events_reconciler.h"

namespace ferry::cli {
namespace {

constexpr char kVmim[] = "VirtualMachineInstanceMigration";

// KubeVirt's migration metrics, from the migrations the controller holds.
void PublishMigrations(const std::vector<const runtime::Manager*>& managers,
                       adapters::Metrics& metrics) {
  static const char* const kGauges[] = {
      "kubevirt_vmi_migration_data_total_bytes", "kubevirt_vmi_migration_data_processed_bytes",
      "kubevirt_vmi_migration_data_remaining_bytes", "kubevirt_vmi_migration_disk_transfer_rate_bytes",
      "kubevirt_vmi_migrations_in_phase"};
  for (const char* name : kGauges) metrics.Clear(name);
  const runtime::Manager& controller = *managers.front();
  std::map<std::string, int> phases = {{"Pending", 0},   {"Scheduling", 0}, {"Scheduled", 0},
                                       {"PreparingTarget", 0}, {"TargetReady", 0},
                                       {"Running", 0},   {"Succeeded", 0},  {"Failed", 0}};
  for (const auto& [key, object] : controller.cache().informer(kVmim).objects()) {
    auto m = ports::As<kubevirt::VirtualMachineInstanceMigration>(object);
    if (m == nullptr) continue;
    const std::string phase = m->status().phase().empty() ? "Pending" : m->status().phase();
    ++phases[phase];
    if (phase == "Succeeded" || phase == "Failed" || !m->status().has_progress()) continue;
    const kubevirt::MigrationProgress& p = m->status().progress();
    const adapters::Metrics::Labels labels = {{"namespace", key.namespace_},
                                              {"name", m->spec().vmi_name()},
                                              {"migration", key.name}};
    metrics.Set("kubevirt_vmi_migration_data_total_bytes", labels, static_cast<double>(p.disk_total()));
    metrics.Set("kubevirt_vmi_migration_data_processed_bytes", labels,
                static_cast<double>(p.disk_total() - p.disk_remaining()));
    metrics.Set("kubevirt_vmi_migration_data_remaining_bytes", labels,
                static_cast<double>(p.disk_remaining()));
    metrics.Set("kubevirt_vmi_migration_disk_transfer_rate_bytes", labels,
                static_cast<double>(p.disk_bps()));
  }
  for (const auto& [phase, n] : phases) {
    metrics.Set("kubevirt_vmi_migrations_in_phase", {{"phase", phase}}, n);
  }
}

}  // namespace

int RunControllerCommand(const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err) {
  ProcessFlags flags;
  storage_migration::ControllerOptions options;
  std::string error;
  for (size_t i = 0; i < args.size(); ++i) {
    if (ParseProcessFlag(args, &i, &flags, &error)) continue;
    if (error.empty() &&
        ParseDurationFlag(args, &i, "--progress-timeout", &options.progress_timeout, &error)) {
      continue;
    }
    if (error.empty()) error = absl::StrCat("unknown option \"", args[i], "\"");
    err << "ferry controller: " << error << "\n(see: ferry help)\n";
    return 2;
  }
  ProcessSpec spec;
  spec.name = "controller";
  spec.default_lease = "ferry-controller";
  spec.reconcilers = [options](const std::string& identity) {
    std::vector<std::unique_ptr<runtime::Reconciler>> r;
    r.push_back(std::make_unique<storage_migration::ControllerReconciler>(options));
    r.push_back(std::make_unique<storage_migration::VolumeUpdateReconciler>());
    r.push_back(std::make_unique<storage_migration::MigrationEventsReconciler>(
        storage_migration::MigrationEventsReconciler::Options{
            .component = "ferry-controller",
            .instance = identity,
            // The API server keeps Events an hour: older ones were told.
            .not_before = absl::Now() - absl::Minutes(55)}));
    return r;
  };
  // Streams push every change and wake the loop; the periodic sync only
  // takes what the streams queued (no request), and opens a stream again
  // after a relist.
  spec.manager.watch_period = absl::Seconds(1);
  spec.manager.queue = {.base_delay = absl::Milliseconds(100), .max_delay = absl::Minutes(5)};
  spec.publish = PublishMigrations;
  return RunRuntimeProcess(spec, flags, out, err);
}

}  // namespace ferry::cli
