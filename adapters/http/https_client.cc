#include "adapters/http/https_client.h"

#include <curl/curl.h>

#include <iostream>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace ferry::adapters {
namespace {

struct Sink {
  std::string body;
  const std::function<bool(absl::string_view)>* on_data = nullptr;
  bool stopped = false;
};

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

// libcurl's progress callback (called at least once a second): a non-zero
// answer aborts the transfer.
int OnProgress(void* cancel, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(cancel)->load() ? 1 : 0;
}

void LockShare(CURL*, curl_lock_data data, curl_lock_access, void* share) {
  static_cast<std::mutex*>(share)[data].lock();
}
void UnlockShare(CURL*, curl_lock_data data, void* share) {
  static_cast<std::mutex*>(share)[data].unlock();
}

}  // namespace

std::string UrlEscape(absl::string_view text) {
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string out = escaped == nullptr ? "" : escaped;
  curl_free(escaped);
  return out;
}

struct HttpsClient::Share {
  CURLSH* handle = nullptr;
  std::mutex locks[CURL_LOCK_DATA_LAST];
  // Easy handles not in use. A handle keeps its connections alive between
  // calls; libcurl does not support one connection cache shared by
  // concurrent threads, so connections are reused through handles, each
  // used by one call at a time.
  std::mutex idle_mu;
  std::vector<CURL*> idle;

  CURL* Take() {
    {
      std::lock_guard<std::mutex> lock(idle_mu);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }
  void GiveBack(CURL* h) {
    curl_easy_reset(h);  // options cleared; live connections kept
    std::lock_guard<std::mutex> lock(idle_mu);
    if (idle.size() < 8) {
      idle.push_back(h);
      return;
    }
    curl_easy_cleanup(h);
  }
  ~Share() {
    for (CURL* h : idle) curl_easy_cleanup(h);
    if (handle != nullptr) curl_share_cleanup(handle);
  }
};

HttpsClient::HttpsClient(HttpsTarget target, Options options)
    : target_(std::move(target)), options_(std::move(options)), share_(new Share) {
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

HttpsClient::~HttpsClient() = default;

absl::StatusOr<HttpsClient::Answer> HttpsClient::Call(const Request& request) {
  const absl::Time deadline = absl::Now() + request.timeout;
  for (int attempt = 1;; ++attempt) {
    // libcurl takes 0 ms as no timeout at all: never hand it that.
    const absl::Duration left = deadline - absl::Now();
    if (left < absl::Milliseconds(1)) {
      return absl::DeadlineExceededError(absl::StrCat(
          request.method, " ", target_.base_url, request.path, ": no time left for another try"));
    }
    ASSIGN_OR_RETURN(Answer a, CallOnce(request, left));
    // 429 and 503 were not processed: the server's Retry-After is waited
    // (up to max_retry_wait, within the call's timeout, three tries in
    // all); a longer wait is the caller's back-off.
    const bool retry = (a.code == 429 || a.code == 503) && request.on_data == nullptr &&
                       attempt < 3 && a.retry_after > absl::ZeroDuration() &&
                       a.retry_after <= options_.max_retry_wait &&
                       absl::Now() + a.retry_after < deadline;
    if (!retry) return a;
    absl::SleepFor(a.retry_after);
  }
}

absl::StatusOr<HttpsClient::Answer> HttpsClient::CallOnce(const Request& request,
                                                          absl::Duration timeout) {
  auto give_back = [this](CURL* handle) { share_->GiveBack(handle); };
  std::unique_ptr<CURL, decltype(give_back)> h(share_->Take(), give_back);
  if (h == nullptr) return absl::InternalError("curl_easy_init failed");
  const std::string url = target_.base_url + request.path;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  if (!request.content_type.empty()) {
    headers =
        curl_slist_append(headers, absl::StrCat("Content-Type: ", request.content_type).c_str());
  }
  for (const std::string& header : request.headers) {
    headers = curl_slist_append(headers, header.c_str());
  }
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);
  char error[CURL_ERROR_SIZE] = "";
  Sink sink;
  sink.on_data = &request.on_data;
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_CUSTOMREQUEST, request.method.c_str());
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
  if (request.cancel != nullptr) {
    curl_easy_setopt(h.get(), CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(h.get(), CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(request.cancel));
    curl_easy_setopt(h.get(), CURLOPT_NOPROGRESS, 0L);
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  }
  if (target_.insecure_skip_tls_verify) {
    if (!warned_.exchange(true)) {
      const std::string warning = absl::StrCat(
          "ferry: WARNING: TLS to ", target_.base_url,
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
  } else if (!target_.ca_pem.empty()) {
    curl_blob ca{const_cast<char*>(target_.ca_pem.data()), target_.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(h.get(), CURLOPT_CAINFO_BLOB, &ca);
  }
  if (!target_.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(target_.client_cert_pem.data()),
                   target_.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(target_.client_key_pem.data()), target_.client_key_pem.size(),
                  CURL_BLOB_COPY};
    curl_easy_setopt(h.get(), CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(h.get(), CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h.get(), CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(h.get(), CURLOPT_SSLKEYTYPE, "PEM");
  }
  const CURLcode rc = curl_easy_perform(h.get());
  const bool streamed_to_its_end =
      request.on_data && (sink.stopped || rc == CURLE_OPERATION_TIMEDOUT ||
                          (rc == CURLE_ABORTED_BY_CALLBACK && request.cancel != nullptr));
  if (rc != CURLE_OK && !streamed_to_its_end) {
    return absl::UnavailableError(absl::StrCat(request.method, " ", url, ": ",
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

}  // namespace ferry::adapters
