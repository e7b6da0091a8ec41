#include "fakes/san/fake_san.h"

#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ferry::fakes {
namespace {

// The portal as iscsiadm records it: port 3260 when none is given.
std::string Portal(absl::string_view portal) {
  if (portal.find(':') != absl::string_view::npos) return std::string(portal);
  return absl::StrCat(portal, ":3260");
}

}  // namespace

absl::Status FakeSan::AddLun(LunOptions options) {
  if (options.id.empty()) return absl::InvalidArgumentError("LUN id: required");
  if (!options.fibre_channel && (options.portal.empty() || options.iqn.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("LUN ", options.id, ": an iSCSI LUN needs portal and iqn"));
  }
  if (luns_.contains(options.id)) {
    return absl::AlreadyExistsError(absl::StrCat("LUN ", options.id, " exists"));
  }
  if (!options.fibre_channel) {
    options.portal = Portal(options.portal);
    auto [at, added] =
        by_iscsi_.emplace(std::make_tuple(options.portal, options.iqn, options.lun), options.id);
    if (!added) {
      return absl::AlreadyExistsError(absl::StrCat("LUN ", options.lun, " of target ", options.iqn,
                                                   " at ", options.portal, " is LUN ", at->second));
    }
  }
  const std::string id = options.id;
  luns_[id] = Lun{std::move(options)};
  return absl::OkStatus();
}

const FakeSan::Lun* FakeSan::Find(absl::string_view id) const {
  auto it = luns_.find(id);
  return it == luns_.end() ? nullptr : &it->second;
}

const FakeSan::Lun* FakeSan::FindIscsi(absl::string_view portal, absl::string_view iqn,
                                       int lun) const {
  auto it = by_iscsi_.find(std::make_tuple(Portal(portal), std::string(iqn), lun));
  return it == by_iscsi_.end() ? nullptr : Find(it->second);
}

const FakeSan::Lun* FakeSan::FindFc(absl::string_view wwid) const {
  const Lun* lun = Find(wwid);
  return lun != nullptr && lun->options.fibre_channel ? lun : nullptr;
}

absl::StatusOr<std::string> FakeSan::LoginIscsi(const Opener& opener, absl::string_view portal,
                                                absl::string_view iqn, int lun,
                                                const std::optional<Chap>& chap) {
  const std::string at = Portal(portal);
  // The target: its LUNs are those of that portal and IQN. Its credentials
  // are the asked LUN's (the first LUN's when it has no such LUN).
  auto first = by_iscsi_.lower_bound(std::make_tuple(at, std::string(iqn), INT32_MIN));
  if (first == by_iscsi_.end() || std::get<0>(first->first) != at ||
      std::get<1>(first->first) != iqn) {
    return absl::NotFoundError(absl::StrCat("iscsiadm: no target ", iqn, " at portal ", at));
  }
  const Lun* unit = FindIscsi(at, iqn, lun);
  const LunOptions& t = (unit != nullptr ? unit : Find(first->second))->options;
  if (!t.chap_username.empty()) {
    const bool accepted = chap.has_value() && chap->username == t.chap_username &&
                          (t.chap_password.empty() || chap->password == t.chap_password);
    if (!accepted) {
      return absl::PermissionDeniedError(absl::StrCat(
          "iscsiadm: Could not login to [target: ", iqn, ", portal: ", at,
          "]: iSCSI login failed due to authorization failure (",
          chap.has_value() ? "wrong CHAP credentials" : "the target requires CHAP", ")"));
    }
  }
  if (unit == nullptr) {
    return absl::NotFoundError(absl::StrCat("target ", iqn, " at ", at, " has no LUN ", lun));
  }
  const std::string id = unit->options.id;
  if (absl::Status opened = Open(id, opener); !opened.ok()) return opened;
  return id;
}

absl::StatusOr<std::string> FakeSan::OpenFc(const Opener& opener,
                                            const std::vector<std::string>& wwids) {
  for (const std::string& wwid : wwids) {
    if (FindFc(wwid) == nullptr) continue;
    if (absl::Status opened = Open(wwid, opener); !opened.ok()) return opened;
    return wwid;
  }
  return absl::NotFoundError(absl::StrCat("no fc disk found (wwids: ", wwids.size(), ")"));
}

absl::Status FakeSan::Open(absl::string_view id, const Opener& opener) {
  if (!luns_.contains(id)) return absl::NotFoundError(absl::StrCat("no LUN ", id));
  auto& openers = openers_[std::string(id)];
  if (!openers.insert(opener).second) return absl::OkStatus();
  held_by_[opener].insert(std::string(id));
  journal_.push_back(std::string(id));
  return absl::OkStatus();
}

void FakeSan::Close(absl::string_view id, const Opener& opener) {
  auto openers = openers_.find(id);
  if (openers == openers_.end() || openers->second.erase(opener) == 0) return;
  if (openers->second.empty()) openers_.erase(openers);
  auto held = held_by_.find(opener);
  held->second.erase(std::string(id));
  if (held->second.empty()) held_by_.erase(held);
  journal_.push_back(std::string(id));
}

void FakeSan::Close(const Opener& opener) {
  auto held = held_by_.find(opener);
  if (held == held_by_.end()) return;
  const std::set<std::string> ids = held->second;
  for (const std::string& id : ids) Close(id, opener);
}

const std::set<FakeSan::Opener>& FakeSan::OpenersOf(absl::string_view id) const {
  static const auto* none = new std::set<Opener>();
  auto it = openers_.find(id);
  return it == openers_.end() ? *none : it->second;
}

}  // namespace ferry::fakes
