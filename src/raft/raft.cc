#include "raft/raft.h"

#include "raft/quorum.h"

#include <algorithm>
#include <stdexcept>

namespace etcdpp::raft {

std::string_view message_type_name(MessageType type) {
  switch (type) {
    case MessageType::hup: return "hup";
    case MessageType::beat: return "beat";
    case MessageType::prop: return "prop";
    case MessageType::app: return "app";
    case MessageType::app_resp: return "app_resp";
    case MessageType::vote: return "vote";
    case MessageType::vote_resp: return "vote_resp";
    case MessageType::pre_vote: return "pre_vote";
    case MessageType::pre_vote_resp: return "pre_vote_resp";
    case MessageType::snap: return "snap";
    case MessageType::heartbeat: return "heartbeat";
    case MessageType::heartbeat_resp: return "heartbeat_resp";
    case MessageType::transfer_leader: return "transfer_leader";
    case MessageType::timeout_now: return "timeout_now";
    case MessageType::unreachable: return "unreachable";
    case MessageType::snap_status: return "snap_status";
    case MessageType::check_quorum: return "check_quorum";
  }
  return "unknown";
}

std::string_view role_name(Role role) {
  switch (role) {
    case Role::follower: return "StateFollower";
    case Role::pre_candidate: return "StatePreCandidate";
    case Role::candidate: return "StateCandidate";
    case Role::leader: return "StateLeader";
  }
  return "unknown";
}

Raft::Raft(Config config, base::Rng& rng, Persisted persisted)
    : config_(std::move(config)), rng_(rng) {
  if (config_.id == kNone) throw std::invalid_argument("raft: id 0 is reserved");
  if (config_.heartbeat_ticks <= 0 || config_.election_ticks <= config_.heartbeat_ticks) {
    throw std::invalid_argument("raft: election ticks must exceed heartbeat ticks");
  }
  log_.restore_persisted(persisted.snapshot, std::move(persisted.entries),
                         persisted.hard_state.commit, persisted.applied);
  set_voters(std::move(persisted.voters));
  term_ = persisted.hard_state.term;
  vote_ = persisted.hard_state.vote;
  persisted_hard_state_ = hard_state();
  become_follower(term_, kNone);
}

bool Raft::promotable() const {
  return std::binary_search(voters_.begin(), voters_.end(), config_.id);
}

void Raft::send(Message m) {
  m.from = config_.id;
  // Local and proposal messages carry no term; everything else carries ours unless the caller
  // set one (vote requests of a pre-election carry the term they would start).
  if (m.term == 0 && m.type != MessageType::prop) m.term = term_;
  outbox_.push_back(std::move(m));
}

void Raft::reset_randomized_timeout() {
  shortened_timeout_ = false;
  randomized_election_ticks_ =
      config_.election_ticks + static_cast<int>(rng_.below(config_.election_ticks));
  int quarter = std::max(1, config_.election_ticks / 4);
  prevote_retry_ticks_ = quarter + static_cast<int>(rng_.below(quarter));
}

void Raft::reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNone;
  }
  leader_ = kNone;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_timeout();
  lead_transferee_ = kNone;
  votes_.clear();
  pending_conf_index_ = 0;
  for (auto& [id, pr] : progress_) {
    pr = Progress{};
    pr.max_inflight = config_.max_inflight_messages;
    pr.next = log_.last_index() + 1;
    if (id == config_.id) pr.match = log_.stable();
  }
}

void Raft::become_follower(uint64_t term, uint64_t leader) {
  reset(term);
  role_ = Role::follower;
  leader_ = leader;
}

void Raft::become_pre_candidate() {
  // A pre-election changes neither term nor vote (thesis 9.6).
  reset_randomized_timeout();
  role_ = Role::pre_candidate;
  votes_.clear();
  leader_ = kNone;
}

void Raft::become_candidate() {
  reset(term_ + 1);
  vote_ = config_.id;
  role_ = Role::candidate;
}

void Raft::become_leader() {
  reset(term_);
  role_ = Role::leader;
  leader_ = config_.id;
  for (auto& [id, pr] : progress_) {
    if (id == config_.id) pr.become_replicate();
    pr.match = id == config_.id ? log_.stable() : 0;
  }
  // Entries of earlier terms are committed only by counting an entry of the current term
  // (thesis 3.6.2): append one at once. Any conf change in the log may still be unapplied, so
  // no new one is accepted until everything up to here is applied.
  pending_conf_index_ = log_.last_index();
  append_as_leader({Entry{}});
}

bool Raft::has_unapplied_conf_change() const {
  for (uint64_t i = log_.applied() + 1; i <= log_.committed(); ++i) {
    const Entry* e = log_.entry(i);
    if (e && e->type == EntryType::conf_change) return true;
  }
  return false;
}

void Raft::start_campaign(CampaignKind kind) {
  if (!promotable()) return;
  MessageType request;
  uint64_t request_term;
  if (kind == CampaignKind::pre_election) {
    become_pre_candidate();
    request = MessageType::pre_vote;
    request_term = term_ + 1;
  } else {
    become_candidate();
    request = MessageType::vote;
    request_term = term_;
  }
  votes_[config_.id] = true;
  if (tally_votes(voters_, votes_) == VoteResult::won) {
    // A single voter wins at once.
    if (kind == CampaignKind::pre_election) {
      start_campaign(CampaignKind::election);
    } else {
      become_leader();
    }
    return;
  }
  for (uint64_t id : voters_) {
    if (id == config_.id) continue;
    Message m{.type = request, .to = id, .term = request_term};
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    m.transfer = kind == CampaignKind::transfer;
    send(std::move(m));
  }
}

void Raft::tick() {
  if (role_ == Role::leader) {
    ++heartbeat_elapsed_;
    ++election_elapsed_;
    if (election_elapsed_ >= config_.election_ticks) {
      election_elapsed_ = 0;
      if (config_.check_quorum) step(Message{.type = MessageType::check_quorum});
      // A transfer that did not finish within an election timeout is abandoned.
      if (role_ == Role::leader) lead_transferee_ = kNone;
    }
    if (role_ != Role::leader) return;
    if (heartbeat_elapsed_ >= config_.heartbeat_ticks) {
      heartbeat_elapsed_ = 0;
      step(Message{.type = MessageType::beat});
    }
    return;
  }
  ++election_elapsed_;
  // A pre-election that got no answer (its voters were still hearing from the old leader a
  // moment ago, so they ignored it) is retried after a few ticks rather than a whole election
  // timeout: it changes no term, so retrying is harmless, and the cluster recovers sooner.
  int timeout = role_ == Role::pre_candidate ? prevote_retry_ticks_ : randomized_election_ticks_;
  if (promotable() && election_elapsed_ >= timeout) {
    election_elapsed_ = 0;
    step(Message{.type = MessageType::hup});
  }
}

void Raft::step(Message m) {
  if (m.term == 0) {
    // Local message or proposal: no term handling.
  } else if (m.term > term_) {
    if (m.type == MessageType::vote || m.type == MessageType::pre_vote) {
      // Check-quorum lease (thesis 6.2 / 4.2.3): while we hear from a leader, ignore
      // candidates, unless the leader itself asked for the election (transfer).
      bool in_lease =
          config_.check_quorum && leader_ != kNone && election_elapsed_ < config_.election_ticks;
      if (!m.transfer && in_lease) return;
    }
    if (m.type == MessageType::pre_vote) {
      // Never change term for a pre-vote request.
    } else if (m.type == MessageType::pre_vote_resp && !m.reject) {
      // A granted pre-vote carries the term we would start; nothing to adopt.
    } else if (m.type == MessageType::app || m.type == MessageType::heartbeat ||
               m.type == MessageType::snap) {
      become_follower(m.term, m.from);
    } else {
      become_follower(m.term, kNone);
    }
  } else if (m.term < term_) {
    if ((config_.check_quorum || config_.pre_vote) &&
        (m.type == MessageType::heartbeat || m.type == MessageType::app)) {
      // A stale leader (e.g. back from a partition) learns our term and steps down; without
      // this it could keep disrupting nothing but also never learn it lost.
      send(Message{.type = MessageType::app_resp, .to = m.from});
    } else if (m.type == MessageType::pre_vote) {
      send(Message{.type = MessageType::pre_vote_resp, .to = m.from, .reject = true});
    }
    return;
  }

  switch (m.type) {
    case MessageType::hup:
      if (role_ == Role::leader) return;
      // A member that has not applied a committed conf change does not know the voters yet.
      if (has_unapplied_conf_change()) return;
      start_campaign(config_.pre_vote ? CampaignKind::pre_election : CampaignKind::election);
      return;
    case MessageType::vote:
    case MessageType::pre_vote: handle_vote_request(m); return;
    default: break;
  }
  switch (role_) {
    case Role::leader: step_leader(m); break;
    case Role::follower: step_follower(m); break;
    case Role::pre_candidate:
    case Role::candidate: step_candidate(m); break;
  }
}

void Raft::handle_vote_request(const Message& m) {
  bool pre = m.type == MessageType::pre_vote;
  bool can_vote =
      vote_ == m.from || (vote_ == kNone && leader_ == kNone) || (pre && m.term > term_);
  MessageType resp = pre ? MessageType::pre_vote_resp : MessageType::vote_resp;
  if (can_vote && log_.is_up_to_date(m.index, m.log_term)) {
    // The answer carries the term asked for, so a granted pre-vote is not mistaken for a
    // message from an older term.
    send(Message{.type = resp, .to = m.from, .term = m.term});
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    send(Message{.type = resp, .to = m.from, .term = term_, .reject = true});
  }
}

void Raft::handle_vote_response(const Message& m) {
  votes_.emplace(m.from, !m.reject);
  switch (tally_votes(voters_, votes_)) {
    case VoteResult::won:
      if (role_ == Role::pre_candidate) {
        start_campaign(CampaignKind::election);
      } else {
        become_leader();
        broadcast_append();
      }
      break;
    case VoteResult::lost: become_follower(term_, kNone); break;
    case VoteResult::pending: break;
  }
}

bool Raft::append_as_leader(std::vector<Entry> entries) {
  uint64_t index = log_.last_index();
  for (Entry& e : entries) {
    e.term = term_;
    e.index = ++index;
    if (e.type == EntryType::conf_change) pending_conf_index_ = e.index;
  }
  log_.append(std::move(entries));
  // The leader's own progress moves when the entries are persisted (advance()).
  return true;
}

bool Raft::propose(std::string data, EntryType type) {
  if (role_ == Role::leader) {
    if (lead_transferee_ != kNone) return false;
    if (type == EntryType::conf_change && pending_conf_index_ > log_.applied()) return false;
    append_as_leader({Entry{.type = type, .data = std::move(data)}});
    // Sent with the next Ready: every proposal made until then goes in one append per
    // follower rather than one append each.
    broadcast_pending_ = true;
    return true;
  }
  if (leader_ == kNone || role_ != Role::follower) return false;
  Message m{.type = MessageType::prop, .to = leader_};
  m.entries.push_back(Entry{.type = type, .data = std::move(data)});
  send(std::move(m));
  return true;
}

void Raft::leader_connection_lost() {
  if (role_ != Role::follower || leader_ == kNone) return;
  leader_ = kNone;
  election_elapsed_ = 0;
  randomized_election_ticks_ =
      1 +
      static_cast<int>(rng_.below(static_cast<uint64_t>(std::max(1, config_.election_ticks / 2))));
  shortened_timeout_ = true;
}

void Raft::transfer_leadership(uint64_t to) {
  if (role_ == Role::leader) {
    handle_transfer_request(to);
  } else if (leader_ != kNone) {
    Message m{.type = MessageType::transfer_leader, .to = leader_};
    m.from = to;  // overwritten by send(); the transferee travels in `index`
    m.index = to;
    send(std::move(m));
  }
}

void Raft::handle_transfer_request(uint64_t transferee) {
  if (transferee == config_.id || !progress_.contains(transferee)) return;
  if (lead_transferee_ == transferee) return;
  lead_transferee_ = transferee;
  // The transfer must finish within an election timeout (tick() abandons it).
  election_elapsed_ = 0;
  const Progress& pr = progress_.at(transferee);
  if (pr.match == log_.last_index()) {
    send(Message{.type = MessageType::timeout_now, .to = transferee});
  } else {
    send_append(transferee);
  }
}

void Raft::step_leader(Message& m) {
  switch (m.type) {
    case MessageType::beat: broadcast_heartbeat(); return;
    case MessageType::check_quorum:
      if (!quorum_active()) become_follower(term_, kNone);
      return;
    case MessageType::prop: {
      if (m.entries.empty() || lead_transferee_ != kNone) return;
      for (Entry& e : m.entries) {
        if (e.type == EntryType::conf_change && pending_conf_index_ > log_.applied()) return;
      }
      append_as_leader(std::move(m.entries));
      broadcast_pending_ = true;
      return;
    }
    case MessageType::transfer_leader: handle_transfer_request(m.index); return;
    default: break;
  }
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return;
  Progress& pr = it->second;
  switch (m.type) {
    case MessageType::app_resp: handle_append_response(m, pr); break;
    case MessageType::heartbeat_resp:
      pr.recent_active = true;
      pr.probe_sent = false;
      // The follower is alive: if the window is full, its answers were probably lost; free a
      // slot so replication resumes (a gap makes the follower reject, and we probe).
      if (pr.state == Progress::State::replicate && pr.paused()) pr.inflight.pop_front();
      if (pr.match < log_.last_index()) send_append(m.from);
      break;
    case MessageType::snap_status:
      if (pr.state != Progress::State::snapshot) return;
      if (m.reject) pr.pending_snapshot = 0;
      pr.become_probe();
      // Wait for the follower's answer (or the next heartbeat) before probing again.
      pr.probe_sent = true;
      break;
    case MessageType::unreachable:
      if (pr.state == Progress::State::replicate) pr.become_probe();
      break;
    default: break;
  }
}

void Raft::handle_append_response(const Message& m, Progress& pr) {
  pr.recent_active = true;
  if (m.reject) {
    if (pr.maybe_decrease(m.index, m.reject_hint)) {
      if (pr.state == Progress::State::replicate) pr.become_probe();
      send_append(m.from);
    }
    return;
  }
  bool was_paused = pr.paused();
  if (!pr.maybe_update(m.index)) return;
  if (pr.state == Progress::State::probe) {
    pr.become_replicate();
  } else if (pr.state == Progress::State::snapshot && pr.match >= pr.pending_snapshot) {
    pr.become_probe();
    pr.become_replicate();
  }
  if (maybe_commit()) {
    broadcast_append();
  } else if (was_paused) {
    send_append(m.from);
  }
  // Keep the window full while there is more to send.
  while (send_append(m.from, false)) {
  }
  if (m.from == lead_transferee_ && pr.match == log_.last_index()) {
    send(Message{.type = MessageType::timeout_now, .to = m.from});
  }
}

void Raft::step_follower(Message& m) {
  if (shortened_timeout_ && (m.type == MessageType::app || m.type == MessageType::heartbeat ||
                             m.type == MessageType::snap)) {
    // The leader is alive after all: back to the normal election timeout.
    shortened_timeout_ = false;
    reset_randomized_timeout();
  }
  switch (m.type) {
    case MessageType::prop:
      if (leader_ == kNone) return;  // dropped: the proposer times out
      m.to = leader_;
      send(std::move(m));
      return;
    case MessageType::app:
      election_elapsed_ = 0;
      leader_ = m.from;
      handle_append(m);
      return;
    case MessageType::heartbeat:
      election_elapsed_ = 0;
      leader_ = m.from;
      handle_heartbeat(m);
      return;
    case MessageType::snap:
      election_elapsed_ = 0;
      leader_ = m.from;
      handle_snapshot(m);
      return;
    case MessageType::transfer_leader:
      if (leader_ == kNone) return;
      m.to = leader_;
      send(std::move(m));
      return;
    case MessageType::timeout_now:
      // The leader asked us to take over: campaign at once, without a pre-election, and with
      // the transfer flag so that voters ignore their leader lease.
      start_campaign(CampaignKind::transfer);
      return;
    default: return;
  }
}

void Raft::step_candidate(Message& m) {
  switch (m.type) {
    case MessageType::app:
      become_follower(m.term, m.from);
      handle_append(m);
      return;
    case MessageType::heartbeat:
      become_follower(m.term, m.from);
      handle_heartbeat(m);
      return;
    case MessageType::snap:
      become_follower(m.term, m.from);
      handle_snapshot(m);
      return;
    case MessageType::vote_resp:
      if (role_ == Role::candidate) handle_vote_response(m);
      return;
    case MessageType::pre_vote_resp:
      if (role_ == Role::pre_candidate) handle_vote_response(m);
      return;
    default: return;  // proposals are dropped while there is no leader
  }
}

void Raft::handle_append(Message& m) {
  if (m.index < log_.committed()) {
    send(Message{.type = MessageType::app_resp, .to = m.from, .index = log_.committed()});
    return;
  }
  auto last_new = log_.maybe_append(m.index, m.log_term, m.commit, std::move(m.entries));
  if (last_new) {
    send(Message{.type = MessageType::app_resp, .to = m.from, .index = *last_new});
  } else {
    Message resp{.type = MessageType::app_resp, .to = m.from, .index = m.index};
    resp.reject = true;
    resp.reject_hint = log_.last_index();
    send(std::move(resp));
  }
}

void Raft::handle_heartbeat(const Message& m) {
  log_.commit_to(std::min(m.commit, log_.last_index()));
  send(Message{.type = MessageType::heartbeat_resp, .to = m.from});
}

void Raft::handle_snapshot(Message& m) {
  if (!m.snapshot) return;
  const SnapshotMeta& meta = m.snapshot->meta;
  if (meta.index <= log_.committed()) {
    send(Message{.type = MessageType::app_resp, .to = m.from, .index = log_.committed()});
    return;
  }
  if (log_.match_term(meta.index, meta.term)) {
    // We already hold the entries the snapshot covers: just learn they are committed.
    log_.commit_to(meta.index);
  } else {
    std::vector<uint64_t> voters = meta.voters;
    log_.restore_snapshot(std::move(*m.snapshot));
    set_voters(std::move(voters));
  }
  send(Message{.type = MessageType::app_resp, .to = m.from, .index = log_.last_index()});
}

bool Raft::send_append(uint64_t to, bool send_if_empty) {
  auto it = progress_.find(to);
  if (it == progress_.end() || to == config_.id) return false;
  Progress& pr = it->second;
  if (pr.paused()) return false;
  auto prev_term = log_.term(pr.next - 1);
  if (!prev_term || pr.next < log_.first_index()) {
    // The follower needs entries we compacted: send a snapshot of the applied state.
    if (!pr.recent_active || !config_.snapshot_source) return false;
    auto snapshot = config_.snapshot_source();
    if (!snapshot || snapshot->meta.index == 0) return false;
    pr.become_snapshot(snapshot->meta.index);
    Message m{.type = MessageType::snap, .to = to};
    m.snapshot = std::move(snapshot);
    send(std::move(m));
    return true;
  }
  std::vector<Entry> entries;
  if (pr.next <= log_.last_index()) {
    entries = log_.slice(pr.next, log_.last_index() + 1, config_.max_bytes_per_message);
  }
  if (entries.empty() && !send_if_empty) return false;
  Message m{.type = MessageType::app, .to = to};
  m.index = pr.next - 1;
  m.log_term = *prev_term;
  m.commit = log_.committed();
  if (!entries.empty()) pr.sent(entries.back().index);
  m.entries = std::move(entries);
  send(std::move(m));
  return true;
}

void Raft::broadcast_append() {
  for (const auto& [id, pr] : progress_) {
    if (id != config_.id) send_append(id);
  }
}

void Raft::broadcast_heartbeat() {
  for (const auto& [id, pr] : progress_) {
    if (id == config_.id) continue;
    // Never tell a follower an index is committed beyond what it is known to hold.
    Message m{.type = MessageType::heartbeat, .to = id};
    m.commit = std::min(pr.match, log_.committed());
    send(std::move(m));
  }
}

bool Raft::maybe_commit() {
  std::vector<uint64_t> match;
  match.reserve(voters_.size());
  for (uint64_t id : voters_) {
    auto it = progress_.find(id);
    match.push_back(it == progress_.end() ? 0 : it->second.match);
  }
  return log_.maybe_commit(majority_committed(std::move(match)), term_);
}

bool Raft::quorum_active() {
  std::map<uint64_t, bool> active;
  for (auto& [id, pr] : progress_) {
    active[id] = id == config_.id || pr.recent_active;
    if (id != config_.id) pr.recent_active = false;
  }
  return tally_votes(voters_, active) == VoteResult::won;
}

void Raft::set_voters(std::vector<uint64_t> voters) {
  std::sort(voters.begin(), voters.end());
  voters.erase(std::unique(voters.begin(), voters.end()), voters.end());
  voters_ = std::move(voters);
  for (auto it = progress_.begin(); it != progress_.end();) {
    it = std::binary_search(voters_.begin(), voters_.end(), it->first) ? std::next(it)
                                                                       : progress_.erase(it);
  }
  for (uint64_t id : voters_) {
    if (progress_.contains(id)) continue;
    Progress pr;
    pr.max_inflight = config_.max_inflight_messages;
    pr.next = log_.last_index() + 1;
    // A new member starts as active so the leader does not step down before hearing from it.
    pr.recent_active = true;
    if (id == config_.id) pr.match = log_.stable();
    progress_.emplace(id, std::move(pr));
  }
}

void Raft::apply_conf_change(std::vector<uint64_t> voters) {
  set_voters(std::move(voters));
  if (role_ != Role::leader) return;
  if (!promotable()) {
    // Removed: stop leading; the caller stops this member.
    become_follower(term_, kNone);
    return;
  }
  if (lead_transferee_ != kNone && !progress_.contains(lead_transferee_)) {
    lead_transferee_ = kNone;
  }
  // A smaller quorum may commit more now.
  if (maybe_commit()) broadcast_append();
}

bool Raft::has_ready() const {
  if (ready_outstanding_) return false;
  return broadcast_pending_ || role_ != last_role_ || leader_ != last_leader_ ||
         hard_state() != persisted_hard_state_ || !outbox_.empty() || log_.pending_snapshot() ||
         log_.stable() < log_.last_index() || log_.has_next_committed();
}

Ready Raft::ready() {
  if (broadcast_pending_) {
    broadcast_pending_ = false;
    if (role_ == Role::leader) broadcast_append();
  }
  Ready rd;
  rd.role = role_;
  rd.leader = leader_;
  rd.soft_state_changed = role_ != last_role_ || leader_ != last_leader_;
  last_role_ = role_;
  last_leader_ = leader_;
  HardState hs = hard_state();
  bool term_or_vote_changed =
      hs.term != persisted_hard_state_.term || hs.vote != persisted_hard_state_.vote;
  if (hs != persisted_hard_state_) rd.hard_state = hs;
  rd.snapshot = log_.pending_snapshot();
  rd.entries = log_.unstable_entries();
  rd.committed_entries = log_.next_committed(config_.max_bytes_per_message * 4);
  rd.messages = std::move(outbox_);
  outbox_.clear();
  rd.must_sync = term_or_vote_changed || !rd.entries.empty() || rd.snapshot.has_value();
  rd.send_before_persist = role_ == Role::leader && !term_or_vote_changed;
  persisted_hard_state_ = hs;
  ready_outstanding_ = true;
  return rd;
}

void Raft::advance(const Ready& rd) {
  ready_outstanding_ = false;
  if (rd.snapshot) log_.stable_snapshot_to(rd.snapshot->meta.index);
  if (!rd.entries.empty()) log_.stable_to(rd.entries.back().index, rd.entries.back().term);
  if (!rd.committed_entries.empty()) log_.applied_to(rd.committed_entries.back().index);
  if (role_ == Role::leader) {
    auto self = progress_.find(config_.id);
    if (self != progress_.end() && self->second.maybe_update(log_.stable())) {
      if (maybe_commit()) broadcast_append();
    }
  }
}

}  // namespace etcdpp::raft
