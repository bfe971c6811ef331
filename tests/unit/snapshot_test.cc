// Store snapshots: a store saved and restored is the same store (nodes, TTLs, index, history);
// damaged files are reported and skipped.
#include "snap/snapshot.h"

#include <gtest/gtest.h>

#include "testutil/temp_dir.h"

#include <fstream>

namespace etcdpp::snap {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

const base::WallTime kT0{seconds(1'800'000'000) + std::chrono::nanoseconds(123)};

void fill(store::Store& s) {
  ASSERT_TRUE(s.set("/a/b", false, "v\0x", std::nullopt).ok());
  ASSERT_TRUE(s.set("/ttl", false, "t", kT0 + seconds(30)).ok());
  ASSERT_TRUE(s.set("/d", true, "", kT0 + seconds(60)).ok());
  ASSERT_TRUE(s.create("/q", false, "job", true, std::nullopt).ok());
  ASSERT_TRUE(s.set("/_hidden", false, std::string("\xff\x00", 2), std::nullopt).ok());
  ASSERT_TRUE(s.remove("/q", true, true).ok());
}

class SnapshotTest : public testutil::TempDirTest {
 protected:
};

TEST_F(SnapshotTest, RestoredStoreIsTheSame) {
  store::Store original;
  fill(original);
  Snapshot snap{3, 42, original.export_state(), "members", "auth-state"};
  ASSERT_EQ(save(dir, snap), "");
  auto loaded = load_newest(dir);
  ASSERT_TRUE(loaded.snapshot);
  EXPECT_TRUE(loaded.invalid.empty());
  EXPECT_EQ(loaded.snapshot->term, 3u);
  EXPECT_EQ(loaded.snapshot->applied_index, 42u);
  store::Store restored;
  ASSERT_TRUE(restored.import_state(loaded.snapshot->state).ok());
  EXPECT_EQ(restored.index(), original.index());
  EXPECT_EQ(loaded.snapshot->membership, "members");
  EXPECT_EQ(loaded.snapshot->auth, "auth-state");
  EXPECT_EQ(restored.get("/", true)->node, original.get("/", true)->node);
  EXPECT_EQ(restored.get("/_hidden", false)->node, original.get("/_hidden", false)->node);
  EXPECT_EQ(restored.next_expiration(), original.next_expiration());
  EXPECT_EQ(restored.history().size(), original.history().size());
  // The history still answers watches that start inside it.
  auto w = restored.watch("/a/b", false, false, 1);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->has_event());
  EXPECT_EQ((*w)->take_event().node.key, "/a/b");
  // And expiry works on the restored TTLs.
  EXPECT_EQ(restored.delete_expired(kT0 + seconds(61)).size(), 2u);
}

// A member's snapshot is encoded straight from its store: byte for byte what encode() makes of
// the exported state (so decode() and every reader see one format), for stores small and
// large, with and without history, TTLs, hidden keys and binary values.
TEST_F(SnapshotTest, EncodingFromTheStoreEqualsEncodingTheExportedState) {
  auto both = [](const store::Store& s, std::string membership, uint64_t term, uint64_t applied) {
    Snapshot copy{term, applied, s.export_state(), membership, ""};
    EncodedSnapshot direct = encode_store(s, membership, "", term, applied);
    EXPECT_EQ(direct.term, term);
    EXPECT_EQ(direct.applied_index, applied);
    EXPECT_EQ(direct.bytes, encode(copy));
    std::string error;
    auto decoded = decode(direct.bytes, error);
    ASSERT_TRUE(decoded) << error;
    EXPECT_EQ(decoded->state.nodes.size(), copy.state.nodes.size());
    EXPECT_EQ(decoded->membership, membership);
  };
  store::Store empty;
  both(empty, "", 0, 0);
  store::Store s;
  fill(s);
  both(s, std::string("m\0embers", 8), 3, 7);
  for (int i = 0; i < 3000; ++i) {  // past the history's capacity; long keys and values
    ASSERT_TRUE(s.set("/big/k" + std::to_string(i), false, std::string(200 + i % 7, 'v'),
                      i % 3 ? std::nullopt : std::optional(kT0 + seconds(i)))
                    .ok());
  }
  both(s, "members", 1234567, 1ull << 40);
}

TEST_F(SnapshotTest, NewestValidWinsAndDamagedFilesAreReported) {
  store::Store s;
  fill(s);
  ASSERT_EQ(save(dir, Snapshot{1, 10, s.export_state(), "", ""}), "");
  ASSERT_EQ(save(dir, Snapshot{1, 20, s.export_state(), "", ""}), "");
  auto newest = dir / "0000000000000001-0000000000000014.snap";
  ASSERT_TRUE(fs::exists(newest));
  {
    std::fstream f(newest, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(40);
    f.put('X');
  }
  auto loaded = load_newest(dir);
  ASSERT_TRUE(loaded.snapshot);
  EXPECT_EQ(loaded.snapshot->applied_index, 10u);
  ASSERT_EQ(loaded.invalid.size(), 1u);
  EXPECT_NE(loaded.invalid[0].find("checksum mismatch"), std::string::npos);
  EXPECT_NE(loaded.invalid[0].find(newest.string()), std::string::npos);
}

TEST_F(SnapshotTest, DecodeRejectsGarbage) {
  std::string error;
  EXPECT_FALSE(decode("hello", error));
  EXPECT_NE(error.find("bad magic"), std::string::npos);
  store::Store s;
  std::string bytes = encode(Snapshot{1, 1, s.export_state(), "", ""});
  EXPECT_FALSE(decode(bytes.substr(0, bytes.size() - 1), error));
  EXPECT_NE(error.find("truncated"), std::string::npos);
  bytes[8] = 9;
  EXPECT_FALSE(decode(bytes, error));
  EXPECT_NE(error.find("version"), std::string::npos);
}

TEST_F(SnapshotTest, ImportRejectsInconsistentState) {
  store::StoreState state;
  state.nodes.push_back({"/orphan/child", false, "v", 1, 1, std::nullopt});
  store::Store s;
  auto r = s.import_state(state);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().cause.find("no parent"), std::string::npos);
}

TEST_F(SnapshotTest, EmptyDirectoryHasNoSnapshot) { EXPECT_FALSE(load_newest(dir).snapshot); }

}  // namespace
}  // namespace etcdpp::snap
