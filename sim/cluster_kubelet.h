// Kubelet: the kubelets of the cluster's nodes, as the cluster model
// (sim/cluster.h) runs them.
//
// RunPods starts each pod on a ready node once every claim it mounts is
// Bound and, for a DataVolume's claim, populated by CDI; the pods of a node
// that is not ready (or not there) fail (NodeLost). Starting a pod sets its
// volumes up (Mount): in LUN worlds (set_san) the pod's node logs in to the
// LUN of each iSCSI or Fibre Channel PV the pod mounts (FakeSan::Pod),
// resolving the PV's iscsi (portal, iqn, lun; with chapAuthSession the
// Secret of secretRef, in the pod's namespace when the ref names none, and
// its keys node.session.auth.username and node.session.auth.password) or fc
// (wwids) itself. A refusal (no such target or LUN, the Secret missing,
// lacking a key or naming other credentials) leaves the pod Pending with a
// FailedMount event, as kubelet's MountVolume.SetUp failing does. The
// kubelet records what each pod it started mounted (mounted()) for as long
// as the pod runs; the logins end when the pod stops (deleted, failed,
// replaced under its name, or its node lost). With set_prepare_volume
// (`ferry up`'s real nodes and real SAN), each PV a pod mounts is first
// handed to that hook: virt-launcher creating a Filesystem claim's disk
// image on its node, or a real iSCSI login; its refusal is a FailedMount
// too, and the hook's release undoes it when the pod stops.
//
//   internal::Kubelet kubelet(api, clock, reader);
//   kubelet.set_san(&san);  // LUN worlds
//   kubelet.RunPods(&did);
#ifndef FERRY_SIM_CLUSTER_KUBELET_H_
#define FERRY_SIM_CLUSTER_KUBELET_H_

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/core.pb.h"
#include "core/ports/clock.h"
#include "fakes/kube/fake_kube_api.h"
#include "fakes/san/fake_san.h"
#include "sim/cluster_reader.h"

namespace ferry::sim::internal {

class Kubelet {
 public:
  // What a pod the kubelet started mounted.
  struct Mounted {
    std::string uid;
    std::string node;
    std::set<std::string> claims;   // "namespace/name"
    std::set<std::string> volumes;  // PersistentVolume names
    std::set<std::string> luns;     // the SAN's LUN ids logged in
  };

  Kubelet(fakes::FakeKubeApi& api, const ports::Clock& clock, ClusterReader& reader)
      : api_(api), clock_(clock), reader_(reader) {}
  Kubelet(const Kubelet&) = delete;
  Kubelet& operator=(const Kubelet&) = delete;

  // The SAN the LUN PVs live on; none (nullptr) outside LUN worlds.
  void set_san(fakes::FakeSan* san) { san_ = san; }
  // Called for each PV a pod mounts before the pod starts (none by
  // default): the pod ("namespace/name"), its node, the PV, and for an
  // iSCSI PV with chapAuthSession the credentials its Secret holds. Then
  // `release` with the pod once it stops, or once a mount of it failed.
  struct VolumeUse {
    std::string pod;
    std::string node;
    const k8s::PersistentVolume* pv = nullptr;
    std::optional<fakes::FakeSan::Chap> chap;
  };
  using PrepareVolume = std::function<absl::Status(const VolumeUse&)>;
  using ReleaseVolumes = std::function<void(const std::string& pod)>;
  void set_prepare_volume(PrepareVolume prepare, ReleaseVolumes release = nullptr) {
    prepare_ = std::move(prepare);
    release_ = std::move(release);
  }
  // What each running pod it started mounted, by "namespace/name".
  const std::map<std::string, Mounted>& mounted() const { return mounted_; }

  // One pass; a line per change made goes to `did`.
  void RunPods(std::vector<std::string>* did);

 private:
  // The volume setup of a pod about to start: its claims, and a login per
  // LUN PV. On a refusal, logs out what it logged in and returns kubelet's
  // FailedMount message.
  absl::StatusOr<Mounted> Mount(const k8s::Pod& pod, absl::string_view ns,
                                const ClusterState& state);
  absl::Status LogIn(const k8s::PersistentVolume& pv,
                     const std::optional<fakes::FakeSan::Chap>& chap,
                     const fakes::FakeSan::Opener& opener, Mounted* mounted);
  // The CHAP credentials of an iSCSI PV with chapAuthSession, from its
  // Secret (the ref's namespace, else the pod's `ns`); nullopt without CHAP.
  absl::StatusOr<std::optional<fakes::FakeSan::Chap>> ChapOf(const k8s::PersistentVolume& pv,
                                                             absl::string_view ns);
  // The pod goes (back) to Pending with one FailedMount event carrying the
  // latest message; a message already reported is not reported again.
  void ReportFailedMount(const k8s::Pod& pod, const std::string& message,
                         std::vector<std::string>* did);
  // Logs out a pod the record holds and forgets it.
  void Unmount(const std::string& pod);

  fakes::FakeKubeApi& api_;
  const ports::Clock& clock_;
  ClusterReader& reader_;
  fakes::FakeSan* san_ = nullptr;
  PrepareVolume prepare_;
  ReleaseVolumes release_;
  std::map<std::string, Mounted> mounted_;
  std::map<std::string, std::string> failed_mount_;  // pod -> the last FailedMount reported
};

}  // namespace ferry::sim::internal

#endif  // FERRY_SIM_CLUSTER_KUBELET_H_
