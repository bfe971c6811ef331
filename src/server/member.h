#pragma once
// A running member (single node until Raft lands): recovery, the proposal → durable → apply
// pipeline, the replicated TTL clock (SYNC entries), and what the HTTP API reads.
//
// Threads: everything here runs on the io_context's thread except the LogThread, which writes
// and fsyncs the WAL; it reports back by posting to the io_context. The store and membership
// are only touched on the io_context thread, so nothing is locked.
//
// Pipeline (the shape a Raft state machine will keep): propose() numbers an entry and hands it
// to the log thread; when the log thread reports it durable, entries are applied in order and
// their proposers called back. Nothing is acknowledged before its fsync.
#include "base/clock.h"
#include "server/durable_store.h"
#include "server/entry.h"
#include "server/identity.h"
#include "server/log_thread.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace etcdpp::server {

struct MemberConfig {
  std::string name;
  DurableOptions durable;
  std::vector<std::string> advertise_client_urls;
  std::vector<std::string> advertise_peer_urls;
  std::string cluster_token = "etcd-cluster";
  // How often the member checks for expired TTLs (etcd's SYNC ticker: 500 ms).
  std::chrono::milliseconds sync_interval{500};
};

class Member {
 public:
  using WriteDone = std::function<void(const store::Result<store::Event>&)>;
  using FatalHandler = std::function<void(const std::string& reason)>;

  // Recovers (or creates) the data in config.durable.member_dir. nullptr and `error` when the
  // data cannot be trusted or does not belong to this member.
  static std::unique_ptr<Member> open(boost::asio::io_context& io, const MemberConfig& config,
                                      base::Clock& clock, std::string& error);
  ~Member();

  // Bootstraps a new cluster (first start) and publishes this member's name and client URLs,
  // then starts the SYNC ticker. `on_fatal` is called (on the io thread) if the log cannot be
  // written: the process must stop, since nothing more can be acknowledged.
  void start(FatalHandler on_fatal);
  // Stops the ticker; pending entries are still written and applied by the destructor's flush.
  void stop();

  // Proposes a write; `done` runs on the io thread once it is durable and applied.
  void propose_write(WriteRequest request, WriteDone done);

  // Proposes a new membership (e.g. a member's new peer URLs); `applied` runs on the io
  // thread once it is durable and applied. Returns false when the log is not writable.
  bool propose_membership(Membership membership, std::function<void()> applied);

  store::Store& store() { return state_->store; }
  const store::Store& store() const { return state_->store; }
  const Membership& membership() const { return state_->membership; }
  StoreStats& stats() { return state_->stats; }
  const StoreStats& stats() const { return state_->stats; }
  const MemberConfig& config() const { return config_; }
  uint64_t id() const { return identity_.member_id; }
  uint64_t cluster_id() const { return identity_.cluster_id; }
  // The Raft committed index (every committed entry is applied at once here).
  uint64_t commit_index() const { return applied_index_; }
  uint64_t term() const { return term_; }
  bool is_leader() const { return true; }
  base::WallTime start_time() const { return start_time_; }
  base::MonoTime started_mono() const { return started_mono_; }
  base::Clock& clock() const { return clock_; }
  // True once the member can serve (it has applied its own publish entry) and the log is
  // writable.
  bool healthy() const { return published_ && !failed_; }
  // The recovery notes (repaired tails, skipped snapshots) to log at start.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  Member(boost::asio::io_context& io, const MemberConfig& config, base::Clock& clock);

  struct Pending {
    Entry entry;
    WriteDone done;
    std::function<void()> applied;  // for internal entries
  };
  void propose(Entry entry, WriteDone done, std::function<void()> applied = {});
  void on_durable(uint64_t index);
  void on_log_failure(const std::string& error);
  void maybe_snapshot();
  void arm_sync_timer();
  void publish();

  MemberConfig config_;
  base::Clock& clock_;
  Identity identity_;
  std::unique_ptr<ServerState> state_;
  std::unique_ptr<LogThread> log_;
  std::deque<Pending> pending_;  // proposed, not yet applied, in log order
  uint64_t last_index_ = 0;
  uint64_t applied_index_ = 0;
  uint64_t snapshot_index_ = 0;
  uint64_t term_ = 0;
  bool fresh_ = false;  // the data dir was just created
  bool sync_in_flight_ = false;
  bool published_ = false;
  bool failed_ = false;
  bool stopped_ = false;
  base::WallTime start_time_;
  base::MonoTime started_mono_;
  std::vector<std::string> notes_;
  FatalHandler on_fatal_;
  boost::asio::steady_timer sync_timer_;
  // Posted callbacks check this before touching the member (the log thread may report after
  // the member started to shut down).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace etcdpp::server
