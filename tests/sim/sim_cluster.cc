#include "sim/sim_cluster.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <queue>
#include <sstream>
#include <stdexcept>

namespace etcdpp::sim {

namespace {

using raft::Entry;
using raft::Message;
using raft::MessageType;

constexpr uint64_t kTickUnits = 10;
constexpr uint64_t kClientTimeout = 400;

// The replicated state machine: a register per key, the ids of applied operations (so that a
// proposal delivered twice by the network takes effect once) and the voters.
struct KvState {
  std::map<std::string, std::string> kv;
  std::set<uint64_t> applied_ops;
  std::vector<uint64_t> voters;
  std::set<uint64_t> removed;  // members removed for good (their messages are refused)

  std::string encode() const {
    std::ostringstream out;
    out << "v";
    for (uint64_t v : voters) out << ' ' << v;
    out << "\nr";
    for (uint64_t r : removed) out << ' ' << r;
    out << '\n';
    for (const auto& [k, v] : kv) out << "k " << k << ' ' << v << '\n';
    for (uint64_t id : applied_ops) out << "i " << id << '\n';
    return out.str();
  }
  static KvState decode(const std::string& text) {
    KvState s;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream l(line);
      std::string tag;
      l >> tag;
      if (tag == "v") {
        uint64_t v;
        while (l >> v) s.voters.push_back(v);
      } else if (tag == "r") {
        uint64_t r;
        while (l >> r) s.removed.insert(r);
      } else if (tag == "k") {
        std::string k, v;
        l >> k >> v;
        s.kv[k] = v;
      } else if (tag == "i") {
        uint64_t id;
        l >> id;
        s.applied_ops.insert(id);
      }
    }
    return s;
  }
};

struct Op {
  uint64_t id = 0;
  RegisterOp::Kind kind = RegisterOp::Kind::get;
  std::string key, value, expect;

  std::string encode() const {
    std::ostringstream out;
    out << id << ' ' << static_cast<int>(kind) << ' ' << key << ' ' << (value.empty() ? "-" : value)
        << ' ' << (expect.empty() ? "-" : expect);
    return out.str();
  }
  static Op decode(const std::string& text) {
    Op op;
    std::istringstream in(text);
    int kind;
    in >> op.id >> kind >> op.key >> op.value >> op.expect;
    op.kind = static_cast<RegisterOp::Kind>(kind);
    if (op.value == "-") op.value.clear();
    if (op.expect == "-") op.expect.clear();
    return op;
  }
};

struct OpResult {
  std::optional<std::string> got;
  bool cas_succeeded = false;
};

// What survives a crash. Writes of a Ready that must not sync (commit-only hard state) stay
// volatile until the next synced write covers them, as in a WAL.
struct Disk {
  raft::HardState hard_state;
  std::optional<raft::HardState> volatile_hard_state;
  raft::SnapshotMeta snapshot;
  std::string snapshot_data;
  std::vector<Entry> entries;  // after the snapshot
  std::vector<uint64_t> bootstrap_voters;

  void append(const std::vector<Entry>& new_entries) {
    if (new_entries.empty()) return;
    uint64_t from = new_entries.front().index;
    while (!entries.empty() && entries.back().index >= from) entries.pop_back();
    entries.insert(entries.end(), new_entries.begin(), new_entries.end());
  }
};

struct Node {
  uint64_t id = 0;
  bool up = false;
  bool removed = false;
  Disk disk;
  std::unique_ptr<base::Rng> rng;
  std::unique_ptr<raft::Raft> raft;
  KvState state;
  uint64_t applied = 0;
  uint64_t last_snapshot = 0;
  std::optional<raft::Ready> in_flight;
  uint64_t in_flight_done_at = 0;
  uint64_t restart_at = 0;
};

struct InFlightMessage {
  uint64_t deliver_at;
  uint64_t seq;  // tie-break: deterministic order
  Message message;
  // Orders a max-heap so that the earliest delivery is on top.
  bool operator<(const InFlightMessage& o) const {
    return deliver_at != o.deliver_at ? deliver_at > o.deliver_at : seq > o.seq;
  }
};

struct Client {
  uint64_t next_at = 0;
  std::optional<size_t> pending;  // index into history
  uint64_t node = 0;
  uint64_t op_id = 0;
  uint64_t deadline = 0;
};

class Sim {
 public:
  Sim(uint64_t seed, const SimOptions& options) : rng_(seed), options_(options) {}

  SimResult run();

 private:
  bool chance(double p) { return static_cast<double>(rng_.below(1'000'000)) < p * 1e6; }
  uint64_t between(uint64_t lo, uint64_t hi) { return lo + rng_.below(hi - lo + 1); }

  void start_node(Node& n);
  void crash_node(Node& n);
  void step_time();
  void process_node(Node& n);
  void complete_ready(Node& n);
  void apply_entry(Node& n, const Entry& e);
  void maybe_snapshot(Node& n);
  void send(const Node& from, Message m);
  void deliver_due();
  void inject_faults();
  void drive_clients(bool allow_new);
  void check_invariants();
  bool converged() const;
  void trace(const std::string& what) {
    if (trace_) std::fprintf(stderr, "t=%lu %s\n", static_cast<unsigned long>(now_), what.c_str());
  }
  void fail(const std::string& what) {
    if (result_.failure.empty()) {
      result_.failure = "t=" + std::to_string(now_) + ": " + what;
    }
  }
  bool connected(uint64_t a, uint64_t b) const {
    if (!partitioned_) return true;
    auto sa = side_.find(a);
    auto sb = side_.find(b);
    return (sa == side_.end() ? 0 : sa->second) == (sb == side_.end() ? 0 : sb->second);
  }
  std::vector<uint64_t> up_nodes() const {
    std::vector<uint64_t> out;
    for (const auto& [id, n] : nodes_) {
      if (n.up) out.push_back(id);
    }
    return out;
  }

  base::Rng rng_;
  SimOptions options_;
  SimResult result_;
  uint64_t now_ = 0;
  uint64_t seq_ = 0;
  uint64_t next_op_id_ = 1;
  std::map<uint64_t, Node> nodes_;
  std::priority_queue<InFlightMessage> network_;
  bool partitioned_ = false;
  uint64_t heal_at_ = 0;
  std::map<uint64_t, int> side_;
  std::map<uint64_t, uint64_t> leader_of_term_;
  // index → (term, data) of every entry any member applied: all must agree.
  std::map<uint64_t, std::pair<uint64_t, std::string>> committed_;
  // index → the applying member's term when the entry was first applied: the entry was
  // committed in that term or earlier, so every leader of a later term must hold it.
  std::map<uint64_t, uint64_t> committed_by_term_;
  std::vector<RegisterOp> history_;
  std::vector<Client> clients_;
  std::map<uint64_t, size_t> client_of_op_;  // op id → client
  bool faults_ = true;
  bool trace_ = std::getenv("ETCDPP_SIM_TRACE") != nullptr;
};

void Sim::start_node(Node& n) {
  n.up = true;
  n.in_flight.reset();
  n.rng = std::make_unique<base::Rng>(rng_.next());
  raft::Persisted p;
  p.hard_state = n.disk.hard_state;
  p.snapshot = n.disk.snapshot;
  p.entries = n.disk.entries;
  if (n.disk.snapshot.index > 0) {
    n.state = KvState::decode(n.disk.snapshot_data);
  } else {
    n.state = KvState{};
    n.state.voters = n.disk.bootstrap_voters;
  }
  p.voters = n.state.voters;
  p.applied = n.disk.snapshot.index;
  n.applied = n.disk.snapshot.index;
  n.last_snapshot = n.disk.snapshot.index;
  raft::Config config;
  config.id = n.id;
  config.election_ticks = 10;
  config.heartbeat_ticks = 1;
  config.max_inflight_messages = 16;
  config.max_bytes_per_message = 4096;
  Node* self = &n;
  config.snapshot_source = [self]() -> std::optional<raft::Snapshot> {
    auto term = self->raft->log().term(self->applied);
    if (!term) return std::nullopt;
    raft::Snapshot s;
    s.meta = {self->applied, *term, self->state.voters};
    s.data = std::make_shared<const std::string>(self->state.encode());
    return s;
  };
  n.raft = std::make_unique<raft::Raft>(std::move(config), *n.rng, std::move(p));
  trace("start " + std::to_string(n.id) + " term " + std::to_string(n.raft->term()) + " last " +
        std::to_string(n.raft->log().last_index()) + " commit " +
        std::to_string(n.raft->log().committed()));
}

void Sim::crash_node(Node& n) {
  // The peers' connections from a crashed process close: its followers hear of it at once
  // (Raft::leader_connection_lost), as the member's peer listener tells them.
  for (auto& [id, other] : nodes_) {
    if (id != n.id && other.up && other.raft->leader() == n.id) {
      other.raft->leader_connection_lost();
    }
  }
  trace("crash " + std::to_string(n.id) + " disk last " +
        (n.disk.entries.empty() ? std::string("-") : std::to_string(n.disk.entries.back().index)) +
        " hs term " + std::to_string(n.disk.hard_state.term) + " vote " +
        std::to_string(n.disk.hard_state.vote));
  n.up = false;
  n.in_flight.reset();
  n.disk.volatile_hard_state.reset();
  n.raft.reset();
  ++result_.crashes;
}

void Sim::send(const Node& from, Message m) {
  if (m.to == raft::kNone) return;
  if (m.type == MessageType::snap) ++result_.snapshots_sent;
  bool dropped = faults_ && chance(options_.drop_rate);
  uint64_t delay = between(1, options_.max_delay);
  if (m.type == MessageType::snap) {
    // The transport tells the sender how the snapshot went.
    Message status{.type = MessageType::snap_status, .from = m.to, .to = from.id};
    status.reject = dropped || !connected(from.id, m.to);
    network_.push({now_ + delay, seq_++, status});
  }
  if (dropped) return;
  if (faults_ && chance(options_.duplicate_rate)) {
    network_.push({now_ + between(1, options_.max_delay), seq_++, m});
  }
  network_.push({now_ + delay, seq_++, std::move(m)});
}

void Sim::deliver_due() {
  std::vector<InFlightMessage> due;
  while (!network_.empty() && network_.top().deliver_at <= now_) {
    due.push_back(network_.top());
    network_.pop();
  }
  for (auto& d : due) {
    auto it = nodes_.find(d.message.to);
    if (it == nodes_.end() || !it->second.up) continue;
    bool local = d.message.type == MessageType::snap_status;
    if (!local && !connected(d.message.from, d.message.to)) continue;
    if (local) d.message.term = 0;
    Node& to = it->second;
    if (!local && to.state.removed.contains(d.message.from)) {
      // As etcd's peer transport: a removed member's messages are refused, and the refusal
      // tells it to stop.
      auto from = nodes_.find(d.message.from);
      if (from != nodes_.end() && from->second.up) {
        from->second.removed = true;
        from->second.up = false;
        from->second.raft.reset();
      }
      continue;
    }
    to.raft->step(std::move(d.message));
  }
}

void Sim::apply_entry(Node& n, const Entry& e) {
  auto [it, inserted] = committed_.try_emplace(e.index, e.term, e.data);
  if (inserted) committed_by_term_[e.index] = n.raft->term();
  if (inserted)
    trace("node " + std::to_string(n.id) + " first applies " + std::to_string(e.index) + " term " +
          std::to_string(e.term));
  if (!inserted && (it->second.first != e.term || it->second.second != e.data)) {
    fail("state machine safety: member " + std::to_string(n.id) + " applies index " +
         std::to_string(e.index) + " term " + std::to_string(e.term) +
         " but another member applied term " + std::to_string(it->second.first));
  }
  result_.committed = std::max(result_.committed, e.index);
  n.applied = e.index;
  if (e.data.empty()) return;
  if (e.type == raft::EntryType::conf_change) {
    char sign = e.data[0];
    auto& v = n.state.voters;
    if (sign == '=') {
      // The bootstrap entry: the initial voters (a joining member learns them from it).
      v.clear();
      std::istringstream in(e.data.substr(1));
      uint64_t id;
      while (in >> id) v.push_back(id);
      n.raft->apply_conf_change(v);
      return;
    }
    uint64_t id = std::stoull(e.data.substr(1));
    if (sign == '+' && std::find(v.begin(), v.end(), id) == v.end()) v.push_back(id);
    if (sign == '-') {
      v.erase(std::remove(v.begin(), v.end(), id), v.end());
      n.state.removed.insert(id);
    }
    std::sort(v.begin(), v.end());
    n.raft->apply_conf_change(v);
    if (sign == '-' && id == n.id) n.removed = true;
    return;
  }
  Op op = Op::decode(e.data);
  OpResult r;
  if (n.state.applied_ops.insert(op.id).second) {
    auto cur = n.state.kv.find(op.key);
    std::optional<std::string> value;
    if (cur != n.state.kv.end()) value = cur->second;
    switch (op.kind) {
      case RegisterOp::Kind::get: r.got = value; break;
      case RegisterOp::Kind::put: n.state.kv[op.key] = op.value; break;
      case RegisterOp::Kind::cas:
        r.cas_succeeded = value && *value == op.expect;
        if (r.cas_succeeded) n.state.kv[op.key] = op.value;
        break;
    }
  } else {
    return;  // a duplicate: the first copy answered
  }
  auto c = client_of_op_.find(op.id);
  if (c == client_of_op_.end()) return;
  Client& client = clients_[c->second];
  if (!client.pending || client.op_id != op.id || client.node != n.id) return;
  RegisterOp& rec = history_[*client.pending];
  rec.return_time = now_;
  rec.got = r.got;
  rec.cas_succeeded = r.cas_succeeded;
  client.pending.reset();
  client.next_at = now_ + between(1, 50);
  client_of_op_.erase(c);
}

void Sim::maybe_snapshot(Node& n) {
  if (n.applied - n.last_snapshot < options_.snapshot_every) return;
  auto term = n.raft->log().term(n.applied);
  if (!term) return;
  n.disk.snapshot = {n.applied, *term, n.state.voters};
  n.disk.snapshot_data = n.state.encode();
  auto& entries = n.disk.entries;
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [&](const Entry& e) { return e.index <= n.applied; }),
                entries.end());
  n.last_snapshot = n.applied;
  // Keep a few entries so that slightly slow followers still get appends, not snapshots.
  if (n.applied > 5) n.raft->compact(n.applied - 5);
}

void Sim::complete_ready(Node& n) {
  raft::Ready rd = std::move(*n.in_flight);
  n.in_flight.reset();
  Disk& d = n.disk;
  if (rd.snapshot) {
    d.snapshot = rd.snapshot->meta;
    d.snapshot_data = *rd.snapshot->data;
    d.entries.clear();
  }
  d.append(rd.entries);
  if (rd.must_sync) {
    if (d.volatile_hard_state) d.hard_state = *d.volatile_hard_state;
    d.volatile_hard_state.reset();
    if (rd.hard_state) d.hard_state = *rd.hard_state;
  } else if (rd.hard_state) {
    d.volatile_hard_state = rd.hard_state;
  }
  if (!rd.send_before_persist) {
    for (auto& m : rd.messages) send(n, std::move(m));
  }
  if (rd.snapshot) {
    n.state = KvState::decode(*rd.snapshot->data);
    n.applied = rd.snapshot->meta.index;
    n.last_snapshot = n.applied;
  }
  for (const Entry& e : rd.committed_entries) {
    if (e.index != n.applied + 1) {
      fail("member " + std::to_string(n.id) + " got committed entry " + std::to_string(e.index) +
           " after applying " + std::to_string(n.applied));
      return;
    }
    apply_entry(n, e);
  }
  n.raft->advance(rd);
  maybe_snapshot(n);
  if (n.removed) {
    // A removed member stops, as etcd's does.
    n.up = false;
    n.raft.reset();
  }
}

void Sim::process_node(Node& n) {
  if (!n.up) return;
  if (n.in_flight && now_ >= n.in_flight_done_at) complete_ready(n);
  if (!n.up || n.in_flight || !n.raft->has_ready()) return;
  n.in_flight = n.raft->ready();
  if (n.in_flight->soft_state_changed) {
    trace("node " + std::to_string(n.id) + " " + std::string(raft::role_name(n.in_flight->role)) +
          " term " + std::to_string(n.raft->term()) + " last " +
          std::to_string(n.raft->log().last_index()) + " lastterm " +
          std::to_string(n.raft->log().last_term()) + " commit " +
          std::to_string(n.raft->log().committed()));
  }
  if (trace_) {
    for (const auto& m : n.in_flight->messages) {
      if (m.type == MessageType::vote_resp || m.type == MessageType::app_resp) {
        trace("  " + std::to_string(n.id) + "->" + std::to_string(m.to) + " " +
              std::string(raft::message_type_name(m.type)) + " term " + std::to_string(m.term) +
              " index " + std::to_string(m.index) + (m.reject ? " reject" : ""));
      }
    }
  }
  if (n.in_flight->send_before_persist) {
    for (auto& m : n.in_flight->messages) send(n, std::move(m));
    n.in_flight->messages.clear();
  }
  n.in_flight_done_at = now_ + between(0, 4);
  if (n.in_flight_done_at == now_) complete_ready(n);
}

void Sim::inject_faults() {
  if (partitioned_ && now_ >= heal_at_) partitioned_ = false;
  if (!partitioned_ && chance(0.0015)) {
    partitioned_ = true;
    ++result_.partitions;
    heal_at_ = now_ + between(200, 1500);
    for (auto& [id, n] : nodes_) side_[id] = static_cast<int>(rng_.below(2));
  }
  for (auto& [id, n] : nodes_) {
    if (!n.up && !n.removed && n.restart_at != 0 && now_ >= n.restart_at) {
      n.restart_at = 0;
      start_node(n);
    }
  }
  auto up = up_nodes();
  if (chance(0.001) && up.size() > 1) {
    Node& victim = nodes_.at(up[rng_.below(up.size())]);
    crash_node(victim);
    victim.restart_at = now_ + between(50, 800);
  }
  if (chance(0.001) && !up.empty()) {
    // A false alarm: a follower sees a connection from its (live) leader close.
    Node& n = nodes_.at(up[rng_.below(up.size())]);
    if (n.raft) n.raft->leader_connection_lost();
  }
  if (chance(0.0005)) {
    // A graceful hand-over (as on shutdown): the leader transfers to a random voter.
    for (uint64_t id : up) {
      Node& leader = nodes_.at(id);
      if (!leader.raft || leader.raft->role() != raft::Role::leader) continue;
      const auto& voters = leader.raft->voters();
      leader.raft->transfer_leadership(voters[rng_.below(voters.size())]);
      ++result_.transfers;
      break;
    }
  }
  if (options_.membership_changes && chance(0.0008)) {
    // Find the leader and propose one change; raft refuses a second one until applied.
    for (uint64_t id : up) {
      Node& leader = nodes_.at(id);
      if (!leader.raft || leader.raft->role() != raft::Role::leader) continue;
      const auto& voters = leader.state.voters;
      if (voters.size() < options_.max_members && chance(0.5)) {
        uint64_t fresh = nodes_.rbegin()->first + 1;
        if (leader.raft->propose("+" + std::to_string(fresh), raft::EntryType::conf_change)) {
          // The new member starts empty and learns everything from the leader, as a member
          // started with --initial-cluster-state existing.
          Node& n = nodes_[fresh];
          n.id = fresh;
          start_node(n);
          ++result_.membership_changes;
        }
      } else if (voters.size() > 3) {
        uint64_t victim = voters[rng_.below(voters.size())];
        if (leader.raft->propose("-" + std::to_string(victim), raft::EntryType::conf_change)) {
          ++result_.membership_changes;
        }
      }
      break;
    }
  }
}

void Sim::drive_clients(bool allow_new) {
  for (size_t c = 0; c < clients_.size(); ++c) {
    Client& client = clients_[c];
    if (client.pending && now_ >= client.deadline) {
      // Unknown outcome: leave return_time unset.
      client_of_op_.erase(client.op_id);
      client.pending.reset();
      client.next_at = now_ + between(1, 50);
    }
    if (client.pending || !allow_new || now_ < client.next_at) continue;
    auto up = up_nodes();
    if (up.empty()) continue;
    uint64_t node = up[rng_.below(up.size())];
    Op op;
    op.id = next_op_id_++;
    op.key = "k" + std::to_string(rng_.below(3));
    uint64_t kind = rng_.below(10);
    op.kind = kind < 4 ? RegisterOp::Kind::get
                       : (kind < 7 ? RegisterOp::Kind::put : RegisterOp::Kind::cas);
    op.value = "v" + std::to_string(op.id);
    if (op.kind == RegisterOp::Kind::cas) op.expect = "v" + std::to_string(rng_.below(op.id) + 1);
    if (op.kind == RegisterOp::Kind::get) op.value.clear();
    if (!nodes_.at(node).raft->propose(op.encode())) {
      // Dropped at once (no leader known): it never entered any log.
      client.next_at = now_ + between(5, 50);
      continue;
    }
    RegisterOp rec;
    rec.kind = op.kind;
    rec.key = op.key;
    rec.value = op.value;
    rec.expect = op.expect;
    rec.call_time = now_;
    history_.push_back(rec);
    client.pending = history_.size() - 1;
    client.node = node;
    client.op_id = op.id;
    client.deadline = now_ + kClientTimeout;
    client_of_op_[op.id] = c;
  }
}

void Sim::check_invariants() {
  std::vector<const Node*> live;
  for (const auto& [id, n] : nodes_) {
    if (!n.up) continue;
    live.push_back(&n);
    const raft::Raft& r = *n.raft;
    const raft::RaftLog& log = r.log();
    if (log.committed() > log.last_index())
      fail("commit beyond last index on " + std::to_string(id));
    if (log.applied() > log.committed()) fail("applied beyond commit on " + std::to_string(id));
    uint64_t prev = log.snapshot_meta().term;
    for (uint64_t i = log.first_index(); i <= log.last_index(); ++i) {
      uint64_t t = *log.term(i);
      if (t < prev)
        fail("log terms decrease at index " + std::to_string(i) + " on " + std::to_string(id));
      prev = t;
    }
    if (r.role() == raft::Role::leader) {
      auto [it, inserted] = leader_of_term_.try_emplace(r.term(), id);
      if (!inserted && it->second != id) {
        fail("election safety: members " + std::to_string(it->second) + " and " +
             std::to_string(id) + " both lead term " + std::to_string(r.term()));
      }
      // Leader completeness: every entry committed in an earlier term is in the leader's log.
      for (auto c = committed_.lower_bound(log.first_index()); c != committed_.end(); ++c) {
        if (committed_by_term_.at(c->first) >= r.term()) continue;
        auto t = log.term(c->first);
        if (!t || *t != c->second.first) {
          fail("leader completeness: leader " + std::to_string(id) + " of term " +
               std::to_string(r.term()) + " lacks committed index " + std::to_string(c->first));
          break;
        }
      }
    }
  }
  // Log matching: if two logs hold an entry with the same index and term, they are identical
  // up to it.
  for (size_t a = 0; a < live.size(); ++a) {
    for (size_t b = a + 1; b < live.size(); ++b) {
      const raft::RaftLog& la = live[a]->raft->log();
      const raft::RaftLog& lb = live[b]->raft->log();
      uint64_t lo = std::max(la.first_index(), lb.first_index());
      uint64_t hi = std::min(la.last_index(), lb.last_index());
      bool matched = false;
      for (uint64_t i = hi; i >= lo && i > 0; --i) {
        const Entry* ea = la.entry(i);
        const Entry* eb = lb.entry(i);
        if (ea->term == eb->term) {
          matched = true;
          if (*ea != *eb) {
            fail("log matching: index " + std::to_string(i) + " differs between members " +
                 std::to_string(live[a]->id) + " and " + std::to_string(live[b]->id));
            return;
          }
        } else if (matched) {
          fail("log matching: terms differ below a matching entry at index " + std::to_string(i));
          return;
        }
      }
    }
  }
}

bool Sim::converged() const {
  // Converged: one leader, and every member of its configuration up, caught up and holding
  // the same state. (A member removed while cut off may never learn it, as in etcd: it is not
  // part of the cluster any more and is ignored here.)
  const Node* leader = nullptr;
  for (const auto& [id, n] : nodes_) {
    if (!n.up || n.raft->role() != raft::Role::leader) continue;
    if (leader) return false;
    leader = &n;
  }
  if (!leader || leader->in_flight) return false;
  for (uint64_t id : leader->raft->voters()) {
    auto it = nodes_.find(id);
    if (it == nodes_.end() || !it->second.up) return false;
    const Node& n = it->second;
    if (n.in_flight || n.raft->log().applied() != leader->raft->log().last_index()) return false;
    if (n.applied != leader->applied || n.state.kv != leader->state.kv) return false;
  }
  return true;
}

SimResult Sim::run() {
  std::vector<uint64_t> voters;
  for (uint64_t id = 1; id <= options_.initial_voters; ++id) voters.push_back(id);
  // Every initial member starts with the same first entry, committed: the initial voters
  // (as etcd bootstraps a new cluster).
  Entry bootstrap{.term = 1, .index = 1, .type = raft::EntryType::conf_change, .data = "="};
  for (uint64_t id : voters) bootstrap.data += std::to_string(id) + " ";
  for (uint64_t id : voters) {
    Node& n = nodes_[id];
    n.id = id;
    n.disk.bootstrap_voters = voters;
    n.disk.entries = {bootstrap};
    n.disk.hard_state = {1, raft::kNone, 1};
    start_node(n);
  }
  clients_.resize(options_.clients);
  uint64_t end_of_faults = options_.fault_time;
  uint64_t deadline = end_of_faults + options_.settle_time;
  for (now_ = 1; now_ <= deadline && result_.failure.empty(); ++now_) {
    if (now_ == end_of_faults) {
      faults_ = false;
      partitioned_ = false;
      for (auto& [id, n] : nodes_) {
        if (!n.up && !n.removed) start_node(n);
      }
    }
    if (faults_) inject_faults();
    if (now_ % kTickUnits == 0) {
      for (auto& [id, n] : nodes_) {
        if (n.up) n.raft->tick();
      }
    }
    deliver_due();
    for (auto& [id, n] : nodes_) process_node(n);
    drive_clients(faults_ || now_ < end_of_faults + options_.settle_time / 2);
    check_invariants();
    if (!faults_ && now_ > end_of_faults + options_.settle_time / 2 && converged()) {
      bool idle = std::none_of(clients_.begin(), clients_.end(),
                               [](const Client& c) { return c.pending.has_value(); });
      if (idle) break;
    }
  }
  if (result_.failure.empty() && !converged()) {
    std::ostringstream out;
    out << "the members did not converge within " << options_.settle_time
        << " time units after the faults stopped:";
    for (const auto& [id, n] : nodes_) {
      out << " [" << id << (n.up ? "" : " down") << (n.removed ? " removed" : "");
      if (n.up) {
        out << " " << raft::role_name(n.raft->role()) << " term " << n.raft->term() << " applied "
            << n.applied << " last " << n.raft->log().last_index() << " commit "
            << n.raft->log().committed();
      }
      out << "]";
    }
    fail(out.str());
  }
  result_.elections = leader_of_term_.size();
  result_.operations = history_.size();
  if (result_.failure.empty()) {
    CheckResult check = check_linearizable(history_);
    if (!check.linearizable) {
      fail("history of key " + check.key + " is not linearizable:\n" + check.details);
    }
  }
  return result_;
}

}  // namespace

SimResult run_simulation(uint64_t seed, const SimOptions& options) {
  try {
    return Sim(seed, options).run();
  } catch (const std::exception& e) {
    SimResult r;
    r.failure = std::string("exception: ") + e.what();
    return r;
  }
}

}  // namespace etcdpp::sim
