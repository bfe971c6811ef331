#pragma once
// The v2 discovery procedures against a token directory on any etcd v2 key space (etcd's, a
// public-style service, or etcdpp's own GET /new tokens):
//
//   join_cluster (a new member): check the token (size, registrations); unless the cluster is
//     already full, register T/<id-hex> = "name=peer-url,…" with prevExist=false; then wait
//     until `size` members registered and return the first `size` as an initial cluster.
//   get_cluster (a proxy, or a member falling back to one): same without registering; waits
//     until the token is complete.
//
// Only "no usable answer" (connection failures, timeouts, 5xx) is retried, with etcd's backoff:
// 2^k seconds before the k-th retry, capped at 256 s, from the check step again. Error answers
// (no token, bad size, duplicate id…) end the procedure at once. Unlike etcd, waiting re-reads
// the directory after every change instead of appending watch events, so deletions, updates or
// a watch that falls out of the event history cannot make two members disagree on the cluster.
#include "discovery/discovery_url.h"
#include "discovery/registry.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace etcdpp::discovery {

struct DiscoveryOptions {
  std::chrono::milliseconds dial_timeout{10'000};
  std::chrono::milliseconds request_timeout{5'000};  // each non-watch request
  // A watch that sees nothing for this long is re-issued after a fresh check (a half-open
  // connection cannot stall the wait forever).
  std::chrono::milliseconds watch_timeout{60'000};
  std::chrono::milliseconds first_backoff{2'000};
  unsigned max_backoff_doublings = 8;  // 2 s · 2^7 = 256 s at most, as etcd 3.4
};

struct Outcome {
  Failure failure = Failure::none;
  std::string cluster;  // the initial cluster text (also the first `size` when full)
  std::string detail;   // what the service answered, for the log
};

class Discovery {
 public:
  // `self_id_hex`: the member id as lowercase hex without leading zeros (the key it
  // registers), "0" for a proxy, which never registers. `proxy`: optional HTTP proxy all
  // requests go through.
  Discovery(DiscoveryUrl url, std::optional<http::Url> proxy, std::string self_id_hex,
            DiscoveryOptions options = {});

  // `self_value`: this member's "name=peer-url,…" (format_initial_cluster).
  boost::asio::awaitable<Outcome> join_cluster(std::string self_value);
  boost::asio::awaitable<Outcome> get_cluster();

 private:
  struct Answer;
  struct Check;

  // Views, so that no temporary with a destructor lives in a co_await expression (GCC 12
  // miscompiles those); callers keep the viewed text alive until the answer is there.
  boost::asio::awaitable<Answer> request(std::string_view method, std::string_view path_and_query,
                                         std::string_view form_body,
                                         std::chrono::milliseconds timeout);
  // One check; nullopt when the service gave no usable answer (retry).
  boost::asio::awaitable<std::optional<Check>> check_once();
  boost::asio::awaitable<Check> check();  // retries until a usable answer
  // Registers self. Failure::none on success.
  boost::asio::awaitable<Outcome> register_self(const std::string& value);
  // Whether self's key holds `value` (an earlier attempt of ours landed); retries until the
  // service answers.
  boost::asio::awaitable<bool> holds_own_registration(const std::string& value);
  // Waits until the token directory changes after `index` (or the watch times out).
  boost::asio::awaitable<void> wait_for_change(uint64_t index);
  // The common tail: wait until the token is complete. `registered`: self must be among them.
  boost::asio::awaitable<Outcome> wait_complete(bool registered);
  boost::asio::awaitable<void> back_off(std::string_view step, std::string_view reason);
  std::string self_key() const;

  DiscoveryUrl url_;
  std::optional<http::Url> proxy_;
  std::string self_id_hex_;
  DiscoveryOptions options_;
  unsigned retries_ = 0;
  std::string last_trouble_;  // why the last check got no usable answer
};

}  // namespace etcdpp::discovery
