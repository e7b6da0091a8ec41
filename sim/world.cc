#include "sim/world.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "api/kubevirt.pb.h"
#include "api/manifest/kinds.h"
#include "api/names.h"
#include "api/quantity.h"
#include "api/volumes.h"
#include "base/fnv.h"
#include "base/saturating.h"
#include "base/status_macros.h"
#include "core/storage_migration/agent_reconciler.h"
#include "core/storage_migration/controller_reconciler.h"
#include "core/storage_migration/volume_update_reconciler.h"
#include "sim/cluster_volume_binding.h"
#include "sim/scenario_limits.h"

namespace ferry::sim {
namespace {


constexpr absl::Duration kStepGap = absl::Milliseconds(1);
// The longest an engine VM's poll backs off to, in controller periods.
constexpr int kEnginePollBackoff = 16;

absl::string_view Ns(absl::string_view ns) { return api::NamespaceOrDefault(ns); }

template <typename... R>
std::vector<std::unique_ptr<runtime::Reconciler>> Reconcilers(std::unique_ptr<R>... each) {
  std::vector<std::unique_ptr<runtime::Reconciler>> out;
  (out.push_back(std::move(each)), ...);
  return out;
}

// Value() saturates at INT64_MAX (a claim of 8Ei); the fabric refuses a
// volume that large rather than wrapping its size.
int64_t QuantityBytes(const std::string& text) {
  absl::StatusOr<api::Quantity> q = api::Quantity::Parse(text);
  return q.ok() ? q->Value() : 0;
}

// A PV's spec.capacity.storage in bytes; 0 when it gives none.
int64_t CapacityBytes(const k8s::PersistentVolume& pv) {
  auto it = pv.spec().capacity().find("storage");
  return it == pv.spec().capacity().end() ? 0 : QuantityBytes(it->second);
}

// MiB (from a scenario or a generator; any double) as bytes: never UB.
int64_t MibBytes(double mib) { return SaturatingCast<int64_t>(mib * fakes::kMiB); }

bool HasStatus(const google::protobuf::Message& m) {
  const auto* field = m.GetDescriptor()->FindFieldByName("status");
  return field != nullptr && m.GetReflection()->HasField(m, field);
}

// The target device of each disk of a VMI, by disk (= volume) name, as
// KubeVirt's virt-launcher names them: virtio disks vda, vdb... and SATA,
// SCSI and USB ones sda, sdb..., each prefix counted in the order of
// spec.domain.devices.disks.
std::map<std::string, std::string> KubevirtDevices(const kubevirt::VirtualMachineInstanceSpec& spec) {
  std::map<std::string, int> next;  // prefix -> disks named so far
  std::map<std::string, std::string> devices;
  for (const kubevirt::Disk& d : spec.domain().devices().disks()) {
    std::string bus = d.has_lun() ? d.lun().bus() : d.has_cdrom() ? d.cdrom().bus() : d.disk().bus();
    if (bus.empty()) bus = d.has_lun() ? "scsi" : d.has_cdrom() ? "sata" : "virtio";
    const std::string prefix = bus == "virtio" ? "vd" : "sd";
    // Letters as spreadsheet columns: a..z, aa, ab...
    std::string letters;
    for (int n = next[prefix]++ + 1; n > 0; n = (n - 1) / 26) {
      letters.insert(letters.begin(), static_cast<char>('a' + (n - 1) % 26));
    }
    devices[d.name()] = prefix + letters;
  }
  return devices;
}

}  // namespace

World::World(Options options)
    : options_(options),
      sim_(options.seed, options.start),
      api_(sim_.clock(), options.api),
      fabric_(fakes::FakeFabric::Options{
          .seed = options.seed,
          .link_bytes_per_s = std::max<int64_t>(MibBytes(options.link_mib_per_s), 0),
          .max_downtime = absl::Milliseconds(300)}),
      cluster_(api_, fabric_, sim_.clock()),
      engine_(sim_.clock(), options.engine) {
  sim_.set_record_trace(options.record_trace);
  if ((!options_.real_nodes.empty() && options_.prepare_real_disk != nullptr) ||
      options_.login_real_lun != nullptr) {
    cluster_.set_prepare_volume(
        [this](const internal::Kubelet::VolumeUse& use) {
          if (use.pv->spec().has_iscsi() && options_.login_real_lun != nullptr) {
            return options_.login_real_lun(use.pod, use.node, *use.pv, use.chap);
          }
          if (!options_.real_nodes.contains(use.node) || options_.prepare_real_disk == nullptr) {
            return absl::OkStatus();
          }
          std::optional<RealDisk> disk = RealDiskFromPv(*use.pv);
          // A volume a real node cannot open: StartVm says so for its VM.
          if (!disk.has_value()) return absl::OkStatus();
          return options_.prepare_real_disk(use.node, *disk);
        },
        [this](const std::string& pod) {
          if (options_.logout_real_luns != nullptr) options_.logout_real_luns(pod);
        });
  }
  AddRuntimeProcess("controller", nullptr, nullptr, [this] {
    return Reconcilers(
        std::make_unique<storage_migration::ControllerReconciler>(options_.controller,
                                                                  options_.controller_period),
        std::make_unique<storage_migration::VolumeUpdateReconciler>(options_.controller_period));
  });
  if (options_.lun_controller) {
    // The engine is polled per VM in flight, backing off while its answer
    // stays the same (issue 17: never every VM of a plan every second).
    AddRuntimeProcess("lun-controller", nullptr, &engine_,
                      [this] {
                        return Reconcilers(std::make_unique<lun_migration::LunPlanReconciler>(
                            options_.lun, options_.controller_period));
                      });
    cluster_.set_run_vms(true);
    // The VMs StartVm runs (with their guests) are the world's to start
    // again (RestartVm), not the virt-controller's.
    cluster_.set_vms_started_elsewhere([this](const std::string& ns, const std::string& name) {
      return running_.contains(DomainNameOf(ns, name));
    });
    cluster_.set_san(&san_);
    engine_.ConnectSan(&san_);
  }
}

absl::Status World::AddNode(const std::string& name) {
  RETURN_IF_ERROR(cluster_.AddNode(name));
  fakes::FakeHypervisor* host = fabric_.AddHost(name);
  const std::string process = absl::StrCat("agent/", name);
  AddRuntimeProcess(process, host, nullptr,
                    [this, name] {
                      return Reconcilers(std::make_unique<storage_migration::AgentReconciler>(
                          name, options_.agent_period));
                    });
  return absl::OkStatus();
}

absl::Status World::Apply(const google::protobuf::Message& object) {
  ASSIGN_OR_RETURN(ports::ObjectKey key, ports::KeyOf(object));
  const manifest::KindInfo* kind = manifest::FindKindByDescriptor(object.GetDescriptor());
  if (kind != nullptr && kind->namespaced) key.namespace_ = std::string(Ns(key.namespace_));
  std::unique_ptr<google::protobuf::Message> copy(object.New());
  copy->CopyFrom(object);
  ports::MutableMetadataOf(copy.get())->set_namespace_(key.namespace_);
  if (key.kind == "PersistentVolume") {
    const int64_t bytes =
        CapacityBytes(*dynamic_cast<const k8s::PersistentVolume*>(&object));
    if (fabric_.volume(key.name) == nullptr) {
      RETURN_IF_ERROR(fabric_.CreateVolume(key.name, std::max<int64_t>(bytes, 1), 0));
    }
    cluster_.RecordVolume(key.name, key.name);
  }
  absl::StatusOr<ports::ObjectPtr> existing = api_.Get(key);
  ports::ObjectPtr stored;
  if (existing.status().code() == absl::StatusCode::kNotFound) {
    ASSIGN_OR_RETURN(stored, api_.Create(*copy));
  } else {
    RETURN_IF_ERROR(existing.status());
    ports::MutableMetadataOf(copy.get())
        ->set_resource_version(ports::MetadataOf(**existing).resource_version());
    ASSIGN_OR_RETURN(stored, api_.Update(*copy));
  }
  if (HasStatus(object)) {
    ports::MutableMetadataOf(copy.get())
        ->set_resource_version(ports::MetadataOf(*stored).resource_version());
    RETURN_IF_ERROR(api_.UpdateStatus(*copy).status());
  }
  return absl::OkStatus();
}

absl::Status World::StartVm(const scenario::RunningVm& spec) {
  const std::string ns(Ns(spec.namespace_()));
  const std::string where = absl::StrCat("running_vm ", ns, "/", spec.name());
  // Its rates and sizes in their ranges (NaN, Inf and 1e300 included), also
  // when it comes from a generator rather than a file.
  if (absl::Status limits = CheckMessageLimits(spec, ""); !limits.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", limits.message()));
  }
  absl::StatusOr<ports::ObjectPtr> got = api_.Get({"VirtualMachine", ns, spec.name()});
  if (!got.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": no VirtualMachine of that name in the world's manifests"));
  }
  const auto vm = ports::As<kubevirt::VirtualMachine>(*got);
  if (fabric_.host(spec.node()) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": node \"", spec.node(), "\" is not in world.node"));
  }
  // DataVolumes of the templates, owned by the VM.
  for (const auto& t : vm->spec().data_volume_templates()) {
    cdi::DataVolume dv;
    dv.set_api_version("cdi.kubevirt.io/v1beta1");
    dv.set_kind("DataVolume");
    dv.mutable_metadata()->set_name(t.metadata().name());
    dv.mutable_metadata()->set_namespace_(ns);
    ports::AddOwnerReference(*vm, dv.mutable_metadata());
    *dv.mutable_spec() = t.spec();
    if (api_.Get({"DataVolume", ns, t.metadata().name()}).ok()) continue;
    RETURN_IF_ERROR(api_.Create(dv).status());
  }
  // The source launcher pod, already on its node: consumers make
  // WaitForFirstConsumer claims bind there.
  const kubevirt::VirtualMachineInstanceSpec& vmi_spec = vm->spec().template_().spec();
  k8s::Pod pod;
  pod.set_api_version("v1");
  pod.set_kind("Pod");
  pod.mutable_metadata()->set_name(absl::StrCat("virt-launcher-", spec.name(), "-source"));
  pod.mutable_metadata()->set_namespace_(ns);
  (*pod.mutable_metadata()->mutable_labels())["kubevirt.io"] = "virt-launcher";
  (*pod.mutable_metadata()->mutable_labels())[storage_migration::kRoleLabel] = "source";
  pod.mutable_spec()->set_node_name(spec.node());
  auto* container = pod.mutable_spec()->add_containers();
  container->set_name("compute");
  container->set_image("quay.io/kubevirt/virt-launcher");
  for (const auto& v : vmi_spec.volumes()) {
    std::optional<std::string> claim = api::ClaimOf(v);
    if (!claim) continue;
    auto* pv = pod.mutable_spec()->add_volumes();
    pv->set_name(v.name());
    pv->mutable_persistent_volume_claim()->set_claim_name(*claim);
  }
  RETURN_IF_ERROR(api_.Create(pod).status());
  for (int i = 0; i < 8; ++i) cluster_.Step();  // import, bind, start: settled at time 0

  // Its container disks: the image, pulled once, and a fresh overlay over
  // it (virt-launcher makes one per start: a container disk is ephemeral).
  const std::string domain = DomainNameOf(ns, spec.name());
  std::map<std::string, ContainerDisk> container_disks;
  std::map<std::string, int64_t> image_bytes;  // by volume
  const bool on_real_node = options_.real_nodes.contains(spec.node());
  for (const auto& v : vmi_spec.volumes()) {
    if (!v.has_container_disk()) continue;
    const std::string& name = v.container_disk().image();
    if (on_real_node) {
      auto path = options_.container_image_paths.find(name);
      if (path == options_.container_image_paths.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": volume ", v.name(), " boots from container image ", name,
            ", which no --container-image IMAGE=PATH gives for real node ", spec.node()));
      }
      auto listed = options_.container_image_bytes.find(name);
      image_bytes[v.name()] =
          listed != options_.container_image_bytes.end() ? listed->second : 0;
      container_disks[v.name()] = {
          absl::StrCat(path->second, ".", DomainNameOf(ns, spec.name()), ".", v.name(), ".qcow2"),
          path->second};
      continue;
    }
    auto listed = options_.container_image_bytes.find(name);
    const int64_t bytes = listed != options_.container_image_bytes.end()
                              ? listed->second
                              : options_.default_container_image_bytes;
    const std::string image = ImageVolumeOf(name);
    if (fabric_.volume(image) == nullptr) {
      RETURN_IF_ERROR(fabric_.CreateImage(image, bytes, Fnv1a64(name) | 1));
    }
    const std::string overlay = absl::StrCat("overlay/", domain, "/", v.name());
    if (fabric_.volume(overlay) != nullptr) RETURN_IF_ERROR(fabric_.DeleteVolume(overlay));
    RETURN_IF_ERROR(fabric_.CreateOverlay(overlay, image));
    container_disks[v.name()] = {overlay, image};
    image_bytes[v.name()] = fabric_.volume_size(image);
  }

  // The VMI, running on the node.
  kubevirt::VirtualMachineInstance vmi;
  vmi.set_api_version("kubevirt.io/v1");
  vmi.set_kind("VirtualMachineInstance");
  vmi.mutable_metadata()->set_name(spec.name());
  vmi.mutable_metadata()->set_namespace_(ns);
  *vmi.mutable_metadata()->mutable_labels() = vm->spec().template_().metadata().labels();
  *vmi.mutable_metadata()->mutable_annotations() = vm->metadata().annotations();
  // kubectl's record of the VM as applied describes the VM, not its VMI.
  vmi.mutable_metadata()->mutable_annotations()->erase(
      "kubectl.kubernetes.io/last-applied-configuration");
  ports::AddOwnerReference(*vm, vmi.mutable_metadata(), /*controller=*/true);
  *vmi.mutable_spec() = vmi_spec;
  vmi.mutable_status()->set_phase("Running");
  vmi.mutable_status()->set_node_name(spec.node());
  const std::map<std::string, std::string> devices = KubevirtDevices(vmi_spec);
  // virt-handler reports each container disk's virtual size.
  for (const auto& [volume, bytes] : image_bytes) {
    kubevirt::VolumeStatus* st = vmi.mutable_status()->add_volume_status();
    st->set_name(volume);
    if (auto dev = devices.find(volume); dev != devices.end()) st->set_target(dev->second);
    st->set_phase("Ready");
    st->set_size(bytes);
  }
  RETURN_IF_ERROR(Apply(vmi));

  // Its domain, as virt-launcher defines it: a disk per claim volume, on the
  // fabric volume backing the claim's PV, under the device KubeVirt names it.
  // Built from the manifest and the storage's own record, never with the
  // core's helpers: a bug in those must not be mirrored by the world.
  std::map<std::string, std::string> disks;  // volume -> device
  RealVm real;
  real.node = spec.node();
  real.domain = domain;
  std::string xml = absl::StrCat("<domain type='kvm'><name>", domain, "</name><devices>");
  for (const auto& v : vmi_spec.volumes()) {
    if (auto cd = container_disks.find(v.name()); cd != container_disks.end()) {
      auto dev = devices.find(v.name());
      if (dev == devices.end()) continue;
      disks[v.name()] = dev->second;
      if (on_real_node) {
        real.disks.push_back({.dev = dev->second,
                              .path = cd->second.overlay,
                              .block = false,
                              .capacity_bytes = image_bytes[v.name()],
                              .backing = cd->second.image});
        continue;
      }
      absl::StrAppend(&xml, "<disk type='file' device='disk'><driver type='qcow2'/><source file='",
                      cd->second.overlay, "'/><target dev='", dev->second, "'/></disk>");
      continue;
    }
    std::optional<std::string> claim = api::ClaimOf(v);
    if (!claim) continue;
    const bool real_node = options_.real_nodes.contains(spec.node());
    // A real node's PV may come from kubectl, not the model: the claim says.
    const std::string path = real_node ? BoundPv(ns, *claim) : ClaimVolume(ns, *claim);
    if (path.empty()) {
      if (const std::string* why = cluster_.ProvisioningFailure(ns, *claim)) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": claim ", *claim, " of volume ",
                                                       v.name(), " cannot be provisioned: ", *why));
      }
      return absl::FailedPreconditionError(absl::StrCat(
          where, ": claim ", *claim, " of volume ", v.name(),
          " did not bind (check its storage class, size and access modes, and that a PV "
          "or a provisioner can serve it on node ", spec.node(), ")"));
    }
    auto dev = devices.find(v.name());
    if (dev == devices.end()) continue;  // no disk shows it to the guest
    disks[v.name()] = dev->second;
    absl::StrAppend(&xml, "<disk type='file' device='disk'><source file='", path,
                    "'/><target dev='", dev->second, "'/></disk>");
    if (real_node) {
      ASSIGN_OR_RETURN(RealDisk disk, RealDiskOf(where, path));
      disk.dev = dev->second;
      real.disks.push_back(std::move(disk));
    }
  }
  absl::StrAppend(&xml, "</devices></domain>");
  int64_t memory = MibBytes(spec.memory_mib());
  if (memory <= 0) {
    auto it = vmi_spec.domain().resources().requests().find("memory");
    if (it != vmi_spec.domain().resources().requests().end()) memory = QuantityBytes(it->second);
  }
  if (memory <= 0) memory = fakes::kGiB;
  if (options_.real_nodes.contains(spec.node())) {
    // A real node's domain: the fabric has no guest for it.
    if (options_.start_real_vm == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat(where, ": node ", spec.node(), " is real but nothing starts its VMs"));
    }
    real.memory_bytes = memory;
    RETURN_IF_ERROR(options_.start_real_vm(real));
    return absl::OkStatus();
  }
  fakes::FakeHypervisor* host = fabric_.host(spec.node());
  // A domain left defined by the guest's last run is defined anew.
  if (host->LookupDomain(domain).ok()) RETURN_IF_ERROR(host->UndefineDomain(domain));
  RETURN_IF_ERROR(host->DefineDomain(xml).status());
  RETURN_IF_ERROR(host->Start(domain));

  const double write = spec.write_mib_per_s();
  const fakes::FakeFabric::GuestOptions guest{
      .domain = domain,
      .memory_bytes = memory,
      .write_bytes_per_s = MibBytes(write),
      .working_set_bytes = MibBytes(spec.working_set_mib() > 0 ? spec.working_set_mib() : 1024),
      .memory_dirty_bytes_per_s = MibBytes(
          spec.memory_dirty_mib_per_s() > 0 ? spec.memory_dirty_mib_per_s() : write)};
  RETURN_IF_ERROR(running_.contains(domain) ? fabric_.RebootGuest(guest) : fabric_.AddGuest(guest));
  // A container disk starts from its image again: what the guest wrote to
  // it in an earlier run is gone (KubeVirt's ephemeral container disk).
  for (const auto& [volume, cd] : container_disks) {
    if (auto dev = disks.find(volume); dev != disks.end()) fabric_.ForgetWrites(domain, dev->second);
  }
  guests_[domain] = {ns, spec.name()};
  guest_disks_[domain] = std::move(disks);
  container_disks_[domain] = std::move(container_disks);
  running_[domain] = spec;
  absl::StatusOr<ports::ObjectPtr> started = api_.Get({"VirtualMachineInstance", ns, spec.name()});
  if (started.ok()) started_vmi_uids_[domain] = ports::MetadataOf(**started).uid();
  return absl::OkStatus();
}

std::string World::ImageVolumeOf(absl::string_view image) {
  return absl::StrCat("image/", image);
}

std::vector<std::string> World::LauncherPods(const std::string& ns, const std::string& vm) {
  std::vector<std::string> names;
  absl::StatusOr<ports::ObjectList> pods = api_.List("Pod", ns, k8s::LabelSelector());
  if (!pods.ok()) return names;
  const std::string prefix = absl::StrCat("virt-launcher-", vm, "-");
  for (const ports::ObjectPtr& p : pods->items) {
    const k8s::ObjectMeta& meta = ports::MetadataOf(*p);
    auto label = meta.labels().find("kubevirt.io");
    if (label != meta.labels().end() && label->second == "virt-launcher" &&
        absl::StartsWith(meta.name(), prefix)) {
      names.push_back(meta.name());
    }
  }
  return names;
}

std::string World::StartedVmiUid(absl::string_view ns, absl::string_view name) const {
  auto it = started_vmi_uids_.find(DomainNameOf(ns, name));
  return it == started_vmi_uids_.end() ? "" : it->second;
}

absl::Status World::RestartVm(const std::string& ns_name) {
  const size_t slash = ns_name.find('/');
  if (slash == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("restart_vm: \"", ns_name, "\" is not \"namespace/name\""));
  }
  const std::string ns(Ns(ns_name.substr(0, slash)));
  const std::string name = ns_name.substr(slash + 1);
  const std::string domain = DomainNameOf(ns, name);
  auto spec = running_.find(domain);
  if (spec == running_.end() || options_.real_nodes.contains(spec->second.node())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "restart_vm: ", ns, "/", name, " is not a VM the world started (world.running_vm) on a "
        "simulated node"));
  }
  if (restarting_.contains(absl::StrCat(ns, "/", name))) {
    return absl::FailedPreconditionError(
        absl::StrCat("restart_vm: ", ns, "/", name, " is restarting already"));
  }
  absl::StatusOr<ports::ObjectPtr> vm = api_.Get({"VirtualMachine", ns, name});
  if (!vm.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("restart_vm: ", ns, "/", name, ": no VirtualMachine to start again"));
  }
  // The guest shuts down: its domain goes wherever it runs (a migration of
  // it fails), KubeVirt deletes its VMI and the VMI's launcher pods.
  // Its launcher pods' libvirt goes with them: the domain is undefined too.
  for (const std::string& h : fabric_.HostsRunning(domain)) {
    (void)fabric_.host(h)->Destroy(domain);
    (void)fabric_.host(h)->UndefineDomain(domain);
  }
  // Its VMI's last node is the first the restart tries (StartRestartedVms).
  scenario::RunningVm again = spec->second;
  if (absl::StatusOr<ports::ObjectPtr> vmi = api_.Get({"VirtualMachineInstance", ns, name}); vmi.ok()) {
    const std::string& node = ports::As<kubevirt::VirtualMachineInstance>(*vmi)->status().node_name();
    if (!node.empty() && fabric_.host(node) != nullptr) again.set_node(node);
  }
  (void)api_.Delete({"VirtualMachineInstance", ns, name});
  for (const std::string& pod : LauncherPods(ns, name)) (void)api_.Delete({"Pod", ns, pod});
  restarting_[absl::StrCat(ns, "/", name)] = {again, ports::MetadataOf(**vm).uid()};
  Note("world", absl::StrCat("VM ", ns, "/", name, " SHUT DOWN (its guest stops; KubeVirt "
                             "starts it again)"));
  return absl::OkStatus();
}

void World::StartRestartedVms() {
  const std::map<std::string, Restart> restarting = restarting_;
  for (const auto& [key, restart] : restarting) {
    const scenario::RunningVm& spec = restart.vm;
    const std::string ns(Ns(spec.namespace_()));
    absl::StatusOr<ports::ObjectPtr> got = api_.Get({"VirtualMachine", ns, spec.name()});
    if (!got.ok() || ports::MetadataOf(**got).uid() != restart.vm_uid) {
      restarting_.erase(key);  // the VM was deleted (maybe created anew): not this guest's
      continue;
    }
    if (api_.Get({"VirtualMachineInstance", ns, spec.name()}).ok()) continue;  // still going
    if (!LauncherPods(ns, spec.name()).empty()) continue;  // still stopping
    // KubeVirt's VM controller: the VMI disappeared while volumes were
    // moving; the template names claims the copy may not have completed.
    auto vm = ports::As<kubevirt::VirtualMachine>(*got);
    std::vector<std::string> held;
    const bool hold = internal::HeldForVolumeRecovery(api_, *vm, sim_.now(), &held);
    for (const std::string& line : held) Note("cluster", line);
    if (hold) continue;
    restarting_.erase(key);
    // The scheduler places it where every node-local volume its template
    // names is: its VMI's last node when that will do, else the first node
    // that will (after a switchover, the destinations' node).
    scenario::RunningVm where = spec;
    std::vector<std::string> nodes = {spec.node()};
    if (absl::StatusOr<ports::ObjectList> all = api_.List("Node", "", k8s::LabelSelector()); all.ok()) {
      for (const ports::ObjectPtr& n : all->items) nodes.push_back(ports::MetadataOf(*n).name());
    }
    for (const std::string& node : nodes) {
      bool fits = fabric_.host(node) != nullptr && !down_nodes_.contains(node);
      for (const kubevirt::Volume& v : vm->spec().template_().spec().volumes()) {
        std::optional<std::string> claim = api::ClaimOf(v);
        const std::string pv = claim ? BoundPv(ns, *claim) : "";
        if (pv.empty()) continue;
        absl::StatusOr<ports::ObjectPtr> got_pv = api_.Get({"PersistentVolume", "", pv});
        if (got_pv.ok()) fits = fits && internal::NodeAllowed(*ports::As<k8s::PersistentVolume>(*got_pv), node);
      }
      if (fits) {
        where.set_node(node);
        break;
      }
    }
    const absl::Status started = StartVm(where);
    Note("cluster", absl::StrCat("virt-controller: VM ", key, " started again",
                                 started.ok() ? "" : absl::StrCat(": ", started.ToString())));
  }
}

std::string World::BoundPv(absl::string_view ns, absl::string_view claim) {
  absl::StatusOr<ports::ObjectPtr> got =
      api_.Get({"PersistentVolumeClaim", std::string(ns), std::string(claim)});
  const auto* pvc =
      got.ok() ? dynamic_cast<const k8s::PersistentVolumeClaim*>(got->get()) : nullptr;
  if (pvc == nullptr || pvc->status().phase() != "Bound") return "";
  return pvc->spec().volume_name();
}

absl::StatusOr<World::RealDisk> World::RealDiskOf(absl::string_view where,
                                                  const std::string& pv_name) {
  ASSIGN_OR_RETURN(ports::ObjectPtr object, api_.Get({"PersistentVolume", "", pv_name}));
  const auto* pv = dynamic_cast<const k8s::PersistentVolume*>(object.get());
  std::optional<RealDisk> disk = pv == nullptr ? std::nullopt : RealDiskFromPv(*pv);
  if (!disk.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, ": PersistentVolume ", pv_name,
        " names no node-local path (local or hostPath); a real node cannot open it"));
  }
  return *disk;
}

std::optional<World::RealDisk> World::RealDiskFromPv(const k8s::PersistentVolume& pv) {
  // From the PV as stored, not through the core's helpers: the world is an
  // independent record of where a volume lives.
  const std::string& dir = pv.spec().has_local()       ? pv.spec().local().path()
                           : pv.spec().has_host_path() ? pv.spec().host_path().path()
                                                       : std::string();
  if (dir.empty()) return std::nullopt;
  RealDisk disk;
  disk.block = pv.spec().volume_mode() == "Block";
  disk.path = disk.block ? dir : absl::StrCat(absl::StripSuffix(dir, "/"), "/disk.img");
  disk.capacity_bytes = CapacityBytes(pv);
  return disk;
}

std::string World::DomainNameOf(absl::string_view ns, absl::string_view vmi) {
  return absl::StrCat(Ns(ns), "_", vmi);
}

std::string World::ClaimVolume(absl::string_view ns, absl::string_view claim) {
  absl::StatusOr<ports::ObjectPtr> got =
      api_.Get({"PersistentVolumeClaim", std::string(Ns(ns)), std::string(claim)});
  if (!got.ok()) return "";
  const auto pvc = ports::As<k8s::PersistentVolumeClaim>(*got);
  if (pvc->status().phase() != "Bound") return "";
  const std::string* path = cluster_.VolumeOf(pvc->spec().volume_name());
  return path == nullptr ? "" : *path;
}

void World::Note(const std::string& owner, const std::string& line) {
  if (!options_.record_trace) return;
  timeline_.push_back(absl::StrFormat("%10.3fs  %-16s %s",
                                      absl::ToDoubleSeconds(sim_.now() - options_.start),
                                      owner, line));
}

std::vector<std::string> World::TakeTimeline() {
  std::vector<std::string> lines;
  lines.swap(timeline_);
  return lines;
}

void World::Start() {
  for (const auto& [name, process] : processes_) StartProcess(name, absl::ZeroDuration());
  sim_.After(options_.tick, "world", "tick", [this] { Tick(); });
}

void World::Tick() {
  fabric_.Advance(options_.tick);
  in_cluster_step_ = true;
  const std::vector<std::string> did = cluster_.Step();
  for (const std::string& line : did) Note("cluster", line);
  // KubeVirt's VM controller is part of the platform: it reads the API as
  // it is (a stale read of a VM would miss the record that holds it).
  if (!restarting_.empty()) StartRestartedVms();
  in_cluster_step_ = false;
  sim_.After(options_.tick, "world", "tick", [this] { Tick(); });
}

void World::AddRuntimeProcess(
    const std::string& name, ports::Hypervisor* hypervisor, ports::Ovirt* ovirt,
    std::function<std::vector<std::unique_ptr<runtime::Reconciler>>()> make_reconcilers) {
  if (options_.outside.contains(name)) return;
  RuntimeProcess& rt = runtime_processes_[name];
  rt.scheduler = std::make_unique<ProcessScheduler>(
      sim_, name, [this, name] { return TakeLatency(name); }, kStepGap);
  rt.hypervisor = hypervisor;
  rt.ovirt = ovirt;
  rt.make_reconcilers = std::move(make_reconcilers);
  const absl::Duration period =
      absl::StartsWith(name, "agent/") ? options_.agent_period : options_.controller_period;
  rt.options.watch_period = period;
  // A failed effect is retried after a tenth of a period, doubling: as a
  // pass process retries a lost write race (a refused libvirt call is not
  // retried three times within milliseconds).
  rt.options.queue = {.base_delay = period / 10, .max_delay = absl::Minutes(5)};
  // A node's libvirt is polled every period while a migration asks (a local
  // call); the engine's polls of a VM back off while its answer stays the
  // same (issue 17: never every VM of a plan every second).
  rt.options.observe = {.first = period,
                        .max = ovirt != nullptr ? period * kEnginePollBackoff : period};
  // A plan is one key for all its VMs: its reconciles take the changes of
  // a quarter period together.
  if (ovirt != nullptr) rt.options.min_interval = period / 4;
  processes_[name] = Process{true, [this, name] { StartRuntime(name); }};
}

void World::StartRuntime(const std::string& name) {
  RuntimeProcess& rt = runtime_processes_.at(name);
  runtime::Manager::Options options = rt.options;
  options.trace = [this, name](const std::string& line) { Note(name, line); };
  options.effect_done = [this, name](const runtime::Effect& effect, const absl::Status& status) {
    StepDone(name, effect.what, status);
  };
  for (const auto& manager : rt.managers) reconciles_before_restarts_ += manager->stats().reconciles;
  for (const auto& reconciler : rt.reconcilers) {
    if (auto* lun = dynamic_cast<lun_migration::LunPlanReconciler*>(reconciler.get())) {
      for (const std::string& line : lun->stale_waits()) stale_waits_before_restarts_.push_back(line);
    }
  }
  rt.managers.clear();
  rt.faulty_api = std::make_unique<FaultyKubeApi>(api_, &faults_.api);
  rt.host = nullptr;
  if (rt.hypervisor != nullptr) {
    const std::string node = absl::StartsWith(name, "agent/") ? name.substr(6) : name;
    rt.host = std::make_unique<FaultyHypervisor>(*rt.hypervisor, node, &faults_.libvirt);
  }
  rt.engine = nullptr;
  rt.faulty_engine = nullptr;
  if (rt.ovirt != nullptr) {
    rt.faulty_engine = std::make_unique<FaultyOvirt>(*rt.ovirt, &faults_.ovirt);
    rt.engine = std::make_unique<CountingOvirt>(*rt.faulty_engine, &engine_tally_);
  }
  rt.reconcilers = rt.make_reconcilers();
  rt.executors.clear();
  rt.apis.clear();
  for (const auto& reconciler : rt.reconcilers) {
    // Each manager its own client, as in `ferry controller`: its own streams.
    rt.apis.push_back(std::make_unique<CountingKubeApi>(*rt.faulty_api, &ferry_tally_));
    rt.executors.push_back(std::make_unique<runtime::Executor>(runtime::Executor::Ports{
        .kube = rt.apis.back().get(), .hypervisor = rt.host.get(), .ovirt = rt.engine.get()}));
    rt.managers.push_back(std::make_unique<runtime::Manager>(
        *reconciler, *rt.apis.back(), *rt.executors.back(), *rt.scheduler, options));
  }
  for (const auto& manager : rt.managers) manager->Start();
}

int64_t World::reconciles() const {
  int64_t n = reconciles_before_restarts_;
  for (const auto& [name, rt] : runtime_processes_) {
    for (const auto& manager : rt.managers) n += manager->stats().reconciles;
  }
  return n;
}

std::vector<std::string> World::stale_waits() const {
  std::vector<std::string> lines = stale_waits_before_restarts_;
  for (const auto& [name, rt] : runtime_processes_) {
    for (const auto& reconciler : rt.reconcilers) {
      if (auto* lun = dynamic_cast<lun_migration::LunPlanReconciler*>(reconciler.get())) {
        for (const std::string& line : lun->stale_waits()) lines.push_back(line);
      }
    }
  }
  return lines;
}

void World::StepDone(const std::string& name, const std::string& what,
                     const absl::Status& status) {
  if (status.ok()) {
    Note(name, what);
    return;
  }
  Note(name, absl::StrCat(what, " -> ", status.ToString()));
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    refused_as_invalid_.push_back(absl::StrCat(name, ": ", what, ": ", status.message()));
  }
}

void World::StartProcess(const std::string& name, absl::Duration delay) {
  sim_.After(delay, name, "start", [this, name] { processes_.at(name).start(); });
}

absl::Duration World::TakeLatency(const std::string& process) {
  // The fake API's own: delays injected into the platform model's calls
  // (ApiFault.cluster), owed by whoever runs next, as before the
  // decorators. Ferry's own calls owe theirs through the decorators.
  absl::Duration latency = api_.TakeLatency();
  auto it = runtime_processes_.find(process);
  if (it == runtime_processes_.end()) return latency;
  RuntimeProcess& rt = it->second;
  if (rt.faulty_api != nullptr) latency += rt.faulty_api->TakeLatency();
  if (rt.host != nullptr) latency += rt.host->TakeLatency();
  if (rt.faulty_engine != nullptr) latency += rt.faulty_engine->TakeLatency();
  return latency;
}

absl::Status World::Crash(const std::string& process, absl::Duration down) {
  auto it = processes_.find(process);
  if (it == processes_.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "crash: no process \"", process,
        "\" (\"controller\", \"lun-controller\" in a world with an engine, or \"agent/<node>\")"));
  }
  const size_t dropped = sim_.Crash(process);
  it->second.up = false;
  Note(process, absl::StrCat("CRASH (", dropped, " pending events lost)"));
  sim_.After(down, "world", absl::StrCat("restart ", process), [this, process] {
    Process& p = processes_.at(process);
    if (p.up) return;
    p.up = true;
    Note(process, "restarted");
    StartProcess(process, absl::ZeroDuration());
  });
  return absl::OkStatus();
}

absl::Status World::NodeDown(const std::string& node) {
  if (fabric_.host(node) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("node_down: no node \"", node, "\""));
  }
  fabric_.NodeDown(node);
  down_nodes_.insert(node);
  RETURN_IF_ERROR(cluster_.SetNodeReady(node, false));
  const std::string agent = absl::StrCat("agent/", node);
  sim_.Crash(agent);
  processes_.at(agent).up = false;
  Note("world", absl::StrCat("NODE DOWN ", node));
  return absl::OkStatus();
}

void World::HealAll() {
  const std::set<std::string> down = down_nodes_;
  for (const std::string& node : down) (void)NodeUp(node);
  for (auto& [name, process] : processes_) {
    if (process.up) continue;
    process.up = true;
    Note(name, "restarted (heal)");
    StartProcess(name, absl::ZeroDuration());
  }
}

absl::Status World::NodeUp(const std::string& node) {
  if (fabric_.host(node) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("node_up: no node \"", node, "\""));
  }
  fabric_.NodeUp(node);
  down_nodes_.erase(node);
  RETURN_IF_ERROR(cluster_.SetNodeReady(node, true));
  const std::string agent = absl::StrCat("agent/", node);
  if (!processes_.at(agent).up) {
    processes_.at(agent).up = true;
    StartProcess(agent, absl::ZeroDuration());
  }
  Note("world", absl::StrCat("NODE UP ", node));
  return absl::OkStatus();
}

}  // namespace ferry::sim
