// The running member's pipeline with its real log thread and an io_context: writes are applied
// and answered in order once durable, the membership is bootstrapped and published, TTLs
// expire through SYNC entries, and a new Member on the same directory recovers everything.
#include "server/member.h"

#include <gtest/gtest.h>

#include "testutil/temp_dir.h"

#include <boost/asio/io_context.hpp>

#include <optional>

namespace etcdpp::server {
namespace {

using namespace std::chrono_literals;

class MemberTest : public testutil::TempDirTest {
 protected:
  MemberConfig config() {
    MemberConfig c;
    c.name = "m1";
    c.durable.member_dir = dir / "member";
    c.durable.snapshot_count = 50;
    c.advertise_client_urls = {"http://127.0.0.1:2379"};
    c.advertise_peer_urls = {"http://127.0.0.1:2380"};
    c.sync_interval = 10ms;
    return c;
  }

  // Runs the io_context until `done` or a bounded number of rounds.
  template <typename Pred>
  bool run_until(boost::asio::io_context& io, Pred done) {
    for (int i = 0; i < 2000 && !done(); ++i) {
      io.run_for(5ms);
      io.restart();
    }
    return done();
  }

  static WriteRequest put(std::string key, std::string value) {
    WriteRequest w;
    w.method = "PUT";
    w.key = std::move(key);
    w.value = std::move(value);
    return w;
  }

  base::FakeClock clock;
};

TEST_F(MemberTest, WritesAreAnsweredInOrderAndSurviveARestart) {
  std::vector<uint64_t> answered;
  uint64_t cluster_id = 0;
  {
    boost::asio::io_context io;
    std::string error;
    auto m = Member::open(io, config(), clock, error);
    ASSERT_TRUE(m) << error;
    cluster_id = m->cluster_id();
    bool fatal = false;
    m->start([&](const std::string&) { fatal = true; });
    ASSERT_TRUE(run_until(io, [&] { return m->healthy(); }));
    ASSERT_EQ(m->membership().members.size(), 1u);
    EXPECT_EQ(m->membership().members[0].name, "m1");
    EXPECT_EQ(m->membership().members[0].client_urls,
              std::vector<std::string>{"http://127.0.0.1:2379"});
    for (int i = 0; i < 120; ++i) {
      m->propose_write(put("/k" + std::to_string(i), std::to_string(i)),
                       [&](const store::Result<store::Event>& r) {
                         ASSERT_TRUE(r.ok());
                         answered.push_back(r->index);
                       });
    }
    ASSERT_TRUE(run_until(io, [&] { return answered.size() == 120; }));
    EXPECT_FALSE(fatal);
    m->stop();
  }
  for (size_t i = 0; i < answered.size(); ++i) EXPECT_EQ(answered[i], i + 1);

  boost::asio::io_context io;
  std::string error;
  auto again = Member::open(io, config(), clock, error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(again->cluster_id(), cluster_id);
  EXPECT_EQ(again->store().index(), 120u);
  EXPECT_EQ(again->store().get("/k119", false)->node.value, "119");
  EXPECT_EQ(again->membership().members[0].name, "m1");
  EXPECT_GE(again->term(), 2u);  // a new term at every start
}

// A write proposed while the previous batch is being synced is handed to the log thread
// before the previous write is applied and answered: the next sync overlaps with applying
// (and, under load, the log thread syncs back to back).
TEST_F(MemberTest, NextBatchIsSubmittedBeforeTheCommittedOnesAreAnswered) {
  boost::asio::io_context io;
  std::string error;
  auto m = Member::open(io, config(), clock, error);
  ASSERT_TRUE(m) << error;
  m->start([](const std::string&) {});
  ASSERT_TRUE(run_until(io, [&] { return m->healthy(); }));

  uint64_t before = m->log_batches_submitted();
  std::optional<uint64_t> submitted_when_first_answered;
  bool second_answered = false;
  m->propose_write(put("/first", "1"), [&](const store::Result<store::Event>& r) {
    ASSERT_TRUE(r.ok());
    submitted_when_first_answered = m->log_batches_submitted();
  });
  // Run handlers one at a time until the first write's batch is with the log thread; its
  // durability report is a handler of its own, so it cannot have been handled yet.
  for (int i = 0; i < 1000 && m->log_batches_submitted() == before; ++i) io.run_one_for(5ms);
  ASSERT_EQ(m->log_batches_submitted(), before + 1);
  ASSERT_FALSE(submitted_when_first_answered);
  m->propose_write(put("/second", "2"), [&](const store::Result<store::Event>& r) {
    ASSERT_TRUE(r.ok());
    second_answered = true;
  });
  ASSERT_TRUE(run_until(io, [&] { return second_answered; }));
  ASSERT_TRUE(submitted_when_first_answered);
  EXPECT_EQ(*submitted_when_first_answered, before + 2);
  EXPECT_EQ(m->store().get("/second", false)->node.value, "2");
  m->stop();
}

TEST_F(MemberTest, TtlExpiresThroughSyncEntries) {
  boost::asio::io_context io;
  std::string error;
  auto m = Member::open(io, config(), clock, error);
  ASSERT_TRUE(m) << error;
  m->start(nullptr);
  ASSERT_TRUE(run_until(io, [&] { return m->healthy(); }));
  WriteRequest w = put("/ttl", "v");
  w.expiration = clock.wall() + 1s;
  bool written = false;
  m->propose_write(w, [&](const store::Result<store::Event>& r) { written = r.ok(); });
  ASSERT_TRUE(run_until(io, [&] { return written; }));
  io.run_for(30ms);
  io.restart();
  EXPECT_TRUE(m->store().get("/ttl", false).ok());  // not before its time
  clock.advance(1500ms);
  ASSERT_TRUE(run_until(io, [&] { return !m->store().get("/ttl", false).ok(); }));
  EXPECT_EQ(m->stats().expire_count, 1u);
  m->stop();
}

TEST_F(MemberTest, RefusesADataDirWithoutIdentity) {
  {
    boost::asio::io_context io;
    std::string error;
    auto m = Member::open(io, config(), clock, error);
    ASSERT_TRUE(m) << error;
  }
  std::filesystem::remove(dir / "member" / "identity");
  boost::asio::io_context io;
  std::string error;
  EXPECT_FALSE(Member::open(io, config(), clock, error));
  EXPECT_NE(error.find("no identity file"), std::string::npos) << error;
}

}  // namespace
}  // namespace etcdpp::server
