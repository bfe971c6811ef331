// Entries and the member's durable state: what was applied comes back after a restart, through
// snapshots and WAL replay; damage is reported with the file it is in.
#include "server/durable_store.h"

#include <gtest/gtest.h>

#include "testutil/temp_dir.h"

#include <fstream>

namespace etcdpp::server {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

const base::WallTime kT0{seconds(1'800'000'000)};

WriteRequest put(std::string key, std::string value,
                 std::optional<base::WallTime> exp = std::nullopt) {
  WriteRequest w;
  w.method = "PUT";
  w.key = std::move(key);
  w.value = std::move(value);
  w.expiration = exp;
  return w;
}

TEST(EntryTest, RoundTrip) {
  WriteRequest w = put("/a\xff", std::string("v\0", 2), kT0);
  w.prev_exist = false;
  w.prev_value = "p";
  w.prev_index = 9;
  w.refresh = true;
  w.dir = true;
  w.recursive = true;
  Entry e{7, 2, 99, w};
  std::string error;
  auto back = decode_entry(encode_entry(e), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, e);
  Entry s{8, 2, 0, SyncRequest{kT0}};
  EXPECT_EQ(*decode_entry(encode_entry(s), error), s);
  EXPECT_FALSE(decode_entry("\xff\xff\xff", error));
}

class DurableStoreTest : public testutil::TempDirTest {
 protected:
  std::unique_ptr<DurableStore> open(uint64_t snapshot_count = 1000) {
    DurableOptions o;
    o.member_dir = dir / "member";
    o.snapshot_count = snapshot_count;
    o.wal.segment_bytes = 2048;
    std::string error;
    notes.clear();
    auto ds = DurableStore::open(o, error, notes);
    last_error = error;
    return ds;
  }
  void write(DurableStore& ds, std::vector<Entry> entries) {
    for (auto& e : entries) ASSERT_EQ(ds.append(e), "");
    ASSERT_EQ(ds.sync(), "");
    for (auto& e : entries) {
      std::string snap_error;
      ds.apply(e, snap_error);
      ASSERT_EQ(snap_error, "");
    }
  }
  std::vector<std::string> notes;
  std::string last_error;
};

TEST_F(DurableStoreTest, AppliedWritesSurviveRestart) {
  {
    auto ds = open();
    ASSERT_TRUE(ds) << last_error;
    write(*ds, {Entry{0, 1, 1, put("/a", "1")}, Entry{0, 1, 2, put("/b", "2", kT0)}});
    EXPECT_EQ(ds->last_index(), 2u);
    EXPECT_EQ(ds->applied_index(), 2u);
  }
  auto ds = open();
  ASSERT_TRUE(ds) << last_error;
  EXPECT_EQ(ds->applied_index(), 2u);
  EXPECT_EQ(ds->store().index(), 2u);
  EXPECT_EQ(ds->store().get("/a", false)->node.value, "1");
  EXPECT_EQ(ds->store().next_expiration(), kT0);
  // Sync entries replay too.
  write(*ds, {Entry{0, 1, 0, SyncRequest{kT0}}});
  ds.reset();
  ds = open();
  EXPECT_EQ(ds->store().get("/b", false).error().code, store::ErrorCode::KeyNotFound);
  EXPECT_EQ(ds->store().index(), 3u);
}

TEST_F(DurableStoreTest, SnapshotsPurgeTheWalAndRecoveryUsesThem) {
  {
    auto ds = open(10);
    ASSERT_TRUE(ds) << last_error;
    for (int i = 0; i < 35; ++i) {
      write(*ds, {Entry{0, 1, 0, put("/k" + std::to_string(i % 7), std::string(100, 'x'))}});
    }
    EXPECT_EQ(ds->snapshot_index(), 30u);
  }
  size_t snaps = 0;
  for (auto& e : fs::directory_iterator(dir / "member" / "snap"))
    snaps += e.path().extension() == ".snap";
  EXPECT_EQ(snaps, 3u);
  auto first_segment =
      *std::min_element(fs::directory_iterator(dir / "member" / "wal"), fs::directory_iterator{},
                        [](auto& a, auto& b) { return a.path() < b.path(); });
  EXPECT_NE(first_segment.path().filename().string().rfind("0000000000000000-", 0), 0u);
  auto ds = open(10);
  ASSERT_TRUE(ds) << last_error;
  EXPECT_EQ(ds->applied_index(), 35u);
  EXPECT_EQ(ds->store().index(), 35u);
  EXPECT_EQ(ds->store().get("/k6", false)->node.modified_index, 35u);
}

TEST_F(DurableStoreTest, CorruptWalIsRefusedWithTheFile) {
  {
    auto ds = open();
    for (int i = 0; i < 40; ++i) write(*ds, {Entry{0, 1, 0, put("/k", std::string(100, 'y'))}});
  }
  std::vector<fs::path> segs;
  for (auto& e : fs::directory_iterator(dir / "member" / "wal")) segs.push_back(e.path());
  std::sort(segs.begin(), segs.end());
  ASSERT_GT(segs.size(), 1u);
  {
    std::fstream f(segs[0], std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(30);
    f.put('Z');
  }
  EXPECT_FALSE(open());
  EXPECT_NE(last_error.find(segs[0].string()), std::string::npos) << last_error;
  EXPECT_NE(last_error.find("corrupt record"), std::string::npos);
}

TEST_F(DurableStoreTest, DamagedSnapshotWithPurgedWalIsRefused) {
  {
    auto ds = open(10);
    for (int i = 0; i < 25; ++i) write(*ds, {Entry{0, 1, 0, put("/k", std::string(200, 'z'))}});
  }
  std::vector<fs::path> snaps;
  for (auto& e : fs::directory_iterator(dir / "member" / "snap")) snaps.push_back(e.path());
  std::sort(snaps.begin(), snaps.end());
  for (const auto& s : snaps) fs::resize_file(s, 10);  // every snapshot damaged
  EXPECT_FALSE(open(10));
  EXPECT_NE(last_error.find("entries are missing"), std::string::npos) << last_error;
  EXPECT_NE(last_error.find(".snap"), std::string::npos) << last_error;
}

TEST_F(DurableStoreTest, TornWalTailIsReported) {
  {
    auto ds = open();
    write(*ds, {Entry{0, 1, 0, put("/a", "1")}, Entry{0, 1, 0, put("/b", "2")}});
  }
  std::vector<fs::path> segs;
  for (auto& e : fs::directory_iterator(dir / "member" / "wal")) segs.push_back(e.path());
  fs::resize_file(segs.back(), fs::file_size(segs.back()) - 2);
  auto ds = open();
  ASSERT_TRUE(ds) << last_error;
  EXPECT_EQ(ds->applied_index(), 1u);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("torn tail"), std::string::npos);
}

TEST_F(DurableStoreTest, TermNeverTrailsTheNewestSnapshot) {
  // A backup's WAL may end before its newest snapshot, taken in a later term: the recovered
  // term moves on to the snapshot's, and the old term's vote goes.
  DurableOptions o;
  o.member_dir = dir / "member";
  std::string error;
  {
    auto r = recover(o, error, notes);
    ASSERT_TRUE(r) << error;
    ASSERT_EQ(r->writer->append_hard_state({1, 7, 1}), "");
    ASSERT_EQ(r->writer->append_entry(1, 1, encode_entry_data(Entry{0, 1, 0, put("/a", "1")})), "");
    ASSERT_EQ(r->writer->sync(), "");
    ASSERT_EQ(r->writer->save_snapshot(snap::encode_for_saving(make_snapshot(*r->state, 3, 1))),
              "");
  }
  auto r = recover(o, error, notes);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->hard_state, (raft::HardState{3, raft::kNone, 1}));
}

}  // namespace
}  // namespace etcdpp::server
