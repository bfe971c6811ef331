#pragma once
// Sends Raft messages to one peer over HTTP/1.1 (POST /raft on its peer URL), on one
// keep-alive connection. Messages queue while a request is in flight and go out together in
// the next one (batching). The queue is bounded: when the peer is slow or gone, messages are
// dropped and reported, and Raft resends what matters (it probes, heartbeats, retries).
#include "raft/types.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace etcdpp::transport {

struct SenderEvents {
  // The peer could not be reached (or answered with an error): Raft should stop pipelining.
  std::function<void(uint64_t peer)> unreachable;
  // A snapshot message was delivered (ok) or lost.
  std::function<void(uint64_t peer, bool ok)> snapshot_done;
  // The peer refused us as a member removed from the cluster (HTTP 410).
  std::function<void(uint64_t peer)> removed;
};

struct SenderOptions {
  uint64_t cluster_id = 0;
  uint64_t local_id = 0;
  // This member's peer URLs, sent along (X-PeerURLs) so that a member that does not know us
  // yet (one that just joined and has not caught up) can answer.
  std::vector<std::string> local_peer_urls;
  size_t max_queued_messages = 4096;
  size_t max_batch_bytes = 4 << 20;  // a larger single message (a snapshot) goes alone
  std::chrono::milliseconds dial_timeout{1000};
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds retry_delay{100};
  // The client side of TLS for https peer URLs (not owned). nullptr: https peers fail.
  boost::asio::ssl::context* tls = nullptr;
};

class PeerSender : public std::enable_shared_from_this<PeerSender> {
 public:
  PeerSender(boost::asio::any_io_executor executor, uint64_t peer_id,
             std::vector<std::string> peer_urls, const SenderOptions& options,
             std::shared_ptr<SenderEvents> events);
  ~PeerSender();

  // Starts the sending loop (call once, after construction through make_shared).
  void start();
  // Stops the loop; queued messages are dropped.
  void stop();
  void send(raft::Message m);
  void set_urls(std::vector<std::string> peer_urls);
  uint64_t peer_id() const { return peer_id_; }
  // Whether the last request reached the peer.
  bool reachable() const { return reachable_; }

 private:
  boost::asio::awaitable<void> run();
  // Sends one batch; false when it did not reach the peer.
  boost::asio::awaitable<bool> post(const std::string& body, bool large);

  boost::asio::any_io_executor executor_;
  uint64_t peer_id_;
  std::vector<std::string> urls_;
  size_t url_index_ = 0;
  SenderOptions options_;
  std::shared_ptr<SenderEvents> events_;
  std::deque<raft::Message> queue_;
  boost::asio::steady_timer wakeup_;
  struct Connection;
  std::unique_ptr<Connection> connection_;
  bool stopped_ = false;
  bool reachable_ = true;
};

}  // namespace etcdpp::transport
