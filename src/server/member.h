#pragma once
// A running member: recovery, Raft (raft/raft.h) driven by a heartbeat ticker and the peer
// transport, the persist → send → apply pipeline, the replicated TTL clock (SYNC entries,
// proposed by the leader), runtime membership, and what the HTTP API reads.
//
// Threads: everything here runs on the io_context's thread except the LogThread, which writes
// and fsyncs the WAL; it reports back by posting to the io_context. The store, membership and
// Raft are only touched on the io_context thread, so nothing is locked.
//
// The Ready pipeline (process_ready) carries out raft.h's contract in this order:
//   1. take a Ready;  a leader sends its messages at once (raft.h: send_before_persist)
//   2. apply a received snapshot and the committed entries (durable already) and answer the
//      clients whose proposals they are
//   3. hand the snapshot, hard state and entries to the log thread; when they are durable:
//   4. send the remaining messages (votes and acknowledgements only after the fsync), then
//      advance Raft and take the next Ready.
// One Ready is in flight at a time; what arrives meanwhile is batched into the next one (its
// fsync is shared: group commit). Nothing is acknowledged before its fsync.
#include "base/clock.h"
#include "base/rng.h"
#include "raft/raft.h"
#include "server/durable_store.h"
#include "server/entry.h"
#include "server/identity.h"
#include "server/log_thread.h"
#include "transport/transport.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace etcdpp::server {

struct MemberConfig {
  std::string name;
  DurableOptions durable;
  std::vector<std::string> advertise_client_urls;
  std::vector<std::string> advertise_peer_urls;
  std::string cluster_token = "etcd-cluster";
  // First start only (ignored once the data dir exists, as in etcd):
  // a new cluster's members (empty: this member alone, at advertise_peer_urls) ...
  std::vector<MemberInfo> initial_members;
  // ... or the identity of a member joining a running cluster (--initial-cluster-state
  // existing), learnt from the cluster by the caller.
  std::optional<Identity> join;
  // --force-new-cluster: a restart (data dir with a log) as a single-member cluster: every
  // entry of the log is taken as committed, and entries removing every other member are
  // appended, committed and applied before Raft starts (etcd's restartAsStandaloneNode, which
  // drops the tail past the known commit index instead). No effect on a new data dir.
  bool force_new_cluster = false;
  // How often the leader checks for expired TTLs (etcd's SYNC ticker: 500 ms).
  std::chrono::milliseconds sync_interval{500};
  std::chrono::milliseconds heartbeat_interval{100};
  int election_ticks = 10;  // --election-timeout / --heartbeat-interval
  bool pre_vote = true;
  bool strict_reconfig_check = true;
  bool initial_election_tick_advance = true;
  uint64_t seed = 1;  // for Raft's randomized election timeouts
  // Applied entries kept in Raft's in-memory log for followers that fall a little behind (as
  // etcd's snapshot catch-up entries); further behind, a follower gets a snapshot.
  uint64_t catch_up_entries = 5000;
  // The client side of the connections to other members' https peer URLs (not owned; must
  // outlive the member). nullptr: https peers cannot be reached.
  boost::asio::ssl::context* peer_tls = nullptr;
  // How long a client waits for its proposal to be applied (etcd: 5 s + 2 election timeouts).
  std::chrono::milliseconds request_timeout() const {
    return std::chrono::milliseconds(5000) + 2 * election_ticks * heartbeat_interval;
  }
};

// Leader-side figures about one follower (/v2/stats/leader).
struct FollowerStats {
  uint64_t success = 0;
  uint64_t fail = 0;
  double latency_current_ms = 0;
  double latency_sum_ms = 0;
  double latency_sum_sq_ms = 0;
  double latency_min_ms = 0;
  double latency_max_ms = 0;
};

class Member {
 public:
  // Takes the result by value: the applied event is handed over, not copied.
  using WriteDone = std::function<void(store::Result<store::Event>)>;
  // The outcome of a members API change: empty on success, else why it failed.
  using ChangeDone = std::function<void(const std::string& error)>;
  // The outcome of a change of users or roles (a 500 "Internal Server Error" when it could not
  // be applied: the log failed, the member stopped, or it timed out).
  using AuthDone = std::function<void(auth::Outcome)>;
  using FatalHandler = std::function<void(const std::string& reason)>;

  // Recovers (or creates) the data in config.durable.member_dir. nullptr and `error` when the
  // data cannot be trusted or does not belong to this member.
  static std::unique_ptr<Member> open(boost::asio::io_context& io, const MemberConfig& config,
                                      base::Clock& clock, std::string& error);
  ~Member();

  // Starts ticking, talking to peers and publishing this member's name and client URLs.
  // `on_fatal` is called (on the io thread) when the member must stop: its log cannot be
  // written, or it was removed from the cluster.
  void start(FatalHandler on_fatal);
  // Graceful stop: a leader first hands leadership to the most up-to-date follower (waiting
  // at most an election timeout), then `done` runs.
  void shutdown(std::function<void()> done);
  // Stops at once (ticker, transport). Pending entries are still written by the destructor.
  void stop();

  // Proposes a write; `done` runs on the io thread once it is applied (or failed).
  void propose_write(WriteRequest request, WriteDone done);
  // Proposes a members API change; `done` runs once it is applied (or failed).
  void propose_member_change(MemberChange change, ChangeDone done);
  // Proposes a change of v2 authentication; `done` runs once it is applied (or failed).
  void propose_auth(auth::AuthRequest change, AuthDone done);
  // Raft messages from a peer (the peer listener). `sender_peer_urls` lets a member that does
  // not know the sender yet (it joined and has not caught up) answer it.
  void receive(std::vector<raft::Message> messages, uint64_t sender,
               const std::vector<std::string>& sender_peer_urls);

  store::Store& store() { return state_->store; }
  const store::Store& store() const { return state_->store; }
  const Membership& membership() const { return state_->membership; }
  const auth::AuthState& auth() const { return state_->auth; }
  StoreStats& stats() { return state_->stats; }
  const StoreStats& stats() const { return state_->stats; }
  const MemberConfig& config() const { return config_; }
  uint64_t id() const { return identity_.member_id; }
  uint64_t cluster_id() const { return identity_.cluster_id; }
  // The applied index (what X-Raft-Index reports).
  uint64_t commit_index() const { return applied_index_; }
  uint64_t term() const { return raft_->term(); }
  uint64_t leader_id() const { return raft_->leader(); }
  bool is_leader() const { return raft_->role() == raft::Role::leader; }
  std::string_view raft_state() const { return raft::role_name(raft_->role()); }
  // When this member learnt of the current leader.
  base::WallTime leader_since() const { return leader_since_; }
  const std::map<uint64_t, FollowerStats>& follower_stats() const { return follower_stats_; }
  // Append requests received (as a follower) and sent (as the leader): /v2/stats/self.
  uint64_t append_requests_received() const { return messages_received_; }
  uint64_t append_requests_sent() const { return messages_sent_; }
  // Batches of entries handed to the log thread so far (each awaits its durability report).
  uint64_t log_batches_submitted() const { return next_token_; }
  base::WallTime start_time() const { return start_time_; }
  base::MonoTime started_mono() const { return started_mono_; }
  base::Clock& clock() const { return clock_; }
  // True once the member can serve: it has applied its own publish entry, a leader is known
  // and the log is writable.
  bool healthy() const { return published_ && !failed_ && raft_->leader() != raft::kNone; }
  // The peer listener saw a connection from `peer` close. If `peer` is the leader, its
  // process is most likely gone: Raft may start an election soon instead of waiting for the
  // election timeout (see Raft::leader_connection_lost).
  void peer_connection_closed(uint64_t peer);
  // Members whose peers answer (this member counts as reachable).
  bool peer_reachable(uint64_t id) const;
  // The recovery notes (repaired tails, skipped snapshots) to log at start.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  Member(boost::asio::io_context& io, const MemberConfig& config, base::Clock& clock);

  struct Pending {
    WriteDone done;                 // a client write
    ChangeDone change_done;         // a members API change
    AuthDone auth_done;             // a change of users or roles
    std::function<void()> applied;  // internal entries (publish, sync) ...
    std::function<void()> failed;   // ... and what to do when they time out or are refused
    base::MonoTime deadline;
  };
  struct Waiting {  // a proposal waiting for a leader to be known
    std::string data;
    raft::EntryType type;
    uint64_t request_id;
  };

  bool bootstrap(const std::filesystem::path& dir, bool had_data, std::string& error);
  void start_raft(Recovered& recovered);
  // --force-new-cluster on a recovered log (MemberConfig::force_new_cluster).
  bool force_standalone(Recovered& recovered, std::string& error);
  void start_log_thread(LogWriter writer);
  uint64_t next_request_id() { return request_id_base_ + ++request_counter_; }
  void propose(Entry entry, Pending pending);
  void propose_raw(std::string data, raft::EntryType type, uint64_t request_id);
  void schedule_ready();
  void process_ready();
  void on_soft_state(const raft::Ready& rd);
  void install_snapshot(const raft::Snapshot& snapshot, LogBatch& batch);
  void apply_committed(const std::vector<raft::Entry>& entries);
  void compact_raft_log();
  void apply_one(const raft::Entry& raft_entry);
  // Answers the request that proposed the entry, if it is pending here; the write's result is
  // moved out of `result` into its callback.
  void finish(uint64_t request_id, ApplyResult& result);
  void on_batch_durable(uint64_t token);
  void on_log_failure(const std::string& error);
  void fail_all(const std::string& error);
  void send(std::vector<raft::Message> messages);
  void update_peers();
  void maybe_snapshot();
  void arm_tick_timer();
  void on_tick();
  void arm_sync_timer();
  void publish();
  std::optional<raft::Snapshot> snapshot_for_follower();
  void fatal(const std::string& reason);

  boost::asio::io_context& io_;
  MemberConfig config_;
  base::Clock& clock_;
  Identity identity_;
  std::unique_ptr<ServerState> state_;
  base::Rng rng_;
  std::unique_ptr<raft::Raft> raft_;
  std::unique_ptr<LogThread> log_;
  std::unique_ptr<transport::Transport> transport_;
  std::shared_ptr<transport::SenderEvents> transport_events_;
  std::map<uint64_t, Pending> pending_;  // by request id
  // Peers not (yet) in the applied membership that sent us messages, with their URLs.
  std::map<uint64_t, std::vector<std::string>> remotes_;
  std::deque<Waiting> waiting_for_leader_;
  uint64_t request_id_base_ = 0;
  uint64_t request_counter_ = 0;
  uint64_t applied_index_ = 0;
  uint64_t snapshot_index_ = 0;
  uint64_t applied_at_last_tick_ = 0;
  uint64_t applied_at_last_trim_ = 0;
  std::optional<raft::Ready> in_flight_;  // persisted by the log thread now
  uint64_t next_token_ = 0;
  bool ready_scheduled_ = false;
  bool fresh_ = false;  // the data dir was just created
  bool sync_in_flight_ = false;
  bool published_ = false;
  bool publishing_ = false;
  bool failed_ = false;
  bool stopped_ = false;
  base::WallTime start_time_;
  base::MonoTime started_mono_;
  base::WallTime leader_since_{};
  std::map<uint64_t, FollowerStats> follower_stats_;
  std::map<uint64_t, base::MonoTime> heartbeat_sent_;
  uint64_t messages_received_ = 0;
  uint64_t messages_sent_ = 0;
  std::vector<std::string> notes_;
  FatalHandler on_fatal_;
  std::function<void()> on_shutdown_done_;
  base::MonoTime shutdown_deadline_{};
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer sync_timer_;
  // Posted callbacks check this before touching the member (the log thread may report after
  // the member started to shut down).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace etcdpp::server
