#include "server/member.h"

#include "base/log.h"

#include <boost/asio/post.hpp>

#include <malloc.h>

namespace etcdpp::server {

namespace asio = boost::asio;

Member::Member(asio::io_context& io, const MemberConfig& config, base::Clock& clock)
    : config_(config), clock_(clock), sync_timer_(io) {}

std::unique_ptr<Member> Member::open(asio::io_context& io, const MemberConfig& config,
                                     base::Clock& clock, std::string& error) {
  std::unique_ptr<Member> m(new Member(io, config, clock));
  const auto& dir = config.durable.member_dir;
  std::error_code ec;
  bool had_data = std::filesystem::exists(dir / "snap", ec) ||
                  std::filesystem::exists(config.durable.effective_wal_dir(), ec);
  auto identity = load_identity(dir, error);
  if (!error.empty()) return nullptr;
  if (!identity && had_data) {
    error = "the data dir " + dir.string() +
            " holds a WAL or snapshots but no identity file: it was not written by etcdpp, or "
            "is damaged";
    return nullptr;
  }
  if (!identity) {
    // A new member of a new cluster: etcd's ids for the same flags.
    Identity fresh;
    fresh.member_id = compute_member_id(config.advertise_peer_urls, config.cluster_token);
    fresh.cluster_id = compute_cluster_id({fresh.member_id});
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      error = "cannot create " + dir.string() + ": " + ec.message();
      return nullptr;
    }
    error = save_identity(dir, fresh);
    if (!error.empty()) return nullptr;
    identity = fresh;
    m->fresh_ = true;
  }
  m->identity_ = *identity;

  auto recovered = recover(config.durable, error, m->notes_);
  if (!recovered) return nullptr;
  m->state_ = std::move(recovered->state);
  m->last_index_ = m->applied_index_ = recovered->applied_index;
  m->snapshot_index_ = recovered->snapshot_index;
  // A single member elects itself at every start: a new term.
  m->term_ = recovered->last_term + 1;
  const Membership& ms = m->state_->membership;
  if (!ms.members.empty()) {
    if (ms.cluster_id != m->identity_.cluster_id) {
      error = "the data dir " + dir.string() + " belongs to cluster " + id_hex(ms.cluster_id) +
              " but its identity file says " + id_hex(m->identity_.cluster_id);
      return nullptr;
    }
    if (!ms.find(m->identity_.member_id)) {
      error = "member " + id_hex(m->identity_.member_id) +
              " has been removed from the cluster (data dir " + dir.string() + ")";
      return nullptr;
    }
  }
  Member* self = m.get();
  std::shared_ptr<bool> alive = m->alive_;
  m->log_ = std::make_unique<LogThread>(
      std::move(*recovered->writer),
      [self, alive, &io](uint64_t index, std::string err) {
        asio::post(io, [self, alive, index, err = std::move(err)] {
          if (!*alive) return;
          if (err.empty()) {
            self->on_durable(index);
          } else {
            self->on_log_failure(err);
          }
        });
      },
      [&io, alive, self](uint64_t index, std::string err) {
        asio::post(io, [self, alive, index, err = std::move(err)] {
          if (!*alive) return;
          if (err.empty()) {
            self->snapshot_index_ = std::max(self->snapshot_index_, index);
            ETCDPP_LOG_INFO("saved snapshot at index {}", index);
          } else {
            ETCDPP_LOG_ERROR("failed to save snapshot at index {}: {} (the WAL keeps everything)",
                             index, err);
          }
        });
      });
  m->start_time_ = clock.wall();
  m->started_mono_ = clock.monotonic();
  // Recovery held the replayed WAL records and the decoded snapshot: return that memory.
  ::malloc_trim(0);
  return m;
}

Member::~Member() {
  *alive_ = false;
  log_.reset();  // writes what was submitted, then joins
}

void Member::start(FatalHandler on_fatal) {
  on_fatal_ = std::move(on_fatal);
  if (state_->membership.members.empty()) {
    // Bootstrap: the cluster's first entry is its membership.
    Membership initial;
    initial.cluster_id = identity_.cluster_id;
    initial.upsert(MemberInfo{identity_.member_id, "", config_.advertise_peer_urls, {}});
    Entry e;
    e.kind = MembershipUpdate{std::move(initial)};
    propose(std::move(e), nullptr);
  }
  publish();
  arm_sync_timer();
}

void Member::stop() {
  stopped_ = true;
  sync_timer_.cancel();
}

void Member::publish() {
  // etcd publishes its name and client URLs through the log at every start, so that every
  // member (and proxy) learns them.
  Membership next = state_->membership;
  for (const auto& p : pending_) {
    if (const auto* mu = std::get_if<MembershipUpdate>(&p.entry.kind)) next = mu->membership;
  }
  const MemberInfo* me = next.find(identity_.member_id);
  MemberInfo info = me ? *me : MemberInfo{identity_.member_id, "", config_.advertise_peer_urls, {}};
  info.name = config_.name;
  info.client_urls = config_.advertise_client_urls;
  next.upsert(std::move(info));
  Entry e;
  e.kind = MembershipUpdate{std::move(next)};
  propose(std::move(e), nullptr, [this] {
    published_ = true;
    ETCDPP_LOG_INFO("published {{Name:{} ClientURLs:[{}]}} to cluster {}", config_.name,
                    fmt::join(config_.advertise_client_urls, " "), id_hex(identity_.cluster_id));
  });
}

void Member::propose_write(WriteRequest request, WriteDone done) {
  Entry e;
  e.kind = std::move(request);
  propose(std::move(e), std::move(done));
}

bool Member::propose_membership(Membership membership, std::function<void()> applied) {
  if (failed_) return false;
  Entry e;
  e.kind = MembershipUpdate{std::move(membership)};
  propose(std::move(e), nullptr, std::move(applied));
  return true;
}

void Member::propose(Entry entry, WriteDone done, std::function<void()> applied) {
  if (failed_) {
    if (done) done(store::Error{store::ErrorCode::RaftInternal, "the log cannot be written", 0});
    return;
  }
  entry.index = ++last_index_;
  entry.term = term_;
  log_->submit_entry(entry.index, encode_entry(entry));
  pending_.push_back(Pending{std::move(entry), std::move(done), std::move(applied)});
}

void Member::on_durable(uint64_t index) {
  while (!pending_.empty() && pending_.front().entry.index <= index) {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    ApplyResult result = apply_entry(*state_, p.entry);
    applied_index_ = p.entry.index;
    if (std::holds_alternative<SyncRequest>(p.entry.kind)) sync_in_flight_ = false;
    if (p.done && result.write) p.done(*result.write);
    if (p.applied) p.applied();
  }
  maybe_snapshot();
}

void Member::on_log_failure(const std::string& error) {
  if (failed_) return;
  failed_ = true;
  ETCDPP_LOG_ERROR("cannot write the WAL: {}; no write can be acknowledged any more", error);
  // Answer every waiting client: their writes are not known to be durable.
  std::deque<Pending> pending;
  pending.swap(pending_);
  for (auto& p : pending) {
    if (p.done) p.done(store::Error{store::ErrorCode::RaftInternal, error, 0});
  }
  if (on_fatal_) on_fatal_("WAL write failed: " + error);
}

void Member::maybe_snapshot() {
  if (applied_index_ - snapshot_index_ < config_.durable.snapshot_count) return;
  // Counted from here so that one snapshot is taken per snapshot_count entries even while the
  // log thread is still saving it.
  snapshot_index_ = applied_index_;
  log_->submit_snapshot(make_snapshot(*state_, term_, applied_index_));
}

void Member::arm_sync_timer() {
  if (stopped_) return;
  sync_timer_.expires_after(config_.sync_interval);
  sync_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive || stopped_) return;
    auto next = state_->store.next_expiration();
    base::WallTime now = clock_.wall();
    if (!sync_in_flight_ && !failed_ && next && *next <= now) {
      sync_in_flight_ = true;
      Entry e;
      e.kind = SyncRequest{now};
      propose(std::move(e), nullptr);
    }
    arm_sync_timer();
  });
}

}  // namespace etcdpp::server
