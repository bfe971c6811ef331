// Membership, ids and the member's identity file: etcd's ids for the same flags, stable
// encodings, damage detected.
#include "server/membership.h"
#include "server/entry.h"
#include "server/identity.h"

#include <gtest/gtest.h>

#include "testutil/temp_dir.h"

#include <fstream>

namespace etcdpp::server {
namespace {

TEST(MemberIdTest, SameIdsAsEtcdForItsDefaults) {
  // etcd with no flags: member 8e9e05c52164694d in cluster cdf818194e3a8c32.
  uint64_t id = compute_member_id({"http://localhost:2380"}, "etcd-cluster");
  EXPECT_EQ(id_hex(id), "8e9e05c52164694d");
  EXPECT_EQ(id_hex(compute_cluster_id({id})), "cdf818194e3a8c32");
}

TEST(MemberIdTest, PeerUrlOrderDoesNotMatterButTokenAndTimeDo) {
  uint64_t a = compute_member_id({"http://b:2", "http://a:1"}, "t");
  EXPECT_EQ(a, compute_member_id({"http://a:1", "http://b:2"}, "t"));
  EXPECT_NE(a, compute_member_id({"http://a:1", "http://b:2"}, "u"));
  EXPECT_NE(a, compute_member_id({"http://a:1", "http://b:2"}, "t", 1700000000));
  EXPECT_EQ(compute_cluster_id({1, 2}), compute_cluster_id({2, 1}));
}

TEST(MemberIdTest, HexIds) {
  EXPECT_EQ(id_hex(0x0628170c800dbceeULL), "628170c800dbcee");
  EXPECT_EQ(parse_id_hex("628170c800dbcee"), 0x0628170c800dbceeULL);
  EXPECT_EQ(parse_id_hex("FF"), 255u);
  EXPECT_FALSE(parse_id_hex(""));
  EXPECT_FALSE(parse_id_hex("xyz"));
  EXPECT_FALSE(parse_id_hex("12 "));
  EXPECT_FALSE(parse_id_hex("1ffffffffffffffff"));
}

TEST(MembershipTest, UpsertKeepsIdOrderAndEncodingRoundTrips) {
  Membership m;
  m.cluster_id = 42;
  m.upsert({9, "b", {"http://b:2380"}, {}});
  m.upsert({3, "a", {"http://a:2380"}, {"http://a:2379"}});
  m.upsert({9, "b2", {"http://b:2380"}, {"http://b:2379"}});
  ASSERT_EQ(m.members.size(), 2u);
  EXPECT_EQ(m.members[0].id, 3u);
  EXPECT_EQ(m.find(9)->name, "b2");
  EXPECT_EQ(m.find(4), nullptr);
  std::string error;
  auto back = decode_membership(encode_membership(m), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, m);
  EXPECT_FALSE(decode_membership("\xff\x01", error));
}

TEST(MembershipTest, MembershipEntriesApplyAndRoundTrip) {
  Membership m;
  m.cluster_id = 7;
  m.upsert({1, "n", {"http://n:1"}, {"http://n:2"}});
  Entry e{3, 1, 0, MembershipUpdate{m}};
  std::string error;
  auto back = decode_entry(encode_entry(e), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, e);
  ServerState state;
  auto result = apply_entry(state, e);
  EXPECT_TRUE(result.membership_changed);
  EXPECT_EQ(state.membership, m);
  EXPECT_EQ(state.store.index(), 0u);  // membership is not in the keyspace
}

TEST(StoreStatsTest, AppliedWritesAreCountedByOperation) {
  ServerState state;
  auto write = [&](std::string method, std::string key, std::string prev_value = "",
                   std::optional<bool> prev_exist = std::nullopt) {
    WriteRequest w;
    w.method = std::move(method);
    w.key = std::move(key);
    w.value = "v";
    w.prev_value = std::move(prev_value);
    w.prev_exist = prev_exist;
    apply_entry(state, Entry{0, 0, 0, w});
  };
  write("PUT", "/a");
  write("PUT", "/a", "v");
  write("PUT", "/a", "nope");
  write("PUT", "/a", "", false);
  write("PUT", "/b", "", true);
  write("POST", "/q");
  write("QGET", "/a");
  write("DELETE", "/a", "v");
  write("DELETE", "/missing");
  const auto& s = state.stats;
  EXPECT_EQ(s.sets_success, 1u);
  EXPECT_EQ(s.compare_and_swap_success, 1u);
  EXPECT_EQ(s.compare_and_swap_fail, 1u);
  EXPECT_EQ(s.create_fail, 1u);
  EXPECT_EQ(s.create_success, 1u);
  EXPECT_EQ(s.update_fail, 1u);
  EXPECT_EQ(s.gets_success, 1u);
  EXPECT_EQ(s.compare_and_delete_success, 1u);
  EXPECT_EQ(s.delete_fail, 1u);
}

class IdentityTest : public testutil::TempDirTest {};

TEST_F(IdentityTest, SavedLoadedAndDamageDetected) {
  std::string error;
  EXPECT_FALSE(load_identity(dir, error));
  EXPECT_EQ(error, "");
  Identity id{0x8e9e05c52164694dULL, 0xcdf818194e3a8c32ULL};
  ASSERT_EQ(save_identity(dir, id), "");
  auto back = load_identity(dir, error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, id);
  {
    std::fstream f(dir / "identity", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.put('0');
  }
  EXPECT_FALSE(load_identity(dir, error));
  EXPECT_NE(error.find("checksum mismatch"), std::string::npos) << error;
  EXPECT_NE(error.find("identity"), std::string::npos) << error;
}

}  // namespace
}  // namespace etcdpp::server
