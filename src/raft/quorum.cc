#include "raft/quorum.h"

#include <algorithm>

namespace etcdpp::raft {

uint64_t majority_committed(std::vector<uint64_t> match) {
  if (match.empty()) return 0;
  // Sorted descending, the value at position n/2 is matched by n/2+1 voters: a majority.
  std::sort(match.begin(), match.end(), std::greater<>());
  return match[match.size() / 2];
}

VoteResult tally_votes(const std::vector<uint64_t>& voters,
                       const std::map<uint64_t, bool>& answers) {
  size_t granted = 0;
  size_t rejected = 0;
  for (uint64_t id : voters) {
    auto it = answers.find(id);
    if (it == answers.end()) continue;
    ++(it->second ? granted : rejected);
  }
  size_t quorum = voters.size() / 2 + 1;
  if (granted >= quorum) return VoteResult::won;
  if (rejected >= quorum || voters.size() - rejected < quorum) return VoteResult::lost;
  return VoteResult::pending;
}

}  // namespace etcdpp::raft
