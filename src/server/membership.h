#pragma once
// The cluster's membership as every member replicates it: the cluster id and each member's id,
// name and URLs. Changed only by applying a committed entry, so every member agrees.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::server {

struct MemberInfo {
  uint64_t id = 0;
  std::string name;  // empty until the member has started (published)
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;  // empty until the member has started
  bool operator==(const MemberInfo&) const = default;
};

struct Membership {
  uint64_t cluster_id = 0;
  std::vector<MemberInfo> members;  // invariant: sorted by id, ids unique
  std::vector<uint64_t> removed;    // sorted: members removed for good (ids never reused)

  const MemberInfo* find(uint64_t id) const;
  bool is_removed(uint64_t id) const;
  // Adds or replaces the member with info.id, keeping the order.
  void upsert(MemberInfo info);
  // Removes the member and remembers its id as removed.
  void remove(uint64_t id);
  // The voters: every member's id, sorted.
  std::vector<uint64_t> ids() const;
  bool operator==(const Membership&) const = default;
};

// etcd's member id: the first 8 bytes (big-endian) of SHA-1 over the sorted peer URLs, the
// cluster token and, for a member added at runtime, the Unix time of the addition. Matching it
// gives the same ids as etcd for the same flags (e.g. 8e9e05c52164694d for the defaults).
uint64_t compute_member_id(std::vector<std::string> peer_urls, std::string_view cluster_token,
                           std::optional<int64_t> added_unix_seconds = std::nullopt);
// etcd's cluster id: the first 8 bytes of SHA-1 over the sorted member ids (8 bytes each,
// big-endian).
uint64_t compute_cluster_id(std::vector<uint64_t> member_ids);

// Lowercase hex without leading zeros, as etcd's types.ID prints ids.
std::string id_hex(uint64_t id);
// Parses a hex id as etcd's types.IDFromString does; nullopt when it is not hex.
std::optional<uint64_t> parse_id_hex(std::string_view text);

// Stable binary form (protobuf) for entries and snapshots.
std::string encode_membership(const Membership& membership);
std::optional<Membership> decode_membership(std::string_view bytes, std::string& error);

}  // namespace etcdpp::server
