// The streaming adapter (adapters/kube/streaming_kube_api.h) against
// `ferry serve` over HTTPS: events arrive on the stream and are announced,
// a stream the server ends reconnects from where it stood, a version the
// server no longer keeps is OutOfRange (relist), and a Watch from another
// version restarts the stream there.
#include "adapters/kube/streaming_kube_api.h"

#include <atomic>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "adapters/kube/http_kube_api.h"
#include "core/ports/clock.h"
#include "core/ports/test_objects.h"
#include "fakes/kube/fake_kube_api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "serve/kube_server.h"
#include "serve/tls_identity.h"

namespace ferry::serve {
namespace {

using ports::WatchEvent;
using ports::WatchEventType;

constexpr char kPvc[] = "PersistentVolumeClaim";

class StreamingKubeApiTest : public ::testing::Test {
 protected:
  void Serve(size_t history) {
    fake_ = std::make_unique<fakes::FakeKubeApi>(
        clock_, fakes::FakeKubeApi::Options{.watch_history = history, .first_resource_version = 1});
    absl::StatusOr<TlsIdentity> id = MakeTlsIdentity({"127.0.0.1"}, {});
    absl::StatusOr<std::string> token = RandomToken();
    ASSERT_TRUE(id.ok() && token.ok());
    server_ = std::make_unique<KubeServer>(*fake_, mu_, *id, KubeServer::Options{.token = *token});
    ASSERT_TRUE(server_->Start().ok());
    http_config_ = adapters::KubeClientConfig{
        .server = absl::StrCat("https://127.0.0.1:", server_->port()), .ca_pem = id->ca_pem,
        .token = *token};
    http_ = std::make_unique<adapters::HttpKubeApi>(http_config_);
    api_ = std::make_unique<adapters::StreamingKubeApi>(
        *http_, adapters::StreamingKubeApi::Options{.on_event = [this] { ++announced_; },
                                                    .stream_length = absl::Seconds(1),
                                                    .first_backoff = absl::Milliseconds(100)});
  }
  void TearDown() override {
    api_.reset();
    if (server_) server_->Stop();
  }
  // Writes to the store as another client would.
  ports::ObjectPtr CreatePvc(const std::string& name) {
    absl::MutexLock lock(&mu_);
    return *fake_->Create(ports::TestPvc(name));
  }
  // Calls Watch from `*rv` until `n` events came or 5 s passed, advancing *rv.
  std::vector<WatchEvent> Collect(std::string* rv, size_t n, bool bookmarks = false) {
    std::vector<WatchEvent> all;
    for (absl::Time end = absl::Now() + absl::Seconds(5); all.size() < n && absl::Now() < end;) {
      absl::StatusOr<std::vector<WatchEvent>> got = api_->Watch(kPvc, *rv, {}, bookmarks);
      EXPECT_TRUE(got.ok()) << got.status();
      if (!got.ok()) break;
      for (WatchEvent& e : *got) {
        *rv = ports::MetadataOf(*e.object).resource_version();
        all.push_back(std::move(e));
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return all;
  }

  ports::ManualClock clock_;
  absl::Mutex mu_;
  std::unique_ptr<fakes::FakeKubeApi> fake_;
  std::unique_ptr<KubeServer> server_;
  adapters::KubeClientConfig http_config_;
  std::unique_ptr<adapters::HttpKubeApi> http_;
  std::unique_ptr<adapters::StreamingKubeApi> api_;
  std::atomic<int> announced_{0};
};

TEST_F(StreamingKubeApiTest, EventsArriveOnOneStreamThatOutlivesTheServersTimeout) {
  Serve(1000);
  std::string rv = api_->List(kPvc, "", {})->resource_version;
  EXPECT_TRUE(api_->Watch(kPvc, rv, {}, false)->empty());  // opens the stream
  CreatePvc("a");
  std::vector<WatchEvent> first = Collect(&rv, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].type, WatchEventType::kAdded);
  EXPECT_GE(announced_.load(), 1);
  // The server ends each stream after a second; the adapter reconnects
  // from where it stood, so nothing is lost or repeated across the gap.
  absl::SleepFor(absl::Milliseconds(2500));
  CreatePvc("b");
  CreatePvc("c");
  std::vector<WatchEvent> later = Collect(&rv, 2);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(ports::MetadataOf(*later[0].object).name(), "b");
  EXPECT_EQ(ports::MetadataOf(*later[1].object).name(), "c");
  EXPECT_EQ(api_->streams(), 1);
  EXPECT_GE(api_->connects(), 2);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_TRUE(api_->Watch(kPvc, rv, {}, false)->empty()) << "an event delivered twice";
}

TEST_F(StreamingKubeApiTest, AVersionTheServerNoLongerKeepsIsOutOfRangeThenARelistResumes) {
  Serve(/*history=*/2);
  const std::string old = api_->List(kPvc, "", {})->resource_version;
  for (const char* name : {"a", "b", "c", "d"}) CreatePvc(name);
  EXPECT_TRUE(api_->Watch(kPvc, old, {}, false)->empty());  // opens the stream
  absl::Status expired;
  for (absl::Time end = absl::Now() + absl::Seconds(5); expired.ok() && absl::Now() < end;) {
    absl::StatusOr<std::vector<WatchEvent>> got = api_->Watch(kPvc, old, {}, false);
    if (!got.ok()) expired = got.status();
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(expired.code(), absl::StatusCode::kOutOfRange);
  // The informer relists and watches from the list's version.
  std::string rv = api_->List(kPvc, "", {})->resource_version;
  EXPECT_TRUE(api_->Watch(kPvc, rv, {}, false)->empty());
  CreatePvc("e");
  std::vector<WatchEvent> events = Collect(&rv, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(ports::MetadataOf(*events[0].object).name(), "e");
}

TEST_F(StreamingKubeApiTest, AWatchFromAnotherVersionRestartsTheStreamThere) {
  Serve(1000);
  const std::string start = api_->List(kPvc, "", {})->resource_version;
  std::string rv = start;
  EXPECT_TRUE(api_->Watch(kPvc, rv, {}, false)->empty());
  CreatePvc("a");
  CreatePvc("b");
  ASSERT_EQ(Collect(&rv, 2).size(), 2u);
  // As after a relist: from the start again, both events come again.
  std::string again = start;
  EXPECT_TRUE(api_->Watch(kPvc, again, {}, false)->empty());
  std::vector<WatchEvent> replay = Collect(&again, 2);
  ASSERT_EQ(replay.size(), 2u);
  EXPECT_EQ(ports::MetadataOf(*replay[0].object).name(), "a");
  EXPECT_EQ(api_->streams(), 1);
}

TEST_F(StreamingKubeApiTest, BookmarksMoveAQuietWatchOnlyWhenAskedFor) {
  Serve(1000);
  std::string rv = api_->List("PersistentVolume", "", {})->resource_version;
  EXPECT_TRUE(api_->Watch("PersistentVolume", rv, {}, true)->empty());
  CreatePvc("a");  // another kind: the PV watch hears only a bookmark
  std::vector<WatchEvent> got;
  for (absl::Time end = absl::Now() + absl::Seconds(5); got.empty() && absl::Now() < end;) {
    got = *api_->Watch("PersistentVolume", rv, {}, true);
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().type, WatchEventType::kBookmark);
  EXPECT_GT(std::stoll(ports::MetadataOf(*got.back().object).resource_version()), std::stoll(rv));
}

// A watch the server refuses (here: a wrong token) is no silent empty
// stream: after three refusals every Watch call says so, naming the code.
TEST_F(StreamingKubeApiTest, AWatchTheServerKeepsRefusingIsReportedAtEveryCall) {
  Serve(1000);
  const std::string rv = api_->List(kPvc, "", {})->resource_version;
  adapters::KubeClientConfig wrong = http_config_;
  wrong.token = "not-the-token";
  adapters::HttpKubeApi http(wrong);
  adapters::StreamingKubeApi refused(http, {.first_backoff = absl::Milliseconds(50),
                                            .max_backoff = absl::Milliseconds(100)});
  EXPECT_TRUE(refused.Watch(kPvc, rv, {}, false)->empty());  // opens the stream
  absl::Status st;
  for (absl::Time end = absl::Now() + absl::Seconds(5); st.ok() && absl::Now() < end;) {
    st = refused.Watch(kPvc, rv, {}, false).status();
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(st.code(), absl::StatusCode::kUnauthenticated) << st;
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("keeps failing"));
}

}  // namespace
}  // namespace ferry::serve
