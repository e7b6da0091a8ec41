// A production process of Ferry: reconcilers on the runtime (the
// Manager, core/runtime/manager.h) over the real adapters, on one event
// loop (adapters/runtime/event_loop.h): the Kubernetes API over HTTPS with
// streaming watches, leader election by Lease, /healthz, /readyz and
// /metrics, JSON logs (a line per effect and per reconcile that acted),
// and a graceful stop on SIGTERM or SIGINT: the loop stops between two
// steps, the Lease is released, every stream is closed.
//
// The API is found as kubectl finds it: --kubeconfig, else $KUBECONFIG,
// else the in-cluster service account (when KUBERNETES_SERVICE_HOST is
// set), else ~/.kube/config. TLS is verified unless
// --insecure-skip-tls-verify (then a warning is logged).
//
// Exit codes: 0 stopped by a signal; 1 it could not start, or lost its
// Lease (it stops acting before another may take over); 2 usage error.
#ifndef FERRY_CMD_FERRY_RUNTIME_PROCESS_H_
#define FERRY_CMD_FERRY_RUNTIME_PROCESS_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "adapters/runtime/metrics.h"
#include "core/ports/hypervisor.h"
#include "core/ports/kube_api.h"
#include "core/ports/ovirt.h"
#include "core/runtime/manager.h"
#include "core/runtime/reconciler.h"

namespace ferry::cli {

struct ProcessFlags {
  std::string kubeconfig;  // "": $KUBECONFIG, in-cluster, ~/.kube/config
  std::string context;     // "": the kubeconfig's current context
  bool insecure_skip_tls_verify = false;
  std::string health_address = "127.0.0.1";
  int health_port = 8081;  // 0: any free port (printed at start)
  bool leader_elect = true;
  std::string lease_namespace = "ferry-system";
  std::string lease_name;  // "": the process's default
  std::string identity;    // "": host name and a random suffix
  bool json_logs = true;   // --log-format json|text
};

// Parses the flag at args[*i] (moving *i past its value). False when it is
// not one of them (*error empty) or its value is bad (*error says why).
bool ParseProcessFlag(const std::vector<std::string>& args, size_t* i, ProcessFlags* flags,
                      std::string* error);

// Parses args[*i] when it is `name` (moving *i past its value) into *d: a
// duration from 1s to 168h. False when it is another flag (*error empty)
// or its value is bad (*error says why).
//
//   if (ParseDurationFlag(args, &i, "--bind-timeout", &options.bind_timeout, &error)) continue;
bool ParseDurationFlag(const std::vector<std::string>& args, size_t* i, absl::string_view name,
                       absl::Duration* d, std::string* error);

struct ProcessSpec {
  std::string name;           // "controller": the logger and the metrics' process label
  std::string default_lease;  // the Lease's name; "" : no leader election (one per node)
  // What it runs, made when it starts leading (or at once without election).
  std::function<std::vector<std::unique_ptr<runtime::Reconciler>>(const std::string& identity)>
      reconcilers;
  runtime::Manager::Options manager;
  // The node's libvirt, for an agent (used on the loop's thread only).
  ports::Hypervisor* hypervisor = nullptr;
  // The oVirt engine the reconcilers drive (the LUN controller's, found
  // through its Provider), made with the process's API client when it
  // starts leading and before any reconciler runs. While it fails (no
  // Provider yet, the engine unreachable) the error is logged, /readyz
  // says it, and it is tried again every 5 s.
  // `warn` logs a warning (an engine whose TLS is not verified).
  std::function<absl::StatusOr<std::unique_ptr<ports::Ovirt>>(
      ports::KubeApi& api, std::function<void(const std::string&)> warn)>
      ovirt;
  // Called every second on the loop while it leads: gauges from the caches.
  std::function<void(const std::vector<const runtime::Manager*>&, adapters::Metrics&)> publish;
};

int RunRuntimeProcess(const ProcessSpec& spec, const ProcessFlags& flags, std::ostream& out,
                      std::ostream& err);

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_RUNTIME_PROCESS_H_
