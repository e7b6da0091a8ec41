#include "cmd/ferry/serve.h"

#include <signal.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "adapters/clock/system_clock.h"
#include "api/manifest/reader.h"
#include "cmd/ferry/served_api.h"
#include "fakes/kube/fake_kube_api.h"

namespace ferry::cli {
namespace {

struct Args {
  ServeFlags serve;
  std::vector<std::string> files;
};

bool Parse(const std::vector<std::string>& args, Args* a, std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (ParseServeFlag(args, &i, &a->serve, error)) continue;
    if (!error->empty()) return false;
    if (args[i] == "-f" && i + 1 < args.size()) {
      a->files.push_back(args[++i]);
    } else if (args[i] == "-f") {
      *error = "-f needs a value";
      return false;
    } else {
      *error = absl::StrCat("unknown option \"", args[i], "\"");
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
  const sigset_t stop = BlockStopSignals();
  adapters::SystemClock clock;
  fakes::FakeKubeApi api(clock, {.first_resource_version = 1});
  absl::Mutex mu;
  if (absl::Status st = Preload(a.files, api); !st.ok()) {
    err << "ferry serve: " << st.message() << "\n(nothing was served; fix the file and start again)\n";
    return 1;
  }
  absl::StatusOr<std::unique_ptr<ServedApi>> served = ServedApi::Start(api, mu, a.serve, err);
  if (!served.ok()) {
    err << "ferry serve: " << served.status().message() << "\n";
    return 1;
  }
  out << "ferry serve: the Kubernetes API (Ferry's fake store, not a kube-apiserver) at "
      << (*served)->url() << "\nkubeconfig: " << a.serve.kubeconfig
      << "   (export KUBECONFIG=" << a.serve.kubeconfig << ")\nstop with Ctrl-C or SIGTERM\n";
  out.flush();
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  out << "ferry serve: stopping (signal " << signal_number << ")\n";
  (*served)->Stop();
  return 0;
}

}  // namespace ferry::cli
