#include "cmd/ferry/serve.h"

#include <signal.h>

#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "adapters/clock/system_clock.h"
#include "api/manifest/reader.h"
#include "fakes/kube/fake_kube_api.h"
#include "serve/kube_server.h"
#include "serve/kubeconfig.h"
#include "serve/tls_identity.h"

namespace ferry::cli {
namespace {

struct Args {
  std::string address = "127.0.0.1";
  int port = 0;
  std::string kubeconfig = "ferry.kubeconfig";
  std::vector<std::string> files;
  bool log = false;
};

bool Parse(const std::vector<std::string>& args, Args* a, std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) {
        *error = absl::StrCat(arg, " needs a value");
        return false;
      }
      *out = args[++i];
      return true;
    };
    std::string v;
    if (arg == "--address") {
      if (!value(&a->address)) return false;
    } else if (arg == "--port") {
      if (!value(&v)) return false;
      if (!absl::SimpleAtoi(v, &a->port) || a->port < 0 || a->port > 65535) {
        *error = absl::StrCat("--port: \"", v, "\" is not a port (0 to 65535; 0 picks a free one)");
        return false;
      }
    } else if (arg == "--kubeconfig") {
      if (!value(&a->kubeconfig)) return false;
    } else if (arg == "-f") {
      if (!value(&v)) return false;
      a->files.push_back(v);
    } else if (arg == "--log") {
      a->log = true;
    } else {
      *error = absl::StrCat("unknown option \"", arg, "\"");
      return false;
    }
  }
  return true;
}

// Creates every object of `files` in `api`; the error names the file and object.
absl::Status Preload(const std::vector<std::string>& files, ports::KubeApi& api) {
  for (const std::string& file : files) {
    absl::StatusOr<manifest::ManifestSet> set = manifest::ReadManifestFile(file);
    if (!set.ok()) return set.status();
    if (absl::Status st = manifest::FirstError(*set); !st.ok()) return st;
    for (const manifest::Object& o : set->objects) {
      std::unique_ptr<google::protobuf::Message> object(o.message->New());
      object->CopyFrom(*o.message);
      k8s::ObjectMeta* meta = ports::MutableMetadataOf(object.get());
      if (o.kind->namespaced && meta->namespace_().empty()) meta->set_namespace_("default");
      absl::StatusOr<ports::ObjectPtr> created = api.Create(*object);
      if (!created.ok()) {
        return absl::Status(created.status().code(), absl::StrCat(file, ": ", o.Describe(), ": ",
                                                                  created.status().message()));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

int RunServeCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Args a;
  std::string error;
  if (!Parse(args, &a, &error)) {
    err << "ferry serve: " << error << "\n(see: ferry help)\n";
    return 2;
  }
  // Block the stop signals in every thread (the server's inherit the mask);
  // this thread waits for one below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  adapters::SystemClock clock;
  fakes::FakeKubeApi api(clock, {.first_resource_version = 1});
  absl::Mutex mu;
  if (absl::Status st = Preload(a.files, api); !st.ok()) {
    err << "ferry serve: " << st.message() << "\n(nothing was served; fix the file and start again)\n";
    return 1;
  }
  const bool ip = a.address.find_first_not_of("0123456789.:") == std::string::npos;
  absl::StatusOr<serve::TlsIdentity> identity =
      serve::MakeTlsIdentity(ip ? std::vector<std::string>{a.address} : std::vector<std::string>{},
                             ip ? std::vector<std::string>{"localhost"}
                                : std::vector<std::string>{a.address, "localhost"});
  absl::StatusOr<std::string> token = serve::RandomToken();
  if (!identity.ok() || !token.ok()) {
    err << "ferry serve: cannot make the TLS identity or token: "
        << (identity.ok() ? token.status() : identity.status()).message() << "\n";
    return 1;
  }
  serve::KubeServer::Options options{.address = a.address, .port = a.port, .token = *token};
  if (a.log) options.log = [&err](const std::string& line) { err << line << "\n"; };
  serve::KubeServer server(api, mu, *identity, options);
  if (absl::Status st = server.Start(); !st.ok()) {
    err << "ferry serve: " << st.message() << "\n(choose another --address or --port)\n";
    return 1;
  }
  const std::string host = a.address.find(':') != std::string::npos ? absl::StrCat("[", a.address, "]") : a.address;
  const std::string url = absl::StrCat("https://", host, ":", server.port());
  if (absl::Status st = serve::WritePrivateFile(
          a.kubeconfig, serve::Kubeconfig({.server = url, .ca_pem = identity->ca_pem, .token = *token}));
      !st.ok()) {
    err << "ferry serve: " << st.message() << "\n(choose another --kubeconfig path)\n";
    server.Stop();
    return 1;
  }
  out << "ferry serve: the Kubernetes API (Ferry's fake store, not a kube-apiserver) at " << url
      << "\nkubeconfig: " << a.kubeconfig << "   (export KUBECONFIG=" << a.kubeconfig
      << ")\nstop with Ctrl-C or SIGTERM\n";
  out.flush();
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  out << "ferry serve: stopping (signal " << signal_number << ")\n";
  server.Stop();
  return 0;
}

}  // namespace ferry::cli
