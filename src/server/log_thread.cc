#include "server/log_thread.h"

#include <malloc.h>

namespace etcdpp::server {

LogThread::LogThread(LogWriter writer, Report on_batch, Report on_snapshot)
    : writer_(std::move(writer)),
      on_batch_(std::move(on_batch)),
      on_snapshot_(std::move(on_snapshot)),
      thread_([this] { run(); }) {}

LogThread::~LogThread() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void LogThread::push(Job job) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void LogThread::submit_batch(LogBatch batch) { push(std::move(batch)); }

void LogThread::submit_snapshot(snap::EncodedSnapshot snapshot) { push(std::move(snapshot)); }

std::string LogThread::write_batch(LogBatch& batch) {
  std::string error;
  if (batch.install) {
    error = writer_.install_snapshot(*batch.install);
    batch.install.reset();
    if (!error.empty()) return error;
  }
  // The hard state goes before the entries: a WAL whose entries come without any hard state
  // is read as a pre-clustering single-node log (log_writer.h).
  if (batch.hard_state) error = writer_.append_hard_state(*batch.hard_state);
  for (const raft::Entry& e : batch.entries) {
    if (!error.empty()) break;
    error = writer_.append_entry(e.index, e.term, e.data);
  }
  return error;
}

void LogThread::run() {
  std::vector<Job> jobs;
  std::vector<uint64_t> written;  // tokens written and not yet reported
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything submitted is written
      jobs.swap(queue_);
    }
    if (failed_) {
      jobs.clear();
      continue;
    }
    bool must_sync = false;
    std::string error;
    auto flush = [&] {
      if (error.empty() && must_sync) error = writer_.sync();
      must_sync = false;
      if (!error.empty()) return;
      for (uint64_t token : written) on_batch_(token, "");
      written.clear();
    };
    for (auto& job : jobs) {
      if (auto* batch = std::get_if<LogBatch>(&job)) {
        error = write_batch(*batch);
        if (!error.empty()) break;
        must_sync = must_sync || batch->must_sync;
        written.push_back(batch->token);
      } else {
        // Everything before the snapshot must be durable first: the snapshot lets the WAL
        // before it be purged.
        must_sync = true;
        flush();
        if (!error.empty()) break;
        auto& snapshot = std::get<snap::EncodedSnapshot>(job);
        on_snapshot_(snapshot.applied_index, writer_.save_snapshot(snapshot));
        // The snapshot is the whole keyspace, encoded: give its memory back to the system at
        // once rather than keeping it in the allocator's free lists (RSS would otherwise stay
        // at the peak of the copy).
        snapshot = snap::EncodedSnapshot{};
        ::malloc_trim(0);
      }
    }
    flush();
    if (!error.empty()) {
      failed_ = true;
      on_batch_(0, error);
    }
    jobs.clear();
  }
}

}  // namespace etcdpp::server
