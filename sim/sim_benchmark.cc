// The simulator's speed and scale, as figures (docs/simulation.md, "Speed"):
//
//   BM_Swarm/<workload>        swarm runs as a sweep makes them (faults on)
//   BM_SingleVmStorage         one VM's storage migration, no faults
//   BM_LunPlanScale/<vms>      one plan of <vms> VMs x 4 LUNs, no faults
//   BM_StorageScale/<vms>      <vms> storage migrations over <vms>/4 nodes
//   BM_RunningVms/<vms>        <vms> VMs running on <vms>/4 nodes, nothing
//                              migrating: the world's 5 settling seconds
//   BM_IdleNodes/<nodes>       <nodes> nodes and nothing else, 5 seconds
//
// Counters: runs/s (items_per_second), sim_s_per_wall_s, events/run,
// api_calls/vm (Kubernetes API calls by Ferry's processes per migrated VM),
// peak_rss_mib (the process's peak so far: run one benchmark per process,
// as bin/bench does, to read it per benchmark). Every run must pass: a run
// that fails stops the benchmark with the seed and why.
//
//   bazel run -c opt //sim:sim_benchmark -- --benchmark_filter=BM_Swarm
#include <sys/resource.h>

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "sim/sweep.h"
#include "sim/swarm.h"

namespace ferry::sim {
namespace {

double PeakRssMib() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
}

// Runs seeds from 1 on, one per iteration, and reports the counters.
void RunSeeds(benchmark::State& state, Workload workload, const SwarmOptions& swarm,
              int64_t migrated_vms_per_run) {
  uint64_t seed = 1;
  double simulated = 0, wall = 0;
  int64_t events = 0, api_calls = 0, engine_calls = 0, reconciles = 0, runs = 0;
  std::map<std::string, int64_t> engine_by_request;
  for (auto _ : state) {
    ScenarioResult full;
    const SeedResult r = RunSeed(workload, seed, swarm, &full);
    if (r.outcome != Outcome::kPassed) {
      state.SkipWithError(absl::StrCat("seed ", seed, ": ", OutcomeName(r.outcome), " ",
                                       r.checker, " ", r.message)
                              .c_str());
      break;
    }
    if (migrated_vms_per_run > 0 && full.migrated != migrated_vms_per_run) {
      state.SkipWithError(absl::StrCat("seed ", seed, ": migrated ", full.migrated, " of ",
                                       migrated_vms_per_run, " VMs")
                              .c_str());
      break;
    }
    simulated += absl::ToDoubleSeconds(r.simulated);
    wall += absl::ToDoubleSeconds(r.wall);
    events += r.events;
    api_calls += full.ferry_api_calls;
    engine_calls += full.engine_calls;
    reconciles += full.reconciles;
    for (const auto& [request, n] : full.engine_calls_by_request) engine_by_request[request] += n;
    ++runs;
    ++seed;
  }
  if (runs == 0) return;
  state.SetItemsProcessed(runs);
  state.counters["sim_s_per_wall_s"] = wall > 0 ? simulated / wall : 0;
  state.counters["sim_s/run"] = simulated / static_cast<double>(runs);
  state.counters["events/run"] = static_cast<double>(events) / static_cast<double>(runs);
  state.counters["reconciles/run"] = static_cast<double>(reconciles) / static_cast<double>(runs);
  if (migrated_vms_per_run > 0) {
    state.counters["api_calls/vm"] = static_cast<double>(api_calls) /
                                     static_cast<double>(runs * migrated_vms_per_run);
    if (engine_calls > 0) {
      state.counters["engine_calls/vm"] = static_cast<double>(engine_calls) /
                                          static_cast<double>(runs * migrated_vms_per_run);
      // Which requests: "engine get vm/vm" and so on.
      for (const auto& [request, n] : engine_by_request) {
        state.counters[absl::StrCat("engine ", request, "/vm")] =
            static_cast<double>(n) / static_cast<double>(runs * migrated_vms_per_run);
      }
    }
  }
  state.counters["peak_rss_mib"] = PeakRssMib();
}

void BM_Swarm(benchmark::State& state) {
  const Workload workload = static_cast<Workload>(state.range(0));
  state.SetLabel(std::string(WorkloadName(workload)));
  SwarmOptions swarm;
  swarm.verify_waits = false;
  RunSeeds(state, workload, swarm, 0);
}
BENCHMARK(BM_Swarm)
    ->Arg(static_cast<int>(Workload::kStorage))
    ->Arg(static_cast<int>(Workload::kLun))
    ->Arg(static_cast<int>(Workload::kMixed))
    ->Unit(benchmark::kMillisecond)
    ->MinTime(5);

void BM_SingleVmStorage(benchmark::State& state) {
  SwarmOptions swarm;
  swarm.exact_storage_vms = 1;
  swarm.exact_nodes = 2;
  swarm.faults = false;
  swarm.verify_waits = false;
  RunSeeds(state, Workload::kStorage, swarm, 1);
}
BENCHMARK(BM_SingleVmStorage)->Unit(benchmark::kMillisecond)->MinTime(5);

void BM_LunPlanScale(benchmark::State& state) {
  SwarmOptions swarm;
  swarm.exact_lun_vms = static_cast<int>(state.range(0));
  swarm.exact_luns = 4;
  swarm.exact_nodes = 4;
  swarm.faults = false;
  swarm.verify_waits = false;
  RunSeeds(state, Workload::kLun, swarm, state.range(0));
}
BENCHMARK(BM_LunPlanScale)
    ->Arg(10)->Arg(100)->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

void BM_StorageScale(benchmark::State& state) {
  SwarmOptions swarm;
  swarm.exact_storage_vms = static_cast<int>(state.range(0));
  swarm.exact_nodes = static_cast<int>(state.range(0) / 4);
  swarm.faults = false;
  swarm.verify_waits = false;
  RunSeeds(state, Workload::kStorage, swarm, state.range(0));
}
BENCHMARK(BM_StorageScale)
    ->Arg(20)->Arg(50)->Arg(100)->Arg(200)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

// Runs one scenario per iteration (it must pass) and reports the counters.
void RunWorld(benchmark::State& state, const scenario::Scenario& s) {
  double simulated = 0, wall = 0;
  int64_t events = 0, runs = 0;
  for (auto _ : state) {
    const ScenarioResult r = RunGenerated(s, /*trace=*/false, /*verify_waits=*/false);
    if (!r.passed) {
      state.SkipWithError(absl::StrCat(r.failures.empty() ? "failed" : r.failures[0]).c_str());
      break;
    }
    simulated += absl::ToDoubleSeconds(r.simulated);
    wall += absl::ToDoubleSeconds(r.wall);
    events += r.events;
    ++runs;
  }
  if (runs == 0) return;
  state.counters["sim_s_per_wall_s"] = wall > 0 ? simulated / wall : 0;
  state.counters["sim_s/run"] = simulated / static_cast<double>(runs);
  state.counters["events/run"] = static_cast<double>(events) / static_cast<double>(runs);
  state.counters["peak_rss_mib"] = PeakRssMib();
}

// The world at rest: with nothing to migrate a run settles at once and
// lasts the runner's 5 settling seconds, in which every process passes and
// the cluster model ticks about 5 times and the checkers judge every event.
scenario::Scenario AtRest(Recipe recipe) {
  scenario::Scenario s = RenderRecipe(recipe);
  s.clear_action();
  s.clear_liveness();
  return s;
}

void BM_RunningVms(benchmark::State& state) {
  SwarmOptions swarm;
  swarm.exact_storage_vms = static_cast<int>(state.range(0));
  swarm.exact_nodes = static_cast<int>(state.range(0) / 4);
  swarm.faults = false;
  swarm.verify_waits = false;
  RunWorld(state, AtRest(DrawRecipe(Workload::kStorage, 1, swarm)));
}
BENCHMARK(BM_RunningVms)
    ->Arg(100)->Arg(200)->Arg(400)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

void BM_IdleNodes(benchmark::State& state) {
  Recipe recipe;
  for (int64_t n = 1; n <= state.range(0); ++n) recipe.nodes.push_back(absl::StrCat("node-", n));
  RunWorld(state, AtRest(recipe));
}
BENCHMARK(BM_IdleNodes)
    ->Arg(500)->Arg(1000)->Arg(2000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
}  // namespace ferry::sim

BENCHMARK_MAIN();
