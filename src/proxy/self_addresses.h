#pragma once
// Recognises URLs that point at this proxy's own listeners, so the proxy never uses itself as
// an upstream (spec W1: etcd's proxy forwards to itself until resources run out).
#include "http/url.h"

#include <boost/asio/ip/address.hpp>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace etcdpp::proxy {

class SelfAddresses {
 public:
  // `local_addresses`: addresses of this host's interfaces (used when a listener binds a
  // wildcard address). Pass local_interface_addresses() in production.
  SelfAddresses(const std::vector<http::Url>& listen_urls,
                std::vector<boost::asio::ip::address> local_addresses);

  // True when `url` names one of our listeners. Host names other than "localhost" are not
  // resolved here (that would block); a loop through a name is caught by the hop header.
  bool matches(const http::Url& url) const;

 private:
  std::set<std::pair<std::string, uint16_t>> exact_;  // (host text, port)
  std::set<std::pair<boost::asio::ip::address, uint16_t>> addresses_;
  std::set<uint16_t> wildcard_ports_;
  std::vector<boost::asio::ip::address> local_addresses_;
};

// Addresses of the host's network interfaces (getifaddrs).
std::vector<boost::asio::ip::address> local_interface_addresses();

}  // namespace etcdpp::proxy
