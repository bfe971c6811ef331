// etcdppctl backup's copy of a running member: whatever the member does between the copy's
// steps, the copy holds every write acknowledged before it began, or the attempt reports why
// it is void.
#include "ctl/backup.h"

#include "server/durable_store.h"

#include <gtest/gtest.h>

#include "testutil/temp_dir.h"

#include <fstream>

namespace etcdpp::ctl {
namespace {

namespace fs = std::filesystem;
using server::DurableOptions;
using server::DurableStore;
using server::Entry;
using server::WriteRequest;

class BackupCopyTest : public testutil::TempDirTest {
 protected:
  std::unique_ptr<DurableStore> open(const fs::path& member_dir) {
    DurableOptions o;
    o.member_dir = member_dir;
    o.snapshot_count = 10;
    o.wal.segment_bytes = 2048;
    std::string error;
    std::vector<std::string> notes;
    auto ds = DurableStore::open(o, error, notes);
    EXPECT_TRUE(ds) << error;
    return ds;
  }
  // Appends, syncs ("acknowledged") and applies one write of /k<i>; snapshots every 10.
  void write(DurableStore& ds, int i) {
    WriteRequest w;
    w.method = "PUT";
    w.key = "/k" + std::to_string(i);
    w.value = std::string(100, 'v');
    Entry e{0, 1, 0, w};
    ASSERT_EQ(ds.append(e), "");
    ASSERT_EQ(ds.sync(), "");
    std::string snap_error;
    ds.apply(e, snap_error);
    ASSERT_EQ(snap_error, "");
  }
  // A member's dir under dir/live with writes 1..n acknowledged.
  std::unique_ptr<DurableStore> live_member(int n) {
    auto ds = open(member_dir());
    if (!ds) return ds;
    std::ofstream(member_dir() / "identity") << "test identity\n";
    for (int i = 1; i <= n; ++i) write(*ds, i);
    return ds;
  }
  fs::path member_dir() const { return dir / "live" / "member"; }
};

TEST_F(BackupCopyTest, SnapshotAndCompactionDuringTheCopyLoseNothing) {
  auto ds = live_member(25);
  ASSERT_TRUE(ds);
  ASSERT_EQ(ds->snapshot_index(), 20u);
  // The worst moment: between the two halves of the copy the member snapshots at entry 30 and
  // purges every segment before it; the segment it writes next holds no entry yet. Copying
  // the snapshots first (at entry 20) and the WAL second (nothing after 30) lost 21..25.
  int hook_calls = 0;
  auto snapshot_meanwhile = [&] {
    ++hook_calls;
    for (int i = 26; i <= 30; ++i) write(*ds, i);
    ASSERT_EQ(ds->snapshot_index(), 30u);
  };
  fs::path out = dir / "bk" / "member";
  EXPECT_EQ(copy_member_data(member_dir(), member_dir() / "wal", out, {}, snapshot_meanwhile), "");
  EXPECT_EQ(hook_calls, 1);
  ds.reset();
  auto copy = open(out);
  ASSERT_TRUE(copy);
  EXPECT_GE(copy->applied_index(), 25u);
  for (int i = 1; i <= 25; ++i) {
    EXPECT_TRUE(copy->store().get("/k" + std::to_string(i), false)) << i;
  }
}

TEST_F(BackupCopyTest, CopyOfAQuietMemberHoldsEverything) {
  auto ds = live_member(33);
  ASSERT_TRUE(ds);
  fs::path out = dir / "bk" / "member";
  fs::path out_wal = dir / "bk-wal";
  EXPECT_EQ(copy_member_data(member_dir(), member_dir() / "wal", out, out_wal), "");
  ds.reset();
  DurableOptions o;
  o.member_dir = out;
  o.wal_dir = out_wal;
  std::string error;
  std::vector<std::string> notes;
  auto copy = DurableStore::open(o, error, notes);
  ASSERT_TRUE(copy) << error;
  EXPECT_EQ(copy->applied_index(), 33u);
  EXPECT_TRUE(notes.empty());
}

TEST_F(BackupCopyTest, NotADataDirIsReported) {
  fs::path empty = dir / "nothing" / "member";
  fs::create_directories(empty / "wal");
  std::string error = copy_member_data(empty, empty / "wal", dir / "bk" / "member", {});
  EXPECT_NE(error.find("identity"), std::string::npos) << error;
}

}  // namespace
}  // namespace etcdpp::ctl
