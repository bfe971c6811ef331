// The member's log thread: everything submitted becomes durable in order and is reported in
// order, and a snapshot is saved in order with the batches.
#include "server/log_thread.h"
#include "server/durable_store.h"

#include <gtest/gtest.h>

#include "testutil/temp_dir.h"

#include <condition_variable>
#include <mutex>

namespace etcdpp::server {
namespace {

class LogThreadTest : public testutil::TempDirTest {};

Entry put_entry(uint64_t index, const std::string& key) {
  WriteRequest w;
  w.method = "PUT";
  w.key = key;
  w.value = "v";
  return Entry{index, 1, 0, w};
}

TEST_F(LogThreadTest, GroupCommitAndRecovery) {
  DurableOptions options;
  options.member_dir = dir / "member";
  std::string error;
  std::vector<std::string> notes;
  auto recovered = recover(options, error, notes);
  ASSERT_TRUE(recovered) << error;

  std::mutex mu;
  std::condition_variable cv;
  std::vector<uint64_t> reports;
  std::vector<uint64_t> snapshots;
  constexpr uint64_t kEntries = 2000;
  {
    LogThread log(
        std::move(*recovered->writer),
        [&](uint64_t index, std::string err) {
          ASSERT_EQ(err, "");
          std::lock_guard lock(mu);
          reports.push_back(index);
          cv.notify_all();
        },
        [&](uint64_t index, std::string err) {
          ASSERT_EQ(err, "");
          std::lock_guard lock(mu);
          snapshots.push_back(index);
        });
    ServerState state;
    for (uint64_t i = 1; i <= kEntries; ++i) {
      Entry e = put_entry(i, "/k" + std::to_string(i));
      LogBatch batch;
      batch.token = i;
      batch.must_sync = true;
      if (i == 1) batch.hard_state = raft::HardState{1, 0, kEntries};
      batch.entries.push_back(raft::Entry{.term = 1, .index = i, .data = encode_entry_data(e)});
      log.submit_batch(std::move(batch));
      apply_entry(state, e);
      if (i == 1000) log.submit_snapshot(snap::encode_for_saving(make_snapshot(state, 1, 1000)));
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return !reports.empty() && reports.back() == kEntries; });
  }
  // Every batch is reported, in order.
  ASSERT_EQ(reports.size(), kEntries);
  for (size_t i = 1; i < reports.size(); ++i) EXPECT_LT(reports[i - 1], reports[i]);
  EXPECT_EQ(snapshots, std::vector<uint64_t>{1000});

  auto again = recover(options, error, notes);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(again->applied_index, kEntries);
  EXPECT_EQ(again->snapshot_index, 1000u);
  EXPECT_EQ(again->state->store.index(), kEntries);
  EXPECT_TRUE(again->state->store.get("/k2000", false));
}

}  // namespace
}  // namespace etcdpp::server
