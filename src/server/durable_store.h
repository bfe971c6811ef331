#pragma once
// The member's durable state: recovered at start from the newest valid snapshot plus the WAL
// entries after it, and kept durable by appending every entry to the WAL before it is applied.
//
// Layout (as etcd's): <member_dir>/wal/*.wal and <member_dir>/snap/*.snap.
//
// recover() is the start-up half. DurableStore is the synchronous whole (recovery, then
// append / sync / apply on one thread), used by tools, tests and benchmarks; the running member
// uses recover() and moves the LogWriter to its log thread (server/member.h).
//
// Contract for the caller:
//   1. append() each entry, in log order;
//   2. sync() — only now is an entry durable; one sync may cover many appends (group commit);
//   3. apply() the synced entries in order, then answer their clients.
// Every snapshot_count applied entries a snapshot is saved and WAL segments older than it are
// deleted; the newest max_snapshots snapshots are kept.
#include "raft/types.h"
#include "server/entry.h"
#include "server/log_writer.h"
#include "snap/snapshot.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace etcdpp::server {

struct DurableOptions {
  std::filesystem::path member_dir;
  std::filesystem::path wal_dir;  // empty = <member_dir>/wal
  uint64_t snapshot_count = 100'000;
  size_t max_snapshots = 5;  // 0 = keep all
  wal::Options wal;

  std::filesystem::path effective_wal_dir() const {
    return wal_dir.empty() ? member_dir / "wal" : wal_dir;
  }
};

struct Recovered {
  std::unique_ptr<ServerState> state;
  std::optional<LogWriter> writer;
  raft::HardState hard_state;
  uint64_t snapshot_index = 0;
  uint64_t snapshot_term = 0;
  // The log after the snapshot, as Raft holds it (data without index and term).
  std::vector<raft::Entry> entries;
  uint64_t applied_index = 0;  // committed entries up to here are applied to `state`
  uint64_t last_index() const { return entries.empty() ? snapshot_index : entries.back().index; }
  uint64_t last_term() const { return entries.empty() ? snapshot_term : entries.back().term; }
};

// The data of a log entry: the entry without its index and term (Raft assigns those).
std::string encode_entry_data(const Entry& entry);

// Recovers the state. nullopt and `error` (naming the file and what is wrong) when the data
// cannot be trusted. `notes` receives what was repaired or skipped (torn WAL tail, damaged
// snapshot files that an older snapshot and the WAL replaced).
std::optional<Recovered> recover(const DurableOptions& options, std::string& error,
                                 std::vector<std::string>& notes);

// A snapshot of `state` at `applied_index`.
snap::Snapshot make_snapshot(const ServerState& state, uint64_t term, uint64_t applied_index);
// The same snapshot, encoded straight from the state (no copy of the keyspace): what a member
// hands its log thread to save.
snap::EncodedSnapshot encode_snapshot(const ServerState& state, uint64_t term,
                                      uint64_t applied_index);

class DurableStore {
 public:
  static std::unique_ptr<DurableStore> open(const DurableOptions& options, std::string& error,
                                            std::vector<std::string>& notes);

  store::Store& store() { return state_->store; }
  ServerState& state() { return *state_; }
  uint64_t last_index() const { return last_index_; }
  uint64_t applied_index() const { return applied_index_; }
  uint64_t snapshot_index() const { return snapshot_index_; }

  // Gives `entry` the next log index and appends it (not yet durable). Error text or empty.
  std::string append(Entry& entry);
  // Makes every appended entry durable.
  std::string sync() { return writer_->sync(); }
  // Applies the next entry (precondition: entry.index == applied_index() + 1, and it has been
  // synced). May save a snapshot; a snapshot failure is reported in `snapshot_error`.
  ApplyResult apply(const Entry& entry, std::string& snapshot_error);

 private:
  DurableStore() = default;

  DurableOptions options_;
  std::unique_ptr<ServerState> state_;
  std::optional<LogWriter> writer_;
  uint64_t last_index_ = 0;
  uint64_t applied_index_ = 0;
  uint64_t snapshot_index_ = 0;
};

}  // namespace etcdpp::server
