// The served API's and the controller's speed, as issue 18 measures them
// (bin/bench-api runs this beside wrk, with `ferry serve` and `ferry
// controller` pinned to one core): GETs and writes per second through the
// HTTPS adapter, the latency from a write to its watch event, and from a
// migration's creation to its admission by the controller. Figures are
// printed, never asserted (the machine is shared).
//
//   api_load_benchmark --kubeconfig=PATH [--vms=N] [google benchmark flags]
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "adapters/kube/http_kube_api.h"
#include "adapters/kube/kube_client_config.h"
#include "api/core.pb.h"
#include "api/kubevirt.pb.h"
#include "benchmark/benchmark.h"

namespace ferry {
namespace {

constexpr char kNs[] = "bench";
std::string g_kubeconfig;
int g_vms = 200;

adapters::HttpKubeApi& Api() {
  static adapters::HttpKubeApi* api = [] {
    absl::StatusOr<adapters::KubeClientConfig> config = adapters::LoadKubeconfig(g_kubeconfig, "");
    if (!config.ok()) {
      fprintf(stderr, "api_load_benchmark: %s\n", std::string(config.status().message()).c_str());
      std::exit(2);
    }
    return new adapters::HttpKubeApi(*config);
  }();
  return *api;
}

void Must(const absl::Status& st, const std::string& what) {
  if (!st.ok() && !absl::IsAlreadyExists(st)) {
    fprintf(stderr, "api_load_benchmark: %s: %s\n", what.c_str(), std::string(st.message()).c_str());
    std::exit(1);
  }
}

k8s::PersistentVolumeClaim Pvc(const std::string& name) {
  k8s::PersistentVolumeClaim pvc;
  pvc.set_api_version("v1");
  pvc.set_kind("PersistentVolumeClaim");
  pvc.mutable_metadata()->set_name(name);
  pvc.mutable_metadata()->set_namespace_(kNs);
  pvc.mutable_spec()->add_access_modes("ReadWriteOnce");
  (*pvc.mutable_spec()->mutable_resources()->mutable_requests())["storage"] = "1Gi";
  return pvc;
}

// Two nodes and g_vms running VMIs, each with a source and a destination claim.
void SetUpWorld() {
  adapters::HttpKubeApi& api = Api();
  for (const char* name : {"node-a", "node-b"}) {
    k8s::Node node;
    node.set_api_version("v1");
    node.set_kind("Node");
    node.mutable_metadata()->set_name(name);
    auto created = api.Create(node);
    Must(created.status(), "create node");
    if (created.ok()) {
      auto* ready = node.mutable_status()->add_conditions();
      ready->set_type("Ready");
      ready->set_status("True");
      node.mutable_metadata()->set_resource_version(ports::MetadataOf(**created).resource_version());
      Must(api.UpdateStatus(node).status(), "node status");
    }
  }
  for (int i = 0; i < g_vms; ++i) {
    k8s::PersistentVolumeClaim src = Pvc(absl::StrCat("src-", i));
    auto created = api.Create(src);
    Must(created.status(), "create claim");
    if (created.ok()) {
      src.mutable_metadata()->set_resource_version(ports::MetadataOf(**created).resource_version());
      src.mutable_status()->set_phase("Bound");
      (*src.mutable_status()->mutable_capacity())["storage"] = "1Gi";
      Must(api.UpdateStatus(src).status(), "claim status");
    }
    Must(api.Create(Pvc(absl::StrCat("dst-", i))).status(), "create destination");
    kubevirt::VirtualMachineInstance vmi;
    vmi.set_api_version("kubevirt.io/v1");
    vmi.set_kind("VirtualMachineInstance");
    vmi.mutable_metadata()->set_name(absl::StrCat("vm-", i));
    vmi.mutable_metadata()->set_namespace_(kNs);
    auto* disk = vmi.mutable_spec()->mutable_domain()->mutable_devices()->add_disks();
    disk->set_name("root");
    disk->mutable_disk()->set_bus("virtio");
    auto* volume = vmi.mutable_spec()->add_volumes();
    volume->set_name("root");
    volume->mutable_persistent_volume_claim()->set_claim_name(absl::StrCat("src-", i));
    auto made = api.Create(vmi);
    Must(made.status(), "create VMI");
    if (made.ok()) {
      vmi.mutable_metadata()->set_resource_version(ports::MetadataOf(**made).resource_version());
      vmi.mutable_status()->set_phase("Running");
      vmi.mutable_status()->set_node_name("node-a");
      Must(api.UpdateStatus(vmi).status(), "VMI status");
    }
  }
}

void BM_AdapterGet(benchmark::State& state) {
  adapters::HttpKubeApi& api = Api();
  for (auto _ : state) {
    auto got = api.Get({"PersistentVolumeClaim", kNs, "src-0"});
    if (!got.ok()) state.SkipWithError(std::string(got.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AdapterGet)->MinTime(5)->UseRealTime();

void BM_AdapterCreate(benchmark::State& state) {
  adapters::HttpKubeApi& api = Api();
  static int n = 0;
  for (auto _ : state) {
    k8s::Lease lease;
    lease.set_api_version("coordination.k8s.io/v1");
    lease.set_kind("Lease");
    lease.mutable_metadata()->set_name(absl::StrCat("create-", n++));
    lease.mutable_metadata()->set_namespace_(kNs);
    auto created = api.Create(lease);
    if (!created.ok()) state.SkipWithError(std::string(created.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AdapterCreate)->MinTime(5)->UseRealTime();

// Arrival times of watch events by object name, from a stream on a thread.
class Watcher {
 public:
  // `accept`: whether an event's object is the one awaited.
  Watcher(std::string kind, std::function<bool(const ports::WatchEvent&)> accept)
      : accept_(std::move(accept)) {
    const std::string rv = Api().List(kind, "", {})->resource_version;
    thread_ = std::thread([this, kind, rv] {
      (void)Api().WatchStream(kind, rv, {}, absl::Minutes(10), [this](ports::WatchEvent e) {
        if (accept_(e)) {
          absl::MutexLock lock(&mu_);
          seen_.emplace(ports::MetadataOf(*e.object).name(), absl::Now());
        }
        return !stop_.load();
      }, &stop_);
    });
    absl::SleepFor(absl::Milliseconds(300));  // the stream is open
  }
  ~Watcher() {
    stop_ = true;
    thread_.join();
  }
  // When `name` arrived, waiting up to 10 s; InfiniteFuture if never.
  absl::Time WaitFor(const std::string& name) {
    absl::MutexLock lock(&mu_);
    auto arrived = [&] { return seen_.contains(name); };
    mu_.AwaitWithTimeout(absl::Condition(&arrived), absl::Seconds(10));
    auto it = seen_.find(name);
    return it == seen_.end() ? absl::InfiniteFuture() : it->second;
  }

 private:
  std::function<bool(const ports::WatchEvent&)> accept_;
  absl::Mutex mu_;
  std::map<std::string, absl::Time> seen_;  // first arrival only
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void Percentiles(benchmark::State& state, std::vector<double> ms) {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))]; };
  state.counters["p50_ms"] = at(0.50);
  state.counters["p99_ms"] = at(0.99);
  state.counters["max_ms"] = ms.back();
}

void BM_WatchLatency(benchmark::State& state) {
  Watcher watcher("Lease", [](const ports::WatchEvent& e) {
    return e.type == ports::WatchEventType::kAdded;
  });
  std::vector<double> ms;
  static int n = 0;
  for (auto _ : state) {
    k8s::Lease lease;
    lease.set_api_version("coordination.k8s.io/v1");
    lease.set_kind("Lease");
    const std::string name = absl::StrCat("watched-", n++);
    lease.mutable_metadata()->set_name(name);
    lease.mutable_metadata()->set_namespace_(kNs);
    const absl::Time sent = absl::Now();
    if (!Api().Create(lease).ok()) state.SkipWithError("create failed");
    const absl::Time arrived = watcher.WaitFor(name);
    ms.push_back(absl::ToDoubleMilliseconds(arrived - sent));
  }
  Percentiles(state, ms);
}
BENCHMARK(BM_WatchLatency)->Iterations(1000)->UseRealTime();

void BM_AdmissionLatency(benchmark::State& state) {
  Watcher watcher("VirtualMachineInstanceMigration", [](const ports::WatchEvent& e) {
    auto m = ports::As<kubevirt::VirtualMachineInstanceMigration>(e.object);
    if (m == nullptr) return false;
    for (const auto& c : m->status().conditions()) {
      if (c.type() == "Admitted") return true;  // decided: admitted, waiting or refused
    }
    return false;
  });
  std::vector<double> ms;
  int i = 0, refused = 0;
  for (auto _ : state) {
    kubevirt::VirtualMachineInstanceMigration m;
    m.set_api_version("kubevirt.io/v1");
    m.set_kind("VirtualMachineInstanceMigration");
    const std::string name = absl::StrCat("mig-", i);
    m.mutable_metadata()->set_name(name);
    m.mutable_metadata()->set_namespace_(kNs);
    m.mutable_spec()->set_vmi_name(absl::StrCat("vm-", i));
    auto* pair = m.mutable_spec()->mutable_local_storage_migration()->add_migrate_non_shared_disks();
    pair->set_source_pvc(absl::StrCat("src-", i));
    pair->set_destination_pvc(absl::StrCat("dst-", i));
    ++i;
    const absl::Time sent = absl::Now();
    if (!Api().Create(m).ok()) state.SkipWithError("create failed");
    const absl::Time decided = watcher.WaitFor(name);
    if (decided == absl::InfiniteFuture()) {
      state.SkipWithError(absl::StrCat(name, " was never admitted: is `ferry controller` running?").c_str());
      break;
    }
    ms.push_back(absl::ToDoubleMilliseconds(decided - sent));
    auto got = Api().Get({"VirtualMachineInstanceMigration", kNs, name});
    if (got.ok()) {
      for (const auto& c : ports::As<kubevirt::VirtualMachineInstanceMigration>(*got)->status().conditions()) {
        if (c.type() == "Admitted" && c.status() != "True") ++refused;
      }
    }
  }
  state.counters["not_admitted"] = refused;
  Percentiles(state, ms);
}

}  // namespace
}  // namespace ferry

int main(int argc, char** argv) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (absl::StartsWith(arg, "--kubeconfig=")) {
      ferry::g_kubeconfig = arg.substr(13);
    } else if (absl::StartsWith(arg, "--vms=")) {
      ferry::g_vms = std::atoi(arg.substr(6).c_str());
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (ferry::g_kubeconfig.empty()) {
    fprintf(stderr, "usage: api_load_benchmark --kubeconfig=PATH [--vms=N] (bin/bench-api runs it)\n");
    return 2;
  }
  fprintf(stderr, "api_load_benchmark: creating %d running VMIs and their claims\n", ferry::g_vms);
  ferry::SetUpWorld();
  benchmark::RegisterBenchmark("BM_AdmissionLatency", ferry::BM_AdmissionLatency)
      ->Iterations(ferry::g_vms)
      ->UseRealTime();
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
