// Read coalescing's bookkeeping: which requests may share, when a flight may be joined, and how
// followers are resumed or released.
#include "proxy/read_coalescer.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace etcdpp::proxy {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;

Request get(std::string target) {
  Request req{bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, "127.0.0.1:2379");
  req.set(bhttp::field::user_agent, "test");
  return req;
}

std::string key(const Request& req) { return ReadCoalescer::key_of(req, {"X-Forwarded-For"}); }

TEST(ReadCoalescerKeyTest, OnlyBodilessGetAndHead) {
  EXPECT_FALSE(key(get("/v2/keys/a")).empty());
  Request head = get("/v2/keys/a");
  head.method(bhttp::verb::head);
  EXPECT_FALSE(key(head).empty());
  EXPECT_NE(key(head), key(get("/v2/keys/a")));
  Request put = get("/v2/keys/a");
  put.method(bhttp::verb::put);
  EXPECT_TRUE(key(put).empty());
  Request with_body = get("/v2/keys/a");
  with_body.body() = "x";
  EXPECT_TRUE(key(with_body).empty());
}

TEST(ReadCoalescerKeyTest, EveryHeaderButTheSkippedOnesCounts) {
  Request a = get("/v2/keys/a?quorum=true");
  Request b = get("/v2/keys/a?quorum=true");
  a.set("X-Forwarded-For", "10.0.0.1");
  b.set("X-Forwarded-For", "10.0.0.2");
  EXPECT_EQ(key(a), key(b));
  b.set(bhttp::field::authorization, "Basic cm9vdDpwdw==");  // another user: another answer
  EXPECT_NE(key(a), key(b));
  EXPECT_NE(key(get("/v2/keys/a")), key(get("/v2/keys/a?quorum=true")));
  EXPECT_NE(key(get("/v2/keys/a")), key(get("/v2/keys/b")));
}

class ReadCoalescerTest : public ::testing::Test {
 protected:
  // A follower coroutine: records what join() handed it.
  void follow(std::shared_ptr<ReadFlight> flight, SharedAnswerPtr& got, bool& resumed) {
    asio::co_spawn(
        io,
        [flight, &got, &resumed]() -> asio::awaitable<void> {
          got = co_await flight->join();
          resumed = true;
        },
        asio::detached);
  }
  asio::io_context io;
  ReadCoalescer coalescer;
  const std::string k = "GET /v2/keys/a\nHost:x\n";
};

TEST_F(ReadCoalescerTest, AloneWhenNobodyElseReadsTheKey) {
  auto t = coalescer.enter(k, io.get_executor());
  EXPECT_FALSE(t.follower);
  EXPECT_FALSE(t.flight);  // departs at once: nothing to wait for
  coalescer.leave(k);
  EXPECT_EQ(coalescer.tracked_keys(), 0u);
}

TEST_F(ReadCoalescerTest, BoardingFlightIsJoinedDepartedIsNot) {
  auto first = coalescer.enter(k, io.get_executor());  // in the air, alone
  auto second = coalescer.enter(k, io.get_executor());
  ASSERT_TRUE(second.flight);  // the key is hot: a flight boards
  EXPECT_FALSE(second.follower);
  auto third = coalescer.enter(k, io.get_executor());
  EXPECT_TRUE(third.follower);
  EXPECT_EQ(third.flight, second.flight);
  coalescer.depart(k, *second.flight);
  EXPECT_TRUE(second.flight->departed());
  auto fourth = coalescer.enter(k, io.get_executor());
  EXPECT_FALSE(fourth.follower);  // a departed flight is never joined
  ASSERT_TRUE(fourth.flight);
  EXPECT_NE(fourth.flight, second.flight);
  coalescer.depart(k, *fourth.flight);
  coalescer.leave(k);
  coalescer.leave(k);
  EXPECT_EQ(coalescer.tracked_keys(), 1u);
  coalescer.leave(k);
  EXPECT_EQ(coalescer.tracked_keys(), 0u);
}

TEST_F(ReadCoalescerTest, LandResumesEveryFollowerWithTheAnswer) {
  auto flight = std::make_shared<ReadFlight>(io.get_executor());
  SharedAnswerPtr got1, got2;
  bool resumed1 = false, resumed2 = false;
  follow(flight, got1, resumed1);
  follow(flight, got2, resumed2);
  io.poll();
  EXPECT_EQ(flight->follower_count(), 2u);
  auto answer = std::make_shared<SharedAnswer>();
  answer->body = "{}";
  flight->land(answer);
  EXPECT_FALSE(resumed1);  // resumed through the event loop, not inside land()
  flight->land(nullptr);   // only the first landing counts
  io.poll();
  EXPECT_TRUE(resumed1 && resumed2);
  EXPECT_EQ(got1, answer);
  EXPECT_EQ(got2, answer);
}

TEST_F(ReadCoalescerTest, NullLandingReleasesFollowers) {
  auto flight = std::make_shared<ReadFlight>(io.get_executor());
  SharedAnswerPtr got = std::make_shared<SharedAnswer>();
  bool resumed = false;
  follow(flight, got, resumed);
  io.poll();
  flight->land(nullptr);
  io.poll();
  EXPECT_TRUE(resumed);
  EXPECT_EQ(got, nullptr);
}

TEST_F(ReadCoalescerTest, AbandonDropsFollowersWithoutResumingThem) {
  auto flight = std::make_shared<ReadFlight>(io.get_executor());
  std::weak_ptr<ReadFlight> weak = flight;
  SharedAnswerPtr got;
  bool resumed = false;
  follow(flight, got, resumed);
  io.poll();
  flight->abandon();
  flight.reset();
  io.poll();
  EXPECT_FALSE(resumed);
  EXPECT_TRUE(weak.expired());  // the follower's coroutine (holding the flight) is gone
}

}  // namespace
}  // namespace etcdpp::proxy
