#include "cmd/ferry/real_luns.h"

#include <cstdlib>
#include <set>

#include "absl/strings/str_cat.h"

namespace ferry::cli {
namespace {

constexpr char kInitiatorPrefix[] = "iqn.2026-12.io.ferry:";

std::string WithPort(const std::string& portal) {
  return portal.find(':') == std::string::npos ? absl::StrCat(portal, ":3260") : portal;
}

}  // namespace

absl::Status RealLuns::LoginPod(const std::string& pod, const std::string& node,
                                const k8s::PersistentVolume& pv,
                                const std::optional<fakes::FakeSan::Chap>& chap) {
  const k8s::ISCSIPersistentVolumeSource& iscsi = pv.spec().iscsi();
  adapters::QemuInitiator::Options o;
  o.portal = WithPort(iscsi.target_portal());
  o.iqn = iscsi.iqn();
  o.lun = iscsi.lun();
  o.initiator_name =
      iscsi.initiator_name().empty() ? absl::StrCat(kInitiatorPrefix, node) : iscsi.initiator_name();
  if (chap.has_value()) {
    o.chap_username = chap->username;
    o.chap_password = chap->password;
  }
  o.workdir = workdir_;
  absl::StatusOr<std::unique_ptr<adapters::QemuInitiator>> started =
      adapters::QemuInitiator::Start(o);
  if (!started.ok()) return started.status();
  const std::string what = absl::StrCat("pod ", pod, " on ", node, ": ", o.iqn, " LUN ", o.lun,
                                        " at ", o.portal, " as ", o.initiator_name);
  log_(absl::StrCat("iSCSI login: ", what, " (QEMU ", (*started)->pid(), ")"));
  pods_[pod].push_back({what, *std::move(started)});
  return absl::OkStatus();
}

void RealLuns::LogoutPod(const std::string& pod) {
  auto it = pods_.find(pod);
  if (it == pods_.end()) return;
  for (Session& s : it->second) {
    log_(absl::StrCat("iSCSI logout: ", s.what, " (QEMU ", s.initiator->pid(), ")"));
    s.initiator.reset();
  }
  pods_.erase(it);
}

void RealLuns::SyncEngine(const fakes::FakeEngine& engine, const fakes::FakeSan& san,
                          absl::Time now) {
  if (synced_changes_ == engine.changes() && now < next_sync_) return;
  synced_changes_ = engine.changes();
  next_sync_ = now + absl::Seconds(1);
  // What should be logged in now: key -> options.
  std::map<std::string, adapters::QemuInitiator::Options> want;
  std::map<std::string, std::string> what;
  for (const std::string& id : engine.VmIdsForTest()) {
    std::optional<ovirt::Vm> vm = engine.VmForTest(id);
    if (!vm.has_value() || vm->status() == "down") continue;
    for (const ovirt::DiskAttachment& a : vm->disk_attachments().disk_attachment()) {
      if (a.active() != "true") continue;
      auto disk = engine.disks_for_test().find(a.disk().id());
      if (disk == engine.disks_for_test().end() || disk->second.lun_storage().type() != "iscsi") {
        continue;
      }
      int index = 0;
      for (const ovirt::LogicalUnit& lu :
           disk->second.lun_storage().logical_units().logical_unit()) {
        adapters::QemuInitiator::Options o;
        o.portal = absl::StrCat(lu.address(), ":", lu.port().empty() ? "3260" : lu.port());
        o.iqn = lu.target();
        o.lun = std::atoi(lu.lun_mapping().c_str());
        o.initiator_name = absl::StrCat(kInitiatorPrefix, "ovirt-host");
        if (const fakes::FakeSan::Lun* l = san.FindIscsi(o.portal, o.iqn, o.lun); l != nullptr) {
          o.chap_username = l->options.chap_username;
          o.chap_password = l->options.chap_password;
        }
        o.workdir = workdir_;
        const std::string key = absl::StrCat(id, "/", disk->first, "/", index++);
        what[key] = absl::StrCat("oVirt VM ", vm->name(), " disk ", disk->first, ": ", o.iqn,
                                 " LUN ", o.lun, " at ", o.portal, " as ", o.initiator_name);
        want[key] = std::move(o);
      }
    }
  }
  for (auto it = vms_.begin(); it != vms_.end();) {
    if (want.contains(it->first) && it->second.initiator->Running()) {
      ++it;
      continue;
    }
    log_(absl::StrCat("iSCSI logout: ", it->second.what, " (QEMU ", it->second.initiator->pid(),
                      ")"));
    it = vms_.erase(it);
  }
  for (const auto& [key, options] : want) {
    if (vms_.contains(key)) continue;
    absl::StatusOr<std::unique_ptr<adapters::QemuInitiator>> started =
        adapters::QemuInitiator::Start(options);
    if (!started.ok()) {
      std::string& last = refused_[key];
      if (last != started.status().message()) {
        last = std::string(started.status().message());
        log_(absl::StrCat("iSCSI login refused: ", what[key], ": ", last));
      }
      continue;
    }
    refused_.erase(key);
    log_(absl::StrCat("iSCSI login: ", what[key], " (QEMU ", (*started)->pid(), ")"));
    vms_[key] = {what[key], *std::move(started)};
  }
}

}  // namespace ferry::cli
