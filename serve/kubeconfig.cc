#include "serve/kubeconfig.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace ferry::serve {

std::string Kubeconfig(const KubeconfigFields& f) {
  // JSON is YAML: every client reads it, and no value needs quoting rules.
  nlohmann::ordered_json config = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters",
       {{{"name", f.name},
         {"cluster",
          {{"server", f.server}, {"certificate-authority-data", absl::Base64Escape(f.ca_pem)}}}}}},
      {"users", {{{"name", f.name}, {"user", {{"token", f.token}}}}}},
      {"contexts",
       {{{"name", f.name},
         {"context", {{"cluster", f.name}, {"user", f.name}, {"namespace", f.namespace_}}}}}},
      {"current-context", f.name},
  };
  return config.dump(2) + "\n";
}

absl::Status WritePrivateFile(const std::string& path, const std::string& text) {
  const std::string temp = absl::StrCat(path, ".tmp");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::PermissionDeniedError(absl::StrCat("cannot write ", temp, ": ", std::strerror(errno)));
  }
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return absl::UnavailableError(absl::StrCat("cannot write ", temp, ": ", std::strerror(err)));
    }
    written += static_cast<size_t>(n);
  }
  ::fchmod(fd, 0600);
  if (::close(fd) != 0 || ::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace ferry::serve
