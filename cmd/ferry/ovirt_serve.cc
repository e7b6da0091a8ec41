#include "cmd/ferry/ovirt_serve.h"

#include <signal.h>

#include <memory>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "adapters/clock/system_clock.h"
#include "api/names.h"
#include "cmd/ferry/served_api.h"
#include "cmd/ferry/served_ovirt.h"
#include "serve/kubeconfig.h"
#include "sim/ovirt_world.h"
#include "sim/scenario_loader.h"

namespace ferry::cli {
namespace {

struct Args {
  OvirtServeFlags serve;
  std::string world;
  std::string provider_namespace = "default";
  std::string provider_name = "ferry-ovirt";
  std::string provider_file = "ferry-ovirt-provider.yaml";
};

bool Parse(const std::vector<std::string>& args, Args* a, std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--log") {
      a->serve.log = true;
      continue;
    }
    static const auto* kValued = new std::set<std::string>{"--world", "--address", "--port",
                                                           "--provider", "--provider-file"};
    if (!kValued->contains(arg)) {
      *error = absl::StrCat("unknown option \"", arg, "\"");
      return false;
    }
    if (i + 1 >= args.size()) {
      *error = absl::StrCat(arg, " needs a value");
      return false;
    }
    const std::string& v = args[++i];
    if (arg == "--world") {
      a->world = v;
    } else if (arg == "--address") {
      a->serve.address = v;
    } else if (arg == "--port") {
      if (!absl::SimpleAtoi(v, &a->serve.port) || a->serve.port < 0 || a->serve.port > 65535) {
        *error = absl::StrCat("--port: \"", v, "\" is not a port (0 to 65535; 0 picks a free one)");
        return false;
      }
    } else if (arg == "--provider") {
      const std::vector<std::string> parts = absl::StrSplit(v, '/');
      if (parts.size() != 2 || !api::IsDns1123Label(parts[0]).empty() ||
          !api::IsDns1123Subdomain(parts[1]).empty()) {
        *error = absl::StrCat("--provider: \"", v, "\" is not NAMESPACE/NAME");
        return false;
      }
      a->provider_namespace = parts[0];
      a->provider_name = parts[1];
    } else if (arg == "--provider-file") {
      a->provider_file = v;
    }
  }
  return true;
}

}  // namespace

int RunOvirtServeCommand(const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err) {
  Args a;
  std::string error;
  if (!Parse(args, &a, &error)) {
    err << "ferry ovirt-serve: " << error << "\n(see: ferry help)\n";
    return 2;
  }
  const sigset_t stop = BlockStopSignals();
  scenario::Ovirt ovirt;
  if (!a.world.empty()) {
    absl::StatusOr<sim::LoadedScenario> loaded = sim::LoadScenario(a.world);
    if (!loaded.ok()) {
      err << "ferry ovirt-serve: " << loaded.status().message()
          << "\n(fix the world file and start again)\n";
      return 1;
    }
    ovirt = loaded->scenario.world().ovirt();
  }
  adapters::SystemClock clock;
  fakes::FakeEngine engine(clock, sim::EngineOptions(ovirt));
  if (absl::Status st = sim::PopulateEngine(ovirt, engine); !st.ok()) {
    err << "ferry ovirt-serve: " << a.world << ": " << st.message()
        << "\n(fix the world file and start again)\n";
    return 1;
  }
  absl::Mutex mu;
  absl::StatusOr<std::unique_ptr<ServedOvirt>> served = ServedOvirt::Start(
      engine, mu, a.serve, [&clock] { return clock.Now(); }, out);
  if (!served.ok()) {
    err << "ferry ovirt-serve: " << served.status().message()
        << " (choose another --address or --port)\n";
    return 1;
  }
  if (absl::Status st = serve::WritePrivateFile(
          a.provider_file, (*served)->ProviderManifest(a.provider_namespace, a.provider_name));
      !st.ok()) {
    err << "ferry ovirt-serve: " << st.message() << " (choose another --provider-file)\n";
    (*served)->Stop();
    return 1;
  }
  out << "ferry ovirt-serve: an oVirt engine's REST API v4 (Ferry's fake engine, "
      << ovirt.vm_size() << " VMs, " << ovirt.disk_size() << " disks) at " << (*served)->url()
      << "\nProvider and Secret " << a.provider_namespace << "/" << a.provider_name << ": "
      << a.provider_file << "   (kubectl apply -f " << a.provider_file
      << "; it holds the password)\nstop with Ctrl-C or SIGTERM\n";
  out.flush();
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  out << "ferry ovirt-serve: stopping (signal " << signal_number << ")\n";
  (*served)->Stop();
  return 0;
}

}  // namespace ferry::cli
