// Live watches: which watcher is told about which event (etcd's watcher_hub rules).
#include "store/store.h"

#include <gtest/gtest.h>

namespace etcdpp::store {
namespace {

std::shared_ptr<Watcher> watch(Store& s, std::string_view key, bool recursive = false,
                               bool stream = false, uint64_t since = 0) {
  auto w = s.watch(key, recursive, stream, since);
  EXPECT_TRUE(w.ok());
  return w.ok() ? *w : nullptr;
}

TEST(WatcherTest, OneShotWatcherGetsTheNextEventAndIsRemoved) {
  Store s;
  auto w = watch(s, "/a");
  int wakes = 0;
  w->set_on_ready([&] { ++wakes; });
  EXPECT_EQ(w->start_index(), 0u);
  EXPECT_EQ(s.watchers().count(), 1u);
  ASSERT_TRUE(s.set("/other", false, "x", std::nullopt).ok());
  EXPECT_FALSE(w->has_event());
  ASSERT_TRUE(s.set("/a", false, "1", std::nullopt).ok());
  ASSERT_TRUE(w->has_event());
  EXPECT_EQ(wakes, 1);
  EXPECT_TRUE(w->removed());
  EXPECT_EQ(w->take_event().node.value, "1");
  EXPECT_EQ(s.watchers().count(), 0u);
  ASSERT_TRUE(s.set("/a", false, "2", std::nullopt).ok());
  EXPECT_FALSE(w->has_event());
}

TEST(WatcherTest, StreamWatcherKeepsReceiving) {
  Store s;
  auto w = watch(s, "/a", false, true);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.set("/a", false, std::to_string(i), std::nullopt).ok());
  EXPECT_FALSE(w->removed());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(w->take_event().node.value, std::to_string(i));
}

TEST(WatcherTest, StreamOverflowEndsTheWatch) {
  Store s;
  auto w = watch(s, "/a", false, true);
  for (size_t i = 0; i < Watcher::kMaxPending + 1; ++i) {
    ASSERT_TRUE(s.set("/a", false, "v", std::nullopt).ok());
  }
  EXPECT_TRUE(w->removed());
  EXPECT_EQ(s.watchers().count(), 0u);
}

TEST(WatcherTest, RecursiveWatcherSeesDescendantsButNotHiddenOnes) {
  Store s;
  auto w = watch(s, "/dir", true, true);
  ASSERT_TRUE(s.set("/dir/_hidden", false, "h", std::nullopt).ok());
  ASSERT_TRUE(s.set("/dir/x/_deep", false, "h", std::nullopt).ok());
  ASSERT_TRUE(s.set("/dirx", false, "no", std::nullopt).ok());
  EXPECT_FALSE(w->has_event());
  ASSERT_TRUE(s.set("/dir/x/y", false, "yes", std::nullopt).ok());
  ASSERT_TRUE(w->has_event());
  EXPECT_EQ(w->take_event().node.key, "/dir/x/y");
}

TEST(WatcherTest, ExactWatchOnHiddenKeyFires) {
  Store s;
  auto w = watch(s, "/_h");
  ASSERT_TRUE(s.set("/_h", false, "v", std::nullopt).ok());
  EXPECT_TRUE(w->has_event());
}

TEST(WatcherTest, NonRecursiveWatcherIgnoresChildren) {
  Store s;
  auto w = watch(s, "/dir");
  ASSERT_TRUE(s.set("/dir/child", false, "v", std::nullopt).ok());
  EXPECT_FALSE(w->has_event());
  EXPECT_EQ(s.watchers().count(), 1u);
}

TEST(WatcherTest, DeletingADirectoryTellsWatchersOfRemovedNodes) {
  Store s;
  ASSERT_TRUE(s.set("/wd/x", false, "1", std::nullopt).ok());
  auto on_child = watch(s, "/wd/x");
  auto on_missing = watch(s, "/wd/never");  // not in the removed subtree: not told
  ASSERT_TRUE(s.remove("/wd", true, true).ok());
  ASSERT_TRUE(on_child->has_event());
  Event e = on_child->take_event();
  EXPECT_EQ(e.action, Action::remove);
  EXPECT_EQ(e.node.key, "/wd");
  EXPECT_FALSE(on_missing->has_event());
}

TEST(WatcherTest, ExpiryWakesWatchers) {
  Store s;
  base::WallTime t0{std::chrono::seconds(1'800'000'000)};
  ASSERT_TRUE(s.set("/t", false, "v", t0).ok());
  auto w = watch(s, "/", true);
  s.delete_expired(t0);
  ASSERT_TRUE(w->has_event());
  EXPECT_EQ(w->take_event().action, Action::expire);
}

TEST(WatcherTest, RefreshNeverFires) {
  Store s;
  base::WallTime t0{std::chrono::seconds(1'800'000'000)};
  ASSERT_TRUE(s.set("/r", false, "v", t0).ok());
  auto w = watch(s, "/r");
  ASSERT_TRUE(s.set("/r", false, "", t0 + std::chrono::seconds(5), true).ok());
  EXPECT_FALSE(w->has_event());
}

TEST(WatcherTest, WaitIndexInHistoryAnswersAtOnce) {
  Store s;
  ASSERT_TRUE(s.set("/a", false, "1", std::nullopt).ok());
  ASSERT_TRUE(s.set("/a", false, "2", std::nullopt).ok());
  auto w = watch(s, "/a", false, true, 1);
  ASSERT_TRUE(w->has_event());
  EXPECT_EQ(w->take_event().node.value, "1");
  EXPECT_EQ(w->start_index(), 2u);
  EXPECT_TRUE(w->removed());  // even a stream is not registered after a history hit (etcd)
  EXPECT_EQ(s.watchers().count(), 0u);
}

TEST(WatcherTest, FutureWaitIndexWaits) {
  Store s;
  auto w = watch(s, "/a", false, false, 3);
  ASSERT_TRUE(s.set("/a", false, "1", std::nullopt).ok());  // index 1 < 3
  ASSERT_TRUE(s.set("/a", false, "2", std::nullopt).ok());
  EXPECT_FALSE(w->has_event());
  ASSERT_TRUE(s.set("/a", false, "3", std::nullopt).ok());
  EXPECT_TRUE(w->has_event());
}

TEST(WatcherTest, ClearedIndexIsAnError) {
  Store s(10);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(s.set("/a", false, "v", std::nullopt).ok());
  auto w = s.watch("/a", false, false, 2);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, ErrorCode::EventIndexCleared);
  EXPECT_EQ(w.error().index, 20u);
}

TEST(WatcherTest, CancelRemoves) {
  Store s;
  auto w = watch(s, "/a");
  s.watchers().cancel(w);
  s.watchers().cancel(w);  // twice is harmless
  EXPECT_EQ(s.watchers().count(), 0u);
  ASSERT_TRUE(s.set("/a", false, "v", std::nullopt).ok());
  EXPECT_FALSE(w->has_event());
}

TEST(WatcherTest, HiddenBelow) {
  EXPECT_TRUE(hidden_below("/", "/_a"));
  EXPECT_TRUE(hidden_below("/d", "/d/x/_y"));
  EXPECT_FALSE(hidden_below("/d", "/d/x/y"));
  EXPECT_FALSE(hidden_below("/d/x/y", "/d"));
}

}  // namespace
}  // namespace etcdpp::store
