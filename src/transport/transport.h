#pragma once
// The member's Raft transport: one PeerSender per peer for ordinary messages and another for
// snapshots (a large snapshot must not hold up the heartbeats behind it, or the follower
// would time out and start an election while it is being caught up).
#include "raft/types.h"
#include "transport/peer_sender.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace etcdpp::transport {

class Transport {
 public:
  Transport(boost::asio::any_io_executor executor, SenderOptions options,
            std::shared_ptr<SenderEvents> events)
      : executor_(executor), options_(options), events_(std::move(events)) {}
  ~Transport() { stop(); }
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // The peers to talk to (id → peer URLs), excluding this member. Senders of peers no longer
  // listed are stopped.
  void set_peers(const std::map<uint64_t, std::vector<std::string>>& peers);
  // Sends each message to its `to`; messages to unknown peers are dropped and reported.
  void send(std::vector<raft::Message> messages);
  void stop();
  // Whether the last request to `peer` got through (false for unknown peers).
  bool reachable(uint64_t peer) const;

 private:
  struct Lanes {
    std::shared_ptr<PeerSender> messages;
    std::shared_ptr<PeerSender> snapshots;
  };
  boost::asio::any_io_executor executor_;
  SenderOptions options_;
  std::shared_ptr<SenderEvents> events_;
  std::map<uint64_t, Lanes> peers_;
};

}  // namespace etcdpp::transport
