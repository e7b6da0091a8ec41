#include "cmd/ferry/served_api.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "serve/kubeconfig.h"
#include "serve/tls_identity.h"

namespace ferry::cli {

bool ParseServeFlag(const std::vector<std::string>& args, size_t* i, ServeFlags* flags,
                    std::string* error) {
  error->clear();
  const std::string& arg = args[*i];
  auto value = [&](std::string* out) {
    if (*i + 1 >= args.size()) {
      *error = absl::StrCat(arg, " needs a value");
      return false;
    }
    *out = args[++*i];
    return true;
  };
  std::string v;
  if (arg == "--address") return value(&flags->address);
  if (arg == "--kubeconfig") return value(&flags->kubeconfig);
  if (arg == "--log") {
    flags->log = true;
    return true;
  }
  if (arg == "--port") {
    if (!value(&v)) return false;
    if (!absl::SimpleAtoi(v, &flags->port) || flags->port < 0 || flags->port > 65535) {
      *error = absl::StrCat("--port: \"", v, "\" is not a port (0 to 65535; 0 picks a free one)");
      return false;
    }
    return true;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<ServedApi>> ServedApi::Start(ports::KubeApi& api, absl::Mutex& mu,
                                                            const ServeFlags& flags,
                                                            std::ostream& log,
                                                            std::function<absl::Time()> now) {
  const bool ip = flags.address.find_first_not_of("0123456789.:") == std::string::npos;
  absl::StatusOr<serve::TlsIdentity> identity = serve::MakeTlsIdentity(
      ip ? std::vector<std::string>{flags.address} : std::vector<std::string>{},
      ip ? std::vector<std::string>{"localhost"}
         : std::vector<std::string>{flags.address, "localhost"});
  absl::StatusOr<std::string> token = serve::RandomToken();
  if (!identity.ok() || !token.ok()) {
    return absl::InternalError(absl::StrCat("cannot make the TLS identity or token: ",
                                            (identity.ok() ? token.status() : identity.status()).message()));
  }
  serve::KubeServer::Options options{
      .address = flags.address, .port = flags.port, .token = *token, .now = std::move(now)};
  if (flags.log) options.log = [&log](const std::string& line) { log << line << "\n"; };
  std::unique_ptr<ServedApi> served(new ServedApi);
  served->server_ = std::make_unique<serve::KubeServer>(api, mu, *identity, options);
  if (absl::Status st = served->server_->Start(); !st.ok()) {
    return absl::Status(st.code(), absl::StrCat(st.message(), " (choose another --address or --port)"));
  }
  const std::string host =
      flags.address.find(':') != std::string::npos ? absl::StrCat("[", flags.address, "]") : flags.address;
  served->url_ = absl::StrCat("https://", host, ":", served->server_->port());
  if (absl::Status st = serve::WritePrivateFile(
          flags.kubeconfig,
          serve::Kubeconfig({.server = served->url_, .ca_pem = identity->ca_pem, .token = *token}));
      !st.ok()) {
    served->Stop();
    return absl::Status(st.code(), absl::StrCat(st.message(), " (choose another --kubeconfig path)"));
  }
  return served;
}

sigset_t BlockStopSignals() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  return stop;
}

}  // namespace ferry::cli
