// The Raft side of the member's durable state: WAL records for entries, hard state and log
// resets; recovery's replay rules (a rewritten index replaces the suffix, a reset drops what
// came before, the commit index decides what is applied); the peer wire codec.
#include "server/durable_store.h"
#include "server/log_writer.h"
#include "transport/raft_codec.h"

#include <gtest/gtest.h>

#include "testutil/temp_dir.h"

namespace etcdpp::server {
namespace {

Entry put_entry(const std::string& key, const std::string& value) {
  WriteRequest w;
  w.method = "PUT";
  w.key = key;
  w.value = value;
  Entry e;
  e.kind = w;
  return e;
}

TEST(EntryRecord, IsAProtobufEntryWithIndexAndTerm) {
  Entry e = put_entry("/a", "1");
  e.request_id = 42;
  std::string record = encode_entry_record(7, 3, encode_entry_data(e));
  std::string error;
  auto back = decode_entry(record, error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->index, 7u);
  EXPECT_EQ(back->term, 3u);
  EXPECT_EQ(back->request_id, 42u);
  uint64_t index = 0;
  uint64_t term = 0;
  std::string_view data;
  ASSERT_TRUE(decode_entry_record(record, index, term, data));
  EXPECT_EQ(index, 7u);
  EXPECT_EQ(term, 3u);
  EXPECT_EQ(data, encode_entry_data(e));
  // The records of a single-node etcdpp (index and term first) read the same way.
  Entry old = e;
  old.index = 7;
  old.term = 3;
  ASSERT_TRUE(decode_entry_record(encode_entry(old), index, term, data));
  EXPECT_EQ(index, 7u);
  EXPECT_FALSE(decode_entry_record("\x12\x00", index, term, data));
}

TEST(HardStateRecord, RoundTrip) {
  raft::HardState hs{5, 0x8e9e05c52164694dULL, 12};
  raft::HardState back;
  ASSERT_TRUE(decode_hard_state(encode_hard_state(hs), back));
  EXPECT_EQ(back, hs);
  EXPECT_FALSE(decode_hard_state("short", back));
}

class RaftRecoveryTest : public testutil::TempDirTest {
 protected:
  DurableOptions options() {
    DurableOptions o;
    o.member_dir = dir / "member";
    return o;
  }
  std::optional<Recovered> recover_now() {
    std::string error;
    notes.clear();
    auto r = recover(options(), error, notes);
    last_error = error;
    return r;
  }
  void append(LogWriter& w, uint64_t index, uint64_t term, const std::string& key,
              const std::string& value) {
    ASSERT_EQ(w.append_entry(index, term, encode_entry_data(put_entry(key, value))), "");
  }
  std::vector<std::string> notes;
  std::string last_error;
};

TEST_F(RaftRecoveryTest, RewrittenIndexReplacesTheSuffixAndCommitDecidesWhatIsApplied) {
  {
    auto r = recover_now();
    ASSERT_TRUE(r) << last_error;
    LogWriter& w = *r->writer;
    ASSERT_EQ(w.append_hard_state({1, 1, 2}), "");
    append(w, 1, 1, "/a", "1");
    append(w, 2, 1, "/b", "1");
    append(w, 3, 1, "/c", "old");  // never committed: a new leader replaces it
    append(w, 4, 1, "/d", "old");
    ASSERT_EQ(w.append_hard_state({2, 0, 2}), "");
    append(w, 3, 2, "/c", "new");
    ASSERT_EQ(w.sync(), "");
  }
  auto r = recover_now();
  ASSERT_TRUE(r) << last_error;
  EXPECT_EQ(r->hard_state, (raft::HardState{2, 0, 2}));
  ASSERT_EQ(r->entries.size(), 3u);
  EXPECT_EQ(r->entries.back().index, 3u);
  EXPECT_EQ(r->entries.back().term, 2u);
  // Entries up to the commit index are applied; entry 3 waits for the leader to commit it.
  EXPECT_EQ(r->applied_index, 2u);
  EXPECT_TRUE(r->state->store.get("/b", false));
  EXPECT_FALSE(r->state->store.get("/c", false));
}

TEST_F(RaftRecoveryTest, LogResetAtALeaderSnapshotDropsWhatCameBefore) {
  {
    auto r = recover_now();
    ASSERT_TRUE(r) << last_error;
    LogWriter& w = *r->writer;
    ASSERT_EQ(w.append_hard_state({1, 0, 1}), "");
    append(w, 1, 1, "/stale", "x");
    append(w, 2, 1, "/stale2", "x");  // diverged from the leader: must not survive
    ServerState leader_state;
    apply_entry(leader_state, [] {
      Entry e = put_entry("/from-leader", "1");
      e.index = 1;
      return e;
    }());
    for (int i = 0; i < 9; ++i) {
      Entry e = put_entry("/n" + std::to_string(i), "v");
      e.index = static_cast<uint64_t>(i + 2);
      apply_entry(leader_state, e);
    }
    snap::Snapshot s = make_snapshot(leader_state, 3, 10);
    s.log_reset = true;
    ASSERT_EQ(w.install_snapshot(s), "");
    ASSERT_EQ(w.append_hard_state({3, 0, 11}), "");
    append(w, 11, 3, "/after", "1");
    ASSERT_EQ(w.sync(), "");
  }
  auto r = recover_now();
  ASSERT_TRUE(r) << last_error;
  EXPECT_EQ(r->snapshot_index, 10u);
  ASSERT_EQ(r->entries.size(), 1u);
  EXPECT_EQ(r->entries[0].index, 11u);
  EXPECT_EQ(r->applied_index, 11u);
  EXPECT_TRUE(r->state->store.get("/from-leader", false));
  EXPECT_TRUE(r->state->store.get("/after", false));
  EXPECT_FALSE(r->state->store.get("/stale2", false));
}

TEST_F(RaftRecoveryTest, AHoleInTheLogIsRefused) {
  {
    auto r = recover_now();
    ASSERT_TRUE(r) << last_error;
    LogWriter& w = *r->writer;
    ASSERT_EQ(w.append_hard_state({1, 0, 3}), "");
    append(w, 1, 1, "/a", "1");
    append(w, 3, 1, "/c", "1");
    ASSERT_EQ(w.sync(), "");
  }
  EXPECT_FALSE(recover_now());
  EXPECT_NE(last_error.find("entry 3 follows entry 1"), std::string::npos) << last_error;
}

}  // namespace
}  // namespace etcdpp::server

namespace etcdpp::transport {
namespace {

TEST(RaftCodec, BatchRoundTrip) {
  raft::Message app{.type = raft::MessageType::app, .from = 1, .to = 2, .term = 3};
  app.log_term = 2;
  app.index = 9;
  app.commit = 8;
  app.entries = {raft::Entry{3, 10, raft::EntryType::normal, "abc"},
                 raft::Entry{3, 11, raft::EntryType::conf_change, std::string("\0x", 2)}};
  raft::Message snap{.type = raft::MessageType::snap, .from = 1, .to = 3, .term = 3};
  raft::Snapshot s;
  s.meta = {20, 3, {1, 2, 3}};
  s.data = std::make_shared<const std::string>("state");
  snap.snapshot = s;
  raft::Message vote{.type = raft::MessageType::pre_vote_resp, .from = 2, .to = 1, .term = 4};
  vote.reject = true;
  vote.transfer = true;
  std::string error;
  auto back = decode_batch(encode_batch({app, snap, vote}), error);
  ASSERT_TRUE(back) << error;
  ASSERT_EQ(back->size(), 3u);
  EXPECT_EQ((*back)[0].entries, app.entries);
  EXPECT_EQ((*back)[0].commit, 8u);
  EXPECT_EQ((*back)[1].snapshot->meta, s.meta);
  EXPECT_EQ(*(*back)[1].snapshot->data, "state");
  EXPECT_TRUE((*back)[2].reject);
  EXPECT_TRUE((*back)[2].transfer);
}

TEST(RaftCodec, LocalMessageTypesAndGarbageAreRefused) {
  std::string error;
  raft::Message hup{.type = raft::MessageType::hup, .from = 1, .to = 2};
  EXPECT_FALSE(decode_batch(encode_batch({hup}), error));
  EXPECT_NE(error.find("unknown raft message type"), std::string::npos);
  raft::Message anonymous{.type = raft::MessageType::app, .from = 0, .to = 2};
  EXPECT_FALSE(decode_batch(encode_batch({anonymous}), error));
  EXPECT_FALSE(decode_batch("\xff\xff\xff", error));
}

}  // namespace
}  // namespace etcdpp::transport
