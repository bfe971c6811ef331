// The v2 keyspace against the behaviour of etcd 3.4 (spec/v2-api.md §2-§7), with explicit
// times: no clock is read anywhere.
#include "store/store.h"

#include <gtest/gtest.h>

namespace etcdpp::store {
namespace {

using std::chrono::seconds;

const WallTime kT0{seconds(1'800'000'000)};

class StoreTest : public ::testing::Test {
 protected:
  Store s;

  Event ok(Result<Event> r) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? ""
                                   : std::string(error_message(r.error().code)) + " " +
                                         r.error().cause);
    return r.ok() ? r.value() : Event{};
  }
  Error fails(Result<Event> r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? Error{ErrorCode::ClientInternal, "", 0} : r.error();
  }
};

TEST_F(StoreTest, SetCreatesFileWithNewIndex) {
  Event e = ok(s.set("/foo", false, "bar", std::nullopt));
  EXPECT_EQ(e.action, Action::set);
  EXPECT_TRUE(e.created());
  EXPECT_EQ(e.node.key, "/foo");
  EXPECT_EQ(e.node.value, "bar");
  EXPECT_EQ(e.node.created_index, 1u);
  EXPECT_EQ(e.node.modified_index, 1u);
  EXPECT_FALSE(e.prev_node);
  EXPECT_EQ(s.index(), 1u);
}

TEST_F(StoreTest, SetOverFileReplacesNodeAndReportsPrevious) {
  ok(s.set("/foo", false, "1", std::nullopt));
  Event e = ok(s.set("/foo", false, "2", std::nullopt));
  EXPECT_FALSE(e.created());
  ASSERT_TRUE(e.prev_node);
  EXPECT_EQ(e.prev_node->value, "1");
  EXPECT_EQ(e.node.created_index, 2u);  // a new node
  EXPECT_EQ(s.get("/foo", false)->node.value, "2");
}

TEST_F(StoreTest, SetOverDirectoryFailsNotAFile) {
  ok(s.set("/d", true, "", std::nullopt));
  Error err = fails(s.set("/d", false, "x", std::nullopt));
  EXPECT_EQ(err.code, ErrorCode::NotFile);
  EXPECT_EQ(err.cause, "/d");
  EXPECT_EQ(err.index, 1u);
  EXPECT_EQ(fails(s.set("/d", true, "", std::nullopt)).code, ErrorCode::NotFile);
  EXPECT_EQ(s.index(), 1u);  // failures change nothing
}

TEST_F(StoreTest, SetDirOverFileMakesEmptyDirectory) {
  ok(s.set("/f", false, "x", std::nullopt));
  Event e = ok(s.set("/f", true, "", std::nullopt));
  EXPECT_TRUE(e.node.dir);
  EXPECT_FALSE(e.node.value);
  EXPECT_TRUE(e.prev_node);
}

TEST_F(StoreTest, IntermediateDirectoriesAreCreatedWithTheOperationsIndex) {
  ok(s.set("/a/b/c", false, "v", std::nullopt));
  Event a = ok(s.get("/a", false));
  EXPECT_TRUE(a.node.dir);
  EXPECT_EQ(a.node.created_index, 1u);
  ASSERT_EQ(a.node.nodes.size(), 1u);
  EXPECT_EQ(a.node.nodes[0].key, "/a/b");
  EXPECT_TRUE(a.node.nodes[0].dir);
  EXPECT_TRUE(a.node.nodes[0].nodes.empty());  // not recursive
  Event r = ok(s.get("/a", true));
  ASSERT_EQ(r.node.nodes[0].nodes.size(), 1u);
  EXPECT_EQ(r.node.nodes[0].nodes[0].value, "v");
}

TEST_F(StoreTest, FileOnTheWayIsNotADirectory) {
  ok(s.set("/f", false, "x", std::nullopt));
  Error err = fails(s.set("/f/child", false, "y", std::nullopt));
  EXPECT_EQ(err.code, ErrorCode::NotDir);
  EXPECT_EQ(err.cause, "/f");
  EXPECT_EQ(fails(s.get("/f/child", false)).code, ErrorCode::NotDir);
}

TEST_F(StoreTest, MissingKeyCauseIsFirstMissingComponent) {
  ok(s.set("/a/x", false, "1", std::nullopt));
  Error err = fails(s.get("/a/b/c", false));
  EXPECT_EQ(err.code, ErrorCode::KeyNotFound);
  EXPECT_EQ(err.cause, "/a/b");
  EXPECT_EQ(err.index, 1u);
  EXPECT_EQ(error_http_status(err.code), 404u);
  EXPECT_EQ(error_message(err.code), "Key not found");
}

TEST_F(StoreTest, RootIsReadOnly) {
  for (auto r : {s.set("/", false, "x", std::nullopt), s.set("", false, "x", std::nullopt),
                 s.remove("/", true, true), s.update("/", "", std::nullopt)}) {
    Error err = fails(r);
    EXPECT_EQ(err.code, ErrorCode::RootReadOnly);
    EXPECT_EQ(err.cause, "/");
  }
}

TEST_F(StoreTest, RootListingHasNoKeyAndHidesHiddenNodes) {
  ok(s.set("/foo", false, "baz", std::nullopt));
  ok(s.set("/_hidden", false, "h", std::nullopt));
  ok(s.set("/dir/_x", false, "h", std::nullopt));
  Event e = ok(s.get("/", true));
  EXPECT_EQ(e.node.key, "");
  EXPECT_TRUE(e.node.dir);
  ASSERT_EQ(e.node.nodes.size(), 2u);
  EXPECT_EQ(e.node.nodes[0].key, "/dir");
  EXPECT_TRUE(e.node.nodes[0].nodes.empty());
  EXPECT_EQ(e.node.nodes[1].key, "/foo");
  EXPECT_EQ(ok(s.get("/_hidden", false)).node.value, "h");  // readable by exact path
}

TEST_F(StoreTest, KeysAreNormalised) {
  ok(s.set("a//b/../c", false, "v", std::nullopt));
  EXPECT_EQ(ok(s.get("/a/c", false)).node.key, "/a/c");
  EXPECT_EQ(normalize_key("x/"), "/x");
  EXPECT_EQ(normalize_key(""), "/");
  // Go's path.Clean("/" + key), case by case.
  const std::pair<std::string_view, std::string_view> cases[] = {{"/", "/"},
                                                                 {"//", "/"},
                                                                 {"a", "/a"},
                                                                 {"/a/b", "/a/b"},
                                                                 {"a/./b", "/a/b"},
                                                                 {"a/b/..", "/a"},
                                                                 {"..", "/"},
                                                                 {"/../..", "/"},
                                                                 {"../a", "/a"},
                                                                 {"a/../../b", "/b"},
                                                                 {"a/.", "/a"},
                                                                 {"./", "/"},
                                                                 {"a//b///c/", "/a/b/c"},
                                                                 {"a/..b/c", "/a/..b/c"},
                                                                 {".a/b.", "/.a/b."},
                                                                 {"a/b/../../c/d/..", "/c"},
                                                                 {"\xff/%2F", "/\xff/%2F"}};
  for (auto [key, cleaned] : cases) EXPECT_EQ(normalize_key(key), cleaned) << key;
}

TEST_F(StoreTest, CreateFailsWhenTheKeyExists) {
  ok(s.create("/c", false, "1", false, std::nullopt));
  Error err = fails(s.create("/c", false, "2", false, std::nullopt));
  EXPECT_EQ(err.code, ErrorCode::NodeExist);
  EXPECT_EQ(err.cause, "/c");
  EXPECT_EQ(error_http_status(err.code), 412u);
}

TEST_F(StoreTest, InOrderKeysAreTwentyDigitIndexes) {
  ok(s.set("/other", false, "x", std::nullopt));
  Event e1 = ok(s.create("/q", false, "job1", true, std::nullopt));
  Event e2 = ok(s.create("/q", false, "job2", true, std::nullopt));
  EXPECT_EQ(e1.action, Action::create);
  EXPECT_EQ(e1.node.key, "/q/00000000000000000002");
  EXPECT_EQ(e2.node.key, "/q/00000000000000000003");
  Event list = ok(s.get("/q", false));
  ASSERT_EQ(list.node.nodes.size(), 2u);
  EXPECT_EQ(list.node.nodes[0].value, "job1");
}

TEST_F(StoreTest, InOrderKeyBelowAFileFails) {
  ok(s.set("/f", false, "x", std::nullopt));
  EXPECT_EQ(fails(s.create("/f", false, "y", true, std::nullopt)).code, ErrorCode::NotDir);
}

TEST_F(StoreTest, UpdateKeepsCreatedIndexAndRequiresTheKey) {
  ok(s.set("/u", false, "1", std::nullopt));
  Event e = ok(s.update("/u", "2", std::nullopt));
  EXPECT_EQ(e.action, Action::update);
  EXPECT_EQ(e.node.created_index, 1u);
  EXPECT_EQ(e.node.modified_index, 2u);
  EXPECT_EQ(e.prev_node->value, "1");
  EXPECT_EQ(fails(s.update("/missing", "x", std::nullopt)).code, ErrorCode::KeyNotFound);
}

TEST_F(StoreTest, UpdateOfDirectoryOnlyChangesTtl) {
  ok(s.set("/d", true, "", std::nullopt));
  EXPECT_EQ(fails(s.update("/d", "v", std::nullopt)).code, ErrorCode::NotFile);
  Event e = ok(s.update("/d", "", kT0 + seconds(60)));
  EXPECT_TRUE(e.node.dir);
  EXPECT_EQ(e.node.modified_index, 2u);
  EXPECT_EQ(ok(s.get("/d", false)).node.modified_index, 1u);  // etcd's quirk
  EXPECT_EQ(ok(s.get("/d", false)).node.expiration, kT0 + seconds(60));
}

TEST_F(StoreTest, CompareAndSwap) {
  ok(s.set("/k", false, "one", std::nullopt));
  Event e = ok(s.compare_and_swap("/k", "one", 0, "two", std::nullopt));
  EXPECT_EQ(e.action, Action::compare_and_swap);
  EXPECT_EQ(e.node.created_index, 1u);
  EXPECT_EQ(e.prev_node->value, "one");
  ok(s.compare_and_swap("/k", "", 2, "three", std::nullopt));
  Error err = fails(s.compare_and_swap("/k", "nope", 0, "x", std::nullopt));
  EXPECT_EQ(err.code, ErrorCode::TestFailed);
  EXPECT_EQ(err.cause, "[nope != three]");
  EXPECT_EQ(err.index, 3u);
  err = fails(s.compare_and_swap("/k", "", 9, "x", std::nullopt));
  EXPECT_EQ(err.cause, "[9 != 3]");
  err = fails(s.compare_and_swap("/k", "a", 9, "x", std::nullopt));
  EXPECT_EQ(err.cause, "[a != three] [9 != 3]");
}

TEST_F(StoreTest, CompareAndSwapOnDirectoryOrMissingKey) {
  ok(s.set("/d", true, "", std::nullopt));
  Error err = fails(s.compare_and_swap("/d", "x", 0, "y", std::nullopt));
  EXPECT_EQ(err.code, ErrorCode::NotFile);
  EXPECT_EQ(error_http_status(err.code), 403u);
  EXPECT_EQ(fails(s.compare_and_swap("/m", "x", 0, "y", std::nullopt)).code,
            ErrorCode::KeyNotFound);
}

TEST_F(StoreTest, DeleteRules) {
  ok(s.set("/f", false, "x", std::nullopt));
  ok(s.set("/d/child", false, "x", std::nullopt));
  ok(s.set("/e", true, "", std::nullopt));
  Event del = ok(s.remove("/f", false, false));
  EXPECT_EQ(del.action, Action::remove);
  EXPECT_FALSE(del.node.value);
  EXPECT_EQ(del.node.modified_index, 4u);
  EXPECT_EQ(del.node.created_index, 1u);
  EXPECT_EQ(del.prev_node->value, "x");
  EXPECT_EQ(fails(s.remove("/e", false, false)).code, ErrorCode::NotFile);
  ok(s.remove("/e", true, false));
  Error err = fails(s.remove("/d", true, false));
  EXPECT_EQ(err.code, ErrorCode::DirNotEmpty);
  EXPECT_EQ(err.cause, "/d");
  Event rec = ok(s.remove("/d", false, true));  // recursive implies dir
  EXPECT_TRUE(rec.node.dir);
  EXPECT_EQ(fails(s.get("/d/child", false)).code, ErrorCode::KeyNotFound);
  EXPECT_EQ(fails(s.remove("/gone", false, false)).code, ErrorCode::KeyNotFound);
}

TEST_F(StoreTest, CompareAndDelete) {
  ok(s.set("/k", false, "v", std::nullopt));
  Error err = fails(s.compare_and_delete("/k", "w", 0));
  EXPECT_EQ(err.cause, "[w != v]");
  Event e = ok(s.compare_and_delete("/k", "v", 1));
  EXPECT_EQ(e.action, Action::compare_and_delete);
  EXPECT_EQ(e.prev_node->value, "v");
  EXPECT_FALSE(e.node.value);
}

TEST_F(StoreTest, TtlExpiresOnlyWhenSyncIsApplied) {
  ok(s.set("/t", false, "v", kT0 + seconds(10)));
  ok(s.set("/keep", false, "v", std::nullopt));
  EXPECT_EQ(s.next_expiration(), kT0 + seconds(10));
  EXPECT_TRUE(s.delete_expired(kT0 + seconds(9)).empty());
  auto events = s.delete_expired(kT0 + seconds(10));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, Action::expire);
  EXPECT_EQ(events[0].node.key, "/t");
  EXPECT_EQ(events[0].node.modified_index, 3u);
  EXPECT_EQ(events[0].prev_node->expiration, kT0 + seconds(10));
  EXPECT_EQ(s.index(), 3u);
  EXPECT_FALSE(s.next_expiration());
  EXPECT_EQ(fails(s.get("/t", false)).code, ErrorCode::KeyNotFound);
}

TEST_F(StoreTest, DirectoryTtlExpiresTheSubtreeAsOneEvent) {
  ok(s.set("/d", true, "", kT0 + seconds(5)));
  ok(s.set("/d/a", false, "1", kT0 + seconds(50)));
  ok(s.set("/d/b/c", false, "2", std::nullopt));
  auto events = s.delete_expired(kT0 + seconds(6));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].node.dir);
  EXPECT_FALSE(s.next_expiration());  // the child's TTL went with it
}

TEST_F(StoreTest, ExpiryOrderIsEarliestFirst) {
  ok(s.set("/late", false, "v", kT0 + seconds(20)));
  ok(s.set("/early", false, "v", kT0 + seconds(10)));
  auto events = s.delete_expired(kT0 + seconds(30));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].node.key, "/early");
  EXPECT_EQ(events[1].node.key, "/late");
}

TEST_F(StoreTest, SetWithoutTtlRemovesIt) {
  ok(s.set("/t", false, "v", kT0 + seconds(10)));
  ok(s.update("/t", "w", std::nullopt));
  EXPECT_FALSE(s.next_expiration());
  EXPECT_FALSE(ok(s.get("/t", false)).node.expiration);
}

TEST_F(StoreTest, RefreshKeepsValueAndIsMarked) {
  ok(s.set("/r", false, "v", kT0 + seconds(10)));
  Event e = ok(s.set("/r", false, "", kT0 + seconds(100), true));
  EXPECT_TRUE(e.refresh);
  EXPECT_EQ(e.node.value, "v");
  EXPECT_EQ(e.node.expiration, kT0 + seconds(100));
  EXPECT_EQ(s.index(), 2u);
  Event u = ok(s.update("/r", "", kT0 + seconds(200), true));
  EXPECT_EQ(u.node.value, "v");
  EXPECT_EQ(fails(s.set("/missing", false, "", kT0, true)).code, ErrorCode::KeyNotFound);
}

TEST_F(StoreTest, EveryWriteIsInTheHistory) {
  ok(s.set("/a", false, "1", std::nullopt));
  ok(s.remove("/a", false, false));
  EXPECT_EQ(s.history().size(), 2u);
  EXPECT_EQ(s.history().start_index(), 1u);
}

// Directory entries are keyed by views of the children's own paths: removing, re-creating,
// expiring and re-importing nodes must leave every listing intact (ASan checks the lifetimes).
TEST_F(StoreTest, ChildrenSurviveRemovalRecreationExpiryAndImport) {
  ok(s.set("/d/b", false, "1", std::nullopt));
  ok(s.set("/d/a", false, "2", std::nullopt));
  ok(s.set("/d/c/x", false, "3", std::nullopt));
  ok(s.set("/d/e", false, "4", kT0 + seconds(5)));
  ok(s.remove("/d/b", false, false));
  ok(s.set("/d/b", false, "5", std::nullopt));
  ok(s.remove("/d/c", true, true));
  ok(s.set("/d/c", false, "6", std::nullopt));
  ASSERT_EQ(s.delete_expired(kT0 + seconds(5)).size(), 1u);
  auto names = [](const Event& e) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& n : e.node.nodes) out.emplace_back(n.key, n.value.value_or(""));
    return out;
  };
  std::vector<std::pair<std::string, std::string>> want{
      {"/d/a", "2"}, {"/d/b", "5"}, {"/d/c", "6"}};
  EXPECT_EQ(names(ok(s.get("/d", true))), want);
  EXPECT_EQ(fails(s.remove("/d", true, false)).code, ErrorCode::DirNotEmpty);

  Store copy;
  ASSERT_TRUE(copy.import_state(s.export_state()).ok());
  EXPECT_EQ(names(ok(copy.get("/d", true))), want);
  ok(copy.remove("/d", true, true));
  EXPECT_EQ(fails(copy.get("/d/a", false)).code, ErrorCode::KeyNotFound);
  // An emptied directory can be removed without `recursive`.
  ok(s.remove("/d/a", false, false));
  ok(s.remove("/d/b", false, false));
  ok(s.remove("/d/c", false, false));
  ok(s.remove("/d", true, false));
}

// A node is paid for per key: keep the layout that a file costs (no child map in a file).
TEST(NodeLayout, FitsInOneHundredTwentyBytes) { EXPECT_LE(sizeof(Node), 120u); }

}  // namespace
}  // namespace etcdpp::store
