#include "cmd/ferry/up.h"

#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "cmd/ferry/real_luns.h"
#include "cmd/ferry/real_vms.h"
#include "cmd/ferry/served_api.h"
#include "cmd/ferry/served_ovirt.h"
#include "cmd/ferry/up_faults.h"
#include "sim/live_world.h"
#include "sim/scenario_loader.h"
#include "sim/world.h"
#include "sim/world_builder.h"

namespace ferry::cli {
namespace {

// Two nodes and the storage classes of the storage scenarios
// (scenarios/storage/world/storage-classes.yaml).
constexpr char kDefaultWorld[] = R"pb(
  name: "ferry-up"
  world {
    node: "node-a"
    node: "node-b"
    manifest: "apiVersion: storage.k8s.io/v1\n"
              "kind: StorageClass\n"
              "metadata:\n"
              "  name: local\n"
              "  annotations: {storageclass.kubernetes.io/is-default-class: \"true\"}\n"
              "provisioner: rancher.io/local-path\n"
              "volumeBindingMode: WaitForFirstConsumer\n"
              "reclaimPolicy: Delete\n"
              "---\n"
              "apiVersion: storage.k8s.io/v1\n"
              "kind: StorageClass\n"
              "metadata: {name: fast}\n"
              "provisioner: topolvm.io\n"
              "volumeBindingMode: WaitForFirstConsumer\n"
              "reclaimPolicy: Delete\n"
              "---\n"
              "apiVersion: storage.k8s.io/v1\n"
              "kind: StorageClass\n"
              "metadata: {name: manual}\n"
              "provisioner: kubernetes.io/no-provisioner\n"
              "volumeBindingMode: WaitForFirstConsumer\n"
  }
)pb";

// The processes that can run outside the world: the agents drive its
// simulated libvirt hosts, which nothing serves over the wire.
const std::set<std::string>& Outsiders() {
  static const auto* names = new std::set<std::string>{"controller", "lun-controller"};
  return *names;
}

struct Args {
  ServeFlags serve;
  std::string world;
  std::set<std::string> outside;
  double speed = 1;
  double guest_write_mib_per_s = 10;
  double link_mib_per_s = 0;  // 0: the world's
  bool trace = false;
  // --libvirt NODE=URI: real nodes, their VMs booting this guest.
  std::map<std::string, std::string> libvirt;
  std::string guest_kernel, guest_initrd;
  // --qemu-default-malloc: the real VMs' QEMUs with glibc's own malloc
  // thresholds (RealVms), to measure what the tuning buys.
  bool qemu_default_malloc = false;
  // --real-iscsi DIR: pods and oVirt VMs log in to their iSCSI LUNs for real
  // (RealLuns), their QEMU initiators' files under DIR.
  std::string real_iscsi;
  // --container-image IMAGE=PATH: the raw file a containerDisk image is on
  // the real nodes.
  std::map<std::string, std::string> container_images;
};

bool Parse(const std::vector<std::string>& args, Args* a, std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (ParseServeFlag(args, &i, &a->serve, error)) continue;
    if (!error->empty()) return false;
    const std::string& arg = args[i];
    if (arg == "--trace") {
      a->trace = true;
      continue;
    }
    if (arg == "--qemu-default-malloc") {
      a->qemu_default_malloc = true;
      continue;
    }
    static const auto* kValued = new std::set<std::string>{
        "--world",           "--outside",   "--speed",        "--guest-write-mib-per-s",
        "--link-mib-per-s", "--libvirt",   "--guest-kernel", "--guest-initrd",
        "--real-iscsi",      "--container-image"};
    if (!kValued->contains(arg)) {
      *error = absl::StrCat("unknown option \"", arg, "\"");
      return false;
    }
    if (i + 1 >= args.size()) {
      *error = absl::StrCat(arg, " needs a value");
      return false;
    }
    const std::string& v = args[++i];
    auto number = [&](double* out, double low, double high, absl::string_view unit) {
      if (!absl::SimpleAtod(v, out) || !(*out >= low && *out <= high)) {
        *error = absl::StrCat(arg, ": \"", v, "\" is not a number from ", low, " to ", high, unit);
        return false;
      }
      return true;
    };
    if (arg == "--world") {
      a->world = v;
    } else if (arg == "--outside") {
      for (absl::string_view p : absl::StrSplit(v, ',', absl::SkipEmpty())) {
        if (!Outsiders().contains(std::string(p))) {
          *error = absl::StrCat(
              "--outside: \"", p, "\" cannot run outside; only: ", absl::StrJoin(Outsiders(), ", "),
              " (the agents drive the world's simulated libvirt hosts, which are not served "
              "over the wire)");
          return false;
        }
        a->outside.insert(std::string(p));
      }
    } else if (arg == "--libvirt") {
      const std::vector<std::string> kv = absl::StrSplit(v, absl::MaxSplits('=', 1));
      if (kv.size() != 2 || kv[0].empty() || kv[1].empty()) {
        *error = absl::StrCat("--libvirt: \"", v, "\" is not NODE=URI (e.g. node-a=qemu:///system)");
        return false;
      }
      a->libvirt[kv[0]] = kv[1];
    } else if (arg == "--container-image") {
      const std::vector<std::string> kv = absl::StrSplit(v, absl::MaxSplits('=', 1));
      struct stat st;
      if (kv.size() != 2 || kv[0].empty() || kv[1].empty() || kv[1][0] != '/') {
        *error = absl::StrCat("--container-image: \"", v,
                              "\" is not IMAGE=PATH (the raw image file's absolute path)");
        return false;
      }
      if (stat(kv[1].c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
        *error = absl::StrCat("--container-image: \"", kv[1], "\" is not a non-empty file");
        return false;
      }
      a->container_images[kv[0]] = kv[1];
    } else if (arg == "--guest-kernel" || arg == "--guest-initrd") {
      if (access(v.c_str(), R_OK) != 0) {
        *error = absl::StrCat(arg, ": cannot read \"", v, "\" (build one with e2e/guest.py)");
        return false;
      }
      (arg == "--guest-kernel" ? a->guest_kernel : a->guest_initrd) = v;
    } else if (arg == "--real-iscsi") {
      struct stat st;
      if (stat(v.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || access(v.c_str(), W_OK) != 0) {
        *error = absl::StrCat("--real-iscsi: \"", v, "\" is not a folder this process can write");
        return false;
      }
      // Each initiator's monitor socket is DIR/initiator-XXXXXX/qmp.sock.
      if (v.size() > 64) {
        *error = absl::StrCat("--real-iscsi: \"", v, "\" is longer than 64 characters (a Unix "
                              "socket's path under it must fit in 107 bytes); use a folder in /tmp");
        return false;
      }
      a->real_iscsi = v;
    } else if (arg == "--speed") {
      if (!number(&a->speed, 0.01, 1000, " (virtual seconds per wall second)")) return false;
    } else if (arg == "--guest-write-mib-per-s") {
      if (!number(&a->guest_write_mib_per_s, 0, 10000, " MiB/s")) return false;
    } else if (arg == "--link-mib-per-s") {
      if (!number(&a->link_mib_per_s, 0.001, 1e6, " MiB/s")) return false;
    }
  }
  if (!a->libvirt.empty() && (a->guest_kernel.empty() || a->guest_initrd.empty())) {
    *error = "--libvirt needs --guest-kernel and --guest-initrd (the guest its VMs boot)";
    return false;
  }
  if (a->libvirt.empty() && !(a->guest_kernel.empty() && a->guest_initrd.empty())) {
    *error = "--guest-kernel and --guest-initrd are for real nodes: give --libvirt NODE=URI";
    return false;
  }
  if (a->libvirt.empty() && !a->container_images.empty()) {
    *error = "--container-image is for real nodes: give --libvirt NODE=URI";
    return false;
  }
  if (a->libvirt.empty() && a->qemu_default_malloc) {
    *error = "--qemu-default-malloc is for real nodes: give --libvirt NODE=URI";
    return false;
  }
  return true;
}

}  // namespace

int RunUpCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Args a;
  std::string error;
  if (!Parse(args, &a, &error)) {
    err << "ferry up: " << error << "\n(see: ferry help)\n";
    return 2;
  }
  const sigset_t stop = BlockStopSignals();
  absl::StatusOr<sim::LoadedScenario> loaded =
      a.world.empty() ? sim::LoadScenarioText("the default world", kDefaultWorld)
                      : sim::LoadScenario(a.world);
  if (!loaded.ok()) {
    err << "ferry up: " << loaded.status().message() << "\n(fix the world file and start again)\n";
    return 1;
  }
  const scenario::Scenario& s = loaded->scenario;
  for (const std::string& line : UpFaults::NotRun(s)) {
    err << "ferry up: " << a.world << ": " << line << "\n";
  }
  sim::World::Options options = sim::WorldOptionsOf(s);
  // Whole seconds: the API's timestamps have no fraction.
  const absl::Time wall_start = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  options.start = wall_start;
  options.api.first_resource_version = 1;
  options.outside = a.outside;
  // Real nodes: their VMs are real domains, their agents real processes.
  // What ferry up does to real nodes and targets, and each fault it arms
  // (UpFaults): a line each on stdout,
  // flushed (a test reads it while ferry up runs).
  const auto log_real = [&out](const std::string& line) {
    out << "ferry up: " << line << std::endl;
  };
  RealVms real_vms(a.libvirt, a.guest_kernel, a.guest_initrd, !a.qemu_default_malloc, log_real);
  for (const auto& [node, uri] : a.libvirt) {
    if (std::find(s.world().node().begin(), s.world().node().end(), node) ==
        s.world().node().end()) {
      err << "ferry up: --libvirt: the world has no node \"" << node << "\" (its nodes: "
          << absl::StrJoin(s.world().node(), ", ") << ")\n";
      return 2;
    }
    options.real_nodes.insert(node);
    options.outside.insert(absl::StrCat("agent/", node));
  }
  for (const auto& [image, path] : a.container_images) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
      err << "ferry up: --container-image: cannot read " << path << "\n";
      return 2;
    }
    // A raw image: its virtual size is its length.
    options.container_image_paths[image] = path;
    options.container_image_bytes[image] = static_cast<int64_t>(st.st_size);
  }
  options.start_real_vm = [&real_vms](const sim::World::RealVm& vm) {
    return real_vms.Start(vm);
  };
  options.prepare_real_disk = [&real_vms](const std::string& node,
                                          const sim::World::RealDisk& disk) {
    return real_vms.PrepareDisk(node, disk).status();
  };
  std::unique_ptr<RealLuns> real_luns;
  if (!a.real_iscsi.empty()) {
    real_luns = std::make_unique<RealLuns>(a.real_iscsi, log_real);
    options.login_real_lun = [&real_luns](const std::string& pod, const std::string& node,
                                          const k8s::PersistentVolume& pv,
                                          const std::optional<fakes::FakeSan::Chap>& chap) {
      return real_luns->LoginPod(pod, node, pv, chap);
    };
    options.logout_real_luns = [&real_luns](const std::string& pod) {
      real_luns->LogoutPod(pod);
    };
  }
  options.record_trace = a.trace;
  if (a.link_mib_per_s > 0) options.link_mib_per_s = a.link_mib_per_s;
  sim::World world(options);
  if (absl::Status st = sim::BuildWorld(s, loaded->files, world); !st.ok()) {
    err << "ferry up: world: " << st.message() << "\n(fix the world file and start again)\n";
    return 1;
  }
  UpFaults faults(world, s, log_real);
  if (real_luns != nullptr && !world.lun_world()) {
    err << "ferry up: --real-iscsi: the world has no oVirt engine nor SAN (give --world with a "
           "world.ovirt block, e.g. e2e/worlds/lun-cold.textproto)\n";
    return 2;
  }
  if (a.outside.contains("lun-controller") && !world.lun_world()) {
    err << "ferry up: --outside lun-controller: the world has no oVirt engine (give --world "
           "with a world.ovirt block, e.g. e2e/worlds/lun-cold.textproto)\n";
    return 2;
  }
  world.Start();
  absl::Mutex mu;
  absl::StatusOr<std::unique_ptr<ServedApi>> served =
      ServedApi::Start(world.api(), mu, a.serve, err, [&world] { return world.sim().now(); });
  if (!served.ok()) {
    err << "ferry up: " << served.status().message() << "\n";
    return 1;
  }
  // The world's engine over HTTPS for an outside lun-controller, found as
  // in a cluster: through the world's Providers, pointed at it.
  std::unique_ptr<ServedOvirt> engine;
  std::vector<std::string> providers;
  if (a.outside.contains("lun-controller")) {
    absl::StatusOr<std::unique_ptr<ServedOvirt>> started = ServedOvirt::Start(
        world.engine(), mu, {.address = a.serve.address, .log = a.serve.log},
        [&world] { return world.sim().now(); }, out);
    if (!started.ok()) {
      err << "ferry up: " << started.status().message() << " (choose another --address)\n";
      (*served)->Stop();
      return 1;
    }
    engine = *std::move(started);
    absl::StatusOr<std::vector<std::string>> pointed;
    {
      absl::MutexLock lock(&mu);
      pointed = engine->PointProviders(world.api());
    }
    if (!pointed.ok()) {
      err << "ferry up: the world's Providers: " << pointed.status().message() << "\n";
      engine->Stop();
      (*served)->Stop();
      return 1;
    }
    providers = *std::move(pointed);
  }
  std::vector<std::string> inside;
  if (a.libvirt.size() < static_cast<size_t>(s.world().node_size())) {
    inside.push_back(a.libvirt.empty() ? "agents (one per node)" : "agents of simulated nodes");
  }
  if (!a.outside.contains("controller")) inside.insert(inside.begin(), "controller");
  if (world.lun_world() && !a.outside.contains("lun-controller")) {
    inside.push_back("lun-controller");
  }
  out << "ferry up: a simulated cluster (nodes " << absl::StrJoin(s.world().node(), ", ")
      << (world.lun_world() ? "; an oVirt engine" : "") << ") in real time"
      << (a.speed != 1 ? absl::StrCat(" x", a.speed) : "") << "\nAPI: " << (*served)->url()
      << " (Ferry's fake store, not a kube-apiserver)\nkubeconfig: " << a.serve.kubeconfig
      << "   (export KUBECONFIG=" << a.serve.kubeconfig << ")\nFerry's processes inside: "
      << (inside.empty() ? "none" : absl::StrJoin(inside, ", "));
  if (!options.outside.empty()) {
    out << "; outside (start them yourself with --kubeconfig " << a.serve.kubeconfig
        << "): " << absl::StrJoin(options.outside, ", ");
  }
  for (const auto& [node, uri] : a.libvirt) {
    out << "\nreal node " << node << ": libvirt " << uri << " (ferry agent --node " << node
        << " --libvirt '" << uri << "')";
  }
  if (engine != nullptr) {
    out << "\noVirt engine: " << engine->url() << " (Ferry's fake engine; Providers pointed at it: "
        << (providers.empty() ? "none" : absl::StrJoin(providers, ", ")) << ")";
  }
  out << "\ntry: kubectl apply -f examples/storage-migration/ && kubectl get vmim -w\n"
      << "stop with Ctrl-C or SIGTERM\n";
  out.flush();

  sim::LiveWorld live(world, mu, wall_start,
                      {.speed = a.speed,
                       .guest_write_mib_per_s = a.guest_write_mib_per_s,
                       .log = [&out](const std::string& line) { out << line << std::endl; }});
  const timespec tick{.tv_sec = 0, .tv_nsec = 10'000'000};
  int signal_number = -1;
  while (signal_number < 0) {
    live.Advance(absl::Now());
    if (real_luns != nullptr) {
      absl::MutexLock lock(&mu);
      real_luns->SyncEngine(world.engine(), world.san(), absl::Now());
    }
    (*served)->Notify();  // the world's own writes reach watches at once
    signal_number = sigtimedwait(&stop, nullptr, &tick);
  }
  out << "ferry up: stopping (signal " << signal_number << ")\n";
  if (engine != nullptr) engine->Stop();
  (*served)->Stop();
  return 0;
}

}  // namespace ferry::cli
