#include "server/durable_store.h"

#include <algorithm>

namespace etcdpp::server {

namespace fs = std::filesystem;

std::optional<Recovered> recover(const DurableOptions& options, std::string& error,
                                 std::vector<std::string>& notes) {
  Recovered r;
  r.state = std::make_unique<ServerState>();
  fs::path snap_dir = options.member_dir / "snap";
  std::error_code ec;
  fs::create_directories(snap_dir, ec);
  if (ec) {
    error = "cannot create " + snap_dir.string() + ": " + ec.message();
    return std::nullopt;
  }
  auto loaded = snap::load_newest(snap_dir);
  for (const auto& bad : loaded.invalid) notes.push_back("skipped damaged snapshot " + bad);
  if (loaded.snapshot) {
    auto imported = r.state->store.import_state(loaded.snapshot->state);
    if (!imported) {
      error = "snapshot " + loaded.file.string() + " is inconsistent: " + imported.error().cause;
      return std::nullopt;
    }
    if (!loaded.snapshot->membership.empty()) {
      auto membership = decode_membership(loaded.snapshot->membership, error);
      if (!membership) {
        error = "snapshot " + loaded.file.string() + ": " + error;
        return std::nullopt;
      }
      r.state->membership = std::move(*membership);
    }
    r.applied_index = r.snapshot_index = loaded.snapshot->applied_index;
    r.last_term = loaded.snapshot->term;
  }

  std::vector<wal::Record> records;
  fs::path wal_dir = options.effective_wal_dir();
  auto wal = wal::Wal::open(wal_dir, options.wal, records, error);
  if (!wal) return std::nullopt;
  if (wal->repaired_bytes() > 0) {
    notes.push_back("cut a torn tail of " + std::to_string(wal->repaired_bytes()) +
                    " bytes from the WAL in " + wal_dir.string() +
                    " (a write that was never acknowledged)");
  }
  // Record number r holds log index r + 1: the WAL must reach back to the snapshot.
  uint64_t first_index = wal->next_record() - records.size() + 1;
  if (first_index > r.applied_index + 1) {
    error = "the WAL in " + wal_dir.string() + " starts at entry " + std::to_string(first_index) +
            " but the newest usable snapshot ends at entry " + std::to_string(r.applied_index) +
            ": entries are missing" +
            (loaded.invalid.empty() ? "" : " (" + loaded.invalid.front() + ")");
    return std::nullopt;
  }
  if (wal->next_record() < r.applied_index) {
    error = "the WAL in " + wal_dir.string() + " ends at entry " +
            std::to_string(wal->next_record()) + " but the snapshot " + loaded.file.string() +
            " holds entries up to " + std::to_string(r.applied_index) +
            ": acknowledged entries after the snapshot would be numbered twice";
    return std::nullopt;
  }
  for (const auto& rec : records) {
    if (rec.type != kEntryRecord) continue;
    auto entry = decode_entry(rec.payload, error);
    if (!entry) {
      error = "WAL in " + wal_dir.string() + ": " + error;
      return std::nullopt;
    }
    if (entry->index <= r.applied_index) continue;
    if (entry->index != r.applied_index + 1) {
      error = "WAL in " + wal_dir.string() + ": entry " + std::to_string(entry->index) +
              " follows entry " + std::to_string(r.applied_index);
      return std::nullopt;
    }
    apply_entry(*r.state, *entry);
    r.applied_index = entry->index;
    r.last_term = entry->term;
  }
  r.writer.emplace(std::move(*wal), snap_dir, options.max_snapshots);
  return r;
}

snap::Snapshot make_snapshot(const ServerState& state, uint64_t term, uint64_t applied_index) {
  return snap::Snapshot{term, applied_index, state.store.export_state(),
                        encode_membership(state.membership)};
}

std::unique_ptr<DurableStore> DurableStore::open(const DurableOptions& options, std::string& error,
                                                 std::vector<std::string>& notes) {
  auto r = recover(options, error, notes);
  if (!r) return nullptr;
  std::unique_ptr<DurableStore> ds(new DurableStore());
  ds->options_ = options;
  ds->state_ = std::move(r->state);
  ds->writer_ = std::move(r->writer);
  ds->last_index_ = ds->applied_index_ = r->applied_index;
  ds->snapshot_index_ = r->snapshot_index;
  return ds;
}

std::string DurableStore::append(Entry& entry) {
  entry.index = last_index_ + 1;
  auto err = writer_->append(encode_entry(entry));
  if (err.empty()) last_index_ = entry.index;
  return err;
}

ApplyResult DurableStore::apply(const Entry& entry, std::string& snapshot_error) {
  ApplyResult result = apply_entry(*state_, entry);
  applied_index_ = entry.index;
  if (applied_index_ - snapshot_index_ >= options_.snapshot_count) {
    snapshot_error = writer_->save_snapshot(make_snapshot(*state_, entry.term, applied_index_));
    if (snapshot_error.empty()) snapshot_index_ = applied_index_;
  }
  return result;
}

}  // namespace etcdpp::server
