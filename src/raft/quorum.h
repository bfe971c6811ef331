#pragma once
// Majority arithmetic, kept apart so it can be table-tested (thesis 3.6: an entry is committed
// once a majority of voters store it).
#include <cstdint>
#include <map>
#include <vector>

namespace etcdpp::raft {

// The highest index that a majority of the voters have matched. `match` holds one value per
// voter. 0 when there are no voters.
uint64_t majority_committed(std::vector<uint64_t> match);

enum class VoteResult { pending, won, lost };

// The outcome of an election among `voters` given the answers so far (voter id → granted).
VoteResult tally_votes(const std::vector<uint64_t>& voters,
                       const std::map<uint64_t, bool>& answers);

}  // namespace etcdpp::raft
