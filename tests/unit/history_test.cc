// Event history: waitIndex look-ups, matching rules and the 1000-event window.
#include "store/store.h"

#include <gtest/gtest.h>

namespace etcdpp::store {
namespace {

TEST(HistoryTest, ScanFindsFirstMatchingEventFromIndex) {
  Store s;
  ASSERT_TRUE(s.set("/a", false, "1", std::nullopt).ok());  // 1
  ASSERT_TRUE(s.set("/b", false, "1", std::nullopt).ok());  // 2
  ASSERT_TRUE(s.set("/a", false, "2", std::nullopt).ok());  // 3
  auto r = s.history().scan("/a", false, 2, s.index());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.value());
  EXPECT_EQ(r.value()->index, 3u);
  EXPECT_EQ(r.value()->node.value, "2");
  auto none = s.history().scan("/a", false, 4, s.index());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value());  // in the future: the watch waits
}

TEST(HistoryTest, RecursiveMatchesDescendantsOnly) {
  Store s;
  ASSERT_TRUE(s.set("/dirx", false, "1", std::nullopt).ok());
  ASSERT_TRUE(s.set("/dir/a", false, "1", std::nullopt).ok());
  auto r = s.history().scan("/dir", true, 1, s.index());
  ASSERT_TRUE(r.ok() && r.value());
  EXPECT_EQ(r.value()->node.key, "/dir/a");
  auto root = s.history().scan("/", true, 1, s.index());
  EXPECT_EQ(root.value()->node.key, "/dirx");
}

TEST(HistoryTest, DirectoryRemovalMatchesWatchesBelowIt) {
  Store s;
  ASSERT_TRUE(s.set("/wd/x", false, "1", std::nullopt).ok());
  ASSERT_TRUE(s.remove("/wd", true, true).ok());
  auto r = s.history().scan("/wd/x", false, 2, s.index());
  ASSERT_TRUE(r.ok() && r.value());
  EXPECT_EQ(r.value()->action, Action::remove);
  EXPECT_EQ(r.value()->node.key, "/wd");
}

TEST(HistoryTest, RefreshEventsAreSkipped) {
  Store s;
  base::WallTime t{std::chrono::seconds(2'000'000'000)};
  ASSERT_TRUE(s.set("/r", false, "v", t).ok());
  ASSERT_TRUE(s.set("/r", false, "", t, true).ok());  // refresh
  ASSERT_TRUE(s.set("/r", false, "w", std::nullopt).ok());
  auto r = s.history().scan("/r", false, 2, s.index());
  ASSERT_TRUE(r.ok() && r.value());
  EXPECT_EQ(r.value()->index, 3u);
}

TEST(HistoryTest, OldIndexIsClearedAfterTheWindow) {
  Store s;
  for (int i = 0; i < 1010; ++i) ASSERT_TRUE(s.set("/k", false, "v", std::nullopt).ok());
  EXPECT_EQ(s.history().size(), 1000u);
  EXPECT_EQ(s.history().start_index(), 11u);
  auto r = s.history().scan("/k", false, 5, s.index());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::EventIndexCleared);
  EXPECT_EQ(r.error().cause, "the requested history has been cleared [11/5]");
  EXPECT_EQ(r.error().index, 1010u);
  EXPECT_EQ(error_http_status(r.error().code), 400u);
  EXPECT_TRUE(s.history().scan("/k", false, 11, s.index()).ok());
}

TEST(ErrorTableTest, StatusMapping) {
  EXPECT_EQ(error_http_status(ErrorCode::KeyNotFound), 404u);
  EXPECT_EQ(error_http_status(ErrorCode::TestFailed), 412u);
  EXPECT_EQ(error_http_status(ErrorCode::NotFile), 403u);
  EXPECT_EQ(error_http_status(ErrorCode::NodeExist), 412u);
  EXPECT_EQ(error_http_status(ErrorCode::DirNotEmpty), 403u);
  EXPECT_EQ(error_http_status(ErrorCode::Unauthorized), 401u);
  EXPECT_EQ(error_http_status(ErrorCode::RaftInternal), 500u);
  EXPECT_EQ(error_http_status(ErrorCode::LeaderElect), 500u);
  EXPECT_EQ(error_http_status(ErrorCode::NotDir), 400u);
  EXPECT_EQ(error_http_status(ErrorCode::EventIndexCleared), 400u);
  EXPECT_EQ(error_message(ErrorCode::EventIndexCleared),
            "The event in requested index is outdated and cleared");
}

}  // namespace
}  // namespace etcdpp::store
