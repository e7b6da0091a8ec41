#include "cmd/ferry/runtime_process.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "adapters/kube/http_kube_api.h"
#include "adapters/kube/kube_client_config.h"
#include "adapters/kube/streaming_kube_api.h"
#include "adapters/runtime/event_loop.h"
#include "adapters/runtime/health_server.h"
#include "adapters/runtime/instrumented_kube_api.h"
#include "adapters/runtime/json_log.h"
#include "cmd/ferry/served_api.h"
#include "core/runtime/executor.h"
#include "core/runtime/leader_election.h"

namespace ferry::cli {

namespace {

std::string DefaultIdentity() {
  char host[256] = "";
  gethostname(host, sizeof(host) - 1);
  std::random_device random;
  return absl::StrFormat("%s_%08x", host[0] != '\0' ? host : "ferry", random());
}

absl::StatusOr<adapters::KubeClientConfig> FindConfig(const ProcessFlags& flags) {
  std::string path = flags.kubeconfig;
  if (path.empty()) {
    if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') path = env;
  }
  absl::StatusOr<adapters::KubeClientConfig> config;
  if (path.empty() && std::getenv("KUBERNETES_SERVICE_HOST") != nullptr) {
    config = adapters::InClusterConfig();
  } else {
    if (path.empty()) {
      const char* home = std::getenv("HOME");
      path = absl::StrCat(home != nullptr ? home : "", "/.kube/config");
    }
    config = adapters::LoadKubeconfig(path, flags.context);
  }
  if (config.ok() && flags.insecure_skip_tls_verify) config->insecure_skip_tls_verify = true;
  return config;
}

}  // namespace

bool ParseDurationFlag(const std::vector<std::string>& args, size_t* i, absl::string_view name,
                       absl::Duration* d, std::string* error) {
  error->clear();
  if (args[*i] != name) return false;
  absl::Duration parsed;
  if (*i + 1 >= args.size()) {
    *error = absl::StrCat(name, " needs a value");
  } else if (!absl::ParseDuration(args[*i + 1], &parsed) || parsed < absl::Seconds(1) ||
             parsed > absl::Hours(24 * 7)) {
    *error = absl::StrCat(name, ": \"", args[*i + 1],
                          "\" is not a duration from 1s to 168h (e.g. 150s, 2m30s)");
  } else {
    *d = parsed;
    ++*i;
    return true;
  }
  return false;
}

bool ParseProcessFlag(const std::vector<std::string>& args, size_t* i, ProcessFlags* flags,
                      std::string* error) {
  error->clear();
  const std::string& arg = args[*i];
  if (arg == "--insecure-skip-tls-verify") {
    flags->insecure_skip_tls_verify = true;
    return true;
  }
  const bool takes_value = arg == "--kubeconfig" || arg == "--context" ||
                           arg == "--health-address" || arg == "--health-port" ||
                           arg == "--leader-elect" || arg == "--lease-namespace" ||
                           arg == "--lease-name" || arg == "--identity" || arg == "--log-format";
  if (!takes_value) return false;
  if (*i + 1 >= args.size()) {
    *error = absl::StrCat(arg, " needs a value");
    return false;
  }
  const std::string& v = args[++*i];
  if (arg == "--kubeconfig") {
    flags->kubeconfig = v;
  } else if (arg == "--context") {
    flags->context = v;
  } else if (arg == "--health-address") {
    flags->health_address = v;
  } else if (arg == "--health-port") {
    if (!absl::SimpleAtoi(v, &flags->health_port) || flags->health_port < 0 ||
        flags->health_port > 65535) {
      *error = absl::StrCat("--health-port: \"", v, "\" is not a port (0 to 65535; 0 picks one)");
      return false;
    }
  } else if (arg == "--leader-elect") {
    if (v != "true" && v != "false") {
      *error = absl::StrCat("--leader-elect: \"", v, "\" is neither true nor false");
      return false;
    }
    flags->leader_elect = v == "true";
  } else if (arg == "--lease-namespace") {
    flags->lease_namespace = v;
  } else if (arg == "--lease-name") {
    flags->lease_name = v;
  } else if (arg == "--identity") {
    flags->identity = v;
  } else if (arg == "--log-format") {
    if (v != "json" && v != "text") {
      *error = absl::StrCat("--log-format: \"", v, "\" is neither json nor text");
      return false;
    }
    flags->json_logs = v == "json";
  }
  return true;
}

int RunRuntimeProcess(const ProcessSpec& spec, const ProcessFlags& flags, std::ostream& out,
                      std::ostream& err) {
  const std::string prefix = absl::StrCat("ferry ", spec.name, ": ");
  absl::StatusOr<adapters::KubeClientConfig> config = FindConfig(flags);
  if (!config.ok()) {
    err << prefix << config.status().message()
        << "\n(give --kubeconfig PATH, set KUBECONFIG, or run in a pod with a service account)\n";
    return 1;
  }
  const sigset_t stop_signals = BlockStopSignals();

  const std::string identity = flags.identity.empty() ? DefaultIdentity() : flags.identity;
  adapters::JsonLog log(err, flags.json_logs ? adapters::JsonLog::Format::kJson
                                             : adapters::JsonLog::Format::kText,
                        spec.name);
  adapters::Metrics metrics;
  metrics.Describe("ferry_leader", "gauge", "1 while this process holds its Lease.");
  metrics.Describe("ferry_reconciles_total", "counter", "Reconciles run, by reconciler.");
  metrics.Describe("ferry_effects_total", "counter", "Effects carried out, by result.");
  metrics.Describe("ferry_work_queue_depth", "gauge", "Keys ready to reconcile, by reconciler.");
  metrics.Describe("ferry_informer_syncs_total", "counter", "Informer syncs, by result.");
  metrics.Describe("ferry_watch_connects_total", "counter", "Watch streams opened (reconnects too).");

  adapters::EventLoop loop;
  adapters::HttpKubeApi http(*config, {.warn = [&log](const std::string& w) { log.Warn(w); }});
  // The Lease's calls; each manager has its own streams (one consumer per
  // kind and selector: two informers of a kind each need theirs).
  adapters::InstrumentedKubeApi api(http, metrics);
  // One reconciler and what runs it; members are destroyed in reverse, the
  // manager before the ports it uses.
  struct Worker {
    std::unique_ptr<runtime::Reconciler> reconciler;
    std::unique_ptr<adapters::StreamingKubeApi> streams;
    std::unique_ptr<adapters::InstrumentedKubeApi> api;
    std::unique_ptr<runtime::Executor> executor;
    std::unique_ptr<runtime::Manager> manager;
  };
  std::vector<Worker> workers;  // the loop's thread only
  std::atomic<bool> wake_pending{false};
  auto on_event = [&] {
    if (wake_pending.exchange(true)) return;
    loop.After(absl::ZeroDuration(), "watch events", [&] {
      wake_pending = false;
      for (Worker& w : workers) w.manager->SyncSoon();
    });
  };
  std::unique_ptr<ports::Ovirt> engine;  // spec.ovirt's, made once
  std::string engine_problem;            // why it is not made yet (the loop's thread)
  std::function<void()> start_managers = [&] {
    if (spec.ovirt && engine == nullptr) {
      absl::StatusOr<std::unique_ptr<ports::Ovirt>> made =
          spec.ovirt(api, [&log](const std::string& w) { log.Warn(w); });
      if (!made.ok()) {
        engine_problem = std::string(made.status().message());
        log.Warn("no oVirt engine yet; trying again in 5 s", {{"error", engine_problem}});
        loop.After(absl::Seconds(5), "engine", start_managers);
        return;
      }
      engine = *std::move(made);
      engine_problem.clear();
      log.Info("oVirt engine reached");
    }
    for (auto& reconciler : spec.reconcilers(identity)) {
      runtime::Manager::Options options = spec.manager;
      options.trace = [&log](const std::string& line) { log.Info("reconcile", {{"line", line}}); };
      options.effect_done = [&log, &metrics](const runtime::Effect& effect, const absl::Status& st) {
        metrics.Add("ferry_effects_total", {{"result", st.ok() ? "ok" : "error"}}, 1);
        if (st.ok()) {
          log.Info("effect", {{"effect", runtime::Describe(effect)}, {"result", "ok"}});
        } else {
          log.Warn("effect", {{"effect", runtime::Describe(effect)},
                              {"result", std::string(absl::StatusCodeToString(st.code()))},
                              {"error", std::string(st.message())}});
        }
      };
      Worker& w = workers.emplace_back();
      w.reconciler = std::move(reconciler);
      w.streams = std::make_unique<adapters::StreamingKubeApi>(
          http, adapters::StreamingKubeApi::Options{.on_event = on_event});
      w.api = std::make_unique<adapters::InstrumentedKubeApi>(*w.streams, metrics);
      w.executor = std::make_unique<runtime::Executor>(
          runtime::Executor::Ports{
              .kube = w.api.get(), .hypervisor = spec.hypervisor, .ovirt = engine.get()});
      w.manager = std::make_unique<runtime::Manager>(*w.reconciler, *w.api, *w.executor, loop,
                                                     options);
      w.manager->Start();
      // Right after the first list: the watch that opens the streams.
      w.manager->SyncSoon();
    }
    log.Info("started", {{"reconcilers", absl::StrCat(workers.size())}});
  };

  std::atomic<bool> lost{false};
  const bool elect = flags.leader_elect && !spec.default_lease.empty();
  runtime::LeaderElector::Options lease_options{
      .lease = {"Lease", flags.lease_namespace,
                flags.lease_name.empty() ? spec.default_lease : flags.lease_name},
      .identity = identity,
      .log = [&log](const std::string& line) { log.Info(line); },
      .clock = [] {
        return absl::FromUnixNanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::steady_clock::now().time_since_epoch())
                                       .count());
      }};
  if (absl::Status st = runtime::LeaderElector::Validate(lease_options); elect && !st.ok()) {
    err << prefix << st.message() << "\n";
    return 2;
  }
  runtime::LeaderElector elector(api, loop, lease_options,
                                 {.started = start_managers, .stopped = [&] {
                                    lost = true;
                                    log.Error("lost the Lease: stopping so that another may lead");
                                    loop.Stop();
                                  }});

  // Health: the loop turns (a beat a second); ready once it leads and every
  // manager's informers synced.
  std::atomic<int64_t> last_beat{absl::ToUnixMillis(absl::Now())};
  absl::Mutex ready_mu;
  std::string not_ready = "starting";
  std::function<void()> beat = [&] {
    last_beat = absl::ToUnixMillis(absl::Now());
    const bool leading = !elect || elector.leading();
    metrics.Set("ferry_leader", {}, leading ? 1 : 0);
    int64_t connects = 0;
    for (const Worker& w : workers) connects += w.streams->connects();
    metrics.Set("ferry_watch_connects_total", {}, static_cast<double>(connects));
    std::string why;
    if (!leading) why = "not leading (another replica holds the Lease, or none yet)";
    std::vector<const runtime::Manager*> views;
    for (size_t i = 0; i < workers.size(); ++i) {
      const runtime::Manager& m = *workers[i].manager;
      views.push_back(&m);
      const std::map<std::string, std::string> labels = {{"reconciler", absl::StrCat(i)}};
      metrics.Set("ferry_reconciles_total", labels, static_cast<double>(m.stats().reconciles));
      metrics.Set("ferry_work_queue_depth", labels, static_cast<double>(m.queue().ready()));
      metrics.Set("ferry_informer_syncs_total", {{"reconciler", absl::StrCat(i)}, {"result", "ok"}},
                  static_cast<double>(m.stats().syncs - m.stats().failed_syncs));
      metrics.Set("ferry_informer_syncs_total", {{"reconciler", absl::StrCat(i)}, {"result", "error"}},
                  static_cast<double>(m.stats().failed_syncs));
      if (why.empty() && m.stats().syncs == m.stats().failed_syncs) why = "informers not synced yet";
    }
    if (why.empty() && workers.empty()) why = engine_problem.empty() ? "starting" : engine_problem;
    if (leading && spec.publish && !workers.empty()) spec.publish(views, metrics);
    {
      absl::MutexLock lock(&ready_mu);
      not_ready = why;
    }
    loop.After(absl::Seconds(1), "beat", beat);
  };
  adapters::HealthServer health(
      metrics, {.address = flags.health_address,
                .port = flags.health_port,
                .healthy =
                    [&] {
                      const int64_t since = absl::ToUnixMillis(absl::Now()) - last_beat.load();
                      // Longer than any one call may take (30 s HTTP timeout).
                      return since < 60'000 ? std::string()
                                            : absl::StrCat("the event loop has not turned for ",
                                                           since / 1000, " s");
                    },
                .ready =
                    [&] {
                      absl::MutexLock lock(&ready_mu);
                      return not_ready;
                    }});
  if (absl::Status st = health.Start(); !st.ok()) {
    err << prefix << st.message() << " (choose another --health-address or --health-port)\n";
    return 1;
  }
  out << prefix << "API " << config->server << ", identity " << identity << ", health and metrics at http://"
      << flags.health_address << ":" << health.port() << " (/healthz /readyz /metrics)"
      << (elect ? absl::StrCat(", leader election on Lease ", lease_options.lease.namespace_, "/",
                               lease_options.lease.name)
                : ", no leader election")
      << "\n";
  out.flush();

  std::atomic<bool> done{false};
  std::thread signals([&] {
    const timespec tick{.tv_sec = 0, .tv_nsec = 200'000'000};
    while (!done) {
      const int signal_number = sigtimedwait(&stop_signals, nullptr, &tick);
      if (signal_number < 0) continue;
      log.Info("stopping", {{"signal", absl::StrCat(signal_number)}});
      loop.After(absl::ZeroDuration(), "shutdown", [&] {
        if (elect) {
          if (absl::Status st = elector.Release(); !st.ok()) {
            log.Warn("could not release the Lease; another replica waits it out",
                     {{"error", std::string(st.message())}});
          }
        }
        loop.Stop();
      });
      // A second signal while the step under way is stuck: out at once (the
      // Lease then expires in its own time).
      while (!done) {
        if (sigtimedwait(&stop_signals, nullptr, &tick) >= 0) {
          log.Error("second signal: exiting without waiting for the step under way");
          std::_Exit(1);
        }
      }
      return;
    }
  });

  loop.After(absl::ZeroDuration(), "beat", beat);
  if (elect) {
    elector.Start();
  } else {
    loop.After(absl::ZeroDuration(), "start", start_managers);
  }
  loop.Run();
  done = true;
  signals.join();
  health.Stop();
  for (Worker& w : workers) w.streams->Cancel();  // all at once, then wait for each
  workers.clear();
  log.Info("stopped", {{"lost_lease", lost ? "true" : "false"}});
  return lost ? 1 : 0;
}

}  // namespace ferry::cli
