#include "core/runtime/observer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"

namespace ferry::runtime {
namespace {

using google::protobuf::util::MessageDifferencer;

struct SameValue {
  bool operator()(const std::monostate&, const std::monostate&) const { return true; }
  bool operator()(const DomainSeen& a, const DomainSeen& b) const {
    return a.present == b.present && a.info == b.info && a.job == b.job;
  }
  bool operator()(const ovirt::Vm& a, const ovirt::Vm& b) const {
    return MessageDifferencer::Equals(a, b);
  }
  bool operator()(const ovirt::Disk& a, const ovirt::Disk& b) const {
    return MessageDifferencer::Equals(a, b);
  }
  bool operator()(const OvirtInventory& a, const OvirtInventory& b) const {
    if (!MessageDifferencer::Equals(a.version, b.version) || a.vms.size() != b.vms.size()) {
      return false;
    }
    for (size_t i = 0; i < a.vms.size(); ++i) {
      if (!MessageDifferencer::Equals(a.vms[i], b.vms[i])) return false;
    }
    return true;
  }
  bool operator()(const ports::ObjectPtr& a, const ports::ObjectPtr& b) const {
    if (a == nullptr || b == nullptr) return a == b;
    return ports::MetadataOf(*a).resource_version() == ports::MetadataOf(*b).resource_version();
  }
  template <typename A, typename B>
  bool operator()(const A&, const B&) const { return false; }
};

}  // namespace

std::string Describe(const Read& read) {
  struct Name {
    std::string operator()(const DomainRead& r) const { return absl::StrCat("domain ", r.domain); }
    std::string operator()(const OvirtVmRead& r) const { return absl::StrCat("ovirt vm ", r.vm_id); }
    std::string operator()(const OvirtDiskRead& r) const {
      return absl::StrCat("ovirt disk ", r.disk_id);
    }
    std::string operator()(const OvirtInventoryRead&) const { return "ovirt inventory"; }
    std::string operator()(const ObjectRead& r) const {
      return absl::StrCat("object ", r.key.kind, " ", r.key.namespace_,
                          r.key.namespace_.empty() ? "" : "/", r.key.name);
    }
  };
  return std::visit(Name{}, read);
}

bool ReadOnce(const Read& read) { return std::holds_alternative<OvirtDiskRead>(read); }

bool SameResult(const Observation& a, const Observation& b) {
  return a.tag == b.tag && a.status == b.status && std::visit(SameValue{}, a.value, b.value);
}

void Observer::Want(const Key& key, const std::vector<Read>& reads, absl::Time now,
                    const std::vector<Read>& kept) {
  std::set<std::string> names;
  auto add = [&](const Read& read, bool polled) {
    std::string name = Describe(read);
    auto [it, added] = entries_.try_emplace(name);
    Entry& entry = it->second;
    if (added) {
      entry.read = read;
      entry.interval = options_.first;
      SetDue(*it, now);
    }
    entry.wanted_by.insert(key);
    if (polled) {
      const bool was_kept = !added && entry.polled_by.empty() && !ReadOnce(read);
      if (entry.polled_by.insert(key).second && was_kept) Refresh(*it, now, entry.tag);
    } else if (names.count(name) == 0) {
      entry.polled_by.erase(key);
    }
    names.insert(std::move(name));
  };
  for (const Read& read : reads) add(read, true);
  for (const Read& read : kept) add(read, false);
  // Kept by every key that wants it now, with an answer: no poll is due.
  for (const Read& read : kept) {
    auto it = entries_.find(Describe(read));
    const Entry& entry = it->second;
    if (entry.polled_by.empty() && entry.last.has_value() && entry.last->status.ok()) {
      SetDue(*it, absl::InfiniteFuture());
    }
  }
  auto before = reads_of_key_.find(key);
  if (before != reads_of_key_.end()) {
    for (const std::string& name : before->second) {
      if (names.count(name) > 0) continue;
      auto it = entries_.find(name);
      if (it == entries_.end()) continue;
      it->second.wanted_by.erase(key);
      it->second.polled_by.erase(key);
      if (it->second.wanted_by.empty()) {
        schedule_.erase({it->second.due, it->first});
        entries_.erase(it);
      }
    }
  }
  if (names.empty()) {
    reads_of_key_.erase(key);
  } else {
    reads_of_key_[key] = std::move(names);
  }
}

void Observer::SetDue(std::pair<const std::string, Entry>& entry, absl::Time due) {
  schedule_.erase({entry.second.due, entry.first});
  entry.second.due = due;
  if (due != absl::InfiniteFuture()) schedule_.insert({due, entry.first});
}

void Observer::PollNow(std::pair<const std::string, Entry>& entry, absl::Time now) {
  entry.second.interval = options_.first;
  SetDue(entry, std::min(entry.second.due, now));
}

void Observer::Refresh(std::pair<const std::string, Entry>& entry, absl::Time now,
                       const std::string& tag) {
  entry.second.last.reset();
  entry.second.tag = tag;
  PollNow(entry, now);
}

void Observer::Invalidate(const Key& key, absl::Time now, const std::string& tag) {
  auto it = reads_of_key_.find(key);
  if (it == reads_of_key_.end()) return;
  for (const std::string& name : it->second) {
    auto entry = entries_.find(name);
    if (entry != entries_.end()) Refresh(*entry, now, tag);
  }
}

void Observer::Recheck(const Read& read, absl::Time now) {
  auto entry = entries_.find(Describe(read));
  if (entry != entries_.end()) PollNow(*entry, now);
}

void Observer::Recheck(const Key& key, absl::Time now) {
  auto it = reads_of_key_.find(key);
  if (it == reads_of_key_.end()) return;
  for (const std::string& name : it->second) {
    auto entry = entries_.find(name);
    if (entry != entries_.end()) PollNow(*entry, now);
  }
}

void Observer::Invalidate(const Read& read, absl::Time now) {
  auto entry = entries_.find(Describe(read));
  if (entry != entries_.end()) Refresh(*entry, now, entry->second.tag);
}

std::optional<absl::Time> Observer::NextDue() const {
  if (schedule_.empty()) return std::nullopt;
  return schedule_.begin()->first;
}

std::vector<Read> Observer::Due(absl::Time now) const {
  std::vector<Read> due;
  for (auto it = schedule_.begin(); it != schedule_.end() && it->first <= now; ++it) {
    due.push_back(entries_.at(it->second).read);
  }
  return due;
}

std::optional<Read> Observer::FirstDue(absl::Time now) const {
  if (schedule_.empty() || schedule_.begin()->first > now) return std::nullopt;
  return entries_.at(schedule_.begin()->second).read;
}

std::vector<Key> Observer::Record(const Read& read, Observation seen, absl::Time now) {
  auto it = entries_.find(Describe(read));
  if (it == entries_.end()) return {};
  Entry& entry = it->second;
  seen.at = now;
  seen.tag = entry.tag;
  const bool changed = !entry.last.has_value() || !SameResult(*entry.last, seen);
  seen.serial = changed ? ++serials_ : entry.last->serial;
  // A read that failed is retried like any other; one that answered and
  // is read once (ReadOnce) or only kept waits for an Invalidate.
  const bool once = (ReadOnce(read) || entry.polled_by.empty()) && seen.status.ok();
  entry.last = std::move(seen);
  entry.interval = changed ? options_.first : std::min(entry.interval * 2, options_.max);
  SetDue(*it, once ? absl::InfiniteFuture() : now + entry.interval);
  if (!changed) return {};
  return std::vector<Key>(entry.wanted_by.begin(), entry.wanted_by.end());
}

const Observation* Observer::Get(const Read& read) const { return Get(Describe(read)); }

const Observation* Observer::Get(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end() || !it->second.last.has_value()) return nullptr;
  return &*it->second.last;
}

}  // namespace ferry::runtime
