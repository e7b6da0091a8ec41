// The kubelets of the cluster's nodes (sim/cluster_kubelet.h).
#include "sim/cluster_kubelet.h"

#include <initializer_list>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/names.h"
#include "api/timestamp.h"

namespace ferry::sim::internal {
namespace {

using api::NamespaceOrDefault;

// The kinds the pass lists, in the order it lists them (the hooks of those
// lists run in this order).
constexpr std::initializer_list<const char*> kKinds = {
    "StorageClass", "PersistentVolume", "PersistentVolumeClaim", "Pod", "Node", "DataVolume"};

std::string PodKey(const Key& key) { return absl::StrCat(key.first, "/", key.second); }

}  // namespace

void Kubelet::RunPods(std::vector<std::string>* did) {
  const Reading read = reader_.Read(kKinds);
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
    for (const Key& pod : reader_.TakePodsChanged()) {
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
    const std::string ns(NamespaceOrDefault(pod->metadata().namespace_()));
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

absl::StatusOr<Kubelet::Mounted> Kubelet::Mount(const k8s::Pod& pod, absl::string_view ns,
                                                const ClusterState& s) {
  Mounted m;
  m.uid = pod.metadata().uid();
  m.node = pod.spec().node_name();
  const std::string pod_key = absl::StrCat(ns, "/", pod.metadata().name());
  const fakes::FakeSan::Opener opener = fakes::FakeSan::Pod(pod_key, m.node);
  // Undoes what this mount did so far (the SAN's logins, the hook's) and
  // says why it failed.
  auto fail = [&](absl::string_view volume, absl::string_view why) {
    if (san_ != nullptr) {
      for (const std::string& lun : m.luns) san_->Close(lun, opener);
    }
    if (release_ != nullptr) release_(pod_key);
    return absl::FailedPreconditionError(
        absl::StrCat("MountVolume.SetUp failed for volume \"", volume, "\" : ", why));
  };
  for (const auto& v : pod.spec().volumes()) {
    if (!v.has_persistent_volume_claim()) continue;
    m.claims.insert(absl::StrCat(ns, "/", v.persistent_volume_claim().claim_name()));
    const k8s::PersistentVolumeClaim* pvc = s.Pvc(ns, v.persistent_volume_claim().claim_name());
    if (pvc == nullptr) continue;
    const std::string& volume = pvc->spec().volume_name();
    const k8s::PersistentVolume* pv = s.Pv(volume);
    if (pv == nullptr) continue;
    m.volumes.insert(volume);
    std::optional<fakes::FakeSan::Chap> chap;
    if (pv->spec().has_iscsi() && (san_ != nullptr || prepare_ != nullptr)) {
      absl::StatusOr<std::optional<fakes::FakeSan::Chap>> got = ChapOf(*pv, ns);
      if (!got.ok()) return fail(volume, got.status().message());
      chap = *std::move(got);
    }
    if (prepare_ != nullptr) {
      absl::Status ready =
          prepare_({.pod = pod_key, .node = m.node, .pv = pv, .chap = chap});
      if (!ready.ok()) return fail(volume, ready.message());
    }
    if (san_ == nullptr || (!pv->spec().has_iscsi() && !pv->spec().has_fc())) continue;
    if (absl::Status in = LogIn(*pv, chap, opener, &m); !in.ok()) return fail(volume, in.message());
  }
  return m;
}

absl::Status Kubelet::LogIn(const k8s::PersistentVolume& pv,
                            const std::optional<fakes::FakeSan::Chap>& chap,
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
  absl::StatusOr<std::string> lun =
      san_->LoginIscsi(opener, iscsi.target_portal(), iscsi.iqn(), iscsi.lun(), chap);
  if (!lun.ok()) return lun.status();
  mounted->luns.insert(*lun);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<fakes::FakeSan::Chap>> Kubelet::ChapOf(
    const k8s::PersistentVolume& pv, absl::string_view ns) {
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
  return chap;
}

void Kubelet::ReportFailedMount(const k8s::Pod& pod, const std::string& message,
                                std::vector<std::string>* did) {
  const std::string ns(NamespaceOrDefault(pod.metadata().namespace_()));
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

void Kubelet::Unmount(const std::string& pod) {
  auto it = mounted_.find(pod);
  if (it == mounted_.end()) return;
  if (san_ != nullptr) san_->Close(fakes::FakeSan::Pod(pod, it->second.node));
  if (release_ != nullptr) release_(pod);
  mounted_.erase(it);
}

}  // namespace ferry::sim::internal
