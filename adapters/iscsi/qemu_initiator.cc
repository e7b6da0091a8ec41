#include "adapters/iscsi/qemu_initiator.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "base/read_file.h"
#include "nlohmann/json.hpp"

extern char** environ;

namespace ferry::adapters {
namespace {

// A value inside one of QEMU's comma-separated options: commas doubled.
std::string OptionValue(const std::string& s) { return absl::StrReplaceAll(s, {{",", ",,"}}); }

// QEMU's log (its stdout and stderr); "" when it cannot be read.
std::string ReadLog(const std::string& path) { return ReadFileBounded(path).value_or(""); }

// libiscsi's reason from QEMU's log: the last line, without QEMU's
// "qemu-system-x86_64: -drive file=...: " prefix.
std::string Reason(const std::string& log) {
  std::vector<std::string> lines = absl::StrSplit(log, '\n', absl::SkipWhitespace());
  if (lines.empty()) return "QEMU exited without a message";
  std::string last = lines.back();
  if (size_t at = last.find("iSCSI: "); at != std::string::npos) return last.substr(at);
  return last;
}

// One line from `fd` (a JSON message of QMP), waiting until `deadline`.
absl::StatusOr<std::string> ReadLine(int fd, std::string* buffer, absl::Time deadline) {
  while (true) {
    if (size_t nl = buffer->find('\n'); nl != std::string::npos) {
      std::string line = buffer->substr(0, nl);
      buffer->erase(0, nl + 1);
      return line;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return absl::DeadlineExceededError("QEMU's monitor is silent");
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    const int ready = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno != EINTR) return absl::UnavailableError(strerror(errno));
    if (ready <= 0) continue;
    char chunk[4096];
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return absl::UnavailableError("QEMU's monitor closed");
    buffer->append(chunk, static_cast<size_t>(n));
  }
}

absl::Status WriteLine(int fd, const std::string& line) {
  const std::string data = line + "\n";
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError(absl::StrCat("QEMU's monitor: ", strerror(errno)));
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// Sends a QMP command and returns its "return" (events before it skipped).
absl::StatusOr<nlohmann::json> Qmp(int fd, const nlohmann::json& command, absl::Time deadline) {
  if (absl::Status w = WriteLine(fd, command.dump()); !w.ok()) return w;
  std::string buffer;
  while (true) {
    absl::StatusOr<std::string> line = ReadLine(fd, &buffer, deadline);
    if (!line.ok()) return line.status();
    nlohmann::json reply = nlohmann::json::parse(*line, nullptr, /*allow_exceptions=*/false);
    if (reply.is_discarded() || reply.contains("event")) continue;
    if (reply.contains("error")) {
      return absl::FailedPreconditionError(
          absl::StrCat("QEMU: ", reply["error"].value("desc", std::string("error"))));
    }
    if (reply.contains("return")) return reply["return"];
  }
}

int Connect(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void RemoveFolder(const std::string& dir) {
  for (const char* f : {"chap", "qemu.log", "qmp.sock"}) unlink(absl::StrCat(dir, "/", f).c_str());
  rmdir(dir.c_str());
}

}  // namespace

absl::StatusOr<std::unique_ptr<QemuInitiator>> QemuInitiator::Start(const Options& o) {
  for (const auto& [field, value] : {std::pair<const char*, const std::string*>{"portal", &o.portal},
                                     {"iqn", &o.iqn},
                                     {"initiator_name", &o.initiator_name},
                                     {"workdir", &o.workdir}}) {
    if (value->empty()) return absl::InvalidArgumentError(absl::StrCat("iSCSI login: no ", field));
  }
  if (o.lun < 0) return absl::InvalidArgumentError(absl::StrCat("iSCSI login: lun ", o.lun));
  if (!o.chap_username.empty() && o.chap_password.empty()) {
    return absl::InvalidArgumentError("iSCSI login: a CHAP username with no password");
  }
  const std::string what = absl::StrCat("iSCSI login to ", o.iqn, " LUN ", o.lun, " at ",
                                        o.portal, " as ", o.initiator_name);
  std::string pattern = absl::StrCat(absl::StripSuffix(o.workdir, "/"), "/initiator-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": cannot make a folder under ", o.workdir, ": ", strerror(errno)));
  }
  const std::string dir = pattern;
  const std::string qmp_path = absl::StrCat(dir, "/qmp.sock");
  if (qmp_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    RemoveFolder(dir);
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the workdir's path is too long for a Unix socket: ", dir));
  }
  std::string iscsi = absl::StrCat("initiator-name=", OptionValue(o.initiator_name));
  std::vector<std::string> args = {o.qemu, "-machine", "q35,accel=tcg", "-S", "-display", "none",
                                   "-nodefaults", "-no-user-config"};
  if (!o.chap_username.empty()) {
    const std::string secret = absl::StrCat(dir, "/chap");
    const int fd = open(secret.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    const bool written =
        fd >= 0 && write(fd, o.chap_password.data(), o.chap_password.size()) ==
                       static_cast<ssize_t>(o.chap_password.size());
    if (fd >= 0) close(fd);
    if (!written) {
      RemoveFolder(dir);
      return absl::FailedPreconditionError(absl::StrCat(what, ": cannot write the CHAP secret"));
    }
    args.insert(args.end(), {"-object", absl::StrCat("secret,id=chap0,file=", OptionValue(secret))});
    absl::StrAppend(&iscsi, ",user=", OptionValue(o.chap_username), ",password-secret=chap0");
  }
  args.insert(args.end(),
              {"-iscsi", iscsi, "-device", "virtio-scsi-pci,id=scsi0", "-drive",
               absl::StrCat("file=iscsi://", OptionValue(o.portal), "/", OptionValue(o.iqn), "/",
                            o.lun, ",if=none,id=d0,format=raw,cache=none"),
               "-device", "scsi-block,drive=d0", "-qmp",
               absl::StrCat("unix:", OptionValue(qmp_path), ",server=on,wait=off")});

  const std::string log = absl::StrCat(dir, "/qemu.log");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // QEMU starts with no signal blocked and default dispositions: a caller
  // that blocks SIGTERM to sigwait for it (ferry up) must not pass that on,
  // or QEMU would ignore the SIGTERM that stops it.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigfillset(&defaults);
  sigdelset(&defaults, SIGKILL);
  sigdelset(&defaults, SIGSTOP);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, o.qemu.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    RemoveFolder(dir);
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": cannot run ", o.qemu, ": ", strerror(spawned)));
  }
  // QEMU answers on its monitor once its drives are open: logged in.
  const absl::Time deadline = absl::Now() + o.start_timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      const std::string reason = Reason(ReadLog(log));
      RemoveFolder(dir);
      return absl::FailedPreconditionError(absl::StrCat(what, " failed: ", reason));
    }
    const int fd = Connect(qmp_path);
    if (fd < 0) {
      absl::SleepFor(absl::Milliseconds(20));
      continue;
    }
    std::unique_ptr<QemuInitiator> started(new QemuInitiator(pid, dir, fd));
    std::string buffer;
    absl::StatusOr<std::string> greeting = ReadLine(fd, &buffer, deadline);
    absl::StatusOr<nlohmann::json> ok =
        greeting.ok() ? Qmp(fd, {{"execute", "qmp_capabilities"}}, deadline) : greeting.status();
    if (ok.ok()) return started;
    // The monitor went away: QEMU exited (the login failed) or is stuck.
    const std::string reason = Reason(ReadLog(log));
    started.reset();
    return absl::FailedPreconditionError(absl::StrCat(what, " failed: ", reason));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  RemoveFolder(dir);
  return absl::DeadlineExceededError(
      absl::StrCat(what, ": QEMU did not come up within ", absl::FormatDuration(o.start_timeout)));
}

bool QemuInitiator::Running() {
  if (reaped_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

absl::StatusOr<std::string> QemuInitiator::Hmp(const std::string& command) {
  // qemu-io prints to QEMU's stdout (the log), line by line, before the
  // monitor answers: what the log gained is part of the command's output.
  const std::string log = absl::StrCat(dir_, "/qemu.log");
  const size_t before = ReadLog(log).size();
  absl::StatusOr<nlohmann::json> out =
      Qmp(qmp_, {{"execute", "human-monitor-command"}, {"arguments", {{"command-line", command}}}},
          absl::Now() + absl::Seconds(30));
  if (!out.ok()) return out.status();
  const std::string printed = ReadLog(log);
  return absl::StrCat(out->is_string() ? out->get<std::string>() : out->dump(),
                      printed.size() > before ? printed.substr(before) : "");
}

QemuInitiator::~QemuInitiator() {
  close(qmp_);
  if (Running()) {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100 && Running(); ++i) absl::SleepFor(absl::Milliseconds(50));
    if (Running()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      reaped_ = true;
    }
  }
  RemoveFolder(dir_);
}

}  // namespace ferry::adapters
