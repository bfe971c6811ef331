#pragma once
// What a leader knows about one follower's log, and the flow control of appends to it
// (as etcd's raft: probe one append at a time until the follower's position is known, then
// replicate optimistically with a bounded window of unacknowledged appends; snapshot while a
// snapshot is on its way).
#include <cstddef>
#include <cstdint>
#include <deque>

namespace etcdpp::raft {

struct Progress {
  enum class State { probe, replicate, snapshot };

  uint64_t match = 0;  // highest index known to be in the follower's durable log
  uint64_t next = 1;   // next index to send
  State state = State::probe;
  bool probe_sent = false;        // probe: an append is out; wait for its answer or a heartbeat
  uint64_t pending_snapshot = 0;  // snapshot: the index of the snapshot sent
  bool recent_active = false;     // heard from in the current check-quorum period
  std::deque<uint64_t> inflight;  // replicate: last index of each unacknowledged append
  size_t max_inflight = 256;

  // True when nothing more should be sent now.
  bool paused() const;
  // The follower acknowledged up to `index`. True when that is news (match advanced).
  bool maybe_update(uint64_t index);
  // The follower rejected an append at `rejected`; its last index is `last_hint`. True when
  // the rejection is current (not a late answer) and `next` moved back.
  bool maybe_decrease(uint64_t rejected, uint64_t last_hint);
  // An append ending at `last` was sent.
  void sent(uint64_t last);
  void become_probe();
  void become_replicate();
  void become_snapshot(uint64_t snapshot_index);
};

}  // namespace etcdpp::raft
