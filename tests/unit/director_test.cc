// Director: endpoint set, shuffle, failure wait, health return, refresh schedule and loop
// detection, driven by a fake clock (no sleeping).
#include "proxy/director.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace etcdpp::proxy {
namespace {

using base::FakeClock;
using base::Millis;

std::vector<std::string> three() {
  return {"http://127.0.0.1:1001", "http://127.0.0.1:1002", "http://127.0.0.1:1003"};
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class DirectorTest : public ::testing::Test {
 protected:
  FakeClock clock;
  base::Rng rng{42};
  Director director{DirectorConfig{Millis(5000), Millis(30000)}, rng, nullptr};
};

TEST_F(DirectorTest, FirstRefreshIsDueImmediately) {
  EXPECT_TRUE(director.refresh_due(clock.monotonic()));
  EXPECT_EQ(director.available_count(), 0u);
}

TEST_F(DirectorTest, RefreshInstallsAllClientUrls) {
  auto outcome = director.on_refresh_success(three(), clock.monotonic());
  EXPECT_EQ(sorted(director.available_urls()), three());
  EXPECT_EQ(outcome.added.size(), 3u);
  EXPECT_TRUE(outcome.removed.empty());
}

TEST_F(DirectorTest, NextRefreshAfterInterval) {
  director.on_refresh_success(three(), clock.monotonic());
  clock.advance(Millis(29999));
  EXPECT_FALSE(director.refresh_due(clock.monotonic()));
  clock.advance(Millis(1));
  EXPECT_TRUE(director.refresh_due(clock.monotonic()));
}

TEST_F(DirectorTest, RefreshEverySecondWhileNothingAvailableWithDefaultInterval) {
  director.on_refresh_failure(clock.monotonic());
  clock.advance(Millis(1000));
  EXPECT_TRUE(director.refresh_due(clock.monotonic()));
}

TEST(DirectorConfigTest, ShortIntervalIsKeptEvenWhenNothingAvailable) {
  FakeClock clock;
  base::Rng rng(1);
  Director d(DirectorConfig{Millis(5000), Millis(5000)}, rng, nullptr);
  d.on_refresh_failure(clock.monotonic());
  clock.advance(Millis(1000));
  EXPECT_FALSE(d.refresh_due(clock.monotonic()));
  clock.advance(Millis(4000));
  EXPECT_TRUE(d.refresh_due(clock.monotonic()));
}

TEST_F(DirectorTest, ShuffleChangesOrderAcrossRefreshesAndCoversAllPermutations) {
  std::vector<std::string> urls;
  for (int i = 0; i < 3; ++i) urls.push_back("http://10.0.0." + std::to_string(i) + ":2379");
  std::set<std::vector<std::string>> orders;
  for (int i = 0; i < 200; ++i) {
    director.on_refresh_success(urls, clock.monotonic());
    orders.insert(director.available_urls());
  }
  EXPECT_EQ(orders.size(), 6u);  // every permutation of 3 appears
}

TEST_F(DirectorTest, ShuffleIsDeterministicForASeed) {
  base::Rng a(7), b(7);
  Director da(DirectorConfig{}, a, nullptr), db(DirectorConfig{}, b, nullptr);
  std::vector<std::string> urls;
  for (int i = 0; i < 8; ++i) urls.push_back("http://10.0.0." + std::to_string(i) + ":2379");
  da.on_refresh_success(urls, clock.monotonic());
  db.on_refresh_success(urls, clock.monotonic());
  EXPECT_EQ(da.available_urls(), db.available_urls());
}

TEST_F(DirectorTest, ReadsFollowTheLastWriterForAWhileThenRotate) {
  director.on_refresh_success(three(), clock.monotonic());
  const EndpointList& list = *director.endpoints();
  // Rotation: consecutive requests start at consecutive positions.
  size_t a = director.start_for(true, list, clock.monotonic()) % 3;
  size_t b = director.start_for(true, list, clock.monotonic()) % 3;
  EXPECT_EQ(b, (a + 1) % 3);
  // A write answered by endpoint 2: reads start there during the window, writes still rotate.
  director.on_write_answered(*list[2], clock.monotonic());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(director.start_for(true, list, clock.monotonic()), 2u);
  size_t w1 = director.start_for(false, list, clock.monotonic()) % 3;
  size_t w2 = director.start_for(false, list, clock.monotonic()) % 3;
  EXPECT_NE(w1, w2);
  clock.advance(kReadAfterWriteWindow - Millis(1));
  EXPECT_EQ(director.start_for(true, list, clock.monotonic()), 2u);
  // A failed writer is not insisted on: failover order applies.
  director.on_failure(*list[2], clock.monotonic());
  size_t c = director.start_for(true, list, clock.monotonic()) % 3;
  size_t d = director.start_for(true, list, clock.monotonic()) % 3;
  EXPECT_EQ(d, (c + 1) % 3);
  // After the window, reads rotate again.
  director.on_write_answered(*list[1], clock.monotonic());
  clock.advance(kReadAfterWriteWindow);
  size_t e = director.start_for(true, list, clock.monotonic()) % 3;
  size_t f = director.start_for(true, list, clock.monotonic()) % 3;
  EXPECT_EQ(f, (e + 1) % 3);
}

TEST_F(DirectorTest, FailedEndpointIsHeldOutThenProbed) {
  director.on_refresh_success(three(), clock.monotonic());
  auto ep = (*director.endpoints())[0];
  EXPECT_TRUE(director.on_failure(*ep, clock.monotonic()));
  EXPECT_FALSE(director.on_failure(*ep, clock.monotonic()));  // already failed
  EXPECT_EQ(director.available_count(), 2u);
  clock.advance(Millis(4999));
  EXPECT_TRUE(director.take_due_probes(clock.monotonic()).empty());
  clock.advance(Millis(1));
  auto due = director.take_due_probes(clock.monotonic());
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0]->url.text, ep->url.text);
  EXPECT_EQ(due[0]->state, EndpointState::probing);
  EXPECT_TRUE(director.take_due_probes(clock.monotonic()).empty());  // probe in flight
  EXPECT_EQ(director.available_count(), 2u);  // still out until the probe answers
}

TEST_F(DirectorTest, HealthyProbeReturnsEndpoint) {
  director.on_refresh_success(three(), clock.monotonic());
  auto ep = (*director.endpoints())[1];
  director.on_failure(*ep, clock.monotonic());
  clock.advance(Millis(5000));
  auto due = director.take_due_probes(clock.monotonic());
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(director.on_probe_result(*due[0], true, clock.monotonic()));
  EXPECT_EQ(director.available_count(), 3u);
}

TEST_F(DirectorTest, FailedProbeWaitsAnotherFailureWait) {
  director.on_refresh_success(three(), clock.monotonic());
  auto ep = (*director.endpoints())[2];
  director.on_failure(*ep, clock.monotonic());
  clock.advance(Millis(5000));
  auto due = director.take_due_probes(clock.monotonic());
  EXPECT_FALSE(director.on_probe_result(*due[0], false, clock.monotonic()));
  EXPECT_EQ(ep->state, EndpointState::failed);
  clock.advance(Millis(4999));
  EXPECT_TRUE(director.take_due_probes(clock.monotonic()).empty());
  clock.advance(Millis(1));
  EXPECT_EQ(director.take_due_probes(clock.monotonic()).size(), 1u);
}

TEST_F(DirectorTest, FailureStateSurvivesRefresh) {  // spec W4
  director.on_refresh_success(three(), clock.monotonic());
  auto ep = (*director.endpoints())[0];
  director.on_failure(*ep, clock.monotonic());
  clock.advance(Millis(1000));
  director.on_refresh_success(three(), clock.monotonic());
  EXPECT_EQ(director.available_count(), 2u);
  bool found_failed = false;
  for (const auto& e : *director.endpoints()) {
    if (e->url.text == ep->url.text) found_failed = e->state == EndpointState::failed;
  }
  EXPECT_TRUE(found_failed);
}

TEST_F(DirectorTest, FailedRefreshKeepsEndpoints) {  // spec W3
  director.on_refresh_success(three(), clock.monotonic());
  director.on_refresh_failure(clock.monotonic());
  EXPECT_EQ(director.available_count(), 3u);
}

TEST_F(DirectorTest, EmptyMemberListKeepsEndpoints) {  // spec W14
  director.on_refresh_success(three(), clock.monotonic());
  auto outcome = director.on_refresh_success({}, clock.monotonic());
  EXPECT_TRUE(outcome.kept_previous);
  EXPECT_EQ(director.available_count(), 3u);
}

TEST_F(DirectorTest, RemovedMemberIsDroppedAndAddedMemberUsed) {
  director.on_refresh_success(three(), clock.monotonic());
  auto outcome = director.on_refresh_success(
      {"http://127.0.0.1:1001", "http://127.0.0.1:1002", "http://127.0.0.1:1004"},
      clock.monotonic());
  EXPECT_EQ(outcome.removed, std::vector<std::string>{"http://127.0.0.1:1003"});
  EXPECT_EQ(outcome.added, std::vector<std::string>{"http://127.0.0.1:1004"});
  EXPECT_EQ(sorted(director.available_urls()),
            (std::vector<std::string>{"http://127.0.0.1:1001", "http://127.0.0.1:1002",
                                      "http://127.0.0.1:1004"}));
}

TEST_F(DirectorTest, UnparsableUrlsAreSkipped) {
  auto outcome =
      director.on_refresh_success({"not a url", "http://127.0.0.1:1001"}, clock.monotonic());
  EXPECT_EQ(outcome.unparsable, std::vector<std::string>{"not a url"});
  EXPECT_EQ(director.available_count(), 1u);
}

TEST_F(DirectorTest, DuplicateUrlsCountOnce) {
  director.on_refresh_success({"http://127.0.0.1:1001", "http://127.0.0.1:1001"},
                              clock.monotonic());
  EXPECT_EQ(director.endpoints()->size(), 1u);
}

TEST(DirectorLoopTest, OwnListenAddressIsDropped) {  // spec W1
  FakeClock clock;
  base::Rng rng(3);
  Director d(DirectorConfig{}, rng,
             [](const http::Url& u) { return u.host == "127.0.0.1" && u.port == 2379; });
  auto outcome =
      d.on_refresh_success({"http://127.0.0.1:2379", "http://127.0.0.1:22379"}, clock.monotonic());
  EXPECT_EQ(outcome.dropped_self, std::vector<std::string>{"http://127.0.0.1:2379"});
  EXPECT_EQ(d.available_urls(), std::vector<std::string>{"http://127.0.0.1:22379"});
}

TEST(DirectorLoopTest, OnlySelfLeavesNoEndpoint) {
  FakeClock clock;
  base::Rng rng(3);
  Director d(DirectorConfig{}, rng, [](const http::Url&) { return true; });
  d.on_refresh_success({"http://127.0.0.1:2379"}, clock.monotonic());
  EXPECT_EQ(d.available_count(), 0u);
}

TEST_F(DirectorTest, RoundRobinStartAdvances) {
  director.on_refresh_success(three(), clock.monotonic());
  size_t a = director.next_start();
  size_t b = director.next_start();
  EXPECT_EQ(b, a + 1);
}

TEST_F(DirectorTest, NextDeadlineIsEarliestOfRefreshAndFailureWait) {
  director.on_refresh_success(three(), clock.monotonic());
  EXPECT_EQ(director.next_deadline(), clock.monotonic() + Millis(30000));
  auto ep = (*director.endpoints())[0];
  director.on_failure(*ep, clock.monotonic());
  EXPECT_EQ(director.next_deadline(), clock.monotonic() + Millis(5000));
}

TEST_F(DirectorTest, ProbeResultForRemovedEndpointIsIgnored) {
  director.on_refresh_success(three(), clock.monotonic());
  auto ep = (*director.endpoints())[0];
  director.on_failure(*ep, clock.monotonic());
  clock.advance(Millis(5000));
  auto due = director.take_due_probes(clock.monotonic());
  std::vector<std::string> others;
  for (const auto& u : three()) {
    if (u != ep->url.text) others.push_back(u);
  }
  director.on_refresh_success(others, clock.monotonic());
  EXPECT_FALSE(director.on_probe_result(*due[0], true, clock.monotonic()));
  EXPECT_EQ(director.available_count(), 2u);
}

}  // namespace
}  // namespace etcdpp::proxy
