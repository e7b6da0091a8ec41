// FakeSan: the shared storage the LUNs of a LUN world live on, for the
// simulator, the scenario runner and tests. It knows each logical unit by
// its own name (its SCSI WWID) and by how it is reached: an iSCSI target
// (portal, IQN, LUN number), with the CHAP credentials the target demands,
// or Fibre Channel (the WWID itself). And it knows who has each one open:
// - an oVirt VM, for as long as the engine has the LUN's disk attached to it
//   and active (fakes/ovirt registers it; a down VM holds it too: one start
//   away from writing);
// - a pod, logged in by the kubelet of its node when it starts the pod and
//   logged out when the pod stops (sim/cluster_kubelet.h).
// The checkers read who holds what from here, not from the core's helpers.
// Deterministic: ordered maps; every change of an opener is journaled, so a
// reader can look at only the LUNs that changed since its last look.
//
//   FakeSan san;
//   san.AddLun({.id = "36001405a", .portal = "10.0.0.5:3260",
//               .iqn = "iqn.2024-01.com.example:t1", .lun = 3, .size_bytes = 10 << 30});
//   absl::StatusOr<std::string> id = san.LoginIscsi(
//       FakeSan::Pod("default/virt-launcher-db-1", "node-a"),
//       "10.0.0.5:3260", "iqn.2024-01.com.example:t1", 3, std::nullopt);
//   san.Close(FakeSan::Pod("default/virt-launcher-db-1", "node-a"));
#ifndef FERRY_FAKES_SAN_FAKE_SAN_H_
#define FERRY_FAKES_SAN_FAKE_SAN_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ferry::fakes {

class FakeSan {
 public:
  struct LunOptions {
    std::string id{};          // the logical unit's WWID; also its Fibre Channel name
    bool fibre_channel = false;
    std::string portal{};      // iSCSI: "address:port" (port 3260 when left out)
    std::string iqn{};
    int lun = 0;
    int64_t size_bytes = 0;
    std::string chap_username{};  // non-empty: the target refuses a login without CHAP
    std::string chap_password{};  // "": any password of that user is accepted
  };
  struct Lun {
    LunOptions options;
  };
  // Who has a LUN open. kind "ovirt-vm": id is the engine's VM id, node
  // empty; kind "pod": id is the pod's "namespace/name", node its node.
  struct Opener {
    std::string kind;
    std::string id;
    std::string node;
    bool operator<(const Opener& o) const {
      return std::tie(kind, id, node) < std::tie(o.kind, o.id, o.node);
    }
    bool operator==(const Opener& o) const {
      return kind == o.kind && id == o.id && node == o.node;
    }
  };
  static Opener OvirtVm(absl::string_view vm_id) { return {"ovirt-vm", std::string(vm_id), ""}; }
  static Opener Pod(absl::string_view ns_name, absl::string_view node) {
    return {"pod", std::string(ns_name), std::string(node)};
  }
  struct Chap {
    std::string username;
    std::string password;
  };

  // A new logical unit. InvalidArgument for a missing id or address;
  // AlreadyExists when its id or its address is taken.
  absl::Status AddLun(LunOptions options);

  // The LUN at an address, or null. A portal without a port means 3260.
  const Lun* FindIscsi(absl::string_view portal, absl::string_view iqn, int lun) const;
  const Lun* FindFc(absl::string_view wwid) const;
  const Lun* Find(absl::string_view id) const;

  // An initiator's iSCSI login to the LUN, as the node's iscsiadm does it:
  // NotFound when no target has that portal and IQN, or the target has no
  // such LUN; PermissionDenied when the target needs CHAP and `chap` is
  // missing or names other credentials. On success the opener holds the
  // LUN; returns its id.
  absl::StatusOr<std::string> LoginIscsi(const Opener& opener, absl::string_view portal,
                                         absl::string_view iqn, int lun,
                                         const std::optional<Chap>& chap);
  // A Fibre Channel open by WWIDs: the first that names a LUN. NotFound when
  // none does.
  absl::StatusOr<std::string> OpenFc(const Opener& opener, const std::vector<std::string>& wwids);
  // An open of a LUN already found (the engine's attachments). NotFound for
  // an unknown id; opening twice is one open.
  absl::Status Open(absl::string_view id, const Opener& opener);
  // Closes the opener's hold of one LUN, or of every LUN it has open.
  void Close(absl::string_view id, const Opener& opener);
  void Close(const Opener& opener);

  // Every LUN by id, with who holds it.
  const std::map<std::string, Lun, std::less<>>& luns() const { return luns_; }
  const std::set<Opener>& OpenersOf(absl::string_view id) const;
  // The ids of the LUNs whose openers changed, in order; a reader keeps the
  // size it last read and reads on from there.
  const std::vector<std::string>& journal() const { return journal_; }

 private:

  std::map<std::string, Lun, std::less<>> luns_;
  std::map<std::string, std::set<Opener>, std::less<>> openers_;  // LUN id -> who holds it
  std::map<std::tuple<std::string, std::string, int>, std::string> by_iscsi_;  // -> LUN id
  std::map<Opener, std::set<std::string>> held_by_;  // opener -> the LUN ids it holds
  std::vector<std::string> journal_;
};

}  // namespace ferry::fakes

#endif  // FERRY_FAKES_SAN_FAKE_SAN_H_
