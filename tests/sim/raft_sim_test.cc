// Seeded simulations of Raft clusters (sim_cluster.h). Each test runs as many seeds as fit in
// its time budget (ETCDPP_SIM_SECONDS, default 20 s; at least ETCDPP_SIM_MIN_SEEDS seeds) and
// stops at the first failure, printing the seed. ETCDPP_SIM_SEED=N replays exactly one seed.
#include "sim/sim_cluster.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

namespace etcdpp::sim {
namespace {

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

void run_seeds(const char* label, const SimOptions& options, uint64_t seed_base) {
  if (const char* one = std::getenv("ETCDPP_SIM_SEED")) {
    uint64_t seed = std::strtoull(one, nullptr, 10);
    SimResult r = run_simulation(seed, options);
    EXPECT_EQ(r.failure, "") << label << " seed " << seed;
    return;
  }
  // Wall time bounds how many seeds run; which seeds run is still fixed (base, base+1, ...),
  // and a failure names its seed, so any failure replays exactly.
  auto budget = std::chrono::seconds(env_or("ETCDPP_SIM_SECONDS", 20));
  uint64_t min_seeds = env_or("ETCDPP_SIM_MIN_SEEDS", 20);
  auto start = std::chrono::steady_clock::now();
  SimResult totals;
  uint64_t seeds = 0;
  for (uint64_t seed = seed_base;; ++seed) {
    SimResult r = run_simulation(seed, options);
    ++seeds;
    if (!r.failure.empty()) {
      ADD_FAILURE() << label << ": seed " << seed << " failed (replay with ETCDPP_SIM_SEED=" << seed
                    << " --gtest_filter=*" << label << "*):\n"
                    << r.failure;
      return;
    }
    totals.committed += r.committed;
    totals.operations += r.operations;
    totals.elections += r.elections;
    totals.crashes += r.crashes;
    totals.partitions += r.partitions;
    totals.membership_changes += r.membership_changes;
    totals.snapshots_sent += r.snapshots_sent;
    totals.transfers += r.transfers;
    bool out_of_time = std::chrono::steady_clock::now() - start >= budget;
    if (seeds >= min_seeds && out_of_time) break;
  }
  std::printf(
      "%s: %lu seeds passed (from %lu): %lu entries committed, %zu client operations "
      "checked, %zu elections, %zu crashes, %zu partitions, %zu membership changes, "
      "%zu snapshots sent, %zu leader transfers\n",
      label, static_cast<unsigned long>(seeds), static_cast<unsigned long>(seed_base),
      static_cast<unsigned long>(totals.committed), totals.operations, totals.elections,
      totals.crashes, totals.partitions, totals.membership_changes, totals.snapshots_sent,
      totals.transfers);
}

TEST(RaftSim, ThreeMembersWithFaults) {
  SimOptions options;
  options.initial_voters = 3;
  options.max_members = 3;
  options.membership_changes = false;
  run_seeds("ThreeMembersWithFaults", options, 1'000);
}

TEST(RaftSim, FiveMembersWithFaults) {
  SimOptions options;
  options.initial_voters = 5;
  options.max_members = 5;
  options.membership_changes = false;
  run_seeds("FiveMembersWithFaults", options, 100'000);
}

TEST(RaftSim, MembershipChangesDuringFaults) {
  SimOptions options;
  options.initial_voters = 3;
  options.max_members = 5;
  options.membership_changes = true;
  run_seeds("MembershipChangesDuringFaults", options, 200'000);
}

}  // namespace
}  // namespace etcdpp::sim
