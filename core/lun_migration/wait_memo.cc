#include "core/lun_migration/wait_memo.h"

#include <utility>

#include "google/protobuf/util/message_differencer.h"

namespace ferry::lun_migration {

bool WaitMemo::Holds(const std::string& vm_id, const std::string& inputs,
                     const forklift::VMStatus& status, const std::string& run_version,
                     absl::Time now) {
  auto it = entries_.find(vm_id);
  if (it == entries_.end()) return false;
  Entry& entry = it->second;
  if (now >= entry.until || entry.inputs != inputs) return false;
  if (run_version.empty() || run_version != entry.run_version) {
    if (!google::protobuf::util::MessageDifferencer::Equals(entry.status, status)) return false;
    entry.run_version = run_version;
  }
  return true;
}

void WaitMemo::Keep(const std::string& vm_id, std::string inputs,
                    const forklift::VMStatus& status, const std::string& run_version,
                    absl::Time until) {
  Entry& entry = entries_[vm_id];
  entry.inputs = std::move(inputs);
  entry.status = status;
  entry.run_version = run_version;
  entry.until = until;
}

}  // namespace ferry::lun_migration
