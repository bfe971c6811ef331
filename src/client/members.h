#pragma once
// The cluster membership as a member's peer listener publishes it at GET <peer-url>/members.
#include "http/url.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace etcdpp::client {

struct Member {
  uint64_t id = 0;  // decimal uint64 in JSON; exceeds 2^53, so never parsed as a double
  std::string name;
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;  // empty for a member added but never started
};

// Parses the JSON array of a /members answer. Returns nullopt (and sets `error`) when the body
// is not an array of member objects.
std::optional<std::vector<Member>> parse_members(std::string_view body, std::string& error);

// Parses an X-Etcd-Cluster-ID value: lowercase or uppercase hex uint64.
std::optional<uint64_t> parse_cluster_id(std::string_view text);

struct MembersAnswer {
  bool ok = false;
  uint64_t cluster_id = 0;
  std::vector<Member> members;
  std::string peer_url;             // which peer answered
  std::vector<std::string> errors;  // one line per peer that did not give a usable answer
};

// Asks each peer URL in order for GET /members; the first usable answer wins. An answer is
// usable when it is a JSON array of members (possibly empty) with a valid X-Etcd-Cluster-ID.
// When `expected_cluster_id` is set, an answer from another cluster is rejected (etcd's proxy
// silently follows it). `tls`: the client context for https peers (nullptr: they fail). The
// caller keeps `peer_urls` and `tls` alive until the result is ready.
boost::asio::awaitable<MembersAnswer> fetch_members(const std::vector<http::Url>& peer_urls,
                                                    std::optional<uint64_t> expected_cluster_id,
                                                    std::chrono::milliseconds dial_timeout,
                                                    std::chrono::milliseconds request_timeout,
                                                    boost::asio::ssl::context* tls = nullptr);

}  // namespace etcdpp::client
