#pragma once
// The values the Raft state machine exchanges with its caller: log entries, the hard state to
// persist, snapshots, and messages between members. Plain data, no behaviour.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::raft {

// Member ids are never 0: 0 means "none" (no vote, no known leader).
inline constexpr uint64_t kNone = 0;

enum class EntryType : uint8_t {
  normal = 0,
  // Changes the set of voters. At most one is uncommitted-or-unapplied at a time; the caller
  // reports the new voters with Raft::apply_conf_change() when it applies the entry.
  conf_change = 1,
};

struct Entry {
  uint64_t term = 0;
  uint64_t index = 0;
  EntryType type = EntryType::normal;
  std::string data{};  // the caller's payload; empty for the entry a new leader appends
  bool operator==(const Entry&) const = default;
};

// What must be durable before a member answers anyone: its term, its vote in that term, and
// (not needed for safety, but saves re-learning) the commit index.
struct HardState {
  uint64_t term = 0;
  uint64_t vote = kNone;
  uint64_t commit = 0;
  bool operator==(const HardState&) const = default;
};

struct SnapshotMeta {
  uint64_t index = 0;            // the last entry the snapshot covers
  uint64_t term = 0;             // that entry's term
  std::vector<uint64_t> voters;  // sorted
  bool operator==(const SnapshotMeta&) const = default;
};

struct Snapshot {
  SnapshotMeta meta;
  // The caller's state machine at meta.index. Shared: a leader may send one snapshot to
  // several followers without copying it.
  std::shared_ptr<const std::string> data;
};

enum class MessageType : uint8_t {
  hup,   // local: start an election
  beat,  // local: leader sends heartbeats
  prop,  // a proposal (forwarded by followers to the leader)
  app,   // append entries
  app_resp,
  vote,
  vote_resp,
  pre_vote,  // "would you vote for me?" without changing anyone's term (thesis 9.6)
  pre_vote_resp,
  snap,  // install snapshot
  heartbeat,
  heartbeat_resp,
  transfer_leader,  // ask the leader to hand leadership to `from`
  timeout_now,      // leader to transferee: campaign now, even without an election timeout
  unreachable,      // local: the transport could not reach `from`
  snap_status,      // local: a snapshot to `from` was sent (reject = it failed)
  check_quorum,     // local: leader checks it heard from a quorum in the last election timeout
};

std::string_view message_type_name(MessageType type);

struct Message {
  MessageType type = MessageType::hup;
  uint64_t from = kNone;
  uint64_t to = kNone;
  uint64_t term = 0;
  uint64_t log_term = 0;  // app: term of the entry at `index`; vote: candidate's last term
  uint64_t index = 0;     // app: index before `entries`; resp: last index matched
  uint64_t commit = 0;
  std::vector<Entry> entries{};
  bool reject = false;
  uint64_t reject_hint = 0;  // app_resp reject: the follower's last index
  std::optional<Snapshot> snapshot{};
  // Carried by vote requests that come from a leader transfer (they override the leader
  // lease of check-quorum).
  bool transfer = false;
};

}  // namespace etcdpp::raft
