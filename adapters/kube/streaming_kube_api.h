// StreamingKubeApi: the KubeApi port over HttpKubeApi with watches kept
// open, as client-go's reflectors keep them: each (kind, selector) an
// informer watches has one long-lived stream, read on a thread of its own,
// whose events queue until the informer's next Watch call takes them. The
// caller's thread (the process's event loop) never blocks on a stream, and
// `on_event` tells it that events are waiting, so it syncs at once instead
// of polling.
//
// A stream the server ends (its timeoutSeconds) or that breaks reconnects
// from the last resourceVersion it read (after 1 s, doubling to 30 s while
// it keeps failing); a version the server no longer has (410) is OutOfRange
// at the next Watch call, and the informer relists. A Watch call from a
// version other than where its stream stands (the informer relisted)
// restarts the stream from there: so one consumer per kind and selector
// (two informers of a kind, each at its own version, need one
// StreamingKubeApi each, or they restart each other's stream at every
// call). Every other call goes to HttpKubeApi.
//
//   StreamingKubeApi api(http, {.on_event = [&] { loop.After(0, "watch", [&] { manager.SyncSoon(); }); }});
#ifndef FERRY_ADAPTERS_KUBE_STREAMING_KUBE_API_H_
#define FERRY_ADAPTERS_KUBE_STREAMING_KUBE_API_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "adapters/kube/http_kube_api.h"
#include "core/ports/kube_api.h"

namespace ferry::adapters {

class StreamingKubeApi : public ports::KubeApi {
 public:
  struct Options {
    // Called on a stream's thread when an event other than a bookmark is
    // waiting (keep it short: post to the event loop).
    std::function<void()> on_event = nullptr;
    absl::Duration stream_length = absl::Minutes(5);  // each stream's timeoutSeconds
    absl::Duration first_backoff = absl::Seconds(1);
    // A stream the server ended sooner than this is reconnected only after
    // it (a proxy closing watches at once must not make a busy loop).
    absl::Duration min_stream = absl::Seconds(1);
    absl::Duration max_backoff = absl::Seconds(30);
  };

  StreamingKubeApi(HttpKubeApi& http, Options options);
  ~StreamingKubeApi() override;  // ends every stream and joins its thread
  // Asks every stream to end without waiting (each within about a second):
  // a process stopping several of these cancels all, then destroys them.
  void Cancel();
  StreamingKubeApi(const StreamingKubeApi&) = delete;
  StreamingKubeApi& operator=(const StreamingKubeApi&) = delete;

  absl::StatusOr<ports::ObjectPtr> Get(const ports::ObjectKey& key) override {
    return http_.Get(key);
  }
  absl::StatusOr<ports::ObjectList> List(absl::string_view kind, absl::string_view namespace_,
                                         const ports::Selector& selector) override {
    return http_.List(kind, namespace_, selector);
  }
  absl::StatusOr<ports::ObjectPtr> Create(const google::protobuf::Message& object) override {
    return http_.Create(object);
  }
  absl::StatusOr<ports::ObjectPtr> Update(const google::protobuf::Message& object) override {
    return http_.Update(object);
  }
  absl::StatusOr<ports::ObjectPtr> UpdateStatus(const google::protobuf::Message& object) override {
    return http_.UpdateStatus(object);
  }
  absl::Status Fence(const google::protobuf::Message& read) override { return http_.Fence(read); }
  absl::Status Delete(const ports::ObjectKey& key, absl::string_view resource_version = "") override {
    return http_.Delete(key, resource_version);
  }
  using ports::KubeApi::Watch;
  absl::StatusOr<std::vector<ports::WatchEvent>> Watch(absl::string_view kind,
                                                        absl::string_view resource_version,
                                                        const ports::Selector& selector,
                                                        bool bookmarks) override;

  // Streams open, and (re)connections made so far: for tests and metrics.
  int streams() const;
  int64_t connects() const { return connects_.load(); }

 private:
  struct Stream {
    std::string kind;
    ports::Selector selector;
    bool bookmarks = false;
    std::atomic<bool> cancel{false};
    std::thread thread;
    absl::Mutex mu;
    std::vector<ports::WatchEvent> queue;  // read, not yet taken
    absl::Status error;                    // OutOfRange: the informer relists
    std::string delivered;                 // the version the consumer stands at
    // Set after three connections in a row failed (401, 403, a server
    // down): every Watch call says so, so the informer's sync fails and the
    // process logs it, while the stream keeps trying. Cleared once it reads.
    absl::Status failing;
    std::atomic<bool> done{false};  // Run returned
  };
  void Run(Stream* stream, std::string from);
  static void Stop(Stream& stream);

  HttpKubeApi& http_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Stream>> streams_;  // by kind and selector
  // Streams replaced (a relist), ending on their own: joined once done, so
  // the caller's thread never waits for one.
  std::vector<std::unique_ptr<Stream>> ending_;
  std::atomic<int64_t> connects_{0};
};

}  // namespace ferry::adapters

#endif  // FERRY_ADAPTERS_KUBE_STREAMING_KUBE_API_H_
