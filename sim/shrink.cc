#include "sim/shrink.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/text_format.h"

namespace ferry::sim {
namespace {

// ddmin (Zeller): the smallest subsequence of `items` for which `fails`
// holds, testing complements of ever smaller chunks. `keep_one`: the empty
// sequence is not a candidate.
template <typename T, typename Fails>
std::vector<T> Ddmin(std::vector<T> items, Fails fails, bool keep_one) {
  size_t n = 2;
  while (!items.empty()) {
    const size_t chunk = (items.size() + n - 1) / n;
    bool reduced = false;
    for (size_t start = 0; start < items.size(); start += chunk) {
      std::vector<T> complement(items.begin(), items.begin() + static_cast<long>(start));
      complement.insert(complement.end(),
                        items.begin() + static_cast<long>(std::min(start + chunk, items.size())),
                        items.end());
      if (keep_one && complement.empty()) continue;
      if (fails(complement)) {
        items = std::move(complement);
        n = std::max<size_t>(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (reduced) continue;
    if (n >= items.size()) break;
    n = std::min(items.size(), n * 2);
  }
  return items;
}

class Shrinker {
 public:
  Shrinker(const Recipe& failing, const SeedResult& failure, const ShrinkOptions& options)
      : best_(failing), original_(failure), options_(options) {}

  ShrinkResult Go() {
    ShrinkResult out;
    out.original = original_;
    out.actions_before = RenderRecipe(best_).action_size();
    best_failure_ = original_;
    // Two rounds: a reduction late in one (a VM gone) can make an earlier
    // one (a fault) removable.
    for (int round = 0; round < 2; ++round) {
      Reduce(&Recipe::faults, false);
      Reduce(&Recipe::storage_vms, best_.lun_vms.empty());
      Reduce(&Recipe::lun_vms, best_.storage_vms.empty());
      for (size_t i = 0; i < best_.storage_vms.size(); ++i) {
        ReduceInner([i](Recipe& r) -> auto& { return r.storage_vms[i].disks; });
      }
      for (size_t i = 0; i < best_.lun_vms.size(); ++i) {
        ReduceInner([i](Recipe& r) -> auto& { return r.lun_vms[i].luns; });
      }
      Simplify();
    }
    out.recipe = best_;
    out.scenario = RenderRecipe(best_);
    out.scenario.set_name(absl::StrCat("shrunk-", WorkloadName(best_.workload), "-", best_.seed));
    out.failure = best_failure_;
    out.runs = runs_;
    out.actions_after = out.scenario.action_size();
    return out;
  }

 private:
  bool Try(const Recipe& candidate) {
    if (runs_ >= options_.max_runs) return false;
    ++runs_;
    const SeedResult r = Judge(candidate.seed, RunGenerated(RenderRecipe(candidate)));
    const bool same = SameFailure(original_, r);
    if (same) {
      best_ = candidate;
      best_failure_ = r;
    }
    if (options_.progress) options_.progress(runs_, RenderRecipe(best_).action_size());
    return same;
  }

  template <typename T>
  void Reduce(std::vector<T> Recipe::*field, bool keep_one) {
    const std::vector<T> reduced = Ddmin(
        best_.*field,
        [&](const std::vector<T>& subset) {
          Recipe candidate = best_;
          candidate.*field = subset;
          return Try(candidate);
        },
        keep_one);
    best_.*field = reduced;
  }

  template <typename Get>
  void ReduceInner(Get get) {
    using Items = std::remove_reference_t<decltype(get(best_))>;
    const Items reduced = Ddmin(
        get(best_),
        [&](const Items& subset) {
          Recipe candidate = best_;
          get(candidate) = subset;
          return Try(candidate);
        },
        /*keep_one=*/true);
    get(best_) = reduced;
  }

  // One try per simplification; kept when the run still fails the same way.
  void Simplify() {
    auto attempt = [&](auto edit) {
      Recipe candidate = best_;
      if (!edit(candidate)) return;  // nothing to simplify
      Try(candidate);
    };
    for (size_t i = 0; i < best_.storage_vms.size(); ++i) {
      attempt([i](Recipe& r) { return std::exchange(r.storage_vms[i].hot, false); });
      attempt([i](Recipe& r) { return std::exchange(r.storage_vms[i].write_mib_per_s, 0) != 0; });
      attempt([i](Recipe& r) { return std::exchange(r.storage_vms[i].destination_delay, 0) != 0; });
      attempt([i](Recipe& r) { return std::exchange(r.storage_vms[i].reclaim_delete, false); });
      for (size_t d = 0; d < best_.storage_vms[i].disks.size(); ++d) {
        attempt([i, d](Recipe& r) {
          StorageVm::Disk& disk = r.storage_vms[i].disks[d];
          const bool changed = disk.size_gib != 1 || disk.destination_gib != 1;
          disk.size_gib = disk.destination_gib = 1;
          return changed;
        });
        attempt([i, d](Recipe& r) { return std::exchange(r.storage_vms[i].disks[d].data_volume, false); });
      }
    }
    for (size_t i = 0; i < best_.lun_vms.size(); ++i) {
      attempt([i](Recipe& r) { return std::exchange(r.lun_vms[i].image_disk, false); });
    }
    attempt([](Recipe& r) { return std::exchange(r.warm, false); });
    for (size_t f = 0; f < best_.faults.size(); ++f) {
      attempt([f](Recipe& r) {
        scenario::Action& a = r.faults[f];
        bool changed = false;
        if (a.has_api_fault() && a.api_fault().count() > 1) {
          a.mutable_api_fault()->set_count(1);
          changed = true;
        }
        if (a.has_libvirt_fault() && a.libvirt_fault().count() > 1) {
          a.mutable_libvirt_fault()->set_count(1);
          changed = true;
        }
        if (a.has_ovirt_fault() && a.ovirt_fault().count() > 1) {
          a.mutable_ovirt_fault()->set_count(1);
          changed = true;
        }
        return changed;
      });
    }
  }

  Recipe best_;
  SeedResult original_;
  SeedResult best_failure_;
  ShrinkOptions options_;
  int runs_ = 0;
};

}  // namespace

bool SameFailure(const SeedResult& original, const SeedResult& candidate) {
  if (candidate.outcome != original.outcome || original.outcome == Outcome::kPassed) return false;
  return original.outcome != Outcome::kSafety || candidate.checker == original.checker;
}

ShrinkResult Shrink(const Recipe& failing, const SeedResult& failure, const ShrinkOptions& options) {
  return Shrinker(failing, failure, options).Go();
}

std::string ShrunkScenarioText(const ShrinkResult& shrunk) {
  std::string body;
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);
  printer.PrintToString(shrunk.scenario, &body);
  const SeedResult& f = shrunk.failure;
  std::string how = f.outcome == Outcome::kSafety ? absl::StrCat("checker ", f.checker, ": ", f.message)
                                                  : absl::StrCat(OutcomeName(f.outcome), ": ", f.message);
  absl::StrReplaceAll({{"\n", " "}}, &how);
  return absl::StrCat(
      "# Shrunk by `bin/ferry sim` from ", WorkloadName(shrunk.recipe.workload), " seed ",
      shrunk.recipe.seed, ": ", shrunk.actions_before, " actions -> ", shrunk.actions_after,
      " in ", shrunk.runs, " runs.\n# It fails today with ", how,
      "\n# Reproduce: bin/ferry scenario run <this file> [--trace]. Once fixed it passes:\n"
      "# keep it in scenarios/ as a regression test.\n",
      body);
}

}  // namespace ferry::sim
