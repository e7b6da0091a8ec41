// The Hypervisor conformance suite against real libvirtd + QEMU nodes: two
// libvirtd daemons in network namespaces of their own, started by
// e2e/libvirt_conformance_test.py (e2e/libvirt_nodes.py), which passes them in:
//   FERRY_LIBVIRT_SOURCE_BASE, FERRY_LIBVIRT_DESTINATION_BASE  each node's
//       private directory (run/libvirt-sock, run/libvirtd.pid, run/qemu/*.pid,
//       start.sh to start its daemon again)
//   FERRY_LIBVIRT_DESTINATION_NAME  the destination node's host name
//   FERRY_LIBVIRT_VOLUMES  where volumes go (files; loop devices for Block)
// Domains are TCG guests with no operating system: migration needs none.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "adapters/libvirt/libvirt_hypervisor.h"
#include "base/fnv.h"
#include "base/status_macros.h"
#include "core/ports/hypervisor_conformance.h"
#include "gtest/gtest.h"

namespace ferry {
namespace {

using ports::HypervisorConformance;
using ports::VolumeSource;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string UriOf(const std::string& base) {
  return absl::StrCat("qemu:///system?socket=", base, "/run/libvirt-sock");
}

// The number in a pid file, or 0.
pid_t PidIn(const std::string& path) {
  std::ifstream f(path);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  int pid = 0;
  return absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &pid) ? pid : 0;
}

// Runs argv; its first line of stdout, or an error naming the command.
absl::StatusOr<std::string> Run(const std::string& command) {
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return absl::InternalError(absl::StrCat("cannot run: ", command));
  char line[512] = {0};
  const bool got = fgets(line, sizeof line, p) != nullptr;
  const int rc = pclose(p);
  if (rc != 0) return absl::InternalError(absl::StrCat(command, " exited with ", rc));
  return std::string(absl::StripAsciiWhitespace(got ? line : ""));
}

class RealTestbed : public ports::HypervisorTestbed {
 public:
  RealTestbed()
      : source_base_(Env("FERRY_LIBVIRT_SOURCE_BASE")),
        destination_base_(Env("FERRY_LIBVIRT_DESTINATION_BASE")),
        volumes_(Env("FERRY_LIBVIRT_VOLUMES")) {
    auto open = [](const std::string& base) -> std::unique_ptr<ports::Hypervisor> {
      absl::StatusOr<std::unique_ptr<adapters::LibvirtHypervisor>> h =
          adapters::LibvirtHypervisor::Open(UriOf(base));
      EXPECT_TRUE(h.ok()) << h.status();
      return h.ok() ? std::move(*h) : nullptr;
    };
    source_ = open(source_base_);
    destination_ = open(destination_base_);
    std::filesystem::remove_all(volumes_);
    std::filesystem::create_directories(volumes_);
  }

  ~RealTestbed() override {
    // Every domain this test made goes, on both nodes, then its volumes.
    for (ports::Hypervisor* h : {source_.get(), destination_.get()}) {
      if (h == nullptr) continue;
      absl::StatusOr<std::vector<ports::DomainInfo>> all = h->ListDomains();
      for (const ports::DomainInfo& d : all.ok() ? *all : std::vector<ports::DomainInfo>{}) {
        if (d.name.rfind("ferry-conf-", 0) != 0) continue;
        (void)h->AbortJob(d.name);
        (void)h->Destroy(d.name);
        (void)h->UndefineDomain(d.name);
      }
    }
    for (const std::string& loop : loops_) (void)Run(absl::StrCat("losetup -d ", loop));
    std::filesystem::remove_all(volumes_);
  }

  bool ok() const { return source_ != nullptr && destination_ != nullptr && !volumes_.empty(); }
  ports::Hypervisor& source() override { return *source_; }
  ports::Hypervisor& destination() override { return *destination_; }
  std::string destination_uri() override {
    return absl::StrCat("qemu+tcp://", Env("FERRY_LIBVIRT_DESTINATION_NAME"), "/system");
  }

  std::string DomainXml(const std::string& name, const std::string& uuid,
                        const std::vector<VolumeSource>& disks) override {
    std::string xml = absl::StrCat(
        "<domain type='qemu'><name>", name, "</name>",
        uuid.empty() ? "" : absl::StrCat("<uuid>", uuid, "</uuid>"),
        "<memory unit='KiB'>131072</memory><vcpu>1</vcpu>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<emulator>/usr/bin/qemu-system-x86_64</emulator>");
    for (size_t i = 0; i < disks.size(); ++i) {
      const VolumeSource& v = disks[i];
      absl::StrAppend(&xml, "<disk type='", v.block ? "block" : "file",
                      "' device='disk'><driver name='qemu' type='raw' cache='none' io='native' "
                      "discard='unmap'/><source ", v.block ? "dev" : "file", "='", v.path,
                      "'/><target dev='vd", std::string(1, static_cast<char>('a' + i)),
                      "' bus='virtio'/></disk>");
    }
    return absl::StrCat(xml, "<memballoon model='none'/></devices></domain>");
  }

  absl::StatusOr<VolumeSource> CreateVolume(const std::string& name, int64_t bytes, bool block,
                                            bool on_destination, int64_t data_bytes,
                                            uint64_t seed) override {
    // Both nodes share this machine's filesystem; a directory per node keeps
    // them apart as a local PV's path would.
    const std::string dir =
        absl::StrCat(volumes_, "/", on_destination ? "destination" : "source", "/", name);
    std::filesystem::create_directories(dir);
    const std::string file = dir + "/disk.img";
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      std::vector<char> block_data(1 << 20);
      uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
      for (int64_t at = 0; at < data_bytes; at += block_data.size()) {
        for (char& c : block_data) {
          x ^= x << 13, x ^= x >> 7, x ^= x << 17;
          c = static_cast<char>(x);
        }
        out.write(block_data.data(), std::min<int64_t>(block_data.size(), data_bytes - at));
      }
    }
    std::filesystem::resize_file(file, bytes);  // the rest stays a hole
    VolumeSource v{.claim = "default/" + name, .volume = "pv-" + name, .block = block,
                   .capacity_bytes = bytes, .path = file};
    if (block) {
      ASSIGN_OR_RETURN(v.path, Run(absl::StrCat("losetup --find --show ", file)));
      loops_.push_back(v.path);
    }
    return v;
  }

  absl::StatusOr<std::string> Digest(const VolumeSource& volume, int64_t bytes) override {
    std::ifstream in(volume.path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", volume.path));
    std::vector<char> buf(1 << 20);
    uint64_t h = kFnv1a64Offset;
    for (int64_t left = bytes; left > 0;) {
      in.read(buf.data(), std::min<int64_t>(buf.size(), left));
      const std::streamsize n = in.gcount();
      if (n <= 0) return absl::OutOfRangeError(absl::StrCat(volume.path, " is short"));
      h = Fnv1a64(absl::string_view(buf.data(), n), h);
      left -= n;
    }
    return absl::StrCat(h);
  }

  void Wait(absl::Duration d) override { absl::SleepFor(d); }

  absl::Status KillDestinationEmulator(const std::string& domain) override {
    const pid_t pid = PidIn(absl::StrCat(destination_base_, "/run/qemu/", domain, ".pid"));
    if (pid <= 0) return absl::NotFoundError(absl::StrCat("no QEMU pid for ", domain));
    return kill(pid, SIGKILL) == 0 ? absl::OkStatus()
                                   : absl::InternalError(absl::StrCat("kill ", pid));
  }

  absl::Status RestartSourceDaemon() override {
    const std::string pid_file = source_base_ + "/run/libvirtd.pid";
    const pid_t pid = PidIn(pid_file);
    if (pid <= 0) return absl::NotFoundError("no libvirtd pid file on the source");
    kill(pid, SIGKILL);
    for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i) absl::SleepFor(absl::Milliseconds(50));
    // start.sh runs the same command the harness ran; the harness stops the
    // new daemon by its pid file.
    const pid_t child = fork();
    if (child == 0) {
      setsid();
      execl("/bin/bash", "bash", (source_base_ + "/start.sh").c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 300; ++i) {
      absl::SleepFor(absl::Milliseconds(100));
      const pid_t now = PidIn(pid_file);
      if (now > 0 && now != pid && adapters::LibvirtHypervisor::Open(UriOf(source_base_)).ok()) {
        return absl::OkStatus();
      }
    }
    return absl::DeadlineExceededError("the source libvirtd did not come back within 30 s");
  }

 private:
  const std::string source_base_, destination_base_, volumes_;
  std::unique_ptr<ports::Hypervisor> source_, destination_;
  std::vector<std::string> loops_;
};

INSTANTIATE_TEST_SUITE_P(
    Real, HypervisorConformance,
    testing::Values(ports::HypervisorTestbedFactory{
        "LibvirtdQemuNodes",
        ports::HypervisorCapabilities{.migration = true,
                                      .block_volumes = true,
                                      .kill_destination_emulator = true,
                                      .restart_source_daemon = true},
        []() -> std::unique_ptr<ports::HypervisorTestbed> {
          auto testbed = std::make_unique<RealTestbed>();
          if (!testbed->ok()) return nullptr;
          return testbed;
        }}),
    ports::TestbedName);

}  // namespace
}  // namespace ferry
