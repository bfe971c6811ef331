// Scenario tests of the Raft state machine, named after statements of Ongaro's thesis. A tiny
// network delivers every message at once ("stabilize"); persistence is instant. The seeded
// simulation (tests/sim) covers faults; these pin down specific rules.
#include "raft/raft.h"
#include "raft/quorum.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <set>

namespace etcdpp::raft {
namespace {

struct TestNode {
  std::unique_ptr<base::Rng> rng;
  std::unique_ptr<Raft> raft;
  std::vector<Entry> applied;
  std::string state;  // the state machine: data of applied entries, concatenated
};

class TestNet {
 public:
  explicit TestNet(std::vector<uint64_t> voters, int election_ticks = 10) {
    for (uint64_t id : voters) add(id, voters, election_ticks);
  }

  void add(uint64_t id, std::vector<uint64_t> voters, int election_ticks = 10) {
    TestNode& n = nodes_[id];
    n.rng = std::make_unique<base::Rng>(id);
    Config c;
    c.id = id;
    c.election_ticks = election_ticks;
    c.snapshot_source = [&n]() -> std::optional<Snapshot> {
      uint64_t index = n.raft->log().applied();
      Snapshot s;
      s.meta = {index, *n.raft->log().term(index), n.raft->voters()};
      s.data = std::make_shared<const std::string>(n.state);
      return s;
    };
    Persisted p;
    p.voters = std::move(voters);
    n.raft = std::make_unique<Raft>(std::move(c), *n.rng, std::move(p));
  }

  Raft& operator[](uint64_t id) { return *nodes_.at(id).raft; }
  TestNode& node(uint64_t id) { return nodes_.at(id); }

  // Delivers messages until no member has anything more to say.
  void stabilize(int max_rounds = 1000) {
    for (int round = 0; round < max_rounds; ++round) {
      std::vector<Message> out;
      for (auto& [id, n] : nodes_) {
        if (down_.contains(id)) continue;
        while (n.raft->has_ready()) {
          Ready rd = n.raft->ready();
          if (rd.snapshot) n.state = *rd.snapshot->data;
          for (const Entry& e : rd.committed_entries) {
            n.applied.push_back(e);
            n.state += e.data;
            if (e.type == EntryType::conf_change) n.raft->apply_conf_change(voters_after(e));
          }
          for (auto& m : rd.messages) out.push_back(std::move(m));
          n.raft->advance(rd);
        }
      }
      if (out.empty()) return;
      for (auto& m : out) {
        if (down_.contains(m.to) || down_.contains(m.from) || cut_.contains({m.from, m.to}) ||
            cut_.contains({m.to, m.from}) || (drop_ && drop_(m))) {
          continue;
        }
        nodes_.at(m.to).raft->step(std::move(m));
      }
    }
    FAIL() << "the network did not settle";
  }

  void tick(uint64_t id, int times = 1) {
    for (int i = 0; i < times; ++i) nodes_.at(id).raft->tick();
  }
  void tick_all(int times) {
    for (int i = 0; i < times; ++i) {
      for (auto& [id, n] : nodes_) {
        if (!down_.contains(id)) n.raft->tick();
      }
      stabilize();
    }
  }
  void isolate(uint64_t id) {
    for (auto& [other, n] : nodes_) {
      if (other != id) cut_.insert({id, other});
    }
  }
  void heal() { cut_.clear(); }

  // Conf change entries here carry "+id" or "-id".
  std::vector<uint64_t> voters_after(const Entry& e) {
    std::vector<uint64_t> v = current_voters_;
    uint64_t id = std::stoull(e.data.substr(1));
    if (e.data[0] == '+') v.push_back(id);
    if (e.data[0] == '-') std::erase(v, id);
    return v;
  }

  std::set<uint64_t> down_;
  std::set<std::pair<uint64_t, uint64_t>> cut_;
  std::function<bool(const Message&)> drop_;
  std::vector<uint64_t> current_voters_;

 private:
  std::map<uint64_t, TestNode> nodes_;
};

TEST(Quorum, MajorityCommittedIsTheMedianFromTheTop) {
  EXPECT_EQ(majority_committed({}), 0u);
  EXPECT_EQ(majority_committed({5}), 5u);
  EXPECT_EQ(majority_committed({5, 3}), 3u);
  EXPECT_EQ(majority_committed({5, 3, 1}), 3u);
  EXPECT_EQ(majority_committed({9, 1, 7, 3}), 3u);
  EXPECT_EQ(majority_committed({9, 8, 1, 2, 7}), 7u);
}

TEST(Quorum, TallyDecidesAsSoonAsTheOutcomeIsCertain) {
  std::vector<uint64_t> voters{1, 2, 3};
  EXPECT_EQ(tally_votes(voters, {{1, true}}), VoteResult::pending);
  EXPECT_EQ(tally_votes(voters, {{1, true}, {2, true}}), VoteResult::won);
  EXPECT_EQ(tally_votes(voters, {{1, true}, {2, false}, {3, false}}), VoteResult::lost);
  EXPECT_EQ(tally_votes(voters, {{1, false}, {2, false}}), VoteResult::lost);
  // Answers from non-voters do not count.
  EXPECT_EQ(tally_votes(voters, {{1, true}, {7, true}}), VoteResult::pending);
}

TEST(RaftLog, OnlyEntriesOfTheCurrentTermAreCommittedByCounting) {
  // Thesis figure 3.7: an entry of an older term stored on a majority is not yet committed.
  RaftLog log;
  log.restore_persisted({}, {Entry{1, 1}, Entry{2, 2}}, 0, 0);
  EXPECT_FALSE(log.maybe_commit(2, 4));
  EXPECT_EQ(log.committed(), 0u);
  log.append({Entry{4, 3}});
  EXPECT_TRUE(log.maybe_commit(3, 4));
  EXPECT_EQ(log.committed(), 3u);  // and everything before it with it
}

TEST(RaftLog, ConflictingSuffixIsReplacedAndStableMovesBack) {
  RaftLog log;
  log.restore_persisted({}, {Entry{1, 1}, Entry{1, 2}, Entry{1, 3}}, 1, 1);
  auto last = log.maybe_append(1, 1, 1, {Entry{2, 2}});
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, 2u);
  EXPECT_EQ(log.last_index(), 2u);
  EXPECT_EQ(*log.term(2), 2u);
  EXPECT_EQ(log.stable(), 1u);  // the replaced entry must be persisted again
  EXPECT_EQ(log.unstable_entries().size(), 1u);
  // An append that does not match the log is refused.
  EXPECT_FALSE(log.maybe_append(2, 1, 2, {}));
}

TEST(Raft, SingleVoterElectsItselfAndCommits) {
  TestNet net({1});
  net[1].campaign();
  net.stabilize();
  EXPECT_EQ(net[1].role(), Role::leader);
  ASSERT_TRUE(net[1].propose("a"));
  net.stabilize();
  EXPECT_EQ(net.node(1).state, "a");
}

TEST(Raft, ElectionGivesOneLeaderAndFollowersKnowIt) {
  TestNet net({1, 2, 3});
  net[1].campaign();
  net.stabilize();
  EXPECT_EQ(net[1].role(), Role::leader);
  EXPECT_EQ(net[2].leader(), 1u);
  EXPECT_EQ(net[3].leader(), 1u);
  EXPECT_EQ(net[2].term(), net[1].term());
  EXPECT_EQ(net[2].vote(), 1u);
}

TEST(Raft, ElectionTimeoutStartsAnElection) {
  TestNet net({1, 2, 3});
  net.tick_all(25);  // at most 2 * election ticks of silence
  int leaders = 0;
  for (uint64_t id : {1, 2, 3}) leaders += net[id].role() == Role::leader;
  EXPECT_EQ(leaders, 1);
}

TEST(Raft, EntryIsCommittedOnceAMajorityStoresIt) {
  TestNet net({1, 2, 3});
  net[1].campaign();
  net.stabilize();
  net.down_.insert(3);
  ASSERT_TRUE(net[1].propose("x"));
  net.stabilize();
  EXPECT_EQ(net.node(1).state, "x");
  EXPECT_EQ(net.node(2).state, "x");
  net.down_.insert(2);
  ASSERT_TRUE(net[1].propose("y"));
  net.stabilize();
  EXPECT_EQ(net.node(1).state, "x") << "committed without a majority";
}

TEST(Raft, FollowerForwardsProposalsToTheLeader) {
  TestNet net({1, 2, 3});
  net[1].campaign();
  net.stabilize();
  ASSERT_TRUE(net[2].propose("from-2"));
  net.stabilize();
  EXPECT_EQ(net.node(1).state, "from-2");
  EXPECT_EQ(net.node(3).state, "from-2");
}

TEST(Raft, ProposalWithoutALeaderIsDropped) {
  TestNet net({1, 2, 3});
  EXPECT_FALSE(net[2].propose("nobody-leads"));
}

TEST(Raft, PreVoteKeepsAPartitionedMemberFromRaisingTheTerm) {
  // Thesis 9.6: a member that cannot win does not disrupt the cluster when it returns.
  TestNet net({1, 2, 3});
  net[1].campaign();
  net.stabilize();
  uint64_t term = net[1].term();
  net.isolate(3);
  net.tick_all(100);
  EXPECT_EQ(net[3].term(), term);
  net.heal();
  net.tick_all(3);
  EXPECT_EQ(net[1].role(), Role::leader);
  EXPECT_EQ(net[1].term(), term);
}

TEST(Raft, CheckQuorumMakesAnIsolatedLeaderStepDown) {
  TestNet net({1, 2, 3});
  net[1].campaign();
  net.stabilize();
  net.isolate(1);
  net.tick_all(30);
  EXPECT_NE(net[1].role(), Role::leader);
  // The others elected a new leader meanwhile.
  EXPECT_TRUE(net[2].role() == Role::leader || net[3].role() == Role::leader);
}

TEST(Raft, LeaderTransferHandsOverToAnUpToDateFollower) {
  TestNet net({1, 2, 3});
  net[1].campaign();
  net.stabilize();
  uint64_t term = net[1].term();
  net.down_.insert(2);
  ASSERT_TRUE(net[1].propose("x"));
  net.stabilize();
  net.down_.erase(2);
  // 2 is behind: the leader first brings it up to date, then tells it to campaign.
  net[1].transfer_leadership(2);
  EXPECT_FALSE(net[1].propose("during-transfer"));
  net.stabilize();
  net.tick_all(2);
  EXPECT_EQ(net[2].role(), Role::leader);
  EXPECT_EQ(net[2].term(), term + 1);
  EXPECT_EQ(net.node(2).state, "x");
}

TEST(Raft, LaggingFollowerCatchesUpBySnapshotAfterCompaction) {
  TestNet net({1, 2, 3});
  net[1].campaign();
  net.stabilize();
  net.down_.insert(3);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(net[1].propose("e"));
    net.stabilize();
  }
  ASSERT_TRUE(net[1].compact(net[1].log().applied()));
  net.down_.erase(3);
  net.tick_all(3);
  EXPECT_EQ(net[3].log().last_index(), net[1].log().last_index());
  EXPECT_EQ(net.node(3).state, net.node(1).state);
}

TEST(Raft, OneMembershipChangeAtATime) {
  TestNet net({1, 2, 3});
  net.current_voters_ = {1, 2, 3};
  net[1].campaign();
  net.stabilize();
  net.add(4, {});
  net.down_.insert(2);
  net.down_.insert(3);
  ASSERT_TRUE(net[1].propose("+4", EntryType::conf_change));
  // Not applied yet (no majority): a second change is refused.
  net.stabilize();
  EXPECT_FALSE(net[1].propose("-2", EntryType::conf_change));
  net.down_.clear();
  net.stabilize();
  net.tick_all(2);
  EXPECT_EQ(net[1].voters(), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(net[4].voters(), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(net[1].propose("-2", EntryType::conf_change));
}

TEST(Raft, LostLeaderConnectionElectsWithinAFractionOfTheTimeout) {
  TestNet net({1, 2, 3});
  net[1].campaign();
  net.stabilize();
  uint64_t term = net[1].term();
  net.down_.insert(1);
  net[2].leader_connection_lost();
  net[3].leader_connection_lost();
  net.tick_all(6);  // the election timeout is 10 ticks
  EXPECT_TRUE(net[2].role() == Role::leader || net[3].role() == Role::leader);
  EXPECT_GT(net[2].term(), term);
}

TEST(Raft, FalseAlarmAboutTheLeaderDisruptsNothing) {
  TestNet net({1, 2, 3});
  net[1].campaign();
  net.stabilize();
  uint64_t term = net[1].term();
  // Only one follower saw a connection close; the leader is alive.
  net[2].leader_connection_lost();
  net.tick_all(30);
  EXPECT_EQ(net[1].role(), Role::leader);
  EXPECT_EQ(net[1].term(), term);
  EXPECT_EQ(net[2].leader(), 1u);
}

TEST(Raft, MemberVotesAtMostOncePerTerm) {
  TestNet net({1, 2, 3});
  Message vote{.type = MessageType::vote, .from = 1, .to = 3, .term = 5};
  net[3].step(vote);
  Message other = vote;
  other.from = 2;
  net[3].step(other);
  Ready rd = net[3].ready();
  ASSERT_EQ(rd.messages.size(), 2u);
  EXPECT_FALSE(rd.messages[0].reject);
  EXPECT_TRUE(rd.messages[1].reject);
  ASSERT_TRUE(rd.hard_state);
  EXPECT_EQ(rd.hard_state->vote, 1u);
  EXPECT_TRUE(rd.must_sync);
  EXPECT_FALSE(rd.send_before_persist) << "a vote must be durable before it is sent";
}

TEST(Raft, CandidateWithAnOlderLogIsRefused) {
  TestNet net({1, 2, 3});
  net[1].campaign();
  net.stabilize();
  ASSERT_TRUE(net[1].propose("x"));
  net.stabilize();
  Message vote{.type = MessageType::vote, .from = 9, .to = 2, .term = net[2].term() + 5};
  vote.index = 1;
  vote.log_term = 1;
  // While it hears from a leader, a member ignores candidates altogether (check-quorum lease).
  net[2].step(vote);
  EXPECT_FALSE(net[2].has_ready());
  // A transfer's election passes the lease, but the candidate's log is still too old.
  vote.transfer = true;
  net[2].step(vote);
  Ready rd = net[2].ready();
  ASSERT_FALSE(rd.messages.empty());
  EXPECT_TRUE(rd.messages.back().reject);
}

}  // namespace
}  // namespace etcdpp::raft
