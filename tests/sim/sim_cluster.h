#pragma once
// A deterministic simulation of a Raft cluster in one process: N members built on
// raft::Raft, a simulated network (loss, delay, reordering, duplication, partitions), a
// simulated disk per member (writes not yet synced are lost in a crash), crashes and restarts,
// membership changes, and clients doing get / put / compare-and-swap on a small register
// keyspace. One seed drives every choice, so a failing seed replays exactly.
//
// After every step the cluster checks Raft's safety properties (thesis figure 3.2): election
// safety, log matching, leader completeness and state-machine safety. The client history is
// checked for linearizability at the end (linearizability.h), after the faults stop and the
// members are required to converge.
#include "base/rng.h"
#include "raft/raft.h"
#include "sim/linearizability.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace etcdpp::sim {

struct SimOptions {
  size_t initial_voters = 3;
  size_t max_members = 5;        // members that may be added up to
  uint64_t fault_time = 6000;    // time units with faults (a tick is 10 units)
  uint64_t settle_time = 10000;  // time allowed to converge after the faults stop
  uint64_t clients = 4;
  bool membership_changes = true;
  double drop_rate = 0.03;
  double duplicate_rate = 0.02;
  uint64_t max_delay = 30;       // message delay is uniform in [1, max_delay]
  uint64_t snapshot_every = 40;  // a member snapshots after this many applied entries
};

// The outcome of one seed. `failure` is empty when every check passed.
struct SimResult {
  std::string failure;
  uint64_t committed = 0;  // highest index applied by any member
  size_t operations = 0;   // client operations recorded
  size_t elections = 0;    // distinct terms with a leader
  size_t crashes = 0;
  size_t partitions = 0;
  size_t membership_changes = 0;
  size_t snapshots_sent = 0;
  size_t transfers = 0;  // leader transfers asked for
};

SimResult run_simulation(uint64_t seed, const SimOptions& options);

}  // namespace etcdpp::sim
