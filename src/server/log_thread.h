#pragma once
// Runs a LogWriter on its own thread so that fsync never blocks the member's event loop.
//
// Group commit: batches submitted while a sync is running are written together and covered by
// the next sync, so there is at most one sync in flight and its cost is shared by everything
// that arrived meanwhile. Snapshots are saved on the same thread, in order with the batches.
//
// Contract: on_batch(token, error) is called on the log thread once the batch is written —
// and synced if it (or a batch written with it) had must_sync — with error empty; or with an
// error when the log cannot be written. After an error nothing more is written: the member
// must stop, since nothing after that point can be acknowledged.
// on_snapshot(index, error) reports each snapshot save.
#include "raft/types.h"
#include "server/log_writer.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace etcdpp::server {

// What one Raft Ready asks to persist, in the order it is written.
struct LogBatch {
  uint64_t token = 0;                     // reported back to the submitter
  std::optional<snap::Snapshot> install;  // a snapshot from the leader: the log restarts there
  std::optional<raft::HardState> hard_state;
  std::vector<raft::Entry> entries;  // data without index and term
  bool must_sync = false;
};

class LogThread {
 public:
  using Report = std::function<void(uint64_t token_or_index, std::string error)>;

  LogThread(LogWriter writer, Report on_batch, Report on_snapshot);
  // Writes what was submitted, then joins the thread.
  ~LogThread();
  LogThread(const LogThread&) = delete;
  LogThread& operator=(const LogThread&) = delete;

  void submit_batch(LogBatch batch);
  // A snapshot of this member's applied state (entries up to it were submitted before).
  void submit_snapshot(snap::EncodedSnapshot snapshot);

 private:
  using Job = std::variant<LogBatch, snap::EncodedSnapshot>;

  void run();
  void push(Job job);
  std::string write_batch(LogBatch& batch);

  LogWriter writer_;
  Report on_batch_;
  Report on_snapshot_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Job> queue_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  bool failed_ = false;     // log thread only
  std::thread thread_;
};

}  // namespace etcdpp::server
