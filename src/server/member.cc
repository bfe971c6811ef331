#include "server/member.h"

#include "auth/auth_json.h"

#include "base/log.h"
#include "snap/snapshot.h"

#include <boost/asio/post.hpp>

#include <malloc.h>

#include <algorithm>

namespace etcdpp::server {

namespace asio = boost::asio;

namespace {

// Proposals waiting for a leader to be known; beyond this, new ones fail at once.
constexpr size_t kMaxWaitingForLeader = 10'000;

const char* const kRemovedMessage = "the member has been permanently removed from the cluster";

raft::Persisted to_persisted(Recovered& r, const Membership& membership) {
  raft::Persisted p;
  p.hard_state = r.hard_state;
  p.snapshot = {r.snapshot_index, r.snapshot_term, {}};
  p.entries = std::move(r.entries);
  p.voters = membership.ids();
  p.applied = r.applied_index;
  return p;
}

}  // namespace

Member::Member(asio::io_context& io, const MemberConfig& config, base::Clock& clock)
    : io_(io),
      config_(config),
      clock_(clock),
      rng_(config.seed),
      tick_timer_(io),
      sync_timer_(io) {}

bool Member::bootstrap(const std::filesystem::path& dir, bool had_data, std::string& error) {
  auto identity = load_identity(dir, error);
  if (!error.empty()) return false;
  if (!identity && had_data) {
    error = "the data dir " + dir.string() +
            " holds a WAL or snapshots but no identity file: it was not written by etcdpp, or "
            "is damaged";
    return false;
  }
  if (identity) {
    identity_ = *identity;
    return true;
  }
  Identity fresh;
  if (config_.join) {
    fresh = *config_.join;
  } else {
    // A new member of a new cluster: etcd's ids for the same flags.
    fresh.member_id = compute_member_id(config_.advertise_peer_urls, config_.cluster_token);
    std::vector<uint64_t> ids;
    for (const auto& m : config_.initial_members) ids.push_back(m.id);
    if (ids.empty()) ids.push_back(fresh.member_id);
    fresh.cluster_id = compute_cluster_id(ids);
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    error = "cannot create " + dir.string() + ": " + ec.message();
    return false;
  }
  error = save_identity(dir, fresh);
  if (!error.empty()) return false;
  identity_ = fresh;
  fresh_ = true;
  return true;
}

std::unique_ptr<Member> Member::open(asio::io_context& io, const MemberConfig& config,
                                     base::Clock& clock, std::string& error) {
  std::unique_ptr<Member> m(new Member(io, config, clock));
  const auto& dir = config.durable.member_dir;
  std::error_code ec;
  bool had_data = std::filesystem::exists(dir / "snap", ec) ||
                  std::filesystem::exists(config.durable.effective_wal_dir(), ec);
  if (!m->bootstrap(dir, had_data, error)) return nullptr;

  auto recovered = recover(config.durable, error, m->notes_);
  if (!recovered) return nullptr;
  bool empty_log = recovered->last_index() == 0;
  if (empty_log && !config.join) {
    // A new cluster: every initial member starts with the same first entry, committed, that
    // holds the initial membership (etcd bootstraps the same way).
    Membership initial;
    initial.cluster_id = m->identity_.cluster_id;
    if (config.initial_members.empty()) {
      initial.upsert(MemberInfo{m->identity_.member_id, "", config.advertise_peer_urls, {}});
    } else {
      for (const auto& info : config.initial_members) initial.upsert(info);
    }
    Entry first;
    first.kind = MembershipUpdate{initial};
    raft::Entry e{.term = 1,
                  .index = 1,
                  .type = raft::EntryType::conf_change,
                  .data = encode_entry_data(first)};
    recovered->hard_state = {1, raft::kNone, 1};
    std::string err = recovered->writer->append_hard_state(recovered->hard_state);
    if (err.empty()) err = recovered->writer->append_entry(1, 1, e.data);
    if (err.empty()) err = recovered->writer->sync();
    if (!err.empty()) {
      error = "cannot write the first entry: " + err;
      return nullptr;
    }
    first.index = 1;
    first.term = 1;
    apply_entry(*recovered->state, first);
    recovered->entries.push_back(std::move(e));
    recovered->applied_index = 1;
  }
  if (config.force_new_cluster && !empty_log && !m->force_standalone(*recovered, error)) {
    return nullptr;
  }
  m->state_ = std::move(recovered->state);
  const Membership& ms = m->state_->membership;
  if (!ms.members.empty()) {
    if (ms.cluster_id != m->identity_.cluster_id) {
      error = "the data dir " + dir.string() + " belongs to cluster " + id_hex(ms.cluster_id) +
              " but its identity file says " + id_hex(m->identity_.cluster_id);
      return nullptr;
    }
    if (ms.is_removed(m->identity_.member_id) || !ms.find(m->identity_.member_id)) {
      error = "member " + id_hex(m->identity_.member_id) + " has been removed from the cluster " +
              "(data dir " + dir.string() + "): " + kRemovedMessage;
      return nullptr;
    }
  }
  m->applied_index_ = recovered->applied_index;
  m->snapshot_index_ = recovered->snapshot_index;
  m->start_time_ = clock.wall();
  m->started_mono_ = clock.monotonic();
  // etcd's request ids: the member id's low 16 bits, then the start time in ms, then a
  // counter, so ids never repeat across restarts of one member or between members.
  m->request_id_base_ =
      (m->identity_.member_id & 0xffff) << 48 |
      (static_cast<uint64_t>(base::to_unix_ns(m->start_time_) / 1'000'000) & 0xffffffffffULL) << 8;
  m->start_raft(*recovered);
  // The WAL's entries since the last snapshot were replayed into Raft's log: keep only what
  // followers may need.
  m->compact_raft_log();
  m->start_log_thread(std::move(*recovered->writer));
  // Recovery held the replayed WAL records and the decoded snapshot: return that memory.
  ::malloc_trim(0);
  return m;
}

bool Member::force_standalone(Recovered& recovered, std::string& error) {
  // Unlike etcd, which drops the entries past the member's last known commit index, every
  // entry this member holds is kept and applied: a follower learns of a commit only with the
  // leader's next message, so that tail may well hold writes the old cluster acknowledged.
  // (An entry there that was never committed was never acknowledged either: keeping it is
  // one of the outcomes its client had to expect.)
  auto& entries = recovered.entries;
  uint64_t commit = recovered.hard_state.commit;
  for (const auto& e : entries) {
    if (e.index <= commit) continue;
    std::string decode_error;
    auto entry = decode_entry_data(e.data, e.index, e.term, decode_error);
    if (!entry) {
      error = "cannot decode log entry " + std::to_string(e.index) + ": " + decode_error;
      return false;
    }
    apply_entry(*recovered.state, *entry);
  }
  uint64_t last = recovered.last_index();
  uint64_t term = std::max(recovered.hard_state.term, recovered.last_term());
  std::vector<uint64_t> others;
  for (const auto& member : recovered.state->membership.members) {
    if (member.id != identity_.member_id) others.push_back(member.id);
  }
  uint64_t index = last;
  std::string err;
  for (uint64_t id : others) {
    Entry change;
    change.kind = MemberChange{MemberChange::Op::remove, MemberInfo{id, "", {}, {}}};
    raft::Entry e{.term = term,
                  .index = ++index,
                  .type = raft::EntryType::conf_change,
                  .data = encode_entry_data(change)};
    if (err.empty()) err = recovered.writer->append_entry(e.index, e.term, e.data);
    change.index = e.index;
    change.term = e.term;
    apply_entry(*recovered.state, change);
    entries.push_back(std::move(e));
  }
  recovered.hard_state = {term, raft::kNone, index};
  if (err.empty()) err = recovered.writer->append_hard_state(recovered.hard_state);
  if (err.empty()) err = recovered.writer->sync();
  if (!err.empty()) {
    error = "cannot write the entries that make this member a cluster of its own: " + err;
    return false;
  }
  recovered.applied_index = index;
  ETCDPP_LOG_WARN(
      "forcing restart of member {} in cluster {} as a single-member cluster at index {} "
      "(known committed: {}; the {} entries after it are kept): removed {} other member(s); "
      "add members again with member add",
      id_hex(identity_.member_id), id_hex(identity_.cluster_id), last, commit, last - commit,
      others.size());
  return true;
}

void Member::start_raft(Recovered& recovered) {
  raft::Config rc;
  rc.id = identity_.member_id;
  rc.election_ticks = config_.election_ticks;
  rc.heartbeat_ticks = 1;
  rc.pre_vote = config_.pre_vote;
  rc.check_quorum = true;
  rc.snapshot_source = [this] { return snapshot_for_follower(); };
  raft_ = std::make_unique<raft::Raft>(std::move(rc), rng_,
                                       to_persisted(recovered, state_->membership));
}

void Member::start_log_thread(LogWriter writer) {
  std::shared_ptr<bool> alive = alive_;
  asio::io_context& io = io_;
  log_ = std::make_unique<LogThread>(
      std::move(writer),
      [this, alive, &io](uint64_t token, std::string err) {
        asio::post(io, [this, alive, token, err = std::move(err)] {
          if (!*alive) return;
          if (err.empty()) {
            on_batch_durable(token);
          } else {
            on_log_failure(err);
          }
        });
      },
      [alive, &io](uint64_t index, std::string err) {
        asio::post(io, [alive, index, err = std::move(err)] {
          if (!*alive) return;
          if (err.empty()) {
            ETCDPP_LOG_INFO("saved snapshot at index {}", index);
          } else {
            ETCDPP_LOG_ERROR("failed to save snapshot at index {}: {} (the WAL keeps everything)",
                             index, err);
          }
        });
      });
}

Member::~Member() {
  *alive_ = false;
  if (transport_) transport_->stop();
  log_.reset();  // writes what was submitted, then joins
}

void Member::start(FatalHandler on_fatal) {
  on_fatal_ = std::move(on_fatal);
  transport::SenderOptions so;
  so.cluster_id = identity_.cluster_id;
  so.local_id = identity_.member_id;
  so.local_peer_urls = config_.advertise_peer_urls;
  so.tls = config_.peer_tls;
  transport_events_ = std::make_shared<transport::SenderEvents>();
  std::shared_ptr<bool> alive = alive_;
  transport_events_->unreachable = [this, alive](uint64_t peer) {
    if (!*alive) return;
    raft_->step(raft::Message{.type = raft::MessageType::unreachable, .from = peer});
    if (is_leader()) ++follower_stats_[peer].fail;
    schedule_ready();
  };
  transport_events_->snapshot_done = [this, alive](uint64_t peer, bool ok) {
    if (!*alive) return;
    raft::Message m{.type = raft::MessageType::snap_status, .from = peer};
    m.reject = !ok;
    raft_->step(std::move(m));
    schedule_ready();
  };
  transport_events_->removed = [this, alive](uint64_t) {
    if (*alive) fatal(kRemovedMessage);
  };
  transport_ = std::make_unique<transport::Transport>(io_.get_executor(), so, transport_events_);
  update_peers();
  if (raft_->voters().size() == 1 && raft_->promotable()) {
    // A single voter need not wait for an election timeout.
    raft_->campaign();
  } else if (config_.initial_election_tick_advance && raft_->promotable()) {
    // Skip most of the first election timeout (etcd's initial-election-tick-advance).
    for (int i = 0; i + 1 < config_.election_ticks; ++i) raft_->tick();
  }
  publish();
  arm_tick_timer();
  arm_sync_timer();
  schedule_ready();
}

void Member::stop() {
  stopped_ = true;
  tick_timer_.cancel();
  sync_timer_.cancel();
  if (transport_) transport_->stop();
}

void Member::shutdown(std::function<void()> done) {
  if (!is_leader() || raft_->voters().size() < 2 || failed_) {
    done();
    return;
  }
  // Hand over to the follower with the longest log (thesis 3.10).
  uint64_t best = raft::kNone;
  uint64_t best_match = 0;
  for (const auto& [id, pr] : raft_->progress()) {
    if (id == identity_.member_id) continue;
    if (best == raft::kNone || pr.match > best_match) {
      best = id;
      best_match = pr.match;
    }
  }
  ETCDPP_LOG_INFO("leader {} transferring leadership to {} before stopping",
                  id_hex(identity_.member_id), id_hex(best));
  raft_->transfer_leadership(best);
  on_shutdown_done_ = std::move(done);
  shutdown_deadline_ = clock_.monotonic() + config_.election_ticks * config_.heartbeat_interval;
  schedule_ready();
}

void Member::update_peers() {
  if (!transport_) return;
  std::map<uint64_t, std::vector<std::string>> peers;
  for (const auto& m : state_->membership.members) {
    if (m.id != identity_.member_id) peers[m.id] = m.peer_urls;
  }
  std::erase_if(remotes_, [&](const auto& kv) {
    return peers.contains(kv.first) || state_->membership.is_removed(kv.first);
  });
  for (const auto& [id, urls] : remotes_) peers.emplace(id, urls);
  transport_->set_peers(peers);
  std::erase_if(follower_stats_, [&](const auto& kv) { return !peers.contains(kv.first); });
}

void Member::peer_connection_closed(uint64_t peer) {
  if (stopped_ || failed_ || is_leader() || raft_->leader() != peer) return;
  ETCDPP_LOG_INFO("the connection from leader {} closed; an election may start early",
                  id_hex(peer));
  raft_->leader_connection_lost();
  schedule_ready();
}

bool Member::peer_reachable(uint64_t id) const {
  return id == identity_.member_id || (transport_ && transport_->reachable(id));
}

void Member::publish() {
  // etcd publishes its name and client URLs through the log at every start, so that every
  // member (and proxy) learns them. Retried until applied.
  if (published_ || publishing_ || stopped_) return;
  publishing_ = true;
  Entry e;
  e.kind = MemberAttributes{identity_.member_id, config_.name, config_.advertise_client_urls};
  Pending p;
  p.applied = [this] {
    publishing_ = false;
    if (published_) return;
    published_ = true;
    ETCDPP_LOG_INFO("published {{Name:{} ClientURLs:[{}]}} to cluster {}", config_.name,
                    fmt::join(config_.advertise_client_urls, " "), id_hex(identity_.cluster_id));
  };
  p.failed = [this] { publishing_ = false; };
  propose(std::move(e), std::move(p));
}

void Member::propose_write(WriteRequest request, WriteDone done) {
  Entry e;
  e.kind = std::move(request);
  Pending p;
  p.done = std::move(done);
  propose(std::move(e), std::move(p));
}

void Member::propose_member_change(MemberChange change, ChangeDone done) {
  Entry e;
  e.kind = std::move(change);
  Pending p;
  p.change_done = std::move(done);
  propose(std::move(e), std::move(p));
}

void Member::propose_auth(auth::AuthRequest change, AuthDone done) {
  Entry e;
  e.kind = std::move(change);
  Pending p;
  p.auth_done = std::move(done);
  propose(std::move(e), std::move(p));
}

namespace {

auth::Outcome auth_not_applied() {
  auth::Outcome out;
  out.status = 500;
  out.error = "Internal Server Error";  // etcd's answer to an error that is not the API's
  return out;
}

}  // namespace

void Member::propose(Entry entry, Pending pending) {
  if (failed_ || stopped_) {
    std::string why = failed_ ? "the log cannot be written" : "the member is stopping";
    if (pending.done) pending.done(store::Error{store::ErrorCode::RaftInternal, why, 0});
    if (pending.change_done) pending.change_done(why);
    if (pending.auth_done) pending.auth_done(auth_not_applied());
    if (pending.failed) pending.failed();
    return;
  }
  entry.request_id = next_request_id();
  raft::EntryType type =
      changes_voters(entry) ? raft::EntryType::conf_change : raft::EntryType::normal;
  pending.deadline = clock_.monotonic() + config_.request_timeout();
  pending_.emplace(entry.request_id, std::move(pending));
  propose_raw(encode_entry_data(entry), type, entry.request_id);
}

void Member::propose_raw(std::string data, raft::EntryType type, uint64_t request_id) {
  if (raft_->leader() == raft::kNone) {
    // No leader yet (an election is running): wait for one rather than fail at once; the
    // request's deadline still applies.
    if (waiting_for_leader_.size() < kMaxWaitingForLeader) {
      waiting_for_leader_.push_back({std::move(data), type, request_id});
    }
    return;
  }
  if (!raft_->propose(std::move(data), type)) {
    // Refused by the leader itself (a leader transfer, or another membership change not yet
    // applied): answer now.
    auto it = pending_.find(request_id);
    if (it == pending_.end()) return;
    Pending p = std::move(it->second);
    pending_.erase(it);
    const char* why = type == raft::EntryType::conf_change
                          ? "another membership change is in progress"
                          : "the leader is handing over leadership";
    ETCDPP_LOG_WARN("proposal refused: {}", why);
    if (p.done) p.done(store::Error{store::ErrorCode::RaftInternal, why, 0});
    if (p.change_done) p.change_done(why);
    if (p.auth_done) p.auth_done(auth_not_applied());
    if (p.failed) p.failed();
  }
  schedule_ready();
}

void Member::receive(std::vector<raft::Message> messages, uint64_t sender,
                     const std::vector<std::string>& sender_peer_urls) {
  if (stopped_ || failed_) return;
  if (sender != raft::kNone && !sender_peer_urls.empty() && !state_->membership.find(sender) &&
      !state_->membership.is_removed(sender) && remotes_[sender] != sender_peer_urls) {
    remotes_[sender] = sender_peer_urls;
    update_peers();
  }
  for (auto& m : messages) {
    if (m.type == raft::MessageType::app) ++messages_received_;
    if (m.type == raft::MessageType::heartbeat_resp && is_leader()) {
      auto sent = heartbeat_sent_.find(m.from);
      if (sent != heartbeat_sent_.end()) {
        double ms =
            std::chrono::duration<double, std::milli>(clock_.monotonic() - sent->second).count();
        FollowerStats& fs = follower_stats_[m.from];
        fs.latency_current_ms = ms;
        fs.latency_min_ms = fs.success == 0 ? ms : std::min(fs.latency_min_ms, ms);
        fs.latency_max_ms = std::max(fs.latency_max_ms, ms);
        fs.latency_sum_ms += ms;
        fs.latency_sum_sq_ms += ms * ms;
        ++fs.success;
        heartbeat_sent_.erase(sent);
      }
    }
    raft_->step(std::move(m));
  }
  schedule_ready();
}

void Member::send(std::vector<raft::Message> messages) {
  if (messages.empty() || !transport_) return;
  if (is_leader()) {
    base::MonoTime now = clock_.monotonic();
    for (const auto& m : messages) {
      // The latest heartbeat: a follower that missed earlier ones is timed from this one.
      if (m.type == raft::MessageType::heartbeat) heartbeat_sent_.insert_or_assign(m.to, now);
    }
  }
  for (const auto& m : messages) messages_sent_ += m.type == raft::MessageType::app;
  transport_->send(std::move(messages));
}

void Member::schedule_ready() {
  if (ready_scheduled_) return;
  ready_scheduled_ = true;
  // Everything that happens in this turn of the event loop (requests, peer messages) goes
  // into one Ready.
  asio::post(io_, [this, alive = alive_] {
    if (!*alive) return;
    ready_scheduled_ = false;
    process_ready();
  });
}

void Member::on_soft_state(const raft::Ready& rd) {
  if (rd.leader != raft::kNone) {
    ETCDPP_LOG_INFO("raft: {} is {} at term {}; leader {}", id_hex(identity_.member_id),
                    raft::role_name(rd.role), raft_->term(), id_hex(rd.leader));
  } else {
    ETCDPP_LOG_INFO("raft: {} is {} at term {}; no leader", id_hex(identity_.member_id),
                    raft::role_name(rd.role), raft_->term());
  }
  if (rd.leader != raft::kNone) leader_since_ = clock_.wall();
  if (rd.role == raft::Role::leader) {
    follower_stats_.clear();
    heartbeat_sent_.clear();
  }
  if (rd.leader != raft::kNone && !waiting_for_leader_.empty()) {
    std::deque<Waiting> waiting;
    waiting.swap(waiting_for_leader_);
    for (auto& w : waiting) {
      if (pending_.contains(w.request_id)) propose_raw(std::move(w.data), w.type, w.request_id);
    }
  }
}

void Member::process_ready() {
  if (in_flight_ || failed_ || !raft_->has_ready()) return;
  raft::Ready rd = raft_->ready();
  if (rd.soft_state_changed) on_soft_state(rd);
  if (rd.send_before_persist) {
    send(std::move(rd.messages));
    rd.messages.clear();
  }
  LogBatch batch;
  if (rd.snapshot) install_snapshot(*rd.snapshot, batch);
  if (failed_) return;
  if (!rd.snapshot && rd.entries.empty() && !rd.must_sync) {
    apply_committed(rd.committed_entries);
    if (failed_) return;
    // Nothing that must be durable first: at most a new commit index, which only saves
    // re-learning it after a crash. It is written in order behind what the log thread has,
    // without holding up the next Ready (token 0: no report is awaited).
    if (rd.hard_state) {
      LogBatch commit_only;
      commit_only.hard_state = rd.hard_state;
      log_->submit_batch(std::move(commit_only));
    }
    send(std::move(rd.messages));
    raft_->advance(rd);
    maybe_snapshot();
    schedule_ready();
    return;
  }
  batch.token = ++next_token_;
  batch.hard_state = rd.hard_state;
  batch.must_sync = rd.must_sync;
  batch.entries = std::move(rd.entries);
  // advance() needs only the last entry's index and term, not the data (now in the batch).
  if (!batch.entries.empty()) {
    const raft::Entry& last = batch.entries.back();
    rd.entries = {raft::Entry{.term = last.term, .index = last.index}};
  }
  // The committed entries are durable here already (raft.h, step 4). They are applied and
  // answered after the new batch is handed to the log thread, so that its write and sync
  // overlap with applying instead of waiting for it: under load the log thread then syncs
  // back to back. The state machine still sees the entries in log order, and nothing is
  // answered before its entry is durable.
  std::vector<raft::Entry> committed;
  committed.swap(rd.committed_entries);
  if (!committed.empty()) rd.committed_entries = {raft::Entry{.index = committed.back().index}};
  if (rd.snapshot) rd.snapshot->data.reset();
  in_flight_ = std::move(rd);
  log_->submit_batch(std::move(batch));
  apply_committed(committed);
}

void Member::on_batch_durable(uint64_t token) {
  if (!in_flight_ || token != next_token_) return;
  raft::Ready rd = std::move(*in_flight_);
  in_flight_.reset();
  send(std::move(rd.messages));
  rd.messages.clear();
  raft_->advance(rd);
  maybe_snapshot();
  process_ready();
}

void Member::install_snapshot(const raft::Snapshot& snapshot, LogBatch& batch) {
  std::string error;
  auto decoded = snap::decode(*snapshot.data, error);
  std::optional<Membership> membership;
  if (decoded) membership = decode_membership(decoded->membership, error);
  auto next = std::make_unique<ServerState>();
  if (decoded && membership) {
    auto imported = next->store.import_state(decoded->state);
    if (!imported) error = imported.error().cause;
  }
  if (decoded && membership && error.empty() && !decoded->auth.empty()) {
    auto auth_state = auth::decode_state(decoded->auth, error);
    if (auth_state) next->auth = std::move(*auth_state);
  }
  if (!decoded || !membership || !error.empty()) {
    fatal("the snapshot received from the leader is invalid: " + error);
    return;
  }
  next->membership = std::move(*membership);
  // Watchers of the old store are told nothing more: the keyspace jumped ahead (etcd drops
  // them too); clients re-watch from the new index.
  state_ = std::move(next);
  applied_index_ = snapshot.meta.index;
  snapshot_index_ = snapshot.meta.index;
  ETCDPP_LOG_INFO("installed a snapshot from the leader at index {} (term {})", snapshot.meta.index,
                  snapshot.meta.term);
  decoded->log_reset = true;
  batch.install = std::move(*decoded);
  update_peers();
}

void Member::apply_committed(const std::vector<raft::Entry>& entries) {
  for (const raft::Entry& e : entries) {
    apply_one(e);
    if (failed_) return;
  }
  compact_raft_log();
}

void Member::compact_raft_log() {
  // Keep the in-memory log short: followers further behind get a snapshot. A single voter
  // has no follower to catch up and keeps nothing (a member added later gets a snapshot).
  // Compacted in steps of a quarter of the kept entries, not at every entry.
  uint64_t keep = raft_->voters().size() > 1 ? config_.catch_up_entries : 0;
  uint64_t first = raft_->log().first_index();
  if (applied_index_ > keep && applied_index_ - keep > first + keep / 4) {
    raft_->compact(applied_index_ - keep);
  }
}

void Member::apply_one(const raft::Entry& raft_entry) {
  applied_index_ = raft_entry.index;
  if (raft_entry.data.empty()) return;  // a new leader's empty entry
  std::string error;
  auto entry = decode_entry_data(raft_entry.data, raft_entry.index, raft_entry.term, error);
  if (!entry) {
    fatal("committed entry " + std::to_string(raft_entry.index) + " cannot be decoded: " + error);
    return;
  }
  ApplyResult result = apply_entry(*state_, *entry);
  if (result.voters_changed) raft_->apply_conf_change(state_->membership.ids());
  if (result.membership_changed) update_peers();
  if (std::holds_alternative<SyncRequest>(entry->kind)) sync_in_flight_ = false;
  finish(entry->request_id, result);
  if (result.voters_changed && state_->membership.is_removed(identity_.member_id)) {
    fatal(kRemovedMessage);
  }
}

void Member::finish(uint64_t request_id, ApplyResult& result) {
  auto it = pending_.find(request_id);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  if (p.done && result.write) p.done(std::move(*result.write));
  if (p.change_done) {
    p.change_done(result.membership_changed ? "" : "the change no longer applies");
  }
  if (p.auth_done && result.auth) p.auth_done(std::move(*result.auth));
  if (p.applied) p.applied();
}

void Member::on_log_failure(const std::string& error) {
  if (failed_) return;
  ETCDPP_LOG_ERROR("cannot write the WAL: {}; no write can be acknowledged any more", error);
  fatal("WAL write failed: " + error);
}

void Member::fail_all(const std::string& error) {
  std::map<uint64_t, Pending> pending;
  pending.swap(pending_);
  waiting_for_leader_.clear();
  for (auto& [id, p] : pending) {
    if (p.done) p.done(store::Error{store::ErrorCode::RaftInternal, error, 0});
    if (p.change_done) p.change_done(error);
    if (p.auth_done) p.auth_done(auth_not_applied());
  }
}

void Member::fatal(const std::string& reason) {
  if (failed_) return;
  failed_ = true;
  ETCDPP_LOG_ERROR("{}", reason);
  // Answer every waiting client: their writes are not known to be applied.
  fail_all(reason);
  stop();
  if (on_fatal_) on_fatal_(reason);
}

void Member::maybe_snapshot() {
  if (applied_index_ - snapshot_index_ < config_.durable.snapshot_count) return;
  auto term = raft_->log().term(applied_index_);
  if (!term) return;
  // Counted from here so that one snapshot is taken per snapshot_count entries even while the
  // log thread is still saving it.
  snapshot_index_ = applied_index_;
  // Encoded here and now, straight from the tree: no node-by-node copy of the keyspace
  // outlives later writes (snapshot.h, EncodedSnapshot).
  log_->submit_snapshot(encode_snapshot(*state_, *term, applied_index_));
}

std::optional<raft::Snapshot> Member::snapshot_for_follower() {
  auto term = raft_->log().term(applied_index_);
  if (!term) return std::nullopt;
  raft::Snapshot s;
  s.meta = {applied_index_, *term, state_->membership.ids()};
  s.data = std::make_shared<const std::string>(
      snap::encode(make_snapshot(*state_, *term, applied_index_)));
  ETCDPP_LOG_INFO("sending a snapshot at index {} ({} bytes) to a follower", applied_index_,
                  s.data->size());
  return s;
}

void Member::arm_tick_timer() {
  if (stopped_) return;
  tick_timer_.expires_after(config_.heartbeat_interval);
  tick_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive || stopped_) return;
    on_tick();
    arm_tick_timer();
  });
}

void Member::on_tick() {
  raft_->tick();
  // After a burst of writes, return the memory of the transient copies (requests, entries,
  // batches) to the system once the member is idle: freed chunks interleaved with the
  // long-lived keyspace would otherwise keep the peak RSS.
  if (applied_index_ == applied_at_last_tick_ && applied_index_ - applied_at_last_trim_ >= 10'000) {
    ::malloc_trim(0);
    applied_at_last_trim_ = applied_index_;
  }
  applied_at_last_tick_ = applied_index_;
  base::MonoTime now = clock_.monotonic();
  // Proposals that were not applied in time fail (etcd: "request timed out").
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    Pending p = std::move(it->second);
    it = pending_.erase(it);
    const char* why = "etcdserver: request timed out";
    if (p.done) p.done(store::Error{store::ErrorCode::RaftInternal, why, 0});
    if (p.change_done) p.change_done(why);
    if (p.auth_done) p.auth_done(auth_not_applied());
    if (p.failed) p.failed();
  }
  std::erase_if(waiting_for_leader_,
                [&](const Waiting& w) { return !pending_.contains(w.request_id); });
  if (!published_) publish();
  if (on_shutdown_done_ && (!is_leader() || now >= shutdown_deadline_)) {
    auto done = std::move(on_shutdown_done_);
    on_shutdown_done_ = nullptr;
    done();
    return;
  }
  schedule_ready();
}

void Member::arm_sync_timer() {
  if (stopped_) return;
  sync_timer_.expires_after(config_.sync_interval);
  sync_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive || stopped_) return;
    // Only the leader's clock expires keys (design.md: replicated TTL).
    auto next = state_->store.next_expiration();
    base::WallTime now = clock_.wall();
    if (is_leader() && !sync_in_flight_ && !failed_ && next && *next <= now) {
      sync_in_flight_ = true;
      Entry e;
      e.kind = SyncRequest{now};
      Pending p;
      p.failed = [this] { sync_in_flight_ = false; };
      propose(std::move(e), std::move(p));
    }
    arm_sync_timer();
  });
}

}  // namespace etcdpp::server
