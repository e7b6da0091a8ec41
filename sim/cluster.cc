#include "sim/cluster.h"

#include <algorithm>
#include <map>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/cdi.pb.h"
#include "api/core.pb.h"
#include "api/names.h"
#include "api/quantity.h"
#include "api/timestamp.h"
#include "api/volumes.h"
#include "base/fnv.h"
#include "api/kubevirt.pb.h"
#include "sim/cluster_state.h"

namespace ferry::sim {
namespace {

absl::string_view Ns(absl::string_view ns) { return api::NamespaceOrDefault(ns); }

int64_t Bytes(const google::protobuf::Map<std::string, std::string>& resources) {
  auto it = resources.find("storage");
  if (it == resources.end()) return 0;
  absl::StatusOr<api::Quantity> q = api::Quantity::Parse(it->second);
  return q.ok() ? static_cast<int64_t>(q->Value()) : 0;
}

std::string Mode(const k8s::PersistentVolumeClaimSpec& spec) {
  return spec.has_volume_mode() ? spec.volume_mode() : "Filesystem";
}
std::string Mode(const k8s::PersistentVolumeSpec& spec) {
  return spec.has_volume_mode() ? spec.volume_mode() : "Filesystem";
}

bool NodeAllowed(const k8s::PersistentVolume& pv, absl::string_view node) {
  const auto& terms = pv.spec().node_affinity().required().node_selector_terms();
  if (terms.empty()) return true;
  for (const auto& term : terms) {
    bool all = true;
    for (const auto& e : term.match_expressions()) {
      if (e.key() != "kubernetes.io/hostname") continue;
      const bool in = std::find(e.values().begin(), e.values().end(), node) != e.values().end();
      if ((e.operator_() == "In" && !in) || (e.operator_() == "NotIn" && in)) all = false;
    }
    if (all) return true;
  }
  return false;
}

bool PodAllowsNode(const k8s::Pod& pod, absl::string_view node) {
  const auto& terms = pod.spec()
                          .affinity()
                          .node_affinity()
                          .required_during_scheduling_ignored_during_execution()
                          .node_selector_terms();
  if (terms.empty()) return true;
  for (const auto& term : terms) {
    bool all = true;
    for (const auto& e : term.match_fields()) {
      if (e.key() != "metadata.name") continue;
      const bool in = std::find(e.values().begin(), e.values().end(), node) != e.values().end();
      if ((e.operator_() == "In" && !in) || (e.operator_() == "NotIn" && in)) all = false;
    }
    if (all) return true;
  }
  return false;
}

bool Terminal(const k8s::Pod& pod) {
  return pod.status().phase() == "Succeeded" || pod.status().phase() == "Failed";
}

bool ReadWriteOnce(const k8s::PersistentVolumeClaim& pvc) {
  for (const auto& m : pvc.spec().access_modes()) {
    if (m == "ReadWriteMany" || m == "ReadOnlyMany") return false;
  }
  return true;
}

using internal::ClusterState;
using internal::Key;

// What the passes ask of the objects they read.
const k8s::StorageClass* ClassOf(const ClusterState& s, const k8s::PersistentVolumeClaim& pvc) {
  return s.ClassOf(pvc);
}

std::string ClassName(const ClusterState& s, const k8s::PersistentVolumeClaim& pvc) {
  if (pvc.spec().has_storage_class_name()) return pvc.spec().storage_class_name();
  const k8s::StorageClass* c = ClassOf(s, pvc);
  return c == nullptr ? "" : c->metadata().name();
}

bool Wffc(const k8s::StorageClass* c) { return ClusterState::Wffc(c); }

bool Provisions(const k8s::StorageClass* c) {
  return c != nullptr && !c->provisioner().empty() &&
         c->provisioner() != "kubernetes.io/no-provisioner";
}

// A static PV `pvc` could bind to (on `node` when given): the smallest that
// fits, the first of equals in API order. Only PVs neither Bound nor
// Released can be one.
const k8s::PersistentVolume* Match(const ClusterState& s, const k8s::PersistentVolumeClaim& pvc,
                                   absl::string_view node) {
  const k8s::PersistentVolume* best = nullptr;
  const int64_t want = Bytes(pvc.spec().resources().requests());
  const std::string cls = ClassName(s, pvc);
  for (const Key& key : s.available_pvs()) {
    const k8s::PersistentVolume* pv = s.pvs().at(key).get();
    const auto& ref = pv->spec().claim_ref();
    if (!ref.name().empty() &&
        (ref.name() != pvc.metadata().name() ||
         Ns(ref.namespace_()) != Ns(pvc.metadata().namespace_()))) {
      continue;
    }
    if (!pvc.spec().volume_name().empty() && pvc.spec().volume_name() != pv->metadata().name()) {
      continue;
    }
    if (pv->spec().storage_class_name() != cls) continue;
    if (Bytes(pv->spec().capacity()) < want) continue;
    if (Mode(pv->spec()) != Mode(pvc.spec())) continue;
    bool modes = true;
    for (const auto& m : pvc.spec().access_modes()) {
      if (std::find(pv->spec().access_modes().begin(), pv->spec().access_modes().end(), m) ==
          pv->spec().access_modes().end()) {
        modes = false;
      }
    }
    if (!modes) continue;
    if (!node.empty() && !NodeAllowed(*pv, node)) continue;
    if (best == nullptr || Bytes(pv->spec().capacity()) < Bytes(best->spec().capacity())) {
      best = pv;
    }
  }
  return best;
}

std::string PodKey(const Key& key) { return absl::StrCat(key.first, "/", key.second); }

// The kinds each pass lists, in the order it lists them (the hooks of
// those lists run in this order).
constexpr std::initializer_list<const char*> kSnapshotKinds = {
    "StorageClass", "PersistentVolume", "PersistentVolumeClaim", "Pod", "Node"};
constexpr std::initializer_list<const char*> kImportKinds = {
    "StorageClass", "PersistentVolume", "PersistentVolumeClaim", "Pod", "Node", "DataVolume"};
constexpr std::initializer_list<const char*> kRunPodsKinds = kImportKinds;
constexpr std::initializer_list<const char*> kRunVmsKinds = {
    "VirtualMachine", "VirtualMachineInstance", "StorageClass", "PersistentVolume",
    "PersistentVolumeClaim", "Pod", "Node"};

}  // namespace

absl::Status Cluster::AddNode(const std::string& name) {
  k8s::Node node;
  node.set_api_version("v1");
  node.set_kind("Node");
  node.mutable_metadata()->set_name(name);
  (*node.mutable_metadata()->mutable_labels())["kubernetes.io/hostname"] = name;
  absl::StatusOr<ports::ObjectPtr> created = api_.Create(node);
  if (!created.ok()) return created.status();
  return SetNodeReady(name, true);
}

absl::Status Cluster::SetNodeReady(const std::string& name, bool ready) {
  absl::StatusOr<ports::ObjectPtr> got = api_.Get({"Node", "", name});
  if (!got.ok()) return got.status();
  k8s::Node node = *ports::As<k8s::Node>(*got);
  node.mutable_status()->clear_conditions();
  auto* c = node.mutable_status()->add_conditions();
  c->set_type("Ready");
  c->set_status(ready ? "True" : "False");
  c->set_reason(ready ? "KubeletReady" : "NodeStatusUnknown");
  c->set_message(ready ? "kubelet is posting ready status" : "Kubelet stopped posting node status.");
  return api_.UpdateStatus(node).status();
}

Cluster::Cluster(fakes::FakeKubeApi& api, fakes::FakeFabric& fabric, const ports::Clock& clock)
    : api_(api), fabric_(fabric), clock_(clock), state_(std::make_unique<ClusterState>()) {}

Cluster::~Cluster() = default;

Cluster::Reading Cluster::Read(std::initializer_list<const char*> kinds) {
  state_->Sync(api_);
  // The lists a pass makes, in its order: their hooks run as List's would.
  std::vector<std::pair<std::string, absl::StatusOr<absl::Duration>>> lists;
  bool current = true;
  for (const char* kind : kinds) {
    absl::StatusOr<absl::Duration> lag = api_.ListHooks(kind, "");
    current = current && lag.ok() && *lag <= absl::ZeroDuration();
    lists.emplace_back(kind, std::move(lag));
  }
  if (current) return Reading{state_.get(), nullptr};
  // A failed list reads as empty, a stale one as it was then.
  auto own = std::make_unique<ClusterState>();
  for (const auto& [kind, lag] : lists) {
    if (!lag.ok()) continue;
    if (*lag <= absl::ZeroDuration()) {
      state_->ForEachObject(kind, [&, k = kind](const Key& key, const ports::ObjectPtr& object) {
        own->Set(k, key, object);
      });
      continue;
    }
    for (const ports::ObjectPtr& object : api_.ListAt(kind, "", k8s::LabelSelector(), *lag).items) {
      const k8s::ObjectMeta& meta = ports::MetadataOf(*object);
      own->Set(kind, Key{meta.namespace_(), meta.name()}, object);
    }
  }
  const ClusterState* read = own.get();
  return Reading{read, std::move(own)};
}

std::vector<std::string> Cluster::Step() {
  std::vector<std::string> did;
  Import(&did);
  if (run_vms_) RunVms(&did);
  Schedule(&did);
  Bind(&did);
  RunPods(&did);
  Release(&did);
  return did;
}

void Cluster::Bind(std::vector<std::string>* did) {
  const Reading read = Read(kSnapshotKinds);
  const ClusterState& s = *read.state;
  for (const Key& key : s.pvcs_to_bind()) {
    const k8s::PersistentVolumeClaim* pvc = s.pvcs().at(key).get();
    if (pvc->status().phase() == "Bound" || !pvc->metadata().deletion_timestamp().empty()) continue;
    const k8s::StorageClass* cls = ClassOf(s, *pvc);
    std::string selected;
    auto it = pvc->metadata().annotations().find(kSelectedNode);
    if (it != pvc->metadata().annotations().end()) selected = it->second;
    if (Wffc(cls) && selected.empty()) continue;  // waits for a consumer
    const std::string ns(Ns(pvc->metadata().namespace_()));
    k8s::PersistentVolume pv;
    if (const k8s::PersistentVolume* match = Match(s, *pvc, Wffc(cls) ? selected : "")) {
      pv = *match;
    } else if (Provisions(cls) && pvc->spec().volume_name().empty()) {
      pv.set_api_version("v1");
      pv.set_kind("PersistentVolume");
      pv.mutable_metadata()->set_name(absl::StrCat("pvc-", ns, "-", pvc->metadata().name()));
      (*pv.mutable_spec()->mutable_capacity())["storage"] =
          pvc->spec().resources().requests().at("storage");
      for (const auto& m : pvc->spec().access_modes()) pv.mutable_spec()->add_access_modes(m);
      pv.mutable_spec()->set_storage_class_name(cls->metadata().name());
      pv.mutable_spec()->set_volume_mode(Mode(pvc->spec()));
      pv.mutable_spec()->set_persistent_volume_reclaim_policy(
          cls->has_reclaim_policy() ? cls->reclaim_policy() : "Delete");
      pv.mutable_spec()->mutable_csi()->set_driver(cls->provisioner());
      pv.mutable_spec()->mutable_csi()->set_volume_handle(pv.metadata().name());
      if (Wffc(cls) && !selected.empty()) {
        auto* e = pv.mutable_spec()
                      ->mutable_node_affinity()
                      ->mutable_required()
                      ->add_node_selector_terms()
                      ->add_match_expressions();
        e->set_key("kubernetes.io/hostname");
        e->set_operator_("In");
        e->add_values(selected);
      }
      const int64_t bytes = Bytes(pv.spec().capacity());
      // A volume left by an earlier attempt (its PV create failed) is reused.
      if (fabric_.volume(pv.metadata().name()) == nullptr) {
        const absl::Status made =
            fabric_.CreateVolume(pv.metadata().name(), std::max<int64_t>(bytes, 1), 0);
        if (!made.ok()) {
          ReportProvisioningFailed(*pvc, std::string(made.message()), did);
          continue;
        }
      }
      RecordVolume(pv.metadata().name(), pv.metadata().name());
      absl::StatusOr<ports::ObjectPtr> created = api_.Create(pv);
      if (!created.ok()) continue;
      pv = *ports::As<k8s::PersistentVolume>(*created);
      did->push_back(absl::StrCat("provisioner: created PersistentVolume ", pv.metadata().name(),
                                  " for ", ns, "/", pvc->metadata().name()));
    } else {
      continue;
    }
    // Bind both ways: the PV's claimRef, then the claim.
    auto* ref = pv.mutable_spec()->mutable_claim_ref();
    ref->set_kind("PersistentVolumeClaim");
    ref->set_namespace_(ns);
    ref->set_name(pvc->metadata().name());
    ref->set_uid(pvc->metadata().uid());
    absl::StatusOr<ports::ObjectPtr> updated = api_.Update(pv);
    if (!updated.ok()) continue;
    k8s::PersistentVolume bound = *ports::As<k8s::PersistentVolume>(*updated);
    bound.mutable_status()->set_phase("Bound");
    if (!api_.UpdateStatus(bound).ok()) continue;
    k8s::PersistentVolumeClaim claim = *pvc;
    claim.mutable_spec()->set_volume_name(pv.metadata().name());
    absl::StatusOr<ports::ObjectPtr> claimed = api_.Update(claim);
    if (!claimed.ok()) continue;
    claim = *ports::As<k8s::PersistentVolumeClaim>(*claimed);
    claim.mutable_status()->set_phase("Bound");
    claim.mutable_status()->clear_access_modes();
    for (const auto& m : pv.spec().access_modes()) claim.mutable_status()->add_access_modes(m);
    (*claim.mutable_status()->mutable_capacity())["storage"] = pv.spec().capacity().at("storage");
    if (api_.UpdateStatus(claim).ok()) {
      did->push_back(absl::StrCat("pv-controller: bound ", ns, "/", pvc->metadata().name(),
                                  " to ", pv.metadata().name()));
    }
  }
}

void Cluster::Schedule(std::vector<std::string>* did) {
  const Reading read = Read(kSnapshotKinds);
  const ClusterState& s = *read.state;
  for (const Key& pod_key : s.PodsToSchedule()) {
    const k8s::Pod* pod = s.pods().at(pod_key).get();
    if (Terminal(*pod) || !pod->metadata().deletion_timestamp().empty()) continue;
    const std::string ns(Ns(pod->metadata().namespace_()));
    std::vector<const k8s::PersistentVolumeClaim*> claims;
    std::string missing;
    for (const auto& v : pod->spec().volumes()) {
      if (!v.has_persistent_volume_claim()) continue;
      const k8s::PersistentVolumeClaim* pvc = s.Pvc(ns, v.persistent_volume_claim().claim_name());
      if (pvc == nullptr) missing = v.persistent_volume_claim().claim_name();
      else claims.push_back(pvc);
    }
    auto annotate = [&](const std::string& node) {
      for (const k8s::PersistentVolumeClaim* pvc : claims) {
        if (pvc->status().phase() == "Bound" || !Wffc(ClassOf(s, *pvc)) ||
            pvc->metadata().annotations().contains(kSelectedNode)) {
          continue;
        }
        k8s::PersistentVolumeClaim next = *pvc;
        (*next.mutable_metadata()->mutable_annotations())[kSelectedNode] = node;
        if (api_.Update(next).ok()) {
          did->push_back(absl::StrCat("scheduler: ", ns, "/", pvc->metadata().name(),
                                      " selected node ", node));
        }
      }
    };
    if (!pod->spec().node_name().empty()) {
      annotate(pod->spec().node_name());
      continue;
    }
    std::string reason;
    std::string chosen;
    for (const auto& [node_key, node] : s.nodes()) {
      const std::string& name = node->metadata().name();
      if (!s.NodeReady(name)) { reason = "node(s) not ready"; continue; }
      if (!PodAllowsNode(*pod, name)) { reason = "node(s) didn't match Pod's node affinity"; continue; }
      if (!missing.empty()) { reason = absl::StrCat("persistentvolumeclaim \"", missing, "\" not found"); break; }
      bool ok = true;
      for (const k8s::PersistentVolumeClaim* pvc : claims) {
        if (pvc->status().phase() == "Bound") {
          const k8s::PersistentVolume* pv = s.Pv(pvc->spec().volume_name());
          if (pv != nullptr && !NodeAllowed(*pv, name)) {
            ok = false;
            reason = "node(s) had volume node affinity conflict";
          }
        } else {
          const k8s::StorageClass* cls = ClassOf(s, *pvc);
          if (!Wffc(cls)) {
            ok = false;
            reason = absl::StrCat("pod has unbound immediate PersistentVolumeClaims");
          } else if (!Provisions(cls) && Match(s, *pvc, name) == nullptr) {
            ok = false;
            reason = "node(s) didn't find available persistent volumes to bind";
          }
        }
        const std::set<Key>* users = s.PodsOnClaim(ns, pvc->metadata().name());
        if (ok && ReadWriteOnce(*pvc) && users != nullptr) {
          for (const Key& other_key : *users) {
            const k8s::Pod* other = s.pods().at(other_key).get();
            if (other_key == pod_key || Terminal(*other) || other->spec().node_name().empty() ||
                other->spec().node_name() == name) {
              continue;
            }
            for (const auto& ov : other->spec().volumes()) {
              if (ov.persistent_volume_claim().claim_name() == pvc->metadata().name() &&
                  Ns(other->metadata().namespace_()) == ns) {
                ok = false;
                reason = absl::StrCat("ReadWriteOnce claim ", pvc->metadata().name(),
                                      " is in use on node ", other->spec().node_name());
              }
            }
          }
        }
      }
      if (ok) { chosen = name; break; }
    }
    if (chosen.empty()) {
      const std::string message = absl::StrCat("0/", s.nodes().size(), " nodes are available: ", reason);
      if (pod->status().message() != message) {
        k8s::Pod next = *pod;
        next.mutable_status()->set_phase("Pending");
        next.mutable_status()->set_reason("Unschedulable");
        next.mutable_status()->set_message(message);
        if (api_.UpdateStatus(next).ok()) {
          did->push_back(absl::StrCat("scheduler: ", ns, "/", pod->metadata().name(), ": ", message));
        }
      }
      continue;
    }
    annotate(chosen);
    k8s::Pod next = *pod;
    next.mutable_spec()->set_node_name(chosen);
    if (api_.Update(next).ok()) {
      did->push_back(absl::StrCat("scheduler: ", ns, "/", pod->metadata().name(), " on ", chosen));
    }
  }
}

void Cluster::RunPods(std::vector<std::string>* did) {
  const Reading read = Read(kRunPodsKinds);
  const ClusterState& s = *read.state;
  auto live = [&](const std::string& key) -> const k8s::Pod* {
    const size_t slash = key.find('/');
    auto it = s.pods().find(Key{key.substr(0, slash), key.substr(slash + 1)});
    return it == s.pods().end() ? nullptr : it->second.get();
  };
  // Pods gone, stopped or replaced under the same name are logged out. A
  // pod the kubelet holds that is unchanged since the last pass, on a
  // ready node, still runs: only the others are looked at, in the
  // kubelet's order (all of them when the reads were not the current state).
  std::set<std::string> recheck;  // "ns/name"
  std::set<std::string> gone;     // pods changed since the last pass, not there now
  if (read.own != nullptr) {
    for (const auto& [key, m] : mounted_) recheck.insert(key);
    for (const auto& [key, message] : failed_mount_) {
      if (live(key) == nullptr) gone.insert(key);
    }
  } else {
    for (const Key& pod : state_->TakePodsChanged()) {
      const std::string key = PodKey(pod);
      if (mounted_.contains(key)) recheck.insert(key);
      if (!s.pods().contains(pod)) gone.insert(key);
    }
    for (const Key& pod : s.PodsToRun()) {
      if (const std::string key = PodKey(pod); mounted_.contains(key)) recheck.insert(key);
    }
  }
  for (const std::string& key : recheck) {
    const Mounted& m = mounted_.at(key);
    const k8s::Pod* pod = live(key);
    const bool runs = pod != nullptr && pod->metadata().uid() == m.uid && !Terminal(*pod) &&
                      s.NodeReady(m.node);
    if (!runs) Unmount(key);
  }
  for (const std::string& key : gone) failed_mount_.erase(key);
  // A DataVolume's claim is usable once CDI has populated it: a consumer's
  // pod waits for that, as it does behind CDI's populators (the claim binds
  // to the populated volume only then).
  const std::set<Key>& populating = s.unsettled_data_volumes();
  for (const Key& pod_key : s.PodsToRun()) {
    const k8s::Pod* pod = s.pods().at(pod_key).get();
    if (pod->spec().node_name().empty() || Terminal(*pod)) continue;
    const std::string ns(Ns(pod->metadata().namespace_()));
    const std::string key = absl::StrCat(ns, "/", pod->metadata().name());
    k8s::Pod next = *pod;
    std::optional<Mounted> mounted;
    if (!s.NodeReady(pod->spec().node_name())) {
      next.mutable_status()->set_phase("Failed");
      next.mutable_status()->set_reason("NodeLost");
      next.mutable_status()->set_message(
          absl::StrCat("node ", pod->spec().node_name(), " which was running the pod is unresponsive"));
    } else if (pod->status().phase() != "Running") {
      bool bound = true;
      for (const auto& v : pod->spec().volumes()) {
        if (!v.has_persistent_volume_claim()) continue;
        const k8s::PersistentVolumeClaim* pvc = s.Pvc(ns, v.persistent_volume_claim().claim_name());
        if (pvc == nullptr || pvc->status().phase() != "Bound" ||
            populating.contains(Key{ns, pvc->metadata().name()})) {
          bound = false;
        }
      }
      if (!bound) continue;
      absl::StatusOr<Mounted> setup = Mount(*pod, ns, s);
      if (!setup.ok()) {
        ReportFailedMount(*pod, std::string(setup.status().message()), did);
        continue;
      }
      mounted = *std::move(setup);
      next.mutable_status()->set_phase("Running");
      next.mutable_status()->clear_reason();
      next.mutable_status()->clear_message();
      next.mutable_status()->set_start_time(api::Timestamp(clock_.Now()));
    } else {
      continue;
    }
    absl::StatusOr<ports::ObjectPtr> written = api_.UpdateStatus(next);
    if (mounted.has_value()) {
      mounted_[key] = *std::move(mounted);
      failed_mount_.erase(key);
      // Not recorded as started: the kubelet sets the volumes up again.
      if (!written.ok()) Unmount(key);
    }
    if (written.ok()) {
      did->push_back(absl::StrCat("kubelet: ", ns, "/", pod->metadata().name(), " ",
                                  next.status().phase()));
    }
  }
}

absl::StatusOr<Cluster::Mounted> Cluster::Mount(const k8s::Pod& pod, absl::string_view ns,
                                                const ClusterState& s) {
  Mounted m;
  m.uid = pod.metadata().uid();
  m.node = pod.spec().node_name();
  const fakes::FakeSan::Opener opener =
      fakes::FakeSan::Pod(absl::StrCat(ns, "/", pod.metadata().name()), m.node);
  for (const auto& v : pod.spec().volumes()) {
    if (!v.has_persistent_volume_claim()) continue;
    m.claims.insert(absl::StrCat(ns, "/", v.persistent_volume_claim().claim_name()));
    const k8s::PersistentVolumeClaim* pvc = s.Pvc(ns, v.persistent_volume_claim().claim_name());
    if (pvc == nullptr) continue;
    const std::string& volume = pvc->spec().volume_name();
    const k8s::PersistentVolume* pv = s.Pv(volume);
    if (pv == nullptr) continue;
    m.volumes.insert(volume);
    if (san_ == nullptr || (!pv->spec().has_iscsi() && !pv->spec().has_fc())) continue;
    if (absl::Status in = LogIn(*pv, ns, opener, &m); !in.ok()) {
      for (const std::string& lun : m.luns) san_->Close(lun, opener);
      return absl::FailedPreconditionError(absl::StrCat(
          "MountVolume.SetUp failed for volume \"", volume, "\" : ", in.message()));
    }
  }
  return m;
}

absl::Status Cluster::LogIn(const k8s::PersistentVolume& pv, absl::string_view ns,
                            const fakes::FakeSan::Opener& opener, Mounted* mounted) {
  if (pv.spec().has_fc()) {
    const auto& wwids = pv.spec().fc().wwids();
    absl::StatusOr<std::string> lun =
        san_->OpenFc(opener, std::vector<std::string>(wwids.begin(), wwids.end()));
    if (!lun.ok()) return absl::NotFoundError(absl::StrCat("fc: ", lun.status().message()));
    mounted->luns.insert(*lun);
    return absl::OkStatus();
  }
  const k8s::ISCSIPersistentVolumeSource& iscsi = pv.spec().iscsi();
  std::optional<fakes::FakeSan::Chap> chap;
  if (iscsi.chap_auth_session()) {
    // The iSCSI volume plugin's secret: the ref's namespace, else the pod's.
    const std::string secret_ns(
        iscsi.secret_ref().namespace_().empty() ? ns : iscsi.secret_ref().namespace_());
    const std::string& name = iscsi.secret_ref().name();
    absl::StatusOr<ports::ObjectPtr> got = api_.Get({"Secret", secret_ns, name});
    if (name.empty() || !got.ok()) {
      return absl::NotFoundError(absl::StrCat(
          "iscsi: failed to get CHAP secret [", secret_ns, "/", name, "]: ",
          name.empty() ? "chapAuthSession is set but secretRef names no Secret"
                       : absl::StrCat("secrets \"", name, "\" not found")));
    }
    const auto secret = ports::As<k8s::Secret>(*got);
    chap.emplace();
    for (auto [key, value] : {std::pair<const char*, std::string*>{"node.session.auth.username",
                                                                    &chap->username},
                              {"node.session.auth.password", &chap->password}}) {
      // stringData is what the API server merges into data.
      if (auto it = secret->string_data().find(key); it != secret->string_data().end()) {
        *value = it->second;
      } else if (auto d = secret->data().find(key); d != secret->data().end()) {
        *value = d->second;
      } else {
        return absl::InvalidArgumentError(absl::StrCat("iscsi: ", key, " not found in CHAP secret [",
                                                       secret_ns, "/", name, "]"));
      }
    }
  }
  absl::StatusOr<std::string> lun =
      san_->LoginIscsi(opener, iscsi.target_portal(), iscsi.iqn(), iscsi.lun(), chap);
  if (!lun.ok()) return lun.status();
  mounted->luns.insert(*lun);
  return absl::OkStatus();
}

void Cluster::ReportFailedMount(const k8s::Pod& pod, const std::string& message,
                                std::vector<std::string>* did) {
  const std::string ns(Ns(pod.metadata().namespace_()));
  const std::string key = absl::StrCat(ns, "/", pod.metadata().name());
  std::string& reported = failed_mount_[key];
  if (reported == message) return;
  if (pod.status().phase() != "Pending") {
    k8s::Pod next = pod;
    next.mutable_status()->set_phase("Pending");
    if (!api_.UpdateStatus(next).ok()) return;
  }
  // One event per pod, its message the latest failure (kubelet's events
  // aggregate the same way: one object, a count and the last message).
  k8s::Event event;
  event.set_api_version("v1");
  event.set_kind("Event");
  event.mutable_metadata()->set_name(absl::StrCat(pod.metadata().name(), ".failed-mount"));
  event.mutable_metadata()->set_namespace_(ns);
  event.mutable_involved_object()->set_kind("Pod");
  event.mutable_involved_object()->set_namespace_(ns);
  event.mutable_involved_object()->set_name(pod.metadata().name());
  event.mutable_involved_object()->set_uid(pod.metadata().uid());
  event.set_reason("FailedMount");
  event.set_message(message);
  event.set_type("Warning");
  event.mutable_source()->set_component("kubelet");
  event.mutable_source()->set_host(pod.spec().node_name());
  const std::string now = api::Timestamp(clock_.Now());
  event.set_last_timestamp(now);
  absl::StatusOr<ports::ObjectPtr> old = api_.Get({"Event", ns, event.metadata().name()});
  absl::Status st;
  if (old.ok()) {
    const auto& was = *ports::As<k8s::Event>(*old);
    event.mutable_metadata()->set_resource_version(was.metadata().resource_version());
    event.set_first_timestamp(was.first_timestamp());
    event.set_count(was.count() + 1);
    st = api_.Update(event).status();
  } else {
    event.set_first_timestamp(now);
    event.set_count(1);
    st = api_.Create(event).status();
  }
  if (!st.ok()) return;
  reported = message;
  did->push_back(absl::StrCat("kubelet: ", key, " on ", pod.spec().node_name(), ": ", message));
}

void Cluster::ReportProvisioningFailed(const k8s::PersistentVolumeClaim& pvc,
                                       const std::string& message, std::vector<std::string>* did) {
  const std::string ns(Ns(pvc.metadata().namespace_()));
  const std::string key = absl::StrCat(ns, "/", pvc.metadata().name());
  if (provisioning_failed_.contains(key)) return;
  k8s::Event event;
  event.set_api_version("v1");
  event.set_kind("Event");
  event.mutable_metadata()->set_name(absl::StrCat(pvc.metadata().name(), ".provisioning-failed"));
  event.mutable_metadata()->set_namespace_(ns);
  event.mutable_involved_object()->set_kind("PersistentVolumeClaim");
  event.mutable_involved_object()->set_namespace_(ns);
  event.mutable_involved_object()->set_name(pvc.metadata().name());
  event.mutable_involved_object()->set_uid(pvc.metadata().uid());
  event.set_reason("ProvisioningFailed");
  event.set_message(message);
  event.set_type("Warning");
  event.mutable_source()->set_component("persistentvolume-controller");
  const std::string now = api::Timestamp(clock_.Now());
  event.set_first_timestamp(now);
  event.set_last_timestamp(now);
  event.set_count(1);
  if (!api_.Create(event).ok()) return;
  provisioning_failed_[key] = message;
  did->push_back(absl::StrCat("provisioner: ", key, ": ", message));
}

void Cluster::Unmount(const std::string& pod) {
  auto it = mounted_.find(pod);
  if (it == mounted_.end()) return;
  if (san_ != nullptr) san_->Close(fakes::FakeSan::Pod(pod, it->second.node));
  mounted_.erase(it);
}

void Cluster::Import(std::vector<std::string>* did) {
  const Reading read = Read(kImportKinds);
  const ClusterState& s = *read.state;
  for (const Key& dv_key : s.unsettled_data_volumes()) {
    const cdi::DataVolume* dv = s.data_volumes().at(dv_key).get();
    if (dv->status().phase() == "Succeeded" || !dv->metadata().deletion_timestamp().empty()) continue;
    const std::string ns(Ns(dv->metadata().namespace_()));
    const k8s::PersistentVolumeClaim* pvc = s.Pvc(ns, dv->metadata().name());
    cdi::DataVolume next = *dv;
    if (pvc == nullptr) {
      k8s::PersistentVolumeClaim claim;
      claim.set_api_version("v1");
      claim.set_kind("PersistentVolumeClaim");
      claim.mutable_metadata()->set_name(dv->metadata().name());
      claim.mutable_metadata()->set_namespace_(ns);
      ports::AddOwnerReference(*dv, claim.mutable_metadata());
      if (dv->spec().has_pvc()) {
        *claim.mutable_spec() = dv->spec().pvc();
      } else {
        const cdi::StorageSpec& st = dv->spec().storage();
        for (const auto& m : st.access_modes()) claim.mutable_spec()->add_access_modes(m);
        if (claim.spec().access_modes().empty()) claim.mutable_spec()->add_access_modes("ReadWriteOnce");
        *claim.mutable_spec()->mutable_resources() = st.resources();
        if (st.has_storage_class_name()) claim.mutable_spec()->set_storage_class_name(st.storage_class_name());
        if (st.has_volume_mode()) claim.mutable_spec()->set_volume_mode(st.volume_mode());
      }
      if (api_.Create(claim).ok()) {
        did->push_back(absl::StrCat("cdi: created claim ", ns, "/", dv->metadata().name()));
      }
      next.mutable_status()->set_phase(Wffc(ClassOf(s, claim)) ? "WaitForFirstConsumer"
                                                               : "Pending");
    } else if (pvc->status().phase() == "Bound") {
      const uint64_t base = dv->spec().source().has_blank()
                                ? 0
                                : Fnv1a64(absl::StrCat(ns, "/", dv->metadata().name())) | 1;
      if (!fabric_.ImportImage(pvc->spec().volume_name(), base).ok()) continue;
      next.mutable_status()->set_phase("Succeeded");
      next.mutable_status()->set_progress("100.0%");
      next.mutable_status()->set_claim_name(dv->metadata().name());
    } else {
      continue;
    }
    if (next.status().phase() != dv->status().phase() && api_.UpdateStatus(next).ok()) {
      did->push_back(absl::StrCat("cdi: DataVolume ", ns, "/", dv->metadata().name(), " ",
                                  next.status().phase()));
    }
  }
}

void Cluster::Release(std::vector<std::string>* did) {
  const Reading read = Read(kSnapshotKinds);
  const ClusterState& s = *read.state;
  for (const Key& pv_key : s.released_pvs()) {
    const k8s::PersistentVolume* pv = s.pvs().at(pv_key).get();
    const auto& ref = pv->spec().claim_ref();
    if (ref.name().empty() || pv->status().phase() != "Bound") continue;
    const k8s::PersistentVolumeClaim* pvc = s.Pvc(ref.namespace_(), ref.name());
    if (pvc != nullptr && pvc->metadata().uid() == ref.uid()) continue;
    if (pv->spec().persistent_volume_reclaim_policy() == "Delete") {
      if (api_.Delete({"PersistentVolume", "", pv->metadata().name()}).ok()) {
        (void)fabric_.DeleteVolume(pv->metadata().name());
        did->push_back(absl::StrCat("pv-controller: deleted released PersistentVolume ",
                                    pv->metadata().name()));
      }
    } else {
      k8s::PersistentVolume next = *pv;
      next.mutable_status()->set_phase("Released");
      if (api_.UpdateStatus(next).ok()) {
        did->push_back(absl::StrCat("pv-controller: PersistentVolume ", pv->metadata().name(),
                                    " Released"));
      }
    }
  }
}

void Cluster::RunVms(std::vector<std::string>* did) {
  const Reading read = Read(kRunVmsKinds);
  const ClusterState& s = *read.state;
  auto find_vm = [&](const std::string& ns, const std::string& name) -> const kubevirt::VirtualMachine* {
    auto it = s.vms().find(Key{ns, name});
    return it == s.vms().end() ? nullptr : it->second.get();
  };
  auto launchers = [&](const std::string& ns, const std::string& name) {
    std::vector<const k8s::Pod*> pods;
    if (const std::set<Key>* of = s.LaunchersOf(ns, name)) {
      for (const Key& key : *of) pods.push_back(s.pods().at(key).get());
    }
    return pods;
  };
  // VMIs of VMs gone or stopped: the VMI and its launcher go.
  for (const Key& vmi_key : s.orphaned_vmis()) {
    const kubevirt::VirtualMachineInstance* vmi = s.vmis().at(vmi_key).get();
    const std::string ns(Ns(vmi->metadata().namespace_()));
    const std::string& name = vmi->metadata().name();
    const kubevirt::VirtualMachine* vm = find_vm(ns, name);
    if (vm != nullptr && internal::WantsToRun(*vm)) continue;
    bool owned = false;
    for (const auto& ref : vmi->metadata().owner_references()) owned |= ref.kind() == "VirtualMachine";
    if (!owned) continue;
    for (const k8s::Pod* pod : launchers(ns, name)) {
      if (api_.Delete({"Pod", ns, pod->metadata().name()}).ok()) {
        did->push_back(absl::StrCat("virt-controller: deleted launcher ", ns, "/", pod->metadata().name()));
      }
    }
    if (api_.Delete({"VirtualMachineInstance", ns, name}).ok()) {
      did->push_back(absl::StrCat("virt-controller: deleted VMI ", ns, "/", name));
    }
  }
  for (const Key& vm_key : s.vms_to_start()) {
    const kubevirt::VirtualMachine* vm = s.vms().at(vm_key).get();
    if (!internal::WantsToRun(*vm)) continue;
    const std::string ns(Ns(vm->metadata().namespace_()));
    const std::string& name = vm->metadata().name();
    auto found = s.vmis().find(Key{ns, name});
    const kubevirt::VirtualMachineInstance* vmi =
        found == s.vmis().end() ? nullptr : found->second.get();
    if (vmi == nullptr) {
      kubevirt::VirtualMachineInstance next;
      next.set_api_version("kubevirt.io/v1");
      next.set_kind("VirtualMachineInstance");
      next.mutable_metadata()->set_name(name);
      next.mutable_metadata()->set_namespace_(ns);
      ports::AddOwnerReference(*vm, next.mutable_metadata(), /*controller=*/true);
      *next.mutable_spec() = vm->spec().template_().spec();
      if (!api_.Create(next).ok()) continue;
      k8s::Pod pod;
      pod.set_api_version("v1");
      pod.set_kind("Pod");
      pod.mutable_metadata()->set_name(absl::StrFormat(
          "virt-launcher-%s-%05x", name, Fnv1a64(absl::StrCat(ns, "/", name)) & 0xfffff));
      pod.mutable_metadata()->set_namespace_(ns);
      (*pod.mutable_metadata()->mutable_labels())["kubevirt.io"] = "virt-launcher";
      (*pod.mutable_metadata()->mutable_labels())[internal::kLauncherOf] = name;
      auto* container = pod.mutable_spec()->add_containers();
      container->set_name("compute");
      container->set_image("quay.io/kubevirt/virt-launcher");
      for (const auto& v : vm->spec().template_().spec().volumes()) {
        std::optional<std::string> claim = api::ClaimOf(v);
        if (!claim) continue;
        auto* pv = pod.mutable_spec()->add_volumes();
        pv->set_name(v.name());
        pv->mutable_persistent_volume_claim()->set_claim_name(*claim);
      }
      if (api_.Create(pod).ok()) {
        did->push_back(absl::StrCat("virt-controller: VM ", ns, "/", name, " starting (pod ",
                                    pod.metadata().name(), ")"));
      }
      continue;
    }
    if (vmi->status().phase() == "Running") continue;
    for (const k8s::Pod* pod : launchers(ns, name)) {
      if (pod->status().phase() != "Running") continue;
      kubevirt::VirtualMachineInstance next = *vmi;
      next.mutable_status()->set_phase("Running");
      next.mutable_status()->set_node_name(pod->spec().node_name());
      if (api_.UpdateStatus(next).ok()) {
        did->push_back(absl::StrCat("virt-handler: VMI ", ns, "/", name, " Running on ",
                                    pod->spec().node_name()));
      }
      break;
    }
  }
}

}  // namespace ferry::sim
