#include "raft/progress.h"

#include <algorithm>

namespace etcdpp::raft {

bool Progress::paused() const {
  switch (state) {
    case State::probe: return probe_sent;
    case State::replicate: return inflight.size() >= max_inflight;
    case State::snapshot: return true;
  }
  return true;
}

bool Progress::maybe_update(uint64_t index) {
  bool updated = false;
  if (index > match) {
    match = index;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, index + 1);
  while (!inflight.empty() && inflight.front() <= index) inflight.pop_front();
  return updated;
}

bool Progress::maybe_decrease(uint64_t rejected, uint64_t last_hint) {
  if (state == State::replicate) {
    // Appends above match that fail are either late answers or a lost window: restart from
    // just after what is known to match.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // Probing: only the answer to the append just sent counts.
  if (next == 0 || next - 1 != rejected) return false;
  next = std::max<uint64_t>(std::min(rejected, last_hint + 1), 1);
  probe_sent = false;
  return true;
}

void Progress::sent(uint64_t last) {
  if (state == State::replicate) {
    next = last + 1;
    inflight.push_back(last);
  } else if (state == State::probe) {
    probe_sent = true;
  }
}

void Progress::become_probe() {
  if (state == State::snapshot) {
    next = std::max(match + 1, pending_snapshot + 1);
  } else {
    next = match + 1;
  }
  state = State::probe;
  probe_sent = false;
  pending_snapshot = 0;
  inflight.clear();
}

void Progress::become_replicate() {
  state = State::replicate;
  next = match + 1;
  probe_sent = false;
  pending_snapshot = 0;
  inflight.clear();
}

void Progress::become_snapshot(uint64_t snapshot_index) {
  state = State::snapshot;
  pending_snapshot = snapshot_index;
  probe_sent = false;
  inflight.clear();
}

}  // namespace etcdpp::raft
