#include "cmd/ferry/lun_controller.h"

#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/ovirt/http_ovirt.h"
#include "adapters/ovirt/ovirt_client_config.h"
#include "api/core.pb.h"
#include "api/forklift.pb.h"
#include "api/names.h"
#include "cmd/ferry/runtime_process.h"
#include "core/lun_migration/events_reconciler.h"
#include "core/lun_migration/plan_reconciler.h"

namespace ferry::cli {
namespace {

struct ProviderKey {
  std::string namespace_;
  std::string name;
};

// The engine of `provider`: its Provider and Secret read now, the engine
// asked for its version (so a wrong URL, CA or password shows at start).
absl::StatusOr<std::unique_ptr<ports::Ovirt>> EngineOf(
    const ProviderKey& key, ports::KubeApi& api, std::function<void(const std::string&)> warn) {
  const std::string where = absl::StrCat("Provider ", key.namespace_, "/", key.name);
  absl::StatusOr<ports::ObjectPtr> p = api.Get({"Provider", key.namespace_, key.name});
  if (!p.ok()) {
    return absl::Status(p.status().code(), absl::StrCat(where, ": ", p.status().message()));
  }
  auto provider = ports::As<forklift::Provider>(*p);
  const k8s::ObjectReference& ref = provider->spec().secret();
  if (ref.name().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": spec.secret names no Secret (with user, password, cacert)"));
  }
  const std::string secret_ns = ref.namespace_().empty() ? key.namespace_ : ref.namespace_();
  absl::StatusOr<ports::ObjectPtr> s = api.Get({"Secret", secret_ns, ref.name()});
  if (!s.ok()) {
    return absl::Status(s.status().code(), absl::StrCat(where, ": its Secret ", secret_ns, "/",
                                                        ref.name(), ": ", s.status().message()));
  }
  absl::StatusOr<adapters::OvirtClientConfig> config =
      adapters::OvirtConfigOf(*provider, *ports::As<k8s::Secret>(*s));
  if (!config.ok()) return config.status();
  auto engine = std::make_unique<adapters::HttpOvirt>(
      *config, adapters::HttpOvirt::Options{.warn = std::move(warn)});
  absl::StatusOr<ovirt::Version> version = engine->EngineVersion();
  if (!version.ok()) {
    return absl::Status(
        version.status().code(),
        absl::StrCat(where, ": the engine at ", config->url,
                     " does not answer as it should: ", version.status().message()));
  }
  return std::unique_ptr<ports::Ovirt>(std::move(engine));
}

// How many VMs of the held Migrations are in each phase.
void PublishLunMigrations(const std::vector<const runtime::Manager*>& managers,
                          adapters::Metrics& metrics) {
  metrics.Clear("ferry_lun_migration_vms");
  std::map<std::string, int> phases;
  for (const auto& [key, object] : managers.front()->cache().informer("Migration").objects()) {
    auto m = ports::As<forklift::Migration>(object);
    if (m == nullptr) continue;
    for (const forklift::VMStatus& vm : m->status().vms()) {
      ++phases[vm.phase().empty() ? "Pending" : vm.phase()];
    }
  }
  for (const auto& [phase, n] : phases) {
    metrics.Set("ferry_lun_migration_vms", {{"phase", phase}}, n);
  }
}

}  // namespace

int RunLunControllerCommand(const std::vector<std::string>& args, std::ostream& out,
                            std::ostream& err) {
  ProcessFlags flags;
  std::string provider, error;
  lun_migration::LunPlanOptions plan;
  for (size_t i = 0; i < args.size(); ++i) {
    if (ParseProcessFlag(args, &i, &flags, &error)) continue;
    if (error.empty() && args[i] == "--provider" && i + 1 < args.size()) {
      provider = args[++i];
      continue;
    }
    bool timeout = false;
    for (const auto& [name, d] : {std::pair{"--power-off-timeout", &plan.power_off_timeout},
                                  std::pair{"--bind-timeout", &plan.bind_timeout},
                                  std::pair{"--copy-timeout", &plan.copy_timeout}}) {
      if (error.empty()) timeout = timeout || ParseDurationFlag(args, &i, name, d, &error);
    }
    if (timeout) continue;
    if (error.empty()) {
      error = args[i] == "--provider" ? "--provider needs a value"
                                      : absl::StrCat("unknown option \"", args[i], "\"");
    }
    err << "ferry lun-controller: " << error << "\n(see: ferry help)\n";
    return 2;
  }
  const std::vector<std::string> parts = absl::StrSplit(provider, '/');
  if (parts.size() != 2 || !api::IsDns1123Label(parts[0]).empty() ||
      !api::IsDns1123Subdomain(parts[1]).empty()) {
    err << "ferry lun-controller: --provider NAMESPACE/NAME is required: the Forklift Provider "
           "(type ovirt) whose engine this controller drives"
        << (provider.empty() ? "" : absl::StrCat("; \"", provider, "\" is not one")) << "\n";
    return 2;
  }
  const ProviderKey key{parts[0], parts[1]};
  ProcessSpec spec;
  spec.name = "lun-controller";
  spec.default_lease = "ferry-lun-controller";
  spec.ovirt = [key](ports::KubeApi& api, std::function<void(const std::string&)> warn) {
    return EngineOf(key, api, std::move(warn));
  };
  plan.source_provider = absl::StrCat(key.namespace_, "/", key.name);
  spec.reconcilers = [plan](const std::string& identity) {
    std::vector<std::unique_ptr<runtime::Reconciler>> r;
    r.push_back(std::make_unique<lun_migration::LunPlanReconciler>(plan));
    lun_migration::LunEventsReconciler::Options events{
        .component = "ferry-lun-controller",
        .instance = identity,
        // The API server keeps Events an hour: older ones were told.
        .not_before = absl::Now() - absl::Minutes(55)};
    events.source_provider = plan.source_provider;
    r.push_back(std::make_unique<lun_migration::LunEventsReconciler>(events));
    return r;
  };
  spec.manager.watch_period = absl::Seconds(1);
  spec.manager.queue = {.base_delay = absl::Milliseconds(100), .max_delay = absl::Minutes(5)};
  spec.publish = PublishLunMigrations;
  return RunRuntimeProcess(spec, flags, out, err);
}

}  // namespace ferry::cli
