#pragma once
// The v2 discovery protocol's bookkeeping, without I/O: what a token directory holds, who is
// in the cluster, and the cluster it describes. A token directory T holds T/_config/size (the
// expected number of members, hidden) and one key per registered member, T/<member-id-hex>,
// whose value is that member's "name=peer-url,…" (see ../shared/spec/discovery.md).
//
// The cluster is the first `size` registrations by creation index: every member and proxy that
// reads the same directory computes the same cluster, whatever order it saw them in.
#include "client/keys_response.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::discovery {

// The outcomes etcd's discovery reports, with its error texts (failure_text).
enum class Failure {
  none,
  size_not_found,  // no T/_config/size: the token does not exist
  bad_size_key,    // the size is not a positive integer
  bad_endpoint,    // the service did not answer with etcd v2 JSON
  duplicate_id,    // this member registered with the token before
  duplicate_name,  // two registrations share a name
  duplicate_url,   // two registrations share a peer URL
  invalid_url,     // a registration is not "name=url,…"
  full_cluster,    // `size` other members registered first
  service_error,   // any other error answer of the service
};

// "discovery: cluster is full", … (etcd's texts; "" for none).
std::string_view failure_text(Failure failure);

struct Registration {
  std::string id;     // the key's last segment: the member id in hex
  std::string value;  // "name=url,…"
  uint64_t created_index = 0;
};

// Parses the size value: a decimal integer >= 1.
std::optional<uint64_t> parse_size(std::string_view value);

// The registrations among the children of the token directory (keys starting with "_" are
// skipped), sorted by creation index.
std::vector<Registration> registrations_in(const client::KeyNode& token_dir);

struct Placement {
  bool full = false;                 // `size` registrations precede self (or self is absent)
  std::vector<Registration> active;  // the first `size` registrations, or all when fewer
  bool has_self = false;             // self is among `active`
};

// Where `self_id` stands among `sorted` registrations. `self_id` "0" (a proxy) is never
// registered, so a proxy sees a complete token as "full" — which is what it waits for.
Placement place(const std::vector<Registration>& sorted, uint64_t size, std::string_view self_id);

struct ClusterText {
  Failure failure = Failure::none;
  std::string text;  // the registrations joined by ",": an --initial-cluster value
};

// The initial cluster the `active` registrations describe. Checks that the values parse, that
// there are `size` distinct names and that no peer URL is claimed by two names.
ClusterText cluster_of(const std::vector<Registration>& active, uint64_t size);

}  // namespace etcdpp::discovery
