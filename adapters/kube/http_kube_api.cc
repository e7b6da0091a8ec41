#include "adapters/kube/http_kube_api.h"

#include <curl/curl.h>

#include <iostream>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/kube_status.h"
#include "api/manifest/api_object.h"
#include "api/manifest/kinds.h"
#include "api/manifest/reader.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"

namespace ferry::adapters {
namespace {

using Json = nlohmann::ordered_json;
using manifest::KindInfo;

absl::StatusOr<const KindInfo*> KindOf(absl::string_view kind) {
  const KindInfo* info = manifest::FindKindNamed(kind);
  if (info == nullptr)
    return absl::InvalidArgumentError(absl::StrCat("kind \"", kind, "\" is not one Ferry knows"));
  return info;
}

std::string Escape(absl::string_view text) {
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string out = escaped == nullptr ? "" : escaped;
  curl_free(escaped);
  return out;
}

std::string QueryOf(const ports::Selector& selector) {
  const auto [labels, fields] = ports::SelectorQuery(selector);
  std::string q;
  if (!labels.empty()) absl::StrAppend(&q, "&labelSelector=", Escape(labels));
  if (!fields.empty()) absl::StrAppend(&q, "&fieldSelector=", Escape(fields));
  return q;
}

// An object of `kind` from the server's JSON.
absl::StatusOr<ports::ObjectPtr> Decode(const KindInfo& kind, const std::string& json) {
  std::unique_ptr<google::protobuf::Message> object(kind.prototype->New());
  if (absl::Status st =
          manifest::ParseDocument(json, object.get(), {.lenient = true}, "the server's answer");
      !st.ok()) {
    return absl::InternalError(
        absl::StrCat("the server answered a ", kind.kind, " Ferry cannot read: ", st.message()));
  }
  return ports::ObjectPtr(std::move(object));
}

int64_t VersionOf(absl::string_view rv) {
  int64_t v = 0;
  return absl::SimpleAtoi(rv, &v) ? v : 0;
}

struct Sink {
  std::string body;
  const std::function<bool(absl::string_view)>* on_data = nullptr;
  bool stopped = false;
};

// libcurl's progress callback (called at least once a second): a non-zero
// answer aborts the transfer.
int OnProgress(void* cancel, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(cancel)->load() ? 1 : 0;
}

// One line of a watch stream: its event (and the object's JSON as sent),
// or the Status of an ERROR event.
absl::StatusOr<ports::WatchEvent> ParseEventLine(const KindInfo& kind, absl::string_view line,
                                                 Json* raw) {
  const Json event = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (event.is_object() && event.value("kind", "") == "Status") {
    // The watch was refused (401, 403, 404...): its Status, not an event.
    return api::StatusFromHttp(event.value("code", 500), std::string(line));
  }
  if (!event.is_object() || !event.contains("object")) {
    return absl::InternalError(
        absl::StrCat("a watch of ", kind.kind, " sent a line that is not an event"));
  }
  const std::string type = event.value("type", "");
  if (type == "ERROR") {
    const Json& status = event["object"];
    return api::StatusFromHttp(status.value("code", 500), status.dump());
  }
  *raw = event["object"];
  ASSIGN_OR_RETURN(ports::ObjectPtr object, Decode(kind, raw->dump()));
  const ports::WatchEventType t = type == "ADDED"      ? ports::WatchEventType::kAdded
                                  : type == "MODIFIED" ? ports::WatchEventType::kModified
                                  : type == "BOOKMARK" ? ports::WatchEventType::kBookmark
                                                       : ports::WatchEventType::kDeleted;
  return ports::WatchEvent{t, std::move(object)};
}

size_t OnWrite(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (sink->on_data != nullptr && *sink->on_data) {
    if (!(*sink->on_data)(absl::string_view(data, n))) {
      sink->stopped = true;
      return 0;  // ends the transfer
    }
    return n;
  }
  sink->body.append(data, n);
  return n;
}

}  // namespace

struct HttpKubeApi::Share {
  CURLSH* handle = nullptr;
  std::mutex locks[CURL_LOCK_DATA_LAST];
  // Easy handles not in use. A handle keeps its connections alive between
  // calls; libcurl does not support one connection cache shared by
  // concurrent threads, so connections are reused through handles, each
  // used by one call at a time.
  std::mutex idle_mu;
  std::vector<CURL*> idle;
};

void HttpKubeApi::ShareDeleter::operator()(Share* share) const {
  for (CURL* h : share->idle) curl_easy_cleanup(h);
  if (share->handle != nullptr) curl_share_cleanup(share->handle);
  delete share;
}

CURL* HttpKubeApi::TakeHandle() {
  {
    std::lock_guard<std::mutex> lock(share_->idle_mu);
    if (!share_->idle.empty()) {
      CURL* h = share_->idle.back();
      share_->idle.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void HttpKubeApi::GiveBack(CURL* h) {
  curl_easy_reset(h);  // options cleared; live connections kept
  std::lock_guard<std::mutex> lock(share_->idle_mu);
  if (share_->idle.size() < 8) {
    share_->idle.push_back(h);
    return;
  }
  curl_easy_cleanup(h);
}

namespace {

void LockShare(CURL*, curl_lock_data data, curl_lock_access, void* share) {
  static_cast<std::mutex*>(share)[data].lock();
}
void UnlockShare(CURL*, curl_lock_data data, void* share) {
  static_cast<std::mutex*>(share)[data].unlock();
}

}  // namespace

HttpKubeApi::HttpKubeApi(KubeClientConfig config, Options options)
    : config_(std::move(config)), options_(std::move(options)), share_(new Share) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  share_->handle = curl_share_init();
  if (share_->handle != nullptr) {
    curl_share_setopt(share_->handle, CURLSHOPT_LOCKFUNC, LockShare);
    curl_share_setopt(share_->handle, CURLSHOPT_UNLOCKFUNC, UnlockShare);
    curl_share_setopt(share_->handle, CURLSHOPT_USERDATA, share_->locks);
    curl_share_setopt(share_->handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share_->handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  }
}

absl::StatusOr<HttpKubeApi::Answer> HttpKubeApi::Call(
    const std::string& method, const std::string& path_and_query, const std::string& body,
    const std::string& content_type, absl::Duration timeout,
    const std::function<bool(absl::string_view)>& on_data, const std::atomic<bool>* cancel) {
  const absl::Time deadline = absl::Now() + timeout;
  for (int attempt = 1;; ++attempt) {
    // libcurl takes 0 ms as no timeout at all: never hand it that.
    const absl::Duration left = deadline - absl::Now();
    if (left < absl::Milliseconds(1)) {
      return absl::DeadlineExceededError(absl::StrCat(method, " ", config_.server, path_and_query,
                                                      ": no time left for another try"));
    }
    ASSIGN_OR_RETURN(Answer a, CallOnce(method, path_and_query, body, content_type, left,
                                        on_data, cancel));
    // 429 and 503 were not processed: the server's Retry-After is waited
    // (up to max_retry_wait, within the call's timeout, three tries in
    // all); a longer wait is the caller's back-off.
    const bool retry = (a.code == 429 || a.code == 503) && on_data == nullptr && attempt < 3 &&
                       a.retry_after > absl::ZeroDuration() &&
                       a.retry_after <= options_.max_retry_wait &&
                       absl::Now() + a.retry_after < deadline;
    if (!retry) return a;
    absl::SleepFor(a.retry_after);
  }
}

absl::StatusOr<HttpKubeApi::Answer> HttpKubeApi::CallOnce(
    const std::string& method, const std::string& path_and_query, const std::string& body,
    const std::string& content_type, absl::Duration timeout,
    const std::function<bool(absl::string_view)>& on_data, const std::atomic<bool>* cancel) {
  auto give_back = [this](CURL* handle) { GiveBack(handle); };
  std::unique_ptr<CURL, decltype(give_back)> h(TakeHandle(), give_back);
  if (h == nullptr) return absl::InternalError("curl_easy_init failed");
  const std::string url = config_.server + path_and_query;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  if (!content_type.empty()) {
    headers = curl_slist_append(headers, absl::StrCat("Content-Type: ", content_type).c_str());
  }
  if (!config_.token.empty()) {
    headers =
        curl_slist_append(headers, absl::StrCat("Authorization: Bearer ", config_.token).c_str());
  }
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);
  char error[CURL_ERROR_SIZE] = "";
  Sink sink;
  sink.on_data = &on_data;
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h.get(), CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "https,http");
  if (share_->handle != nullptr) curl_easy_setopt(h.get(), CURLOPT_SHARE, share_->handle);
  if (cancel != nullptr) {
    curl_easy_setopt(h.get(), CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(h.get(), CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(cancel));
    curl_easy_setopt(h.get(), CURLOPT_NOPROGRESS, 0L);
  }
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  if (config_.insecure_skip_tls_verify) {
    if (!warned_.exchange(true)) {
      const std::string warning = absl::StrCat(
          "ferry: WARNING: TLS to ", config_.server,
          " is not verified (insecure-skip-tls-verify): anyone on the path can read and change "
          "what is sent");
      if (options_.warn) {
        options_.warn(warning);
      } else {
        std::cerr << warning << "\n";
      }
    }
    curl_easy_setopt(h.get(), CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h.get(), CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!config_.ca_pem.empty()) {
    curl_blob ca{const_cast<char*>(config_.ca_pem.data()), config_.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(h.get(), CURLOPT_CAINFO_BLOB, &ca);
  }
  if (!config_.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(config_.client_cert_pem.data()),
                   config_.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(config_.client_key_pem.data()), config_.client_key_pem.size(),
                  CURL_BLOB_COPY};
    curl_easy_setopt(h.get(), CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(h.get(), CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h.get(), CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(h.get(), CURLOPT_SSLKEYTYPE, "PEM");
  }
  const CURLcode rc = curl_easy_perform(h.get());
  const bool streamed_to_its_end =
      on_data && (sink.stopped || rc == CURLE_OPERATION_TIMEDOUT ||
                  (rc == CURLE_ABORTED_BY_CALLBACK && cancel != nullptr));
  if (rc != CURLE_OK && !streamed_to_its_end) {
    return absl::UnavailableError(absl::StrCat(method, " ", config_.server, path_and_query, ": ",
                                               error[0] != '\0' ? error : curl_easy_strerror(rc)));
  }
  Answer answer;
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &answer.code);
  curl_off_t retry_after = 0;  // libcurl parses seconds and HTTP dates
  if (curl_easy_getinfo(h.get(), CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK) {
    answer.retry_after = absl::Seconds(retry_after);
  }
  answer.body = std::move(sink.body);
  return answer;
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::Get(const ports::ObjectKey& key) {
  ASSIGN_OR_RETURN(const KindInfo* kind, KindOf(key.kind));
  ASSIGN_OR_RETURN(Answer a, Call("GET", manifest::ApiPath(*kind, key.namespace_, key.name), "", "",
                                  options_.timeout));
  if (a.code != 200) return api::StatusFromHttp(static_cast<int>(a.code), a.body);
  return Read(*kind, a.body);
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::Read(const KindInfo& kind, const std::string& body) {
  const Json raw = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (raw.is_discarded()) {
    return absl::InternalError(absl::StrCat("the server answered a ", kind.kind, " that is not JSON"));
  }
  return Read(kind, raw);
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::Read(const KindInfo& kind, const Json& raw) {
  ASSIGN_OR_RETURN(ports::ObjectPtr object, Decode(kind, raw.dump()));
  // Events are created and never updated: nothing to keep for them.
  if (kind.kind != "Event") kept_.Remember(raw, manifest::ApiObjectJson(*object, kind));
  return object;
}

absl::StatusOr<ports::ObjectList> HttpKubeApi::List(absl::string_view kind_name,
                                                    absl::string_view namespace_,
                                                    const ports::Selector& selector) {
  ASSIGN_OR_RETURN(const KindInfo* kind, KindOf(kind_name));
  RETURN_IF_ERROR(ports::ValidateSelector(kind_name, selector));
  std::string query = QueryOf(selector);
  if (!query.empty()) query[0] = '?';
  ASSIGN_OR_RETURN(Answer a, Call("GET", manifest::ApiPath(*kind, namespace_) + query, "", "",
                                  options_.timeout));
  if (a.code != 200) return api::StatusFromHttp(static_cast<int>(a.code), a.body);
  const Json list = Json::parse(a.body, nullptr, /*allow_exceptions=*/false);
  if (!list.is_object() || !list.contains("items") || !list["items"].is_array()) {
    return absl::InternalError(
        absl::StrCat("the server's answer to a list of ", kind_name, " is not a list"));
  }
  ports::ObjectList out;
  if (list.contains("metadata") && list["metadata"].is_object()) {
    out.resource_version = list["metadata"].value("resourceVersion", "");
  }
  for (const Json& item : list["items"]) {
    ASSIGN_OR_RETURN(ports::ObjectPtr object, Read(*kind, item));
    out.items.push_back(std::move(object));
  }
  return out;
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::Write(const std::string& method,
                                                    const google::protobuf::Message& object,
                                                    bool status, bool create) {
  ASSIGN_OR_RETURN(ports::ObjectKey key, ports::KeyOf(object));
  ASSIGN_OR_RETURN(const KindInfo* kind, KindOf(key.kind));
  const std::string path =
      create ? manifest::ApiPath(*kind, key.namespace_)
             : manifest::ApiPath(*kind, key.namespace_, key.name, status ? "status" : "");
  // An update writes back what the server has that Ferry does not model.
  const Json ours = manifest::ApiObjectJson(object, *kind);
  absl::StatusOr<Json> body = create ? absl::StatusOr<Json>(ours) : kept_.BodyFor(ours);
  if (!body.ok()) return body.status();
  ASSIGN_OR_RETURN(Answer a, Call(method, path, body->dump(), "application/json", options_.timeout));
  if (a.code != 200 && a.code != 201) return api::StatusFromHttp(static_cast<int>(a.code), a.body);
  return Read(*kind, a.body);
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::Create(const google::protobuf::Message& object) {
  return Write("POST", object, false, true);
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::Update(const google::protobuf::Message& object) {
  // The port's Update is conditional: without a resourceVersion the server
  // would update unconditionally, so it is refused here as the fake does.
  if (ports::MetadataOf(object).resource_version().empty()) {
    return absl::InvalidArgumentError("metadata.resourceVersion: required for an update");
  }
  return Write("PUT", object, false, false);
}

absl::StatusOr<ports::ObjectPtr> HttpKubeApi::UpdateStatus(
    const google::protobuf::Message& object) {
  if (ports::MetadataOf(object).resource_version().empty()) {
    return absl::InvalidArgumentError("metadata.resourceVersion: required for an update");
  }
  return Write("PUT", object, true, false);
}

absl::Status HttpKubeApi::Delete(const ports::ObjectKey& key, absl::string_view resource_version) {
  ASSIGN_OR_RETURN(const KindInfo* kind, KindOf(key.kind));
  Json options = {
      {"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
  if (!resource_version.empty()) {
    options["preconditions"] = {{"resourceVersion", std::string(resource_version)}};
  }
  ASSIGN_OR_RETURN(Answer a, Call("DELETE", manifest::ApiPath(*kind, key.namespace_, key.name),
                                  options.dump(), "application/json", options_.timeout));
  if (a.code != 200 && a.code != 202) return api::StatusFromHttp(static_cast<int>(a.code), a.body);
  return absl::OkStatus();
}

absl::Status HttpKubeApi::WatchStream(absl::string_view kind_name,
                                      absl::string_view resource_version,
                                      const ports::Selector& selector, absl::Duration length,
                                      const std::function<bool(ports::WatchEvent)>& on_event,
                                      const std::atomic<bool>* cancel) {
  ASSIGN_OR_RETURN(const KindInfo* kind, KindOf(kind_name));
  RETURN_IF_ERROR(ports::ValidateSelector(kind_name, selector));
  const int64_t length_s =
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(length, absl::Seconds(1))));
  const std::string path = absl::StrCat(
      manifest::ApiPath(*kind, ""),
      "?watch=true&allowWatchBookmarks=true&resourceVersion=", Escape(resource_version),
      "&timeoutSeconds=", length_s, QueryOf(selector));
  std::string pending;  // a line not complete yet
  absl::Status failed;
  const std::function<bool(absl::string_view)> on_data = [&](absl::string_view data) {
    pending.append(data.data(), data.size());
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      const std::string line = pending.substr(0, newline);
      pending.erase(0, newline + 1);
      if (line.empty()) continue;
      Json raw;
      absl::StatusOr<ports::WatchEvent> event = ParseEventLine(*kind, line, &raw);
      if (!event.ok()) {
        failed = event.status();
        return false;
      }
      if (event->type == ports::WatchEventType::kDeleted) {
        kept_.Forget(ports::MetadataOf(*event->object).uid());
      } else if (event->type != ports::WatchEventType::kBookmark) {
        kept_.Remember(raw, manifest::ApiObjectJson(*event->object, *kind));
      }
      if (!on_event(*std::move(event))) return false;
    }
    return true;
  };
  // The server ends the watch after `length`; the client waits a little
  // longer for that end rather than cutting it.
  ASSIGN_OR_RETURN(Answer a, Call("GET", path, "", "", length + absl::Seconds(5), on_data, cancel));
  if (!failed.ok()) return failed;
  if (a.code != 200) return api::StatusFromHttp(static_cast<int>(a.code), a.body);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ports::WatchEvent>> HttpKubeApi::Watch(
    absl::string_view kind_name, absl::string_view resource_version,
    const ports::Selector& selector, bool bookmarks) {
  ASSIGN_OR_RETURN(const KindInfo* kind, KindOf(kind_name));
  RETURN_IF_ERROR(ports::ValidateSelector(kind_name, selector));
  // How far the server is now: the watch reads until it gets there.
  ASSIGN_OR_RETURN(ports::ObjectList now, List(kind->kind, "", selector));
  const int64_t target = VersionOf(now.resource_version);
  if (target <= VersionOf(resource_version)) return std::vector<ports::WatchEvent>{};
  std::vector<ports::WatchEvent> events;
  ports::ObjectPtr bookmark;  // the last bookmark past the last event
  RETURN_IF_ERROR(WatchStream(
      kind->kind, resource_version, selector, options_.watch_wait, [&](ports::WatchEvent event) {
        const int64_t rv = VersionOf(ports::MetadataOf(*event.object).resource_version());
        if (event.type == ports::WatchEventType::kBookmark) {
          bookmark = event.object;
        } else {
          bookmark = nullptr;
          events.push_back(std::move(event));
        }
        return rv < target;  // until caught up
      }));
  if (bookmarks && bookmark != nullptr)
    events.push_back({ports::WatchEventType::kBookmark, bookmark});
  return events;
}

}  // namespace ferry::adapters
