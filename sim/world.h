// World: one simulated cluster. The fake API server, the libvirt fabric, the
// cluster behaviour, and the processes (migration controller, one agent per
// node) running on the simulation's virtual clock. Every pass of a process is
// an event and every write or libvirt call it decides is a further event, so
// a crash can fall between any two actions. A process whose step fails passes
// again a period later, or a tenth of one after a Conflict (a lost write race
// is retried from a fresh read, as controller-runtime requeues it).
//
//   World world({.seed = 7});
//   RETURN_IF_ERROR(world.AddNode("node-a"));
//   RETURN_IF_ERROR(world.Apply(objects));
//   RETURN_IF_ERROR(world.StartVm(running_vm));
//   world.Start();
//   while (world.sim().Step()) { ...check... }
#ifndef FERRY_SIM_WORLD_H_
#define FERRY_SIM_WORLD_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/core.pb.h"
#include "core/lun_migration/plan_reconciler.h"
#include "core/runtime/executor.h"
#include "core/runtime/manager.h"
#include "core/runtime/reconciler.h"
#include "core/storage_migration/controller.h"
#include "fakes/kube/fake_kube_api.h"
#include "fakes/libvirt/fake_fabric.h"
#include "fakes/ovirt/fake_engine.h"
#include "fakes/san/fake_san.h"
#include "google/protobuf/message.h"
#include "sim/cluster.h"
#include "sim/counting_kube_api.h"
#include "sim/counting_ovirt.h"
#include "sim/faulty_hypervisor.h"
#include "sim/faulty_kube_api.h"
#include "sim/faulty_ovirt.h"
#include "sim/process_scheduler.h"
#include "sim/scenario.pb.h"
#include "sim/simulation.h"

namespace ferry::sim {

class World {
 public:
  // A VM of a real node (`ferry up --libvirt`): what virt-launcher would
  // define there. A disk is the PV's node-local file ("disk.img" in a
  // Filesystem PV's directory) or device (Block).
  struct RealDisk {
    std::string dev;
    std::string path;
    bool block = false;
    int64_t capacity_bytes = 0;  // the PV's capacity (a container disk: its image's)
    // A container disk: `path` is the writable qcow2 overlay virt-launcher
    // makes at each start over the raw image at `backing` (read-only).
    std::string backing = "";
  };
  struct RealVm {
    std::string node;
    std::string domain;
    int64_t memory_bytes = 0;
    std::vector<RealDisk> disks;
  };

  struct Options {
    uint64_t seed = 1;
    double link_mib_per_s = 1024;
    storage_migration::ControllerOptions controller;
    absl::Duration controller_period = absl::Seconds(1);
    absl::Duration agent_period = absl::Seconds(1);
    absl::Duration tick = absl::Seconds(1);  // libvirt and cluster behaviour
    bool record_trace = false;
    // A LUN world: an oVirt engine, the SAN its LUNs live on, the LUN plan
    // controller ("lun-controller"), the virt-controller model that starts
    // VMs the plan creates, and a kubelet that logs pods in to their LUNs.
    bool lun_controller = false;
    fakes::FakeEngine::Options engine;
    lun_migration::LunPlanOptions lun;
    // Where the virtual clock starts (`ferry up` starts it at the wall
    // clock's now; runs keep the fixed default, so a seed replays).
    absl::Time start = absl::FromUnixSeconds(1692259200);  // 2023-08-17
    // The API store's options (`ferry up` starts resourceVersions at 1, as
    // clients take "0" to mean "any").
    fakes::FakeKubeApi::Options api;
    // Ferry's processes that run outside the world, as real processes over
    // the served API (`ferry up --outside controller`): "controller",
    // "lun-controller". The world does not run them.
    std::set<std::string> outside;
    // Nodes whose VMs run as real QEMU domains: StartVm hands such a VM to
    // start_real_vm instead of the fabric, which keeps no guest for it. Their
    // agents run outside ("agent/NODE" in `outside`), on the real libvirtd.
    std::set<std::string> real_nodes;
    std::function<absl::Status(const RealVm&)> start_real_vm;
    // Before a pod on a real node starts, each local or hostPath PV it
    // mounts (the disk as RealDiskOf finds it; no `dev`), as virt-launcher
    // would create a Filesystem volume's disk image there. Its refusal keeps
    // the pod Pending with a FailedMount event.
    std::function<absl::Status(const std::string& node, const RealDisk&)> prepare_real_disk;
    // A real SAN (`ferry up --real-iscsi`): before a pod starts, each iSCSI
    // PV it mounts is logged in to for real (the pod "namespace/name", its
    // node, the PV, the CHAP credentials of its Secret); a refusal keeps the
    // pod Pending with a FailedMount event. logout_real_luns ends a pod's
    // logins once it stops. Fibre Channel stays simulated.
    std::function<absl::Status(const std::string& pod, const std::string& node,
                               const k8s::PersistentVolume& pv,
                               const std::optional<fakes::FakeSan::Chap>& chap)>
        login_real_lun;
    std::function<void(const std::string& pod)> logout_real_luns;
    // The virtual size of each container image a containerDisk volume names
    // (scenario world.container_image); an image not listed has
    // default_container_image_bytes.
    std::map<std::string, int64_t> container_image_bytes;
    int64_t default_container_image_bytes = int64_t{1} << 30;
    // Real nodes: the raw file each container image is on every node
    // (`ferry up --container-image IMAGE=PATH`, as if the node had pulled
    // it); the overlay of a VM's volume goes beside it, named
    // "<image file>.<domain>.<volume>.qcow2".
    std::map<std::string, std::string> container_image_paths;
  };

  explicit World(Options options);
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  Simulation& sim() { return sim_; }
  fakes::FakeKubeApi& api() { return api_; }
  // Kubernetes API calls made by Ferry's processes (controller, agents,
  // lun-controller) so far; the cluster model and the checkers not counted.
  int64_t ferry_api_calls() const { return ferry_tally_.calls; }
  // Requests the lun-controller made of the oVirt engine so far.
  int64_t engine_calls() const { return engine_tally_.calls; }
  const std::map<std::string, int64_t>& engine_calls_by_request() const {
    return engine_tally_.by_request;
  }
  // Reconciles of every runtime process so far (restarted ones included).
  int64_t reconciles() const;
  // The lun-controller's remembered waits that a fresh decision
  // contradicted (LunPlanOptions::verify_waits), over its restarts.
  std::vector<std::string> stale_waits() const;
  // The same, by verb (get, list, watch, create, update, update_status,
  // delete); a continuing watch is one request.
  const std::map<std::string, int64_t>& ferry_api_calls_by_verb() const {
    return ferry_tally_.by_verb;
  }
  fakes::FakeFabric& fabric() { return fabric_; }
  Cluster& cluster() { return cluster_; }
  fakes::FakeEngine& engine() { return engine_; }
  // The storage the LUNs live on (LUN worlds): the engine's attachments and
  // the kubelet's logins hold its LUNs.
  fakes::FakeSan& san() { return san_; }
  bool lun_world() const { return options_.lun_controller; }
  // True while the cluster model (Kubernetes' own controllers, CDI, the
  // scheduler, virt-controller) runs: injected faults and stale reads are
  // for Ferry's processes, not for the model of the platform around them.
  bool in_cluster_step() const { return in_cluster_step_; }
  // Steps of any process refused as invalid (InvalidArgument): an object the
  // API server (or the engine) would never accept. The names checker reads it.
  const std::vector<std::string>& refused_as_invalid() const { return refused_as_invalid_; }

  // Faults injected into the calls of Ferry's processes: each process's
  // ports are wrapped in Faulty* decorators (faulty_kube_api.h) that
  // consult these, so the platform model and the harness, which call the
  // fakes directly, never meet them.
  struct Faults {
    FaultyKubeApi::Faults api;
    FaultyHypervisor::Faults libvirt;
    FaultyOvirt::Faults ovirt;
  };
  void SetFaults(Faults faults) { faults_ = std::move(faults); }

  absl::Status AddNode(const std::string& name);
  // Creates the object, or replaces spec and metadata (and status, when it
  // has one) of an existing one. A PersistentVolume also gets its volume.
  absl::Status Apply(const google::protobuf::Message& object);
  // Brings a VirtualMachine of the API up on a node, already settled. A VM
  // whose guest ran before (RestartVm) boots again: it keeps every write it
  // acknowledged, and its disks are judged on them.
  absl::Status StartVm(const scenario::RunningVm& vm);
  // "namespace/name": the VM's guest shuts down: its domain is destroyed
  // wherever it runs (a migration of it fails), its VMI and launcher pods
  // are deleted. KubeVirt's VM controller, as each tick models it, starts
  // the VM again from its template once it is gone, on a node its local
  // volumes allow (where its VMI last ran when they do),
  // unless status.volumeUpdateState records volumes moving: then it sets
  // manualRecoveryRequired and the ManualRecoveryRequired condition, as
  // KubeVirt does, and waits for the record to be cleared.
  absl::Status RestartVm(const std::string& ns_name);
  // The VMs RestartVm shut down and KubeVirt has not started again, by
  // "namespace/name": where it starts, and the uid of the VM object (one
  // deleted and created again meanwhile is another VM, not restarted).
  struct Restart {
    scenario::RunningVm vm;
    std::string vm_uid;
  };
  const std::map<std::string, Restart>& restarting() const { return restarting_; }
  // The uid of the VMI StartVm last started for VMI ns/name ("" if none):
  // a restarted VM's new VMI is the same guest's.
  std::string StartedVmiUid(absl::string_view ns, absl::string_view name) const;
  // Schedules the processes' first passes.
  void Start();

  // Process control: "controller" or "agent/<node>".
  absl::Status Crash(const std::string& process, absl::Duration down);
  absl::Status NodeDown(const std::string& node);
  absl::Status NodeUp(const std::string& node);
  // The liveness heal: down nodes come back up, crashed processes restart now.
  void HealAll();

  // A line for the timeline (kept when recording).
  void Note(const std::string& owner, const std::string& line);
  const std::vector<std::string>& timeline() const { return timeline_; }
  // The lines kept since the last take, which the world then forgets (a
  // world that runs for days, `ferry up --log`, prints and drops them).
  std::vector<std::string> TakeTimeline();
  // Each VM's domain name -> its VMI (namespace, name).
  const std::map<std::string, std::pair<std::string, std::string>>& guests() const {
    return guests_;
  }
  // Each VM's domain name -> its VMI volume names -> the target device the
  // guest knows that disk by, as StartVm set the domain up from the VM
  // manifest. A volume keeps its name (and so its device) across a storage
  // migration, whatever claim it is switched to.
  const std::map<std::string, std::map<std::string, std::string>>& guest_disks() const {
    return guest_disks_;
  }
  // A guest's containerDisk volume as virt-launcher set it up: the overlay
  // the guest writes (the domain's disk) over the image (read-only), by
  // domain, then VMI volume name.
  struct ContainerDisk {
    std::string overlay;
    std::string image;
    int64_t bytes = 0;  // the image's virtual size
  };
  const std::map<std::string, std::map<std::string, ContainerDisk>>& container_disks() const {
    return container_disks_;
  }
  // The fabric volume of container image `image` ("image/<image>").
  static std::string ImageVolumeOf(absl::string_view image);
  // KubeVirt's libvirt domain name for a VMI: "<namespace>_<name>".
  static std::string DomainNameOf(absl::string_view ns, absl::string_view vmi);
  // The fabric volume holding claim ns/claim: the cluster model's record of
  // the volume behind the PV the claim is Bound to; "" while it is not bound.
  std::string ClaimVolume(absl::string_view ns, absl::string_view claim);

 private:
  // The PV claim ns/claim is Bound to, as the claim says ("" while unbound).
  std::string BoundPv(absl::string_view ns, absl::string_view claim);
  // The file or device behind PV `pv_name` on its node, for a real node's VM.
  absl::StatusOr<RealDisk> RealDiskOf(absl::string_view where, const std::string& pv_name);
  // Where a local or hostPath PV keeps its disk; nullopt for other PVs.
  static std::optional<RealDisk> RealDiskFromPv(const k8s::PersistentVolume& pv);
  // Every process runs on the reconcile runtime: `start` (re)starts its
  // manager, which schedules its own calls.
  struct Process {
    bool up = true;
    std::function<void()> start;
  };
  // What a process on the runtime keeps across restarts (its scheduler and
  // ports); the manager, with its informers and queue, is made anew at each
  // start, as a restarted process lists afresh.
  struct RuntimeProcess {
    std::unique_ptr<ProcessScheduler> scheduler;
    ports::Hypervisor* hypervisor = nullptr;
    ports::Ovirt* ovirt = nullptr;
    // A process may run several reconcilers (the controller: migrations and
    // volume updates), each on its own manager, over the same ports.
    std::function<std::vector<std::unique_ptr<runtime::Reconciler>>()> make_reconcilers;
    runtime::Manager::Options options;
    // Made anew at each start, as a restarted process connects, lists and
    // watches afresh: nothing derived from the last run outlives it.
    // Counting over Faulty over the fakes: a faulted call is counted.
    std::unique_ptr<FaultyKubeApi> faulty_api;
    std::vector<std::unique_ptr<CountingKubeApi>> apis;  // one per manager
    std::unique_ptr<FaultyHypervisor> host;   // over `hypervisor`, when it has one
    std::unique_ptr<FaultyOvirt> faulty_engine;  // over `ovirt`, when it has one
    std::unique_ptr<CountingOvirt> engine;
    std::vector<std::unique_ptr<runtime::Executor>> executors;  // one per manager
    std::vector<std::unique_ptr<runtime::Reconciler>> reconcilers;
    std::vector<std::unique_ptr<runtime::Manager>> managers;
  };
  // A process on the runtime: its scheduler and executor (with `hypervisor`
  // or `ovirt` when it has one), started by StartRuntime.
  void AddRuntimeProcess(
      const std::string& name, ports::Hypervisor* hypervisor, ports::Ovirt* ovirt,
      std::function<std::vector<std::unique_ptr<runtime::Reconciler>>()> make_reconcilers);
  void StartRuntime(const std::string& name);
  // A step or effect of process `name` ran: noted on the timeline, and kept
  // in refused_as_invalid() when the server refused it as invalid.
  void StepDone(const std::string& name, const std::string& what, const absl::Status& status);

  void StartProcess(const std::string& name, absl::Duration delay);
  void Tick();
  // KubeVirt's VM controller for the VMs RestartVm shut down (one pass).
  void StartRestartedVms();
  // The names of VM `vm`'s launcher pods (labelled kubevirt.io:
  // virt-launcher, named virt-launcher-<vm>-...), source and target.
  std::vector<std::string> LauncherPods(const std::string& ns, const std::string& vm);
  // Latency the process's calls incurred (through its fault decorators,
  // and the platform model's API delays) since the last take: events are
  // single calls, so it is all its own.
  absl::Duration TakeLatency(const std::string& process);

  Options options_;
  Simulation sim_;
  fakes::FakeKubeApi api_;
  CountingKubeApi::Tally ferry_tally_;
  fakes::FakeFabric fabric_;
  fakes::FakeSan san_;
  Cluster cluster_;
  fakes::FakeEngine engine_;
  CountingOvirt::Tally engine_tally_;  // the lun-controller's engine requests
  int64_t reconciles_before_restarts_ = 0;  // of managers since replaced
  Faults faults_;
  std::vector<std::string> stale_waits_before_restarts_;
  std::vector<std::string> refused_as_invalid_;
  std::map<std::string, Process> processes_;
  std::map<std::string, RuntimeProcess> runtime_processes_;
  std::map<std::string, std::pair<std::string, std::string>> guests_;
  std::map<std::string, std::map<std::string, std::string>> guest_disks_;
  std::map<std::string, std::map<std::string, ContainerDisk>> container_disks_;
  std::map<std::string, scenario::RunningVm> running_;     // by domain: as StartVm was asked
  std::map<std::string, std::string> started_vmi_uids_;    // by domain
  std::map<std::string, Restart> restarting_;              // by "namespace/name"
  std::vector<std::string> timeline_;
  std::set<std::string> down_nodes_;
  bool in_cluster_step_ = false;
};

}  // namespace ferry::sim

#endif  // FERRY_SIM_WORLD_H_
