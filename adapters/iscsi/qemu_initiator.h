// QemuInitiator: a real iSCSI session to one LUN, held by a QEMU process with
// the LUN as a `scsi-block` disk on virtio-scsi (KubeVirt's `lun` disk style)
// and no guest running (-S). QEMU's userspace initiator (libiscsi) logs in
// while QEMU starts; the session lasts as long as the process. This is how a
// test world backs a pod's `lun` disk or an oVirt VM's direct LUN with a real
// login that tgt can list, and refuse: a wrong portal, IQN, LUN, CHAP secret
// or an initiator outside the target's ACL fails Start with libiscsi's reason.
//
//   QemuInitiator::Options o{.portal = "127.0.0.1:3260", .iqn = "iqn...:db",
//                            .lun = 1, .initiator_name = "iqn...:node-a",
//                            .workdir = "/tmp/ferry-initiators"};
//   ASSIGN_OR_RETURN(std::unique_ptr<QemuInitiator> s, QemuInitiator::Start(o));
//   s->pid();       // the QEMU holding the session
//   s.reset();      // stops it by PID: the session ends
//
// The CHAP password goes to QEMU in a file of mode 0600 (a `secret` object),
// never on its command line or in a URL (QEMU prints URLs in its errors);
// no message from here holds it.
#ifndef FERRY_ADAPTERS_ISCSI_QEMU_INITIATOR_H_
#define FERRY_ADAPTERS_ISCSI_QEMU_INITIATOR_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ferry::adapters {

class QemuInitiator {
 public:
  struct Options {
    std::string portal = "";          // "host:port"
    std::string iqn = "";             // the target's IQN
    int lun = 0;
    std::string initiator_name = "";  // this initiator's IQN (what ACLs and tgt's session list name)
    std::string chap_username = "";   // empty: no CHAP
    std::string chap_password = "";
    // Where the process's files go (its QMP socket, log, secret): a folder
    // of its own is made under it.
    std::string workdir = "";
    std::string qemu = "/usr/bin/qemu-system-x86_64";
    absl::Duration start_timeout = absl::Seconds(30);
  };

  // Starts QEMU and returns once the login is done (QEMU's monitor answers:
  // it opens its drives before). FailedPrecondition with libiscsi's reason
  // when the target refuses; InvalidArgument for options missing a field.
  static absl::StatusOr<std::unique_ptr<QemuInitiator>> Start(const Options& options);

  // Stops the process (SIGTERM, then SIGKILL after 5 s) and removes its folder.
  ~QemuInitiator();
  QemuInitiator(const QemuInitiator&) = delete;
  QemuInitiator& operator=(const QemuInitiator&) = delete;

  pid_t pid() const { return pid_; }
  // False once the process has exited (killed from outside, or crashed).
  bool Running();
  // An HMP command through QEMU's monitor, e.g. `qemu-io d0 "read -P 0xab 0 4k"`
  // (the LUN's drive is `d0`): the monitor's answer and what QEMU printed
  // meanwhile (qemu-io prints to QEMU's output). Read and write go through
  // this session, as the guest's would.
  absl::StatusOr<std::string> Hmp(const std::string& command);

 private:
  QemuInitiator(pid_t pid, std::string dir, int qmp) : pid_(pid), dir_(std::move(dir)), qmp_(qmp) {}

  pid_t pid_;
  std::string dir_;
  int qmp_;  // the connected QMP socket
  bool reaped_ = false;
};

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_ISCSI_QEMU_INITIATOR_H_
