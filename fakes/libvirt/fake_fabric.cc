#include "fakes/libvirt/fake_fabric.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/fnv.h"
#include "base/saturating.h"
#include "base/status_macros.h"

namespace ferry::fakes {
namespace {

using ports::DomainEventType;
using ports::DomainState;
using ports::JobType;

uint64_t SplitMix(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// "qemu+tcp://node-b/system" -> "node-b".
std::string HostOfUri(absl::string_view uri) {
  const size_t scheme = uri.find("://");
  if (scheme == absl::string_view::npos) return "";
  absl::string_view rest = uri.substr(scheme + 3);
  const size_t slash = rest.find('/');
  if (slash != absl::string_view::npos) rest = rest.substr(0, slash);
  const size_t colon = rest.find(':');
  if (colon != absl::string_view::npos) rest = rest.substr(0, colon);
  return std::string(rest);
}

}  // namespace

FakeFabric::FakeFabric(Options options) : options_(options) {}

FakeHypervisor* FakeFabric::AddHost(const std::string& name) {
  ++changes_;
  auto& slot = hosts_[name];
  if (!slot) {
    slot = std::make_unique<FakeHypervisor>(name);
    slot->fabric_ = this;
  }
  return slot.get();
}

FakeHypervisor* FakeFabric::host(absl::string_view name) const {
  auto it = hosts_.find(std::string(name));
  return it == hosts_.end() ? nullptr : it->second.get();
}

absl::Status FakeFabric::CreateVolume(const std::string& path, int64_t size_bytes,
                                      uint64_t base) {
  ++changes_;
  if (size_bytes <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("volume ", path, ": size must be positive"));
  }
  if (size_bytes > kMaxVolumeBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "volume ", path, ": ", size_bytes, " bytes is larger than the simulator's largest volume (",
        kMaxVolumeBytes, " bytes, 1 PiB)"));
  }
  if (volumes_.count(path)) {
    return absl::AlreadyExistsError(absl::StrCat("volume ", path, " already exists"));
  }
  Volume volume{.size_bytes = size_bytes,
                .image = DiskImage(DiskImage::BlocksFor(size_bytes), base),
                .full = false,
                .foreign_gen = 0,
                .last_writer = "",
                .read_only = false,
                .backing = "",
                .content = 0};
  Touch(volume);
  volumes_.emplace(path, std::move(volume));
  return absl::OkStatus();
}

absl::Status FakeFabric::CreateImage(const std::string& path, int64_t size_bytes,
                                     uint64_t content) {
  if (content == 0) {
    return absl::InvalidArgumentError(absl::StrCat("image ", path, ": content must be non-zero"));
  }
  RETURN_IF_ERROR(CreateVolume(path, size_bytes, content));
  Volume& v = volumes_.at(path);
  v.read_only = true;
  v.content = content;
  return absl::OkStatus();
}

absl::Status FakeFabric::CreateOverlay(const std::string& path, const std::string& image) {
  auto it = volumes_.find(image);
  if (it == volumes_.end() || !it->second.read_only) {
    return absl::NotFoundError(absl::StrCat("overlay ", path, ": no container image ", image));
  }
  RETURN_IF_ERROR(CreateVolume(path, it->second.size_bytes, it->second.content));
  volumes_.at(path).backing = image;
  return absl::OkStatus();
}

std::string FakeFabric::backing_of(absl::string_view path) const {
  auto it = volumes_.find(std::string(path));
  return it == volumes_.end() ? "" : it->second.backing;
}

void FakeFabric::ForgetWrites(absl::string_view domain, absl::string_view dev) {
  ++changes_;
  Guest* guest = FindGuest(domain);
  if (guest == nullptr) return;
  guest->acked.erase(std::string(dev));
  guest->tracks.erase(std::string(dev));
}

std::optional<std::string> FakeFabric::MissingImage(absl::string_view domain,
                                                    absl::string_view dev,
                                                    absl::string_view path,
                                                    absl::string_view image) const {
  auto img = volumes_.find(std::string(image));
  auto vol = volumes_.find(std::string(path));
  if (img == volumes_.end() || vol == volumes_.end()) {
    return absl::StrCat(img == volumes_.end() ? "image " : "volume ",
                        img == volumes_.end() ? image : path, " is gone");
  }
  static const std::map<int64_t, uint64_t> kNone;
  const auto* acked = AckedWrites(domain, dev);
  const std::optional<int64_t> block = vol->second.image.FirstBlockNotHolding(
      img->second.content, img->second.image.blocks(), acked == nullptr ? kNone : *acked);
  if (!block) return std::nullopt;
  return absl::StrCat("block ", *block, " of ", path, " holds version ",
                      vol->second.image.Content(*block), ", not image ", image, "'s content ",
                      img->second.content, " (", domain, "/", dev, " never wrote it)");
}

absl::Status FakeFabric::DeleteVolume(const std::string& path) {
  ++changes_;
  if (volumes_.erase(path) == 0) {
    return absl::NotFoundError(absl::StrCat("volume ", path, " does not exist"));
  }
  return absl::OkStatus();
}

absl::Status FakeFabric::ImportImage(const std::string& path, uint64_t base) {
  ++changes_;
  auto it = volumes_.find(path);
  if (it == volumes_.end()) {
    return absl::NotFoundError(absl::StrCat("volume ", path, " does not exist"));
  }
  it->second.image = DiskImage(it->second.image.blocks(), base);
  Touch(it->second);
  return absl::OkStatus();
}

const DiskImage* FakeFabric::volume(absl::string_view path) const {
  auto it = volumes_.find(std::string(path));
  return it == volumes_.end() ? nullptr : &it->second.image;
}

int64_t FakeFabric::volume_size(absl::string_view path) const {
  auto it = volumes_.find(std::string(path));
  return it == volumes_.end() ? 0 : it->second.size_bytes;
}

absl::Status FakeFabric::AddGuest(const GuestOptions& options) {
  ++changes_;
  if (guests_.count(options.domain)) {
    return absl::AlreadyExistsError(absl::StrCat("guest ", options.domain, " already exists"));
  }
  auto check = [&](absl::string_view field, int64_t value, int64_t lo, int64_t hi) {
    if (value >= lo && value <= hi) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "guest ", options.domain, ": ", field, " ", value, " is out of range [", lo, ", ", hi, "]"));
  };
  RETURN_IF_ERROR(check("memory_bytes", options.memory_bytes, 1, kMaxGuestMemoryBytes));
  RETURN_IF_ERROR(
      check("write_bytes_per_s", options.write_bytes_per_s, 0, kMaxGuestWriteBytesPerS));
  RETURN_IF_ERROR(check("working_set_bytes", options.working_set_bytes, 0, kMaxVolumeBytes));
  RETURN_IF_ERROR(check("memory_dirty_bytes_per_s", options.memory_dirty_bytes_per_s, 0,
                        kMaxVolumeBytes));
  Guest guest;
  guest.options = options;
  guest.rng = options_.seed ^ Fnv1a64(options.domain);
  guests_.emplace(options.domain, std::move(guest));
  return absl::OkStatus();
}

absl::Status FakeFabric::RebootGuest(const GuestOptions& options) {
  Guest* guest = FindGuest(options.domain);
  if (guest == nullptr) {
    return absl::NotFoundError(absl::StrCat("guest ", options.domain, " never ran"));
  }
  const Guest before = *guest;
  guests_.erase(options.domain);
  if (absl::Status added = AddGuest(options); !added.ok()) {
    guests_.emplace(options.domain, before);
    return added;
  }
  Guest& rebooted = guests_.at(options.domain);
  rebooted.tracks = before.tracks;
  rebooted.acked = before.acked;
  rebooted.writes = before.writes;
  rebooted.rng = before.rng;
  return absl::OkStatus();
}

FakeFabric::Guest* FakeFabric::FindGuest(absl::string_view domain) {
  auto it = guests_.find(std::string(domain));
  return it == guests_.end() ? nullptr : &it->second;
}

const std::map<int64_t, uint64_t>* FakeFabric::AckedWrites(absl::string_view domain,
                                                          absl::string_view dev) const {
  auto g = guests_.find(std::string(domain));
  if (g == guests_.end()) return nullptr;
  auto d = g->second.acked.find(std::string(dev));
  return d == g->second.acked.end() ? nullptr : &d->second;
}

int64_t FakeFabric::acknowledged_writes(absl::string_view domain) const {
  auto g = guests_.find(std::string(domain));
  return g == guests_.end() ? 0 : g->second.writes;
}

std::vector<std::string> FakeFabric::HostsRunning(absl::string_view domain) const {
  std::vector<std::string> out;
  for (const auto& [name, host] : hosts_) {
    if (host->down_) continue;
    auto it = host->domains_.find(std::string(domain));
    if (it == host->domains_.end()) continue;
    if (it->second.state == DomainState::kRunning || it->second.state == DomainState::kPaused) {
      out.push_back(name);
    }
  }
  return out;
}

const std::map<std::string, std::string>* FakeFabric::OpenDisks(absl::string_view host_name,
                                                                absl::string_view domain) const {
  const FakeHypervisor* h = host(host_name);
  if (h == nullptr) return nullptr;
  auto it = h->domains_.find(std::string(domain));
  return it == h->domains_.end() ? nullptr : &it->second.disks;
}

std::optional<std::string> FakeFabric::MissingWrite(absl::string_view domain,
                                                    absl::string_view dev,
                                                    absl::string_view path) const {
  const auto* acked = AckedWrites(domain, dev);
  if (acked == nullptr || acked->empty()) return std::nullopt;
  auto vol = volumes_.find(std::string(path));
  if (vol == volumes_.end()) {
    return absl::StrCat("volume ", path, " is gone but holds ", acked->size(),
                        " acknowledged blocks of ", domain, "/", dev);
  }
  // Unchanged since found complete: no change but this guest disk's own
  // writes to this very volume (which keep it complete).
  const AckTrack& track = guests_.at(std::string(domain)).tracks.at(std::string(dev));
  auto key = std::make_tuple(std::string(domain), std::string(dev), std::string(path));
  auto memo = verified_.find(key);
  if (memo != verified_.end() && memo->second.foreign_gen == vol->second.foreign_gen &&
      memo->second.path_switches == track.path_switches &&
      (memo->second.count == track.count || track.last_path == path)) {
    return std::nullopt;
  }
  const DiskImage& image = vol->second.image;
  for (const auto& [block, version] : *acked) {
    const uint64_t content = image.Content(block);
    if (content != version) {
      return absl::StrCat("block ", block, " of ", domain, "/", dev, " on ", path,
                          " holds version ", content, ", the guest was acknowledged ",
                          version);
    }
  }
  verified_[key] = Verified{vol->second.foreign_gen, track.path_switches, track.count};
  return std::nullopt;
}

FakeHypervisor::Domain* FakeFabric::RunningDomain(absl::string_view domain,
                                                 std::string* host_name) {
  for (auto& [name, host] : hosts_) {
    if (host->down_) continue;
    auto it = host->domains_.find(std::string(domain));
    if (it != host->domains_.end() && it->second.state == DomainState::kRunning) {
      *host_name = name;
      return &it->second;
    }
  }
  return nullptr;
}

void FakeFabric::GuestWrites(Guest& guest, absl::Duration dt) {
  std::string host_name;
  FakeHypervisor::Domain* domain = RunningDomain(guest.options.domain, &host_name);
  if (domain == nullptr || domain->disks.empty() || guest.options.write_bytes_per_s <= 0) {
    return;
  }
  guest.carry_bytes += absl::ToDoubleSeconds(dt) * static_cast<double>(guest.options.write_bytes_per_s);
  const int64_t count = SaturatingCast<int64_t>(guest.carry_bytes / kBlockSize);
  guest.carry_bytes -= static_cast<double>(count * kBlockSize);
  std::vector<std::pair<std::string, std::string>> disks(domain->disks.begin(),
                                                         domain->disks.end());
  auto job_it = jobs_.find(guest.options.domain);
  Job* job = job_it == jobs_.end() ? nullptr : &job_it->second;
  for (int64_t i = 0; i < count; ++i) {
    const auto& [dev, path] = disks[static_cast<size_t>(guest.writes) % disks.size()];
    auto vol = volumes_.find(path);
    // An I/O error: not acknowledged.
    if (vol == volumes_.end() || vol->second.full || vol->second.read_only) continue;
    const int64_t span = std::max<int64_t>(
        1, std::min(vol->second.image.blocks(), DiskImage::BlocksFor(guest.options.working_set_bytes)));
    const int64_t block = static_cast<int64_t>(SplitMix(&guest.rng) % static_cast<uint64_t>(span));
    const uint64_t version = (Fnv1a64(guest.options.domain) << 20) ^ static_cast<uint64_t>(++guest.writes);
    vol->second.image.Write(block, version);
    const std::string writer = absl::StrCat(guest.options.domain, "/", dev);
    if (vol->second.last_writer != writer) {
      vol->second.last_writer = writer;
      Touch(vol->second);
    }
    AckTrack& track = guest.tracks[dev];
    if (track.last_path != path) {
      track.last_path = path;
      ++track.path_switches;
    }
    ++track.count;
    if (job != nullptr) {
      for (DiskJob& disk : job->disks) {
        if (disk.dev != dev) continue;
        if (block >= disk.cursor) break;  // the bulk pass will copy it
        auto dst = volumes_.find(disk.destination);
        // QEMU's write-blocking mirror writes the block to the target too
        // and it is clean; background mode leaves it to be copied again.
        if (job->request.synchronous_writes && dst != volumes_.end() && !dst->second.full) {
          dst->second.image.CopyBlock(vol->second.image, block);
          disk.dirty.erase(block);
          Touch(dst->second);
        } else {
          disk.dirty.insert(block);
        }
      }
    }
    guest.acked[dev][block] = version;
  }
}

absl::Status FakeFabric::StartMigration(const std::string& source_host,
                                        const ports::MigrationRequest& request) {
  ++changes_;
  FakeHypervisor* source = host(source_host);
  auto dom = source->domains_.find(request.domain);
  if (dom->second.state != DomainState::kRunning) {
    return absl::FailedPreconditionError(absl::StrCat(
        "migrate ", request.domain, ": Requested operation is not valid: domain is not running"));
  }
  if (jobs_.count(request.domain)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "migrate ", request.domain,
        ": Requested operation is not valid: another migration job is already running"));
  }
  const std::string target_name = HostOfUri(request.destination_uri);
  FakeHypervisor* target = host(target_name);
  if (target == nullptr || target->down_) {
    return absl::UnavailableError(absl::StrCat("migrate ", request.domain,
                                               ": unable to connect to server at '",
                                               request.destination_uri, "'"));
  }
  if (partitioned(source_host, target_name)) {
    return absl::UnavailableError(absl::StrCat("migrate ", request.domain,
                                               ": unable to connect to server at '",
                                               request.destination_uri,
                                               "': No route to host"));
  }
  if (target == source) {
    return absl::InvalidArgumentError(absl::StrCat(
        "migrate ", request.domain, ": the destination host is the source host"));
  }
  // An inactive definition of the domain on the target is replaced, as libvirt
  // does; a running or paused one is refused.
  if (auto there = target->domains_.find(request.domain);
      there != target->domains_.end() && there->second.state != DomainState::kShutoff) {
    return absl::AlreadyExistsError(absl::StrCat("migrate ", request.domain, ": domain '",
                                                 request.domain, "' already exists on ",
                                                 target_name));
  }
  if (request.disks.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("migrate ", request.domain, ": no disks to copy (migrate_disks is empty)"));
  }
  Job job;
  job.domain = request.domain;
  job.source_host = source_host;
  job.target_host = target_name;
  job.request = request;
  job.bandwidth = request.bandwidth_mib_per_s > 0
                      ? std::min(request.bandwidth_mib_per_s, INT64_MAX / kMiB) * kMiB
                      : options_.link_bytes_per_s;
  std::string target_xml = dom->second.xml;
  std::map<std::string, std::string> target_disks = dom->second.disks;
  for (const ports::DiskCopy& copy : request.disks) {
    auto d = dom->second.disks.find(copy.target_dev);
    if (d == dom->second.disks.end()) {
      return absl::InvalidArgumentError(absl::StrCat("migrate ", request.domain,
                                                     ": domain has no disk '",
                                                     copy.target_dev, "'"));
    }
    const Volume* src = volumes_.count(d->second) ? &volumes_.at(d->second) : nullptr;
    // The fake keeps its volumes by PV name (what a PV's path or device is
    // on a real node); the rest of the VolumeSource is checked against it.
    const std::string& destination = copy.destination.volume;
    const Volume* dst = volumes_.count(destination) ? &volumes_.at(destination) : nullptr;
    if (src == nullptr || dst == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "migrate ", request.domain, ": Cannot access storage file '",
          src == nullptr ? d->second : destination, "': No such file or directory"));
    }
    if (dst->size_bytes < src->size_bytes) {
      return absl::FailedPreconditionError(absl::StrCat(
          "migrate ", request.domain, ": destination ", destination, " (",
          dst->size_bytes, " bytes) is smaller than ", d->second, " (", src->size_bytes,
          " bytes)"));
    }
    DiskJob disk_job;
    disk_job.dev = copy.target_dev;
    disk_job.source = d->second;
    disk_job.destination = destination;
    job.disks.push_back(std::move(disk_job));
    job.disk_total = SaturatingAdd(job.disk_total, src->size_bytes);
    target_xml = absl::StrReplaceAll(target_xml, {{absl::StrCat("'", d->second, "'"),
                                                   absl::StrCat("'", destination, "'")}});
    target_disks[copy.target_dev] = destination;
  }
  const Guest* guest = guests_.count(request.domain) ? &guests_.at(request.domain) : nullptr;
  job.memory_total = guest != nullptr               ? guest->options.memory_bytes
                     : dom->second.memory_bytes > 0 ? dom->second.memory_bytes
                                                    : kGiB;
  job.memory_remaining = job.memory_total;

  // The incoming side: a transient domain, paused for the incoming migration.
  FakeHypervisor::Domain incoming;
  incoming.uuid = dom->second.uuid;
  incoming.memory_bytes = dom->second.memory_bytes;
  incoming.xml = target_xml;
  incoming.state = DomainState::kPaused;
  incoming.reason = ports::kPausedMigration;
  incoming.persistent = false;
  incoming.disks = std::move(target_disks);
  target->domains_[request.domain] = std::move(incoming);
  target->Emit(request.domain, DomainEventType::kStarted);
  last_jobs_.erase({source_host, request.domain});
  last_jobs_.erase({target_name, request.domain});
  jobs_.emplace(request.domain, std::move(job));
  return absl::OkStatus();
}

bool FakeFabric::AllDisksSynced(const Job& job) const {
  for (const DiskJob& disk : job.disks) {
    if (disk.cursor < volumes_.at(disk.source).image.blocks() || !disk.dirty.empty()) return false;
  }
  return true;
}

int64_t FakeFabric::DirtyBytes(const Job& job) const {
  // A volume's blocks times kBlockSize fit (kMaxVolumeBytes); their sum over
  // the disks saturates.
  int64_t bytes = 0;
  for (const DiskJob& disk : job.disks) {
    const int64_t behind = volumes_.at(disk.source).image.blocks() - disk.cursor;
    bytes = SaturatingAdd(bytes, behind * kBlockSize);
    bytes = SaturatingAdd(bytes, static_cast<int64_t>(disk.dirty.size()) * kBlockSize);
  }
  return bytes;
}

void FakeFabric::Progress(Job& job, absl::Duration dt) {
  job.elapsed += dt;
  if (job.phase == JobPhase::kHandover) {
    Complete(job);
    return;
  }
  job.carry_bytes += absl::ToDoubleSeconds(dt) * static_cast<double>(job.bandwidth) * link_factor_;
  int64_t budget = SaturatingCast<int64_t>(job.carry_bytes);
  job.carry_bytes -= static_cast<double>(budget);
  const int64_t start_budget = budget;
  int64_t carried = 0;
  for (DiskJob& disk : job.disks) {
    Volume& src = volumes_.at(disk.source);
    auto dst_it = volumes_.find(disk.destination);
    if (dst_it == volumes_.end() || dst_it->second.full) {
      EndJob(job.domain, JobType::kFailed,
             absl::StrCat("operation failed: migration of disk ", disk.dev,
                          " failed: No space left on device (", disk.destination, ")"));
      return;
    }
    DiskImage& dst = dst_it->second.image;
    Touch(dst_it->second);
    const int64_t blocks = src.image.blocks();
    if (disk.cursor < blocks && budget >= kBlockSize) {
      const int64_t n = std::min(blocks - disk.cursor, budget / kBlockSize);
      if (job.request.incremental && !src.backing.empty()) {
        dst.CopyWrittenRange(src.image, disk.cursor, disk.cursor + n);  // sync=top
      } else {
        dst.CopyRange(src.image, disk.cursor, disk.cursor + n);
      }
      disk.cursor += n;
      budget -= n * kBlockSize;
      job.disk_processed = SaturatingAdd(job.disk_processed, n * kBlockSize);
    }
    while (disk.cursor >= blocks && !disk.dirty.empty() && budget >= kBlockSize) {
      dst.CopyBlock(src.image, *disk.dirty.begin());
      disk.dirty.erase(disk.dirty.begin());
      budget -= kBlockSize;
      job.disk_processed = SaturatingAdd(job.disk_processed, kBlockSize);
    }
  }
  if (!AllDisksSynced(job)) {
    // Less than a block is left: it carries over (a link slower than a block
    // per step still copies), as a byte stream would.
    job.carry_bytes += static_cast<double>(budget);
    carried = budget;
    budget = 0;
  } else {
    job.phase = JobPhase::kMemory;
    const Guest* guest = guests_.count(job.domain) ? &guests_.at(job.domain) : nullptr;
    const int64_t sent = std::min(budget, job.memory_remaining);
    job.memory_remaining -= sent;
    job.memory_processed = SaturatingAdd(job.memory_processed, sent);
    budget -= sent;
    // Pages the guest dirtied while this iteration was sent.
    if (guest != nullptr) {
      const int64_t dirtied = SaturatingCast<int64_t>(
          absl::ToDoubleSeconds(dt) * static_cast<double>(guest->options.memory_dirty_bytes_per_s));
      job.memory_remaining =
          std::min(job.memory_total, SaturatingAdd(job.memory_remaining, dirtied));
    }
    const int64_t pending = SaturatingAdd(job.memory_remaining, DirtyBytes(job));
    const double fits =
        absl::ToDoubleSeconds(options_.max_downtime) * static_cast<double>(job.bandwidth);
    if (static_cast<double>(pending) <= fits) {
      // Converged: pause the source; the next Advance completes the handover.
      FakeHypervisor* source = host(job.source_host);
      auto& dom = source->domains_.at(job.domain);
      dom.state = DomainState::kPaused;
      dom.reason = ports::kPausedMigration;
      source->Emit(job.domain, DomainEventType::kSuspended);
      job.downtime_ms = job.bandwidth > 0
                            ? SaturatingCast<int64_t>(1000.0 * static_cast<double>(pending) /
                                                      static_cast<double>(job.bandwidth))
                            : 0;
      job.phase = JobPhase::kHandover;
    }
  }
  job.disk_bps = SaturatingCast<int64_t>(static_cast<double>(start_budget - budget - carried) /
                                         std::max(1e-9, absl::ToDoubleSeconds(dt)));
}

void FakeFabric::Complete(Job& job) {
  for (DiskJob& disk : job.disks) {
    Touch(volumes_.at(disk.destination));
    DiskImage& dst = volumes_.at(disk.destination).image;
    const DiskImage& src = volumes_.at(disk.source).image;
    for (int64_t block : disk.dirty) dst.CopyBlock(src, block);
    job.disk_processed =
        SaturatingAdd(job.disk_processed, static_cast<int64_t>(disk.dirty.size()) * kBlockSize);
    disk.dirty.clear();
  }
  job.memory_processed = SaturatingAdd(job.memory_processed, job.memory_remaining);
  job.memory_remaining = 0;
  FakeHypervisor* source = host(job.source_host);
  FakeHypervisor* target = host(job.target_host);
  // The source domain goes (VIR_MIGRATE_UNDEFINE_SOURCE); the target is
  // left paused (VIR_MIGRATE_PAUSED) or running.
  source->domains_.erase(job.domain);
  source->Emit(job.domain, DomainEventType::kStopped);
  auto& incoming = target->domains_.at(job.domain);
  incoming.persistent = true;  // VIR_MIGRATE_PERSIST_DEST
  if (job.request.leave_paused) {
    incoming.state = DomainState::kPaused;
    incoming.reason = ports::kPausedUser;
    target->Emit(job.domain, DomainEventType::kSuspended);
  } else {
    incoming.state = DomainState::kRunning;
    incoming.reason = ports::kRunningMigrated;
    target->Emit(job.domain, DomainEventType::kResumed);
  }
  ports::JobStats stats = StatsOf(job);
  stats.active = false;
  stats.type = JobType::kCompleted;
  last_jobs_[{job.source_host, job.domain}] = stats;
  last_jobs_[{job.target_host, job.domain}] = stats;
  jobs_.erase(job.domain);
}

void FakeFabric::EndJob(const std::string& domain_ref, JobType type,
                        const std::string& errmsg) {
  const std::string domain = domain_ref;  // may name the job's own field, moved below
  auto it = jobs_.find(domain);
  if (it == jobs_.end()) return;
  Job job = std::move(it->second);
  jobs_.erase(it);
  ports::JobStats stats = StatsOf(job);
  stats.active = false;
  stats.type = type;
  stats.errmsg = errmsg;
  last_jobs_[{job.source_host, domain}] = stats;
  last_jobs_[{job.target_host, domain}] = stats;
  FakeHypervisor* source = host(job.source_host);
  if (!source->down_) {
    auto dom = source->domains_.find(domain);
    if (dom != source->domains_.end() && dom->second.state == DomainState::kPaused &&
        dom->second.reason == ports::kPausedMigration) {
      dom->second.state = DomainState::kRunning;
      dom->second.reason = /*unpaused*/ 3;
      source->Emit(domain, DomainEventType::kResumed);
    }
  }
  FakeHypervisor* target = host(job.target_host);
  if (!target->down_ && target->domains_.erase(domain) > 0) {
    target->Emit(domain, DomainEventType::kStopped);
  }
}

ports::JobStats FakeFabric::StatsOf(const Job& job) const {
  ports::JobStats stats;
  stats.active = true;
  stats.type = JobType::kUnbounded;
  stats.time_elapsed = absl::ToInt64Milliseconds(job.elapsed);
  stats.disk_total = job.disk_total;
  stats.disk_processed = job.disk_processed;
  stats.disk_remaining = DirtyBytes(job);
  stats.disk_bps = job.disk_bps;
  stats.memory_total = job.memory_total;
  stats.memory_processed = job.memory_processed;
  stats.memory_remaining = job.memory_remaining;
  const Guest* guest = guests_.count(job.domain) ? &guests_.at(job.domain) : nullptr;
  stats.memory_dirty_rate = guest != nullptr ? guest->options.memory_dirty_bytes_per_s : 0;
  // libvirt starts the memory passes once every disk is in sync.
  stats.memory_iteration = job.phase == JobPhase::kDisks || job.memory_total <= 0
                               ? 0
                               : 1 + job.memory_processed / job.memory_total;
  stats.data_total = SaturatingAdd(stats.disk_total, stats.memory_total);
  stats.data_processed = SaturatingAdd(stats.disk_processed, stats.memory_processed);
  stats.data_remaining = SaturatingAdd(stats.disk_remaining, stats.memory_remaining);
  stats.downtime = job.downtime_ms;
  return stats;
}

absl::StatusOr<ports::JobStats> FakeFabric::JobStatsOf(const std::string& host_name,
                                                      absl::string_view domain) {
  auto it = jobs_.find(std::string(domain));
  if (it != jobs_.end() &&
      (it->second.source_host == host_name || it->second.target_host == host_name)) {
    return StatsOf(it->second);
  }
  auto last = last_jobs_.find({host_name, std::string(domain)});
  if (last != last_jobs_.end()) return last->second;
  return ports::JobStats{};
}

const ports::JobStats* FakeFabric::LastJob(const std::string& host,
                                          absl::string_view domain) const {
  auto last = last_jobs_.find({host, std::string(domain)});
  return last == last_jobs_.end() ? nullptr : &last->second;
}

absl::Status FakeFabric::AbortJob(const std::string& host_name, absl::string_view domain) {
  ++changes_;
  auto it = jobs_.find(std::string(domain));
  if (it == jobs_.end() || it->second.source_host != host_name) {
    return absl::FailedPreconditionError(absl::StrCat(
        "abort the job of ", domain, ": Requested operation is not valid: no job is active on "
        "the domain"));
  }
  EndJob(std::string(domain), JobType::kCancelled,
         "operation aborted: migration out job: canceled by client");
  return absl::OkStatus();
}

void FakeFabric::DomainDestroyed(const std::string& host_name, absl::string_view domain) {
  ++changes_;
  auto it = jobs_.find(std::string(domain));
  if (it == jobs_.end()) return;
  if (it->second.source_host == host_name || it->second.target_host == host_name) {
    EndJob(std::string(domain), JobType::kFailed,
           absl::StrCat("operation failed: domain ", domain, " was destroyed on ", host_name));
  }
}

void FakeFabric::Advance(absl::Duration dt) {
  ++changes_;
  for (auto& [name, guest] : guests_) GuestWrites(guest, dt);
  std::vector<std::string> active;
  for (const auto& [domain, job] : jobs_) active.push_back(domain);
  for (const std::string& domain : active) {
    auto it = jobs_.find(domain);
    if (it != jobs_.end()) Progress(it->second, dt);
  }
}

void FakeFabric::CutStreams(absl::string_view host_name) {
  ++changes_;
  std::vector<std::string> hit;
  for (const auto& [domain, job] : jobs_) {
    if (job.source_host == host_name || job.target_host == host_name) hit.push_back(domain);
  }
  for (const std::string& domain : hit) {
    EndJob(domain, JobType::kFailed,
           "operation failed: migration stream: Connection reset by peer");
  }
}

namespace {
std::pair<std::string, std::string> HostPair(absl::string_view a, absl::string_view b) {
  return a < b ? std::make_pair(std::string(a), std::string(b))
               : std::make_pair(std::string(b), std::string(a));
}
}  // namespace

void FakeFabric::Partition(absl::string_view a, absl::string_view b) {
  ++changes_;
  partitions_.insert(HostPair(a, b));
  std::vector<std::string> hit;
  for (const auto& [domain, job] : jobs_) {
    if (HostPair(job.source_host, job.target_host) == HostPair(a, b)) hit.push_back(domain);
  }
  for (const std::string& domain : hit) {
    EndJob(domain, JobType::kFailed,
           "operation failed: migration stream: Connection timed out");
  }
}

void FakeFabric::Heal(absl::string_view a, absl::string_view b) {
  ++changes_;
  partitions_.erase(HostPair(a, b));
}

bool FakeFabric::partitioned(absl::string_view a, absl::string_view b) const {
  return partitions_.contains(HostPair(a, b));
}

void FakeFabric::FillVolume(absl::string_view path) {
  ++changes_;
  auto it = volumes_.find(std::string(path));
  if (it != volumes_.end()) it->second.full = true;
}

void FakeFabric::NodeDown(absl::string_view host_name) {
  ++changes_;
  FakeHypervisor* h = host(host_name);
  if (h == nullptr || h->down_) return;
  std::vector<std::string> hit;
  for (const auto& [domain, job] : jobs_) {
    if (job.source_host == host_name || job.target_host == host_name) hit.push_back(domain);
  }
  // Mark down first so EndJob leaves the dead host's domains alone.
  h->down_ = true;
  for (const std::string& domain : hit) {
    EndJob(domain, JobType::kFailed,
           absl::StrCat("operation failed: lost connection to ", host_name));
  }
  h->domains_.clear();  // QEMU processes die with the node
  h->events_.clear();
}

void FakeFabric::NodeUp(absl::string_view host_name) {
  ++changes_;
  FakeHypervisor* h = host(host_name);
  if (h != nullptr) h->down_ = false;
}

bool FakeFabric::ZeroLastBlock(absl::string_view path) {
  auto it = volumes_.find(std::string(path));
  if (it == volumes_.end() || it->second.image.blocks() == 0) return false;
  ++changes_;
  it->second.image.Write(it->second.image.blocks() - 1, 0);
  Touch(it->second);
  return true;
}

bool FakeFabric::ForgetOneWrite(absl::string_view path) {
  ++changes_;
  auto it = volumes_.find(std::string(path));
  if (it == volumes_.end()) return false;
  Touch(it->second);
  return it->second.image.ForgetOneWrite();
}

}  // namespace ferry::fakes
