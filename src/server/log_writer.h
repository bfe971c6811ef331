#pragma once
// The member's durable writes: entries into the WAL and snapshots into <member>/snap, with log
// compaction after each snapshot. Not thread-safe: one thread owns it at a time (the
// synchronous DurableStore, or the member's log thread).
#include "server/entry.h"
#include "snap/snapshot.h"
#include "wal/wal.h"

#include <filesystem>
#include <string>

namespace etcdpp::server {

// WAL record type of a log entry (payload: encode_entry).
inline constexpr uint8_t kEntryRecord = 1;

class LogWriter {
 public:
  LogWriter(wal::Wal wal, std::filesystem::path snap_dir, size_t max_snapshots)
      : wal_(std::move(wal)), snap_dir_(std::move(snap_dir)), max_snapshots_(max_snapshots) {}

  // Appends an encoded entry (not yet durable). Error text or empty.
  std::string append(std::string encoded_entry);
  // Makes every appended entry durable.
  std::string sync() { return wal_.sync(); }
  // Saves `snapshot` durably, then drops WAL segments and snapshot files it makes unnecessary
  // (keeping the newest max_snapshots snapshots; 0 keeps all).
  // Precondition: every entry up to snapshot.applied_index has been appended.
  std::string save_snapshot(const snap::Snapshot& snapshot);

 private:
  wal::Wal wal_;
  std::filesystem::path snap_dir_;
  size_t max_snapshots_;
};

}  // namespace etcdpp::server
