#include "raft/raft_log.h"

#include <algorithm>
#include <stdexcept>

namespace etcdpp::raft {

void RaftLog::restore_persisted(const SnapshotMeta& snapshot, std::vector<Entry> entries,
                                uint64_t commit, uint64_t applied) {
  snapshot_ = snapshot;
  entries_.assign(std::make_move_iterator(entries.begin()), std::make_move_iterator(entries.end()));
  stable_ = last_index();
  committed_ = std::clamp(commit, snapshot_.index, last_index());
  applied_ = std::clamp(applied, snapshot_.index, committed_);
  pending_snapshot_.reset();
}

std::optional<uint64_t> RaftLog::term(uint64_t index) const {
  if (index == snapshot_.index) return snapshot_.term;
  if (index < snapshot_.index || index > last_index()) return std::nullopt;
  return at(index).term;
}

bool RaftLog::match_term(uint64_t index, uint64_t term_at) const {
  auto t = term(index);
  return t && *t == term_at;
}

bool RaftLog::is_up_to_date(uint64_t last_index_of_candidate,
                            uint64_t last_term_of_candidate) const {
  uint64_t our_term = last_term();
  return last_term_of_candidate > our_term ||
         (last_term_of_candidate == our_term && last_index_of_candidate >= last_index());
}

uint64_t RaftLog::find_conflict(const std::vector<Entry>& entries) const {
  for (const Entry& e : entries) {
    // Entries at or below the snapshot are committed and therefore match.
    if (e.index <= snapshot_.index) continue;
    if (!match_term(e.index, e.term)) return e.index;
  }
  return 0;
}

std::optional<uint64_t> RaftLog::maybe_append(uint64_t index, uint64_t log_term, uint64_t commit,
                                              std::vector<Entry> entries) {
  if (!match_term(index, log_term)) return std::nullopt;
  uint64_t last_new = index + entries.size();
  uint64_t conflict = find_conflict(entries);
  if (conflict != 0) {
    // Committed entries never conflict (leader completeness): a leader that says otherwise is
    // broken, and following it would lose acknowledged writes.
    if (conflict <= committed_)
      throw std::logic_error("raft: append conflicts with a committed entry");
    std::vector<Entry> tail(std::make_move_iterator(entries.begin() + (conflict - index - 1)),
                            std::make_move_iterator(entries.end()));
    truncate_and_append(std::move(tail));
  }
  commit_to(std::min(commit, last_new));
  return last_new;
}

void RaftLog::append(std::vector<Entry> entries) {
  if (entries.empty()) return;
  if (entries.front().index != last_index() + 1) {
    throw std::logic_error("raft: leader append does not follow the log");
  }
  for (auto& e : entries) entries_.push_back(std::move(e));
}

void RaftLog::truncate_and_append(std::vector<Entry> entries) {
  if (entries.empty()) return;
  uint64_t from = entries.front().index;
  if (from <= snapshot_.index) throw std::logic_error("raft: append below the snapshot");
  if (from <= last_index()) entries_.resize(from - snapshot_.index - 1);
  stable_ = std::min(stable_, from - 1);
  for (auto& e : entries) entries_.push_back(std::move(e));
}

void RaftLog::commit_to(uint64_t index) {
  if (index <= committed_) return;
  if (index > last_index()) throw std::logic_error("raft: commit beyond the log");
  committed_ = index;
}

bool RaftLog::maybe_commit(uint64_t index, uint64_t current_term) {
  if (index > committed_ && match_term(index, current_term)) {
    commit_to(index);
    return true;
  }
  return false;
}

std::vector<Entry> RaftLog::slice(uint64_t lo, uint64_t hi, size_t max_bytes) const {
  std::vector<Entry> out;
  size_t bytes = 0;
  for (uint64_t i = lo; i < hi; ++i) {
    const Entry& e = at(i);
    bytes += e.data.size();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

std::vector<Entry> RaftLog::unstable_entries() const {
  if (stable_ >= last_index()) return {};
  return std::vector<Entry>(entries_.begin() + (stable_ - snapshot_.index), entries_.end());
}

bool RaftLog::has_next_committed() const {
  return applied_ < std::min(committed_, stable_) && pending_snapshot_ == std::nullopt;
}

std::vector<Entry> RaftLog::next_committed(size_t max_bytes) const {
  if (!has_next_committed()) return {};
  return slice(applied_ + 1, std::min(committed_, stable_) + 1, max_bytes);
}

void RaftLog::stable_to(uint64_t index, uint64_t term_at) {
  if (index > stable_ && match_term(index, term_at)) stable_ = index;
}

void RaftLog::stable_snapshot_to(uint64_t index) {
  if (pending_snapshot_ && pending_snapshot_->meta.index == index) pending_snapshot_.reset();
}

void RaftLog::applied_to(uint64_t index) {
  if (index <= applied_) return;
  if (index > committed_) throw std::logic_error("raft: applied beyond commit");
  applied_ = index;
}

void RaftLog::restore_snapshot(Snapshot snapshot) {
  snapshot_ = snapshot.meta;
  entries_.clear();
  committed_ = snapshot_.index;
  applied_ = snapshot_.index;
  stable_ = snapshot_.index;
  pending_snapshot_ = std::move(snapshot);
}

bool RaftLog::compact(uint64_t index) {
  if (index <= snapshot_.index || index > applied_ || index > stable_) return false;
  uint64_t t = at(index).term;
  entries_.erase(entries_.begin(), entries_.begin() + (index - snapshot_.index));
  snapshot_.index = index;
  snapshot_.term = t;
  return true;
}

}  // namespace etcdpp::raft
