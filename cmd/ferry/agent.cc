#include "cmd/ferry/agent.h"

#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "adapters/libvirt/libvirt_hypervisor.h"
#include "api/names.h"
#include "cmd/ferry/runtime_process.h"
#include "core/storage_migration/agent_reconciler.h"

namespace ferry::cli {

int RunAgentCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ProcessFlags flags;
  flags.leader_elect = false;  // one agent per node
  std::string node, uri = "qemu:///system", bandwidth = "0", error;
  int64_t bandwidth_mib_per_s = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    if (ParseProcessFlag(args, &i, &flags, &error)) continue;
    const bool valued = args[i] == "--node" || args[i] == "--libvirt" ||
                        args[i] == "--bandwidth-mib-per-s";
    if (error.empty() && valued && i + 1 < args.size()) {
      (args[i] == "--node" ? node : args[i] == "--libvirt" ? uri : bandwidth) = args[i + 1];
      ++i;
      if (args[i - 1] == "--bandwidth-mib-per-s" &&
          !(absl::SimpleAtoi(bandwidth, &bandwidth_mib_per_s) && bandwidth_mib_per_s >= 0 &&
            bandwidth_mib_per_s <= 1'000'000)) {
        error = absl::StrCat("--bandwidth-mib-per-s: \"", bandwidth,
                             "\" is not a whole number of MiB/s from 0 (unlimited) to 1000000");
      } else {
        continue;
      }
    }
    if (error.empty()) {
      error = valued ? absl::StrCat(args[i], " needs a value")
                     : absl::StrCat("unknown option \"", args[i], "\"");
    }
    err << "ferry agent: " << error << "\n(see: ferry help)\n";
    return 2;
  }
  if (node.empty()) {
    err << "ferry agent: --node NAME is required (the Kubernetes node this agent serves; in a "
           "DaemonSet, the downward API's spec.nodeName)\n";
    return 2;
  }
  if (std::vector<std::string> problems = api::IsDns1123Subdomain(node); !problems.empty()) {
    err << "ferry agent: --node: \"" << node << "\" is not a node name: " << problems.front()
        << "\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<adapters::LibvirtHypervisor>> libvirt =
      adapters::LibvirtHypervisor::Open(uri);
  if (!libvirt.ok()) {
    err << "ferry agent: cannot connect to libvirt at " << uri << ": " << libvirt.status().message()
        << "\n(is libvirtd running on this node? choose another with --libvirt URI)\n";
    return 1;
  }
  ProcessSpec spec;
  spec.name = absl::StrCat("agent/", node);
  spec.reconcilers = [node, bandwidth_mib_per_s](const std::string&) {
    std::vector<std::unique_ptr<runtime::Reconciler>> r;
    r.push_back(std::make_unique<storage_migration::AgentReconciler>(node, absl::Seconds(1),
                                                                     bandwidth_mib_per_s));
    return r;
  };
  spec.manager.watch_period = absl::Seconds(1);
  spec.manager.queue = {.base_delay = absl::Milliseconds(100), .max_delay = absl::Minutes(5)};
  spec.hypervisor = libvirt->get();
  return RunRuntimeProcess(spec, flags, out, err);
}

}  // namespace ferry::cli
