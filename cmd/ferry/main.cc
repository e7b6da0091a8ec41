// ferry: the command-line entry point. Subcommands live in their own files
// (lint.cc, convert.cc); this file only parses the command line.
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "base/read_file.h"
#include "cmd/ferry/agent.h"
#include "cmd/ferry/controller.h"
#include "cmd/ferry/lun_controller.h"
#include "cmd/ferry/ovirt_serve.h"
#include "cmd/ferry/convert.h"
#include "cmd/ferry/lint.h"
#include "cmd/ferry/scenario.h"
#include "cmd/ferry/serve.h"
#include "cmd/ferry/up.h"
#include "cmd/ferry/sim.h"

namespace {

constexpr char kUsage[] = R"(usage: ferry COMMAND [options]

Commands:
  lint -f FILE... [--max-input-size SIZE]
                           Load Kubernetes/KubeVirt/CDI/Forklift manifests (YAML or
                           JSON, multi-document, kind: List), validate every object
                           and the references between them. One line per object and
                           per finding. Exit 0 clean, 1 findings, 2 unreadable input.
  convert -f FILE... [-o yaml|json] [--max-input-size SIZE]
                           Write the manifests back in canonical form.
  scenario run PATH... [--trace] [--max-input-size SIZE] [--allow-outside DIR]
                           Run scenario files (or every *.textproto in a folder) in
                           the deterministic simulator: one line per scenario, a
                           summary, exit 1 if any fails. Files are read up to SIZE
                           (default 64MiB), and only inside each scenario's tree
                           or a DIR allowed. See docs/scenarios.md.
  sim --workload storage|lun|mixed [--seeds N] [--seed S] [--jobs J] [--trace]
      [--out DIR] [--no-shrink]
                           A swarm sweep in the simulator: each seed draws its own
                           workload and faults, every checker runs after every event,
                           then the faults heal and everything must end. Prints the
                           seed, progress, a summary; failures are shrunk to scenario
                           files in DIR (default sim-failures). --seed S --trace
                           replays one run. Exit 0 pass, 1 safety violation,
                           3 liveness failure, 4 harness failure. See docs/simulation.md.
  serve [--address ADDR] [--port N] [--kubeconfig PATH] [-f FILE]... [--log]
                           Serve Ferry's fake API store as the Kubernetes API over
                           HTTPS on ADDR (default 127.0.0.1; port 0 picks a free one)
                           until Ctrl-C, writing a kubeconfig (default
                           ./ferry.kubeconfig) that kubectl uses as is. FILEs are
                           created first. Not a kube-apiserver: see docs/serve.md.
  ovirt-serve [--world FILE] [--address ADDR] [--port N] [--provider NS/NAME]
      [--provider-file PATH] [--log]
                           Serve a fake oVirt engine's REST API v4 and SSO over HTTPS
                           (its disks and VMs from FILE's world.ovirt, or none) until
                           Ctrl-C, writing the Forklift Provider and Secret that reach
                           it (default default/ferry-ovirt in
                           ./ferry-ovirt-provider.yaml). Not an oVirt engine: see
                           docs/serve.md.
  up [--world FILE] [--outside controller,lun-controller] [--speed X] [--trace]
     [--guest-write-mib-per-s N] [--link-mib-per-s N] [serve's options]
     [--libvirt NODE=URI ... --guest-kernel PATH --guest-initrd PATH [--qemu-default-malloc]
      [--container-image IMAGE=PATH ...]] [--real-iscsi DIR]
                           The simulated world in real time behind that API: nodes
                           (default node-a, node-b; or a scenario file's world and
                           its api_fault actions with cluster: true),
                           simulated libvirt hosts, an oVirt engine if the world
                           has one, Ferry's processes. kubectl apply a VM and a
                           migration and watch it happen. --outside controller
                           leaves the controller to `ferry controller`; --outside
                           lun-controller serves the world's oVirt engine over HTTPS,
                           points its Providers there, and leaves the plans to `ferry
                           lun-controller`. --libvirt makes NODE real: its VMs
                           boot the guest as QEMU domains on that libvirtd, its
                           agent is `ferry agent --libvirt URI`. Their QEMUs get
                           glibc malloc thresholds that keep a copy's NBD buffers
                           in the heap (about 1.5x the copy speed here);
                           --qemu-default-malloc leaves glibc's. A containerDisk
                           of image IMAGE boots from a qcow2 overlay over PATH.
                           --real-iscsi logs
                           pods and oVirt VMs (not down) in to their iSCSI LUNs for
                           real, each with a QEMU initiator (files under DIR), so
                           a real target sees and refuses them. See docs/serve.md.
  controller [--kubeconfig PATH] [--context NAME] [--insecure-skip-tls-verify]
      [--health-address ADDR] [--health-port N] [--leader-elect true|false]
      [--lease-namespace NS] [--lease-name NAME] [--identity ID] [--log-format json|text]
      [--progress-timeout DURATION]
                           The storage-migration controller as a production process
                           against a Kubernetes API (a cluster, or `ferry up --outside
                           controller`): one leader by Lease, /healthz /readyz /metrics
                           (default 127.0.0.1:8081), JSON logs on stderr, Events. Stops
                           cleanly on SIGTERM. A copy whose disks come no closer to in
                           sync for the progress timeout (default 150s; this option is
                           the controller's alone) starts again with synchronous
                           writes. See docs/deploy.md.
  agent --node NAME [--libvirt URI] [--bandwidth-mib-per-s N] [controller's options]
                           The storage-migration agent of one node (a DaemonSet) over
                           the node's libvirt (default qemu:///system); no leader
                           election. Each copy it starts is capped at N MiB/s (default
                           0: unlimited). See docs/deploy.md.
  lun-controller --provider NS/NAME [controller's options] [--power-off-timeout DURATION]
      [--bind-timeout DURATION] [--copy-timeout DURATION]
                           The direct-LUN plan controller as a production process:
                           one leader by Lease, driving the oVirt engine of that
                           Forklift Provider (its spec.url; user, password, cacert
                           from its Secret) over the REST API. A VM whose source
                           does not stop within the power-off timeout (default
                           10m), whose LUN claims do not bind within the bind
                           timeout (5m) or whose disks are not copied within the
                           copy timeout (2h) is rolled back. See docs/deploy.md.
  help                     Show this text.

FILE may be "-" for standard input; -f may be repeated or followed by several files.
lint and convert read no file (or standard input) larger than --max-input-size:
64M unless raised (a byte count, or with k, M or G: 500k, 1G). A file may also
hold at most 500,000 values and 64 MiB of text once YAML aliases are expanded,
and nest at most 100 levels; see docs/ARCHITECTURE.md, "Input limits".
)";

// Collects the files after each -f/--filename, the value of -o/--output and
// --max-input-size.
bool ParseArgs(int argc, char** argv, std::vector<std::string>* files,
               std::string* output, ferry::ReadLimits* limits, std::string* error) {
  auto max_input_size = [&](absl::string_view value) {
    absl::StatusOr<int64_t> bytes = ferry::ParseByteSize(value, "--max-input-size");
    if (!bytes.ok()) {
      *error = std::string(bytes.status().message());
      return false;
    }
    limits->max_bytes = *bytes;
    return true;
  };
  bool stdin_named = false;
  bool in_files = false;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-f" || arg == "--filename") {
      in_files = true;
    } else if (absl::StartsWith(arg, "--filename=")) {
      files->push_back(arg.substr(11));
      in_files = true;
    } else if (arg == "-o" || arg == "--output") {
      if (i + 1 >= argc) {
        *error = arg + " needs a value: yaml or json";
        return false;
      }
      *output = argv[++i];
      in_files = false;
    } else if (absl::StartsWith(arg, "--output=")) {
      *output = arg.substr(9);
      in_files = false;
    } else if (arg == "--max-input-size") {
      if (i + 1 >= argc) {
        *error = arg + " needs a value: a size such as 64M or 1G";
        return false;
      }
      if (!max_input_size(argv[++i])) return false;
      in_files = false;
    } else if (absl::StartsWith(arg, "--max-input-size=")) {
      if (!max_input_size(absl::string_view(arg).substr(17))) return false;
      in_files = false;
    } else if (in_files && arg == "-") {
      if (stdin_named) {
        *error = "standard input (-) can be read only once";
        return false;
      }
      stdin_named = true;
      files->push_back(arg);
    } else if (in_files && !absl::StartsWith(arg, "-")) {
      files->push_back(arg);
    } else {
      *error = "unknown argument \"" + arg + "\"";
      return false;
    }
  }
  if (files->empty()) {
    *error = "no input: name manifests with -f FILE...";
    return false;
  }
  return true;
}

}  // namespace

int Run(int argc, char** argv);

// Nothing below main throws on purpose; a library exception (an allocation
// failure, a bug) still ends with a message and exit 2, never an abort.
int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "ferry: internal error: " << e.what()
              << "\n(please report it with the input that caused it)\n";
    return 2;
  }
}

int Run(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  if (command == "help" || command == "-h" || command == "--help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "scenario") {
    return ferry::cli::RunScenarioCommand(std::vector<std::string>(argv + 2, argv + argc),
                                          std::cout, std::cerr);
  }
  if (command == "serve") {
    return ferry::cli::RunServeCommand(std::vector<std::string>(argv + 2, argv + argc), std::cout,
                                       std::cerr);
  }
  if (command == "agent") {
    return ferry::cli::RunAgentCommand(std::vector<std::string>(argv + 2, argv + argc), std::cout,
                                       std::cerr);
  }
  if (command == "lun-controller") {
    return ferry::cli::RunLunControllerCommand(std::vector<std::string>(argv + 2, argv + argc),
                                               std::cout, std::cerr);
  }
  if (command == "ovirt-serve") {
    return ferry::cli::RunOvirtServeCommand(std::vector<std::string>(argv + 2, argv + argc),
                                            std::cout, std::cerr);
  }
  if (command == "controller") {
    return ferry::cli::RunControllerCommand(std::vector<std::string>(argv + 2, argv + argc),
                                            std::cout, std::cerr);
  }
  if (command == "up") {
    return ferry::cli::RunUpCommand(std::vector<std::string>(argv + 2, argv + argc), std::cout,
                                    std::cerr);
  }
  if (command == "sim") {
    return ferry::cli::RunSimCommand(std::vector<std::string>(argv + 2, argv + argc), std::cout,
                                     std::cerr);
  }
  if (command != "lint" && command != "convert") {
    std::cerr << "ferry: unknown command \"" << command << "\"\n\n" << kUsage;
    return 2;
  }
  std::vector<std::string> files;
  std::string output, error;
  ferry::ReadLimits limits;
  if (!ParseArgs(argc, argv, &files, &output, &limits, &error)) {
    std::cerr << "ferry " << command << ": " << error << "\n(see: ferry help)\n";
    return 2;
  }
  if (command == "lint") {
    if (!output.empty()) {
      std::cerr << "ferry lint: -o is not an option of lint\n";
      return 2;
    }
    return ferry::cli::RunLint(files, std::cout, std::cerr, limits);
  }
  if (output.empty()) output = "yaml";
  if (output != "yaml" && output != "json") {
    std::cerr << "ferry convert: -o must be yaml or json, not \"" << output << "\"\n";
    return 2;
  }
  return ferry::cli::RunConvert(
      files, output == "json" ? ferry::cli::OutputFormat::kJson : ferry::cli::OutputFormat::kYaml,
      std::cout, std::cerr, limits);
}
