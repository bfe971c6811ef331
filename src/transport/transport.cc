#include "transport/transport.h"

namespace etcdpp::transport {

void Transport::set_peers(const std::map<uint64_t, std::vector<std::string>>& peers) {
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (peers.contains(it->first)) {
      ++it;
      continue;
    }
    it->second.messages->stop();
    it->second.snapshots->stop();
    it = peers_.erase(it);
  }
  for (const auto& [id, urls] : peers) {
    auto it = peers_.find(id);
    if (it != peers_.end()) {
      it->second.messages->set_urls(urls);
      it->second.snapshots->set_urls(urls);
      continue;
    }
    Lanes lanes;
    lanes.messages = std::make_shared<PeerSender>(executor_, id, urls, options_, events_);
    lanes.snapshots = std::make_shared<PeerSender>(executor_, id, urls, options_, events_);
    lanes.messages->start();
    lanes.snapshots->start();
    peers_.emplace(id, std::move(lanes));
  }
}

void Transport::send(std::vector<raft::Message> messages) {
  for (raft::Message& m : messages) {
    auto it = peers_.find(m.to);
    if (it == peers_.end()) {
      if (m.type == raft::MessageType::snap && events_->snapshot_done) {
        events_->snapshot_done(m.to, false);
      }
      continue;
    }
    if (m.type == raft::MessageType::snap) {
      it->second.snapshots->send(std::move(m));
    } else {
      it->second.messages->send(std::move(m));
    }
  }
}

void Transport::stop() {
  for (auto& [id, lanes] : peers_) {
    lanes.messages->stop();
    lanes.snapshots->stop();
  }
  peers_.clear();
}

bool Transport::reachable(uint64_t peer) const {
  auto it = peers_.find(peer);
  return it != peers_.end() && it->second.messages->reachable();
}

}  // namespace etcdpp::transport
