// LibvirtHypervisor: the Hypervisor port over libvirt's C API (libvirt.so),
// for any connection URI: qemu:///system on a node (or a node's socket,
// qemu:///system?socket=...), test:///default or a test-driver node file in
// tests.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<LibvirtHypervisor> h,
//                    LibvirtHypervisor::Open("qemu:///system"));
//
// Migration is KubeVirt's launcher's: virDomainMigrateToURI3, peer to peer,
// live, with the migrated disks in migrate_disks and a destination XML that
// points them at their destination volumes (destination_xml.h). That call
// blocks until the migration ends, so StartMigration checks the request, then
// runs it on a worker thread with a connection of its own and returns; the
// caller follows the job with GetJobStats. Until libvirt's job begins, the
// worker's call counts as an active job, so a second start is refused.
// After the job: libvirt's completed-job stats, the job-completed event's
// final stats, or the worker's error, whichever there is.
//
// Events come from libvirt's default event loop, pumped without blocking by
// PollEvents and GetJobStats; the adapter starts no thread but the workers.
// A migration still running when the adapter is destroyed goes on in libvirt
// (peer to peer, libvirtd drives it); its worker is left to end the call.
#ifndef FERRY_ADAPTERS_LIBVIRT_LIBVIRT_HYPERVISOR_H_
#define FERRY_ADAPTERS_LIBVIRT_LIBVIRT_HYPERVISOR_H_

#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/ports/hypervisor.h"

typedef struct _virConnect* virConnectPtr;
typedef struct _virDomain* virDomainPtr;
typedef struct _virTypedParameter* virTypedParameterPtr;

namespace ferry::adapters {

class LibvirtHypervisor : public ports::Hypervisor {
 public:
  static absl::StatusOr<std::unique_ptr<LibvirtHypervisor>> Open(absl::string_view uri);
  ~LibvirtHypervisor() override;
  LibvirtHypervisor(const LibvirtHypervisor&) = delete;
  LibvirtHypervisor& operator=(const LibvirtHypervisor&) = delete;

  absl::StatusOr<ports::DomainInfo> LookupDomain(absl::string_view name) override;
  absl::StatusOr<std::vector<ports::DomainInfo>> ListDomains() override;
  absl::StatusOr<ports::DomainInfo> DefineDomain(absl::string_view xml) override;
  absl::Status UndefineDomain(absl::string_view name) override;
  absl::StatusOr<std::string> DomainXml(absl::string_view name) override;
  absl::Status Start(absl::string_view name) override;
  absl::Status Destroy(absl::string_view name) override;
  absl::Status Suspend(absl::string_view name) override;
  absl::Status Resume(absl::string_view name) override;
  absl::Status StartMigration(const ports::MigrationRequest& request) override;
  absl::StatusOr<ports::JobStats> GetJobStats(absl::string_view name) override;
  absl::Status AbortJob(absl::string_view name) override;
  absl::StatusOr<std::vector<ports::DomainEvent>> PollEvents() override;

  // Not the port's: what virt-launcher does on its node before QEMU opens a
  // Filesystem volume (disk_image.h). True when it created the image.
  absl::StatusOr<bool> EnsureDiskImage(absl::string_view path, int64_t capacity_bytes);
  // A container disk's overlay over its image (disk_image.h, CreateOverlay).
  absl::Status CreateOverlay(absl::string_view overlay_path, absl::string_view image_path,
                             int64_t capacity_bytes);

 private:
  // What one worker's virDomainMigrateToURI3 call came to; shared by the
  // worker and the adapter, which may be gone before the worker ends.
  struct Outcome {
    bool running = true;
    bool cancelled = false;        // libvirt's VIR_ERR_OPERATION_ABORTED
    bool abort_requested = false;  // AbortJob called it off; not again
    std::string error = "";        // empty on success
  };
  struct Migration {
    std::mutex mu;
    Outcome outcome;  // guarded by mu
    Outcome Read() {
      std::lock_guard<std::mutex> lock(mu);
      return outcome;
    }
  };
  // The domain's last migration from this adapter, or nullptr.
  std::shared_ptr<Migration> MigrationOf(absl::string_view name) const;

  explicit LibvirtHypervisor(std::string uri) : uri_(std::move(uri)) {}
  // Opens the connection and watches its events; Disconnect undoes it.
  absl::Status Connect();
  void Disconnect();
  absl::Status EnsureConnected();
  // virDomainLookupByName, reconnecting once if the daemon closed the
  // connection; nullptr with `error` set when it fails.
  virDomainPtr Find(absl::string_view name, absl::Status* error);
  // Looks `name` up and applies a libvirt call that returns 0 on success.
  absl::Status OnDomain(absl::string_view name, int (*call)(virDomainPtr),
                        absl::string_view what);
  // FailedPrecondition unless `name` is in one of `allowed`.
  absl::Status InState(absl::string_view verb, absl::string_view name,
                       std::initializer_list<ports::DomainState> allowed,
                       absl::string_view refusal);
  static int OnLifecycle(virConnectPtr, virDomainPtr domain, int event, int detail,
                         void* self);
  static void OnJobCompleted(virConnectPtr, virDomainPtr domain, virTypedParameterPtr params,
                             int count, void* self);
  // Runs libvirt's event loop until it has nothing ready.
  absl::Status PumpEvents();

  const std::string uri_;
  virConnectPtr connection_ = nullptr;
  int callback_id_ = -1;
  int job_callback_id_ = -1;
  std::vector<ports::DomainEvent> events_;
  // By domain name: the last migration each worker ran, and the final stats
  // of the last job the job-completed event reported.
  std::map<std::string, std::shared_ptr<Migration>> migrations_;
  std::map<std::string, ports::JobStats> completed_;
  // Each worker with its migration; finished ones are joined at the next start.
  std::vector<std::pair<std::shared_ptr<Migration>, std::thread>> workers_;
};

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_LIBVIRT_LIBVIRT_HYPERVISOR_H_
