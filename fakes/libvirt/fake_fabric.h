// FakeFabric: the libvirt hosts of a simulated cluster, their disks, the
// guests running on them and the copy engine between them. Deterministic:
// time moves only by Advance(), randomness comes from the seed.
//
// Disks are DiskImages (versioned blocks: a 100 GiB disk costs what a small
// one does). A guest writes to the disks of the domain it runs on at a
// configured rate; every write it completes is acknowledged and remembered,
// so a checker can ask whether a disk holds every acknowledged write. A
// migration (MigrationRequest through a host's Hypervisor port) behaves like
// QEMU's drive-mirror plus pre-copy: a bulk pass over each disk at the link
// bandwidth, re-copy of blocks written behind the cursor (or, with
// synchronous writes, QEMU's write-blocking mode: written to the target as
// well; the guest is not slowed down for it here), memory iterations until the remainder fits the
// maximum downtime, then the handover: the source pauses (kPausedMigration),
// the last dirty blocks and pages cross, the target is left paused
// (VIR_MIGRATE_PAUSED) and the source domain goes away.
//
//   FakeFabric fabric({.seed = 7});
//   FakeHypervisor* a = fabric.AddHost("node-a");
//   fabric.AddHost("node-b");
//   fabric.CreateVolume("pv-src", 100 * kGiB, /*base=*/1);
//   ... define and start a domain on `a`, AddGuest(...), StartMigration(...)
//   fabric.Advance(absl::Seconds(1));   // once per simulated second
#ifndef FERRY_FAKES_LIBVIRT_FAKE_FABRIC_H_
#define FERRY_FAKES_LIBVIRT_FAKE_FABRIC_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/ports/hypervisor.h"
#include "fakes/libvirt/disk_image.h"
#include "fakes/libvirt/fake_hypervisor.h"

namespace ferry::fakes {

// What one guest may be given (AddGuest refuses more): memory up to 16 TiB;
// writes, simulated block by block, up to 16 GiB/s, so one simulated second
// costs at most 16384 block writes per guest.
inline constexpr int64_t kMaxGuestMemoryBytes = int64_t{1} << 44;
inline constexpr int64_t kMaxGuestWriteBytesPerS = int64_t{16} << 30;

class FakeFabric {
 public:
  struct Options {
    uint64_t seed = 1;
    int64_t link_bytes_per_s = kGiB;               // migration stream bandwidth
    absl::Duration max_downtime = absl::Milliseconds(300);
  };

  struct GuestOptions {
    std::string domain;                  // the guest runs in the domain of this name
    int64_t memory_bytes = kGiB;
    int64_t write_bytes_per_s = 0;       // to its disks, round-robin
    int64_t working_set_bytes = kGiB;    // writes land in the first bytes of each disk
    int64_t memory_dirty_bytes_per_s = 0;
  };

  FakeFabric() : FakeFabric(Options{}) {}
  explicit FakeFabric(Options options);
  FakeFabric(const FakeFabric&) = delete;
  FakeFabric& operator=(const FakeFabric&) = delete;

  // Hosts. The returned hypervisor lives as long as the fabric.
  FakeHypervisor* AddHost(const std::string& name);
  FakeHypervisor* host(absl::string_view name) const;  // nullptr when unknown

  // Volumes (what a PV's path or device names). `base` is the imported
  // content's id (0: blank). InvalidArgument for a size not in
  // [1, kMaxVolumeBytes] (a claim of 8Ei is refused, not wrapped).
  absl::Status CreateVolume(const std::string& path, int64_t size_bytes, uint64_t base);
  absl::Status DeleteVolume(const std::string& path);
  // A container image's disk, as a node holds it once pulled: read-only,
  // content `content` (non-zero) over `size_bytes` (its virtual size).
  absl::Status CreateImage(const std::string& path, int64_t size_bytes, uint64_t content);
  // The writable overlay virt-launcher puts over a container disk's image
  // (a qcow2 file backed by it): reads what the image holds until the guest
  // writes, and takes the writes. A full copy of it (NON_SHARED_DISK)
  // flattens the chain; an incremental one (NON_SHARED_INC, sync=top)
  // carries the overlay's own writes only. NotFound without the image.
  absl::Status CreateOverlay(const std::string& path, const std::string& image);
  // The image an overlay reads through to ("" for any other volume).
  std::string backing_of(absl::string_view path) const;
  // The guest's writes to `dev` are gone (its container disk started again
  // from the image, which KubeVirt defines as ephemeral): nothing of it is
  // acknowledged any more.
  void ForgetWrites(absl::string_view domain, absl::string_view dev);
  // The first block of volume `path` (below image `image`'s size) that the
  // guest of `domain` never wrote through `dev` and that does not hold the
  // image's content, described; nullopt when every such block does. A
  // container disk flattened onto a claim holds its base image there.
  std::optional<std::string> MissingImage(absl::string_view domain, absl::string_view dev,
                                          absl::string_view path, absl::string_view image) const;

  // An importer wrote image `base` onto the whole volume.
  absl::Status ImportImage(const std::string& path, uint64_t base);
  const DiskImage* volume(absl::string_view path) const;  // nullptr when absent
  int64_t volume_size(absl::string_view path) const;

  // InvalidArgument when an option is out of its range (kMaxGuestMemoryBytes,
  // kMaxGuestWriteBytesPerS; no negative rate or working set).
  absl::Status AddGuest(const GuestOptions& options);
  // The guest of `options.domain` boots again (its VM was shut down and
  // started anew, its domain defined and started again): it keeps every
  // write it acknowledged before (a reboot loses none, and the disks it
  // boots on must hold them) and writes at the new options' rates.
  // NotFound without such a guest.
  absl::Status RebootGuest(const GuestOptions& options);
  // Acknowledged writes of a guest's disk `dev`: block -> latest version.
  const std::map<int64_t, uint64_t>* AckedWrites(absl::string_view domain,
                                                 absl::string_view dev) const;
  int64_t acknowledged_writes(absl::string_view domain) const;
  // The hosts where the guest's domain exists running or paused, by name;
  // empty when nowhere.
  std::vector<std::string> HostsRunning(absl::string_view domain) const;
  // The disk images the domain `domain` on `host` has open, by target device
  // (its XML's disks, or for an incoming migration the source's with each
  // copied disk on its destination): the fabric's own record of what a guest
  // device reads and writes. nullptr when the host has no such domain.
  const std::map<std::string, std::string>* OpenDisks(absl::string_view host,
                                                      absl::string_view domain) const;
  // The first acknowledged write of `domain`'s disk `dev` that volume `path`
  // lacks, described; nullopt when it holds them all.
  std::optional<std::string> MissingWrite(absl::string_view domain, absl::string_view dev,
                                          absl::string_view path) const;

  // Moves time: guests write, jobs copy.
  void Advance(absl::Duration dt);

  // Bumped by every call that may change what the fabric holds (its hosts'
  // domains and their states, the guests' writes, volumes, jobs; not the
  // hosts' undelivered events): a reader that sees the same count twice
  // would read the same fabric, and may keep what it concluded.
  uint64_t changes() const { return changes_; }

  // Faults.
  // Breaks every migration stream to or from `host`: those jobs fail.
  void CutStreams(absl::string_view host);
  // The volume accepts no more data: a copy onto it fails.
  void FillVolume(absl::string_view path);
  // A network partition between hosts `a` and `b`: the streams between them
  // break and a new migration between them cannot connect, until Heal.
  void Partition(absl::string_view a, absl::string_view b);
  void Heal(absl::string_view a, absl::string_view b);
  bool partitioned(absl::string_view a, absl::string_view b) const;
  // A congested network: every stream runs at `factor` (0 < factor <= 1) of
  // its bandwidth until set back to 1.
  void set_link_factor(double factor) {
    ++changes_;
    link_factor_ = factor;
  }
  double link_factor() const { return link_factor_; }
  // The node dies: its domains are gone, its jobs fail, calls are Unavailable.
  void NodeDown(absl::string_view host);
  void NodeUp(absl::string_view host);
  // Test-only damage: drops the newest write of the highest written block.
  bool ForgetOneWrite(absl::string_view path);
  // Test-only damage: the last block of the volume is zeroed (false: no
  // such volume).
  bool ZeroLastBlock(absl::string_view path);

  // Called by FakeHypervisor.
  absl::Status StartMigration(const std::string& source_host,
                              const ports::MigrationRequest& request);
  absl::StatusOr<ports::JobStats> JobStatsOf(const std::string& host, absl::string_view domain);
  // The last job of `domain` that involved `host` (nullptr: none since the
  // domain's last migration started).
  const ports::JobStats* LastJob(const std::string& host, absl::string_view domain) const;
  absl::Status AbortJob(const std::string& host, absl::string_view domain);
  void DomainDestroyed(const std::string& host, absl::string_view domain);

 private:
  friend class FakeHypervisor;  // bumps changes_ when its domains change

  struct Volume {
    int64_t size_bytes = 0;
    DiskImage image;
    bool full = false;
    // For MissingWrite's memo: bumped (from a fabric-wide counter, so never
    // reused) by every change that is not a guest's own write, and by a
    // guest write from another (domain, dev) than the last one.
    uint64_t foreign_gen = 0;
    std::string last_writer;  // "domain/dev"
    bool read_only = false;    // a container image
    std::string backing;       // an overlay's image
    uint64_t content = 0;      // an image's content id
  };
  // Where a guest disk's acknowledged writes went.
  struct AckTrack {
    std::string last_path;
    uint64_t path_switches = 0;
    uint64_t count = 0;
  };
  // MissingWrite found a (domain, dev, path) complete with these stamps.
  struct Verified {
    uint64_t foreign_gen = 0;
    uint64_t path_switches = 0;
    uint64_t count = 0;
  };
  struct Guest {
    GuestOptions options;
    std::map<std::string, AckTrack> tracks;                    // by dev
    std::map<std::string, std::map<int64_t, uint64_t>> acked;  // dev -> block -> version
    int64_t writes = 0;
    double carry_bytes = 0;
    uint64_t rng = 0;
  };
  struct DiskJob {
    std::string dev, source, destination;
    int64_t cursor = 0;            // blocks below were bulk-copied
    std::set<int64_t> dirty;       // written behind the cursor, to copy again
  };
  enum class JobPhase { kDisks, kMemory, kHandover };
  struct Job {
    std::string domain, source_host, target_host;
    ports::MigrationRequest request;
    std::vector<DiskJob> disks;
    JobPhase phase = JobPhase::kDisks;
    int64_t bandwidth = 0;
    double carry_bytes = 0;
    int64_t memory_total = 0, memory_remaining = 0, memory_processed = 0;
    int64_t disk_total = 0, disk_processed = 0;
    int64_t disk_bps = 0;
    int64_t downtime_ms = 0;
    absl::Duration elapsed;
  };

  Guest* FindGuest(absl::string_view domain);
  FakeHypervisor::Domain* RunningDomain(absl::string_view domain, std::string* host);
  void GuestWrites(Guest& guest, absl::Duration dt);
  void Progress(Job& job, absl::Duration dt);
  void Complete(Job& job);
  // Ends the job: the source runs on (resumed if the handover had paused it),
  // the target domain is destroyed.
  void EndJob(const std::string& domain, ports::JobType type, const std::string& errmsg);
  ports::JobStats StatsOf(const Job& job) const;
  bool AllDisksSynced(const Job& job) const;
  int64_t DirtyBytes(const Job& job) const;

  Options options_;
  std::map<std::string, std::unique_ptr<FakeHypervisor>> hosts_;
  std::map<std::string, Volume> volumes_;
  std::map<std::string, Guest> guests_;   // by domain name
  std::map<std::string, Job> jobs_;       // active, by domain name
  std::map<std::pair<std::string, std::string>, ports::JobStats> last_jobs_;  // (host, domain)
  std::set<std::pair<std::string, std::string>> partitions_;  // (lesser, greater) host names
  uint64_t next_gen_ = 0;
  void Touch(Volume& v) { v.foreign_gen = ++next_gen_; }
  // MissingWrite's memo: (domain, dev, path) found complete, and when. The
  // check walks every acknowledged block, and the simulator runs it after
  // every event: unchanged inputs give the same answer, so it is skipped.
  mutable std::map<std::tuple<std::string, std::string, std::string>, Verified> verified_;
  double link_factor_ = 1.0;
  uint64_t changes_ = 0;
};

}  // namespace ferry::fakes

#endif  // FERRY_FAKES_LIBVIRT_FAKE_FABRIC_H_
