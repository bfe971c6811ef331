#pragma once
// A member's Raft log: the snapshot it starts from and the entries after it, with three
// positions that only move forward (except `stable`, see below):
//
//   snapshot.index <= applied <= committed,   applied <= stable <= last
//
// `stable` is how far the caller has persisted the log. It moves back when a leader's append
// replaces a suffix that was already persisted (thesis 3.5: conflicting entries are deleted).
// Committed entries are handed out for applying only once they are stable, so a member never
// applies what it might not find in its own log after a crash.
//
// The whole log since the last compaction is held in memory; the caller compacts it after
// saving a snapshot of its state machine.
#include "raft/types.h"

#include <deque>
#include <optional>
#include <vector>

namespace etcdpp::raft {

class RaftLog {
 public:
  // Starts from persisted state: a snapshot (index 0 for none), the entries after it, and the
  // persisted commit index. Everything given here is stable; `applied` is how far the caller's
  // state machine already is (at least the snapshot's index).
  void restore_persisted(const SnapshotMeta& snapshot, std::vector<Entry> entries, uint64_t commit,
                         uint64_t applied);

  uint64_t first_index() const { return snapshot_.index + 1; }
  uint64_t last_index() const { return snapshot_.index + entries_.size(); }
  uint64_t last_term() const { return *term(last_index()); }
  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  uint64_t stable() const { return stable_; }
  const SnapshotMeta& snapshot_meta() const { return snapshot_; }

  // The term of the entry at `index`; nullopt when it was compacted away or does not exist.
  std::optional<uint64_t> term(uint64_t index) const;
  bool match_term(uint64_t index, uint64_t term_at) const;
  // The entry at `index`, or nullptr when it was compacted away or does not exist.
  const Entry* entry(uint64_t index) const {
    return index > snapshot_.index && index <= last_index() ? &at(index) : nullptr;
  }
  // Thesis 3.6.1: a candidate's log is at least as up-to-date as ours.
  bool is_up_to_date(uint64_t last_index_of_candidate, uint64_t last_term_of_candidate) const;

  // A follower's append (thesis figure 3.1 AppendEntries receiver rules 2-5). Returns the index
  // of the last new entry, or nullopt when the log does not contain (index, log_term).
  std::optional<uint64_t> maybe_append(uint64_t index, uint64_t log_term, uint64_t commit,
                                       std::vector<Entry> entries);
  // The leader appends its own new entries (their indexes must follow last_index()).
  void append(std::vector<Entry> entries);
  // Moves `committed` forward to `index` (never back, never past last_index()).
  void commit_to(uint64_t index);
  // Leader: commits `index` if its entry is from `current_term` (thesis 3.6.2).
  bool maybe_commit(uint64_t index, uint64_t current_term);

  // Entries [lo, hi), at most `max_bytes` of payload but at least one entry.
  // Precondition: first_index() <= lo <= hi <= last_index() + 1.
  std::vector<Entry> slice(uint64_t lo, uint64_t hi, size_t max_bytes) const;

  // What the caller must persist: entries after `stable`.
  std::vector<Entry> unstable_entries() const;
  // A snapshot received from the leader and not yet persisted.
  const std::optional<Snapshot>& pending_snapshot() const { return pending_snapshot_; }
  // Committed, stable entries not yet handed out for applying.
  bool has_next_committed() const;
  std::vector<Entry> next_committed(size_t max_bytes) const;

  // The caller persisted entries through (index, term_at). Ignored when that entry has since
  // been replaced.
  void stable_to(uint64_t index, uint64_t term_at);
  void stable_snapshot_to(uint64_t index);
  void applied_to(uint64_t index);

  // Replaces the log with a snapshot from the leader (to be persisted and applied).
  void restore_snapshot(Snapshot snapshot);
  // Drops entries up to `index` (<= applied), remembering its term. False when out of range.
  bool compact(uint64_t index);

 private:
  const Entry& at(uint64_t index) const { return entries_[index - snapshot_.index - 1]; }
  // First index whose entry differs from ours (0 when all match or are new).
  uint64_t find_conflict(const std::vector<Entry>& entries) const;
  void truncate_and_append(std::vector<Entry> entries);

  SnapshotMeta snapshot_;
  std::deque<Entry> entries_;  // entries_[i] has index snapshot_.index + 1 + i
  uint64_t committed_ = 0;
  uint64_t applied_ = 0;
  uint64_t stable_ = 0;
  std::optional<Snapshot> pending_snapshot_;
};

}  // namespace etcdpp::raft
