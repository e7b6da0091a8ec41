// RealLuns: `ferry up --real-iscsi DIR` logs the world's LUN users in to
// their iSCSI LUNs for real, each through its own QEMU initiator
// (adapters/iscsi/qemu_initiator.h), so that a real target (tgt) sees who
// holds which LUN, and refuses what it would refuse:
//
// - a pod mounting an iSCSI PV (the kubelet model calls LoginPod before it
//   starts the pod, LogoutPod once it stops): the PV's portal, IQN, LUN and
//   initiatorName (else iqn.2026-12.io.ferry:NODE), with the CHAP
//   credentials of its Secret. A refusal is the pod's FailedMount.
// - an oVirt VM that is not down, for each active attachment of an iSCSI
//   LUN disk (SyncEngine after every step of the world): the logical unit's
//   address, port, target and lun_mapping, as host iqn.2026-12.io.ferry:ovirt-host,
//   with the CHAP credentials the SAN model holds for it (an oVirt host has
//   them from its storage connection; the engine's API never returns a
//   password). Shutdown, detach or deactivation ends the session; start or
//   attach opens it again.
//
// Fibre Channel stays simulated. Every QEMU is stopped by PID when its user
// lets go and when RealLuns is destroyed.
#ifndef FERRY_CMD_FERRY_REAL_LUNS_H_
#define FERRY_CMD_FERRY_REAL_LUNS_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "adapters/iscsi/qemu_initiator.h"
#include "api/core.pb.h"
#include "fakes/ovirt/fake_engine.h"
#include "fakes/san/fake_san.h"

namespace ferry::cli {

class RealLuns {
 public:
  // `log` gets a line per login and logout.
  RealLuns(std::string workdir, std::function<void(const std::string&)> log)
      : workdir_(std::move(workdir)), log_(std::move(log)) {}

  absl::Status LoginPod(const std::string& pod, const std::string& node,
                        const k8s::PersistentVolume& pv,
                        const std::optional<fakes::FakeSan::Chap>& chap);
  void LogoutPod(const std::string& pod);
  // Opens and closes the engine VMs' sessions to match the engine. `ferry
  // up` calls it at every tick; it looks at the engine only when the engine
  // changed, and once a second (`now`) to retry a refused login and to
  // replace an initiator that died.
  void SyncEngine(const fakes::FakeEngine& engine, const fakes::FakeSan& san, absl::Time now);

 private:
  struct Session {
    std::string what;  // for log lines: the user and the LUN
    std::unique_ptr<adapters::QemuInitiator> initiator;
  };

  const std::string workdir_;
  const std::function<void(const std::string&)> log_;
  std::map<std::string, std::vector<Session>> pods_;  // by "namespace/name"
  std::map<std::string, Session> vms_;                // by "VM_ID/DISK_ID/INDEX"
  std::map<std::string, std::string> refused_;        // the last refusal logged, by key
  std::optional<uint64_t> synced_changes_;  // engine.changes() at the last sync
  absl::Time next_sync_ = absl::InfinitePast();
};

}  // namespace ferry::cli

#endif  // FERRY_CMD_FERRY_REAL_LUNS_H_
