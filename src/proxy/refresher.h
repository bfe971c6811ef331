#pragma once
// Drives the Director with real time: refreshes the member list from the peers' /members,
// persists the peer URLs to <data-dir>/proxy/cluster, and health-probes failed endpoints.
#include "proxy/context.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace etcdpp::proxy {

class Refresher {
 public:
  // `configured_peers`: from --initial-cluster; `start_peers`: where to ask first (the cluster
  // file's URLs when it exists, else the configured ones). `proxy_dir`: empty = no persistence.
  Refresher(ProxyContext& ctx, std::vector<http::Url> configured_peers,
            std::vector<http::Url> start_peers, std::filesystem::path proxy_dir);

  // One refresh now. Returns true when a member list was obtained.
  boost::asio::awaitable<bool> refresh_once();
  // Refreshes and probes for ever (until stop()).
  boost::asio::awaitable<void> run();
  void stop();

 private:
  boost::asio::awaitable<void> probe(EndpointPtr endpoint);
  void apply_members(const std::vector<std::string>& client_urls,
                     const std::vector<std::string>& peer_urls);
  void publish_endpoint_states();

  ProxyContext& ctx_;
  std::vector<http::Url> configured_peers_;
  std::vector<http::Url> peers_;
  std::filesystem::path proxy_dir_;
  std::optional<uint64_t> cluster_id_;
  std::vector<std::string> last_persisted_;
  std::vector<std::string> published_;  // endpoints with a state gauge
  bool announced_ = false;
  bool stopped_ = false;
  std::optional<boost::asio::steady_timer> timer_;
};

}  // namespace etcdpp::proxy
