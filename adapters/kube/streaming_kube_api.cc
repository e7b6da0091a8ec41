#include "adapters/kube/streaming_kube_api.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ferry::adapters {

StreamingKubeApi::StreamingKubeApi(HttpKubeApi& http, Options options)
    : http_(http), options_(std::move(options)) {}

StreamingKubeApi::~StreamingKubeApi() {
  Cancel();
  absl::MutexLock lock(&mu_);
  for (auto& [key, stream] : streams_) Stop(*stream);
  for (auto& stream : ending_) Stop(*stream);
}

void StreamingKubeApi::Cancel() {
  absl::MutexLock lock(&mu_);
  for (auto& [key, stream] : streams_) stream->cancel = true;
  for (auto& stream : ending_) stream->cancel = true;
}

void StreamingKubeApi::Stop(Stream& stream) {
  stream.cancel = true;
  if (stream.thread.joinable()) stream.thread.join();
}

int StreamingKubeApi::streams() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(streams_.size());
}

absl::StatusOr<std::vector<ports::WatchEvent>> StreamingKubeApi::Watch(
    absl::string_view kind, absl::string_view resource_version, const ports::Selector& selector,
    bool bookmarks) {
  if (absl::Status st = ports::ValidateSelector(kind, selector); !st.ok()) return st;
  const auto [labels, fields] = ports::SelectorQuery(selector);
  const std::string key = absl::StrCat(kind, "?", labels, "?", fields, "?", bookmarks);
  absl::MutexLock lock(&mu_);
  for (auto it = ending_.begin(); it != ending_.end();) {
    if ((*it)->done) {
      Stop(**it);  // returns at once: its thread has ended
      it = ending_.erase(it);
    } else {
      ++it;
    }
  }
  std::unique_ptr<Stream>& stream = streams_[key];
  if (stream != nullptr) {
    absl::MutexLock stream_lock(&stream->mu);
    if (!stream->failing.ok() && stream->delivered == resource_version) return stream->failing;
    if (!stream->error.ok()) {
      const absl::Status error = stream->error;
      stream->error = absl::OkStatus();
      stream->delivered = "";  // restarted at the next call, from the relist's version
      return error;
    }
    if (stream->delivered == resource_version) {
      std::vector<ports::WatchEvent> events;
      events.swap(stream->queue);
      if (!bookmarks) {
        events.erase(std::remove_if(events.begin(), events.end(),
                                    [](const ports::WatchEvent& e) {
                                      return e.type == ports::WatchEventType::kBookmark;
                                    }),
                     events.end());
      }
      if (!events.empty()) {
        stream->delivered = ports::MetadataOf(*events.back().object).resource_version();
      }
      return events;
    }
  }
  // No stream yet, or the informer stands elsewhere (it relisted): a new
  // stream from where it stands.
  if (stream != nullptr) {
    stream->cancel = true;
    ending_.push_back(std::move(stream));
  }
  stream = std::make_unique<Stream>();
  stream->kind = std::string(kind);
  stream->selector = selector;
  stream->bookmarks = bookmarks;
  stream->delivered = std::string(resource_version);
  Stream* s = stream.get();
  s->thread = std::thread([this, s, from = std::string(resource_version)] { Run(s, from); });
  return std::vector<ports::WatchEvent>{};
}

void StreamingKubeApi::Run(Stream* s, std::string from) {
  absl::Duration backoff = options_.first_backoff;
  int failures = 0;
  auto wait = [&](absl::Duration d) {
    for (absl::Time until = absl::Now() + d; absl::Now() < until && !s->cancel;) {
      absl::SleepFor(absl::Milliseconds(50));
    }
  };
  while (!s->cancel) {
    ++connects_;
    bool got_any = false;
    const absl::Time opened = absl::Now();
    const absl::Status st = http_.WatchStream(
        s->kind, from, s->selector, options_.stream_length,
        [&](ports::WatchEvent event) {
          from = ports::MetadataOf(*event.object).resource_version();
          got_any = true;
          // A bookmark only moves the version: taken at the next sync, it
          // wakes nobody.
          const bool wake = event.type != ports::WatchEventType::kBookmark;
          {
            absl::MutexLock lock(&s->mu);
            s->queue.push_back(std::move(event));
          }
          if (wake && options_.on_event) options_.on_event();
          return !s->cancel.load();
        },
        &s->cancel);
    if (s->cancel) break;
    if (absl::IsOutOfRange(st) || absl::IsNotFound(st) || absl::IsInvalidArgument(st)) {
      absl::MutexLock lock(&s->mu);
      s->error = st;  // told at the next Watch call; the informer relists
      if (options_.on_event) options_.on_event();
      break;
    }
    if (st.ok() || got_any) {
      failures = 0;
      backoff = options_.first_backoff;
      absl::MutexLock lock(&s->mu);
      s->failing = absl::OkStatus();
    }
    if (st.ok()) {
      // A clean end (the server's timeout): reconnect at once, unless the
      // stream was cut short.
      if (absl::Now() - opened < options_.min_stream) wait(options_.min_stream);
      continue;
    }
    if (++failures >= 3) {
      absl::MutexLock lock(&s->mu);
      s->failing = absl::Status(
          st.code(), absl::StrCat("the watch of ", s->kind, " keeps failing (", failures,
                                  " connections in a row; retrying): ", st.message()));
    }
    // A broken or refused connection: again after the back-off.
    wait(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  s->done = true;
}

}  // namespace ferry::adapters
