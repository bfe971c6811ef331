#pragma once
// Raft consensus as a pure state machine (the shape of etcd's raft library; Ongaro's thesis
// is cited by section). No sockets, files, threads or clocks: time is tick(), input is
// step(message) and propose(), output is ready().
//
// THE READY CONTRACT. The caller loops:
//   1. if has_ready(): rd = ready();
//   2. PERSIST rd.snapshot, rd.entries and rd.hard_state (entries may replace a persisted
//      suffix: a later entry with the same index wins). Sync when rd.must_sync.
//   3. SEND rd.messages — ONLY AFTER step 2 is durable, except when rd.send_before_persist
//      (a leader's appends may go out while its own write is in flight, thesis 10.2.1; the
//      leader counts itself towards a majority only after advance()).
//   4. APPLY rd.snapshot (if any), then rd.committed_entries in order. (Committed entries are
//      already durable here, so they may be applied before step 2 finishes.)
//   5. advance(rd).
// At most one Ready is outstanding: has_ready() is false until advance(). step(), tick() and
// propose() may be called at any time in between; what they produce waits for the next Ready.
#include "base/rng.h"
#include "raft/progress.h"
#include "raft/raft_log.h"
#include "raft/types.h"

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace etcdpp::raft {

struct Config {
  uint64_t id = kNone;
  int election_ticks = 10;  // a follower campaigns after [election, 2*election) quiet ticks
  int heartbeat_ticks = 1;
  size_t max_bytes_per_message = 1 << 20;
  size_t max_inflight_messages = 256;
  bool pre_vote = true;      // thesis 9.6: a partitioned member does not disrupt on return
  bool check_quorum = true;  // thesis 6.2: a leader that loses its quorum steps down
  // Builds a snapshot of the caller's applied state, for a follower whose next entry was
  // compacted away. nullopt when none can be made now (raft asks again later).
  std::function<std::optional<Snapshot>()> snapshot_source;
};

// What the caller recovered from its disk.
struct Persisted {
  HardState hard_state;
  SnapshotMeta snapshot;       // index 0 when there is none
  std::vector<Entry> entries;  // after the snapshot, in order
  std::vector<uint64_t> voters;
  uint64_t applied = 0;  // how far the caller's state machine is
};

enum class Role { follower, pre_candidate, candidate, leader };
std::string_view role_name(Role role);

struct Ready {
  Role role = Role::follower;
  uint64_t leader = kNone;
  bool soft_state_changed = false;      // role or leader changed since the last Ready
  std::optional<HardState> hard_state;  // set when it changed
  bool must_sync = false;               // entries, a snapshot, or a new term or vote
  std::optional<Snapshot> snapshot;
  std::vector<Entry> entries;
  std::vector<Entry> committed_entries;
  std::vector<Message> messages;
  bool send_before_persist = false;
};

class Raft {
 public:
  Raft(Config config, base::Rng& rng, Persisted persisted);

  void tick();
  // A message from a peer (or a local one: hup, beat, unreachable, snap_status).
  void step(Message m);
  // Proposes a new entry. False when it was dropped: no known leader, a leader transfer in
  // progress, or (for a conf change) another one not yet applied. A follower forwards it to
  // the leader, which may still drop it: callers time out waiting for it to be applied.
  bool propose(std::string data, EntryType type = EntryType::normal);
  // Starts an election now (as if the election timeout passed).
  void campaign() { step(Message{.type = MessageType::hup}); }
  // Leader: hands leadership to `to` once its log is up to date (thesis 3.10).
  void transfer_leadership(uint64_t to);
  // Follower hint from the transport: the leader's connection closed (its process is most
  // likely gone). The follower forgets the leader — so its lease no longer shields the leader
  // from candidates — and campaigns after a short random delay instead of a full election
  // timeout. Safe whatever the truth: elections are always safe, and if the leader is alive
  // its next heartbeat restores everything (voters still in their lease ignore the
  // pre-election meanwhile).
  void leader_connection_lost();
  // The caller applied a conf_change entry: these are the voters now.
  void apply_conf_change(std::vector<uint64_t> voters);
  // Drops log entries up to `index` (<= applied) after the caller saved a snapshot there.
  bool compact(uint64_t index) { return log_.compact(index); }

  bool has_ready() const;
  Ready ready();
  void advance(const Ready& rd);

  uint64_t id() const { return config_.id; }
  uint64_t term() const { return term_; }
  uint64_t vote() const { return vote_; }
  uint64_t leader() const { return leader_; }
  Role role() const { return role_; }
  const RaftLog& log() const { return log_; }
  const std::vector<uint64_t>& voters() const { return voters_; }
  const std::map<uint64_t, Progress>& progress() const { return progress_; }
  uint64_t lead_transferee() const { return lead_transferee_; }
  bool promotable() const;

 private:
  enum class CampaignKind { pre_election, election, transfer };

  HardState hard_state() const { return {term_, vote_, log_.committed()}; }
  void send(Message m);
  void reset(uint64_t term);
  void reset_randomized_timeout();
  void become_follower(uint64_t term, uint64_t leader);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void start_campaign(CampaignKind kind);
  void handle_vote_request(const Message& m);
  void handle_vote_response(const Message& m);
  void step_leader(Message& m);
  void step_follower(Message& m);
  void step_candidate(Message& m);
  void handle_append(Message& m);
  void handle_heartbeat(const Message& m);
  void handle_snapshot(Message& m);
  void handle_append_response(const Message& m, Progress& pr);
  void handle_transfer_request(uint64_t transferee);
  bool append_as_leader(std::vector<Entry> entries);
  bool send_append(uint64_t to, bool send_if_empty = true);
  void broadcast_append();
  void broadcast_heartbeat();
  bool maybe_commit();
  bool quorum_active();
  void set_voters(std::vector<uint64_t> voters);
  bool has_unapplied_conf_change() const;

  Config config_;
  base::Rng& rng_;
  RaftLog log_;
  uint64_t term_ = 0;
  uint64_t vote_ = kNone;
  uint64_t leader_ = kNone;
  Role role_ = Role::follower;
  std::vector<uint64_t> voters_;           // sorted
  std::map<uint64_t, Progress> progress_;  // leader: every voter (self included)
  std::map<uint64_t, bool> votes_;         // candidate: answers so far
  uint64_t lead_transferee_ = kNone;
  uint64_t pending_conf_index_ = 0;  // leader: last conf change appended
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_ticks_ = 0;
  int prevote_retry_ticks_ = 0;  // in [election/4, election/2)
  bool shortened_timeout_ = false;
  bool broadcast_pending_ = false;  // new entries to send with the next Ready  //
                                    // leader_connection_lost() shortened the election timeout
  std::vector<Message> outbox_;

  HardState persisted_hard_state_;  // as of the last Ready handed out
  Role last_role_ = Role::follower;
  uint64_t last_leader_ = kNone;
  bool ready_outstanding_ = false;
};

}  // namespace etcdpp::raft
