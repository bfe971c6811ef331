#include "server/durable_store.h"

#include "auth/auth_json.h"

#include <algorithm>
#include <map>

namespace etcdpp::server {

namespace fs = std::filesystem;

std::string encode_entry_data(const Entry& entry) {
  // Proposals carry no index or term yet (zero fields are not encoded): no copy needed.
  if (entry.index == 0 && entry.term == 0) return encode_entry(entry);
  Entry e = entry;
  e.index = 0;
  e.term = 0;
  return encode_entry(e);
}

namespace {

// The authentication state in a snapshot: nothing when there is none (a member that never
// used v2 auth writes the same snapshots as before it existed).
std::string encode_auth(const auth::AuthState& state) {
  return state == auth::AuthState{} ? std::string() : auth::encode_state(state);
}

// Loads the newest usable snapshot into `r`. False (with `error`) when one is inconsistent.
bool load_snapshot(const fs::path& snap_dir, Recovered& r, snap::LoadResult& loaded,
                   std::string& error, std::vector<std::string>& notes) {
  loaded = snap::load_newest(snap_dir);
  for (const auto& bad : loaded.invalid) notes.push_back("skipped damaged snapshot " + bad);
  if (!loaded.snapshot) return true;
  auto imported = r.state->store.import_state(loaded.snapshot->state);
  if (!imported) {
    error = "snapshot " + loaded.file.string() + " is inconsistent: " + imported.error().cause;
    return false;
  }
  if (!loaded.snapshot->membership.empty()) {
    auto membership = decode_membership(loaded.snapshot->membership, error);
    if (!membership) {
      error = "snapshot " + loaded.file.string() + ": " + error;
      return false;
    }
    r.state->membership = std::move(*membership);
  }
  if (!loaded.snapshot->auth.empty()) {
    auto auth_state = auth::decode_state(loaded.snapshot->auth, error);
    if (!auth_state) {
      error = "snapshot " + loaded.file.string() + ": " + error;
      return false;
    }
    r.state->auth = std::move(*auth_state);
  }
  r.applied_index = r.snapshot_index = loaded.snapshot->applied_index;
  r.snapshot_term = loaded.snapshot->term;
  return true;
}

// The log as the WAL's records leave it (see log_writer.h for the record kinds).
struct Replayed {
  std::vector<raft::Entry> entries;  // after the snapshot, contiguous
  std::optional<raft::HardState> hard_state;
  std::optional<uint64_t> last_reset;  // index of the last log-reset record
  bool reset_to_snapshot = false;      // a reset record names the loaded snapshot
  std::map<uint64_t, uint64_t> max_entry_by_segment;
};

bool replay(const std::vector<wal::Record>& records, const std::vector<uint64_t>& segments,
            uint64_t first_record, uint64_t snapshot_index, const fs::path& wal_dir, Replayed& out,
            std::string& error) {
  std::string gap;  // a hole in the log; harmless if a later reset drops it
  size_t segment = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    uint64_t record_number = first_record + i;
    while (segment + 1 < segments.size() && segments[segment + 1] <= record_number) ++segment;
    const wal::Record& rec = records[i];
    if (rec.type == kHardStateRecord) {
      raft::HardState hs;
      if (!decode_hard_state(rec.payload, hs)) {
        error = "WAL in " + wal_dir.string() + ": malformed hard state record " +
                std::to_string(record_number);
        return false;
      }
      out.hard_state = hs;
    } else if (rec.type == kLogResetRecord) {
      uint64_t index = 0;
      uint64_t term = 0;
      if (!decode_log_reset(rec.payload, index, term)) {
        error = "WAL in " + wal_dir.string() + ": malformed log reset record " +
                std::to_string(record_number);
        return false;
      }
      out.entries.clear();
      gap.clear();
      out.last_reset = index;
      out.reset_to_snapshot = index == snapshot_index;
    } else if (rec.type == kEntryRecord) {
      uint64_t index = 0;
      uint64_t term = 0;
      std::string_view data;
      if (!decode_entry_record(rec.payload, index, term, data)) {
        error = "WAL in " + wal_dir.string() + ": malformed entry record " +
                std::to_string(record_number);
        return false;
      }
      uint64_t& max_index = out.max_entry_by_segment[segments[segment]];
      max_index = std::max(max_index, index);
      if (index <= snapshot_index) continue;  // covered by the snapshot
      // A rewritten index replaces the suffix from there (Raft's conflict rule).
      while (!out.entries.empty() && out.entries.back().index >= index) out.entries.pop_back();
      uint64_t last = out.entries.empty() ? snapshot_index : out.entries.back().index;
      if (index != last + 1) {
        if (gap.empty()) {
          gap = "entry " + std::to_string(index) + " follows entry " + std::to_string(last);
        }
        continue;
      }
      raft::Entry e{.term = term, .index = index, .data = std::string(data)};
      out.entries.push_back(std::move(e));
    }
  }
  if (!gap.empty()) {
    error = "the WAL in " + wal_dir.string() + " has a hole: " + gap + ": entries are missing";
    return false;
  }
  return true;
}

}  // namespace

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
  snap::LoadResult loaded;
  if (!load_snapshot(snap_dir, r, loaded, error, notes)) return std::nullopt;

  std::vector<wal::Record> records;
  fs::path wal_dir = options.effective_wal_dir();
  auto wal = wal::Wal::open(wal_dir, options.wal, records, error);
  if (!wal) return std::nullopt;
  if (wal->repaired_bytes() > 0) {
    notes.push_back("cut a torn tail of " + std::to_string(wal->repaired_bytes()) +
                    " bytes from the WAL in " + wal_dir.string() +
                    " (a write that was never acknowledged)");
  }
  Replayed rp;
  uint64_t first_record = wal->next_record() - records.size();
  if (!replay(records, wal->segment_first_records(), first_record, r.snapshot_index, wal_dir, rp,
              error)) {
    if (!loaded.invalid.empty()) error += " (" + loaded.invalid.front() + ")";
    return std::nullopt;
  }
  records.clear();
  records.shrink_to_fit();
  if (rp.last_reset && *rp.last_reset > r.snapshot_index) {
    error = "the WAL in " + wal_dir.string() + " restarts the log at a snapshot of entry " +
            std::to_string(*rp.last_reset) +
            " from the leader, but no valid snapshot of it is in " + snap_dir.string() +
            (loaded.invalid.empty() ? std::string() : " (" + loaded.invalid.front() + ")");
    return std::nullopt;
  }
  if (loaded.snapshot && loaded.snapshot->log_reset && !rp.reset_to_snapshot) {
    // The snapshot from the leader was saved but the crash came before its reset record:
    // everything in the WAL predates it.
    rp.entries.clear();
  }
  if (!rp.entries.empty() && rp.entries.front().index != r.snapshot_index + 1) {
    error = "the WAL in " + wal_dir.string() + " starts at entry " +
            std::to_string(rp.entries.front().index) +
            " but the newest usable snapshot ends at entry " + std::to_string(r.snapshot_index) +
            ": entries are missing" +
            (loaded.invalid.empty() ? "" : " (" + loaded.invalid.front() + ")");
    return std::nullopt;
  }
  if (rp.entries.empty() && wal->next_record() > 0 && r.snapshot_index == 0 &&
      !loaded.invalid.empty()) {
    error = "the WAL in " + wal_dir.string() + " holds no entries from the start of the log " +
            "and no snapshot is usable: entries are missing (" + loaded.invalid.front() + ")";
    return std::nullopt;
  }
  r.entries = std::move(rp.entries);
  // Without a hard state, the WAL comes from a single-node etcdpp: every entry was committed.
  std::optional<raft::HardState> written = rp.hard_state;
  r.hard_state = rp.hard_state.value_or(raft::HardState{r.last_term(), 0, r.last_index()});
  if (r.hard_state.term < r.last_term()) {
    // A backup copies the WAL before the snapshots (ctl/backup.cc), so its newest snapshot can
    // come from a later term than the WAL's last hard state. A member's term never trails its
    // log: move on to that term (its vote belonged to the older one).
    r.hard_state.term = r.last_term();
    r.hard_state.vote = raft::kNone;
  }
  uint64_t commit = std::clamp(r.hard_state.commit, r.snapshot_index, r.last_index());
  r.hard_state.commit = commit;
  for (raft::Entry& e : r.entries) {
    if (e.data.empty()) {
      // A new leader's empty entry: nothing to apply.
      if (e.index <= commit) r.applied_index = e.index;
      continue;
    }
    auto entry = decode_entry_data(e.data, e.index, e.term, error);
    if (!entry) {
      error = "WAL in " + wal_dir.string() + ": " + error;
      return std::nullopt;
    }
    if (changes_voters(*entry)) e.type = raft::EntryType::conf_change;
    if (e.index <= commit) {
      apply_entry(*r.state, *entry);
      r.applied_index = e.index;
    }
  }
  r.writer.emplace(std::move(*wal), snap_dir, options.max_snapshots,
                   std::move(rp.max_entry_by_segment), written);
  return r;
}

snap::Snapshot make_snapshot(const ServerState& state, uint64_t term, uint64_t applied_index) {
  return snap::Snapshot{term, applied_index, state.store.export_state(),
                        encode_membership(state.membership), encode_auth(state.auth)};
}

snap::EncodedSnapshot encode_snapshot(const ServerState& state, uint64_t term,
                                      uint64_t applied_index) {
  return snap::encode_store(state.store, encode_membership(state.membership),
                            encode_auth(state.auth), term, applied_index);
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
  auto err = writer_->append_entry(entry.index, entry.term, encode_entry_data(entry));
  if (err.empty()) last_index_ = entry.index;
  return err;
}

ApplyResult DurableStore::apply(const Entry& entry, std::string& snapshot_error) {
  ApplyResult result = apply_entry(*state_, entry);
  applied_index_ = entry.index;
  if (applied_index_ - snapshot_index_ >= options_.snapshot_count) {
    snapshot_error = writer_->save_snapshot(encode_snapshot(*state_, entry.term, applied_index_));
    if (snapshot_error.empty()) snapshot_index_ = applied_index_;
  }
  return result;
}

}  // namespace etcdpp::server
