#pragma once
// The member's durable writes: Raft's log entries and hard state into the WAL, snapshots into
// <member>/snap, and log compaction after each snapshot. Not thread-safe: one thread owns it
// at a time (the synchronous DurableStore, or the member's log thread).
//
// WAL records (docs/wal-format.md):
//   kEntryRecord      a log entry: protobuf fields 1 (index) and 2 (term) as varints, then the
//                     entry's data (a server::pb::Entry without index and term) — together a
//                     valid server::pb::Entry. A later entry with an index already in the log
//                     replaces that entry and everything after it (Raft's conflicting suffix).
//   kHardStateRecord  Raft's term, vote and commit index (3 x u64 little-endian); the last
//                     one wins. Written before the entries of the same batch, and again at the
//                     start of the WAL after every compaction, so it is never purged away.
//   kLogResetRecord   the log restarts at a snapshot received from the leader (index, term as
//                     u64 little-endian): entries written before it are dropped on replay.
// A WAL with no hard-state record was written by a single-node etcdpp before clustering: its
// entries were all committed when written.
#include "raft/types.h"
#include "server/entry.h"
#include "snap/snapshot.h"
#include "wal/wal.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace etcdpp::server {

inline constexpr uint8_t kEntryRecord = 1;
inline constexpr uint8_t kHardStateRecord = 2;
inline constexpr uint8_t kLogResetRecord = 3;

std::string encode_entry_record(uint64_t index, uint64_t term, std::string_view data);
// Splits an entry record into index, term and data. False when it is malformed.
bool decode_entry_record(std::string_view payload, uint64_t& index, uint64_t& term,
                         std::string_view& data);
std::string encode_hard_state(const raft::HardState& hs);
bool decode_hard_state(std::string_view payload, raft::HardState& hs);
std::string encode_log_reset(uint64_t index, uint64_t term);
bool decode_log_reset(std::string_view payload, uint64_t& index, uint64_t& term);

class LogWriter {
 public:
  // `max_entry_by_segment` maps each WAL segment's first record number to the highest entry
  // index it holds (from recovery), so compaction knows which segments it may delete.
  LogWriter(wal::Wal wal, std::filesystem::path snap_dir, size_t max_snapshots,
            std::map<uint64_t, uint64_t> max_entry_by_segment,
            std::optional<raft::HardState> hard_state)
      : wal_(std::move(wal)),
        snap_dir_(std::move(snap_dir)),
        max_snapshots_(max_snapshots),
        max_entry_by_segment_(std::move(max_entry_by_segment)),
        hard_state_(hard_state) {}

  // Appends (not yet durable). Error text or empty.
  std::string append_entry(uint64_t index, uint64_t term, std::string_view data);
  std::string append_hard_state(const raft::HardState& hs);
  // Makes everything appended durable.
  std::string sync() { return wal_.sync(); }
  // Saves a snapshot of this member's applied state durably, then drops WAL segments and
  // snapshot files it makes unnecessary (keeping the newest max_snapshots snapshots; 0 keeps
  // all). Precondition: every entry up to snapshot.applied_index has been appended.
  std::string save_snapshot(const snap::EncodedSnapshot& snapshot);
  // Saves a snapshot received from the leader (snapshot.log_reset is set) and restarts the
  // log at it: a reset record, synced, then compaction.
  std::string install_snapshot(const snap::Snapshot& snapshot);

 private:
  std::string compact_before(uint64_t record);
  void drop_old_snapshot_files();

  wal::Wal wal_;
  std::filesystem::path snap_dir_;
  size_t max_snapshots_;
  std::map<uint64_t, uint64_t> max_entry_by_segment_;
  // The last one appended (none in a pre-clustering single-node log, which must stay without).
  std::optional<raft::HardState> hard_state_;
};

}  // namespace etcdpp::server
