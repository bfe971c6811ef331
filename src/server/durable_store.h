#pragma once
// The member's durable state: the store, recovered at start from the newest valid snapshot
// plus the WAL entries after it, and kept durable by appending every entry to the WAL before
// it is applied.
//
// Layout (as etcd's): <member_dir>/wal/*.wal and <member_dir>/snap/*.snap.
//
// Contract for the caller (the member's apply loop):
//   1. append() each entry, in log order;
//   2. sync() — only now is an entry durable; one sync may cover many appends (group commit);
//   3. apply() the synced entries in order, then answer their clients.
// Every snapshot_count applied entries a snapshot is saved and WAL segments older than it are
// deleted; the newest max_snapshots snapshots are kept.
#include "server/entry.h"
#include "store/store.h"
#include "wal/wal.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace etcdpp::server {

struct DurableOptions {
  std::filesystem::path member_dir;
  uint64_t snapshot_count = 100'000;
  size_t max_snapshots = 5;  // 0 = keep all
  wal::Options wal;
};

class DurableStore {
 public:
  // Recovers the state. nullptr and `error` (naming the file and what is wrong) when the data
  // cannot be trusted. `notes` receives what was repaired or skipped (torn WAL tail, damaged
  // snapshot files that an older snapshot and the WAL replaced).
  static std::unique_ptr<DurableStore> open(const DurableOptions& options, std::string& error,
                                            std::vector<std::string>& notes);

  store::Store& store() { return store_; }
  uint64_t last_index() const { return last_index_; }
  uint64_t applied_index() const { return applied_index_; }
  uint64_t snapshot_index() const { return snapshot_index_; }

  // Gives `entry` the next log index and appends it (not yet durable). Error text or empty.
  std::string append(Entry& entry);
  // Makes every appended entry durable.
  std::string sync();
  // Applies the next entry (precondition: entry.index == applied_index() + 1, and it has been
  // synced). May save a snapshot; a snapshot failure is reported in `snapshot_error`.
  ApplyResult apply(const Entry& entry, std::string& snapshot_error);

 private:
  DurableStore() = default;
  std::string save_snapshot(uint64_t term);

  DurableOptions options_;
  store::Store store_;
  std::optional<wal::Wal> wal_;
  uint64_t last_index_ = 0;
  uint64_t applied_index_ = 0;
  uint64_t snapshot_index_ = 0;
  uint64_t last_term_ = 0;
};

}  // namespace etcdpp::server
