#include "server/durable_store.h"

#include "snap/snapshot.h"

#include <algorithm>

namespace etcdpp::server {

namespace fs = std::filesystem;

namespace {

constexpr uint8_t kEntryRecord = 1;

// Removes all but the newest `keep` snapshot files.
void purge_snapshots(const fs::path& dir, size_t keep) {
  if (keep == 0) return;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".snap") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (size_t i = 0; i + keep < files.size(); ++i) fs::remove(files[i], ec);
}

}  // namespace

std::unique_ptr<DurableStore> DurableStore::open(const DurableOptions& options, std::string& error,
                                                 std::vector<std::string>& notes) {
  std::unique_ptr<DurableStore> ds(new DurableStore());
  ds->options_ = options;
  fs::path snap_dir = options.member_dir / "snap";
  std::error_code ec;
  fs::create_directories(snap_dir, ec);
  if (ec) {
    error = "cannot create " + snap_dir.string() + ": " + ec.message();
    return nullptr;
  }
  auto loaded = snap::load_newest(snap_dir);
  for (const auto& bad : loaded.invalid) notes.push_back("skipped damaged snapshot " + bad);
  if (loaded.snapshot) {
    auto imported = ds->store_.import_state(loaded.snapshot->state);
    if (!imported) {
      error = "snapshot " + loaded.file.string() + " is inconsistent: " + imported.error().cause;
      return nullptr;
    }
    ds->applied_index_ = ds->snapshot_index_ = ds->last_index_ = loaded.snapshot->applied_index;
    ds->last_term_ = loaded.snapshot->term;
  }

  std::vector<wal::Record> records;
  fs::path wal_dir = options.member_dir / "wal";
  ds->wal_ = wal::Wal::open(wal_dir, options.wal, records, error);
  if (!ds->wal_) return nullptr;
  if (ds->wal_->repaired_bytes() > 0) {
    notes.push_back("cut a torn tail of " + std::to_string(ds->wal_->repaired_bytes()) +
                    " bytes from the WAL in " + wal_dir.string() +
                    " (a write that was never acknowledged)");
  }
  // Record number r holds log index r + 1: the WAL must reach back to the snapshot.
  uint64_t first_index = ds->wal_->next_record() - records.size() + 1;
  if (first_index > ds->applied_index_ + 1) {
    error = "the WAL in " + wal_dir.string() + " starts at entry " + std::to_string(first_index) +
            " but the newest usable snapshot ends at entry " + std::to_string(ds->applied_index_) +
            ": entries are missing" +
            (loaded.invalid.empty() ? "" : " (" + loaded.invalid.front() + ")");
    return nullptr;
  }
  for (const auto& rec : records) {
    if (rec.type != kEntryRecord) continue;
    auto entry = decode_entry(rec.payload, error);
    if (!entry) {
      error = "WAL in " + wal_dir.string() + ": " + error;
      return nullptr;
    }
    ds->last_index_ = std::max(ds->last_index_, entry->index);
    if (entry->index <= ds->applied_index_) continue;
    if (entry->index != ds->applied_index_ + 1) {
      error = "WAL in " + wal_dir.string() + ": entry " + std::to_string(entry->index) +
              " follows entry " + std::to_string(ds->applied_index_);
      return nullptr;
    }
    apply_entry(ds->store_, *entry);
    ds->applied_index_ = entry->index;
    ds->last_term_ = entry->term;
  }
  return ds;
}

std::string DurableStore::append(Entry& entry) {
  entry.index = last_index_ + 1;
  auto err = wal_->append(wal::Record{kEntryRecord, encode_entry(entry)});
  if (err.empty()) last_index_ = entry.index;
  return err;
}

std::string DurableStore::sync() { return wal_->sync(); }

ApplyResult DurableStore::apply(const Entry& entry, std::string& snapshot_error) {
  ApplyResult result = apply_entry(store_, entry);
  applied_index_ = entry.index;
  last_term_ = entry.term;
  if (applied_index_ - snapshot_index_ >= options_.snapshot_count) {
    snapshot_error = save_snapshot(entry.term);
  }
  return result;
}

std::string DurableStore::save_snapshot(uint64_t term) {
  fs::path snap_dir = options_.member_dir / "snap";
  auto err = snap::save(snap_dir, snap::Snapshot{term, applied_index_, store_.export_state()});
  if (!err.empty()) return err;
  snapshot_index_ = applied_index_;
  // Entries up to the snapshot are no longer needed: close the segment and drop old ones.
  err = wal_->cut();
  if (err.empty()) err = wal_->purge_before(applied_index_);
  purge_snapshots(snap_dir, options_.max_snapshots);
  return err;
}

}  // namespace etcdpp::server
