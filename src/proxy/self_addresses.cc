#include "proxy/self_addresses.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <algorithm>

namespace etcdpp::proxy {

namespace ip = boost::asio::ip;

namespace {

std::vector<ip::address> addresses_of_host(const std::string& host) {
  if (host == "localhost") {
    return {ip::make_address("127.0.0.1"), ip::make_address("::1")};
  }
  boost::system::error_code ec;
  auto addr = ip::make_address(host, ec);
  if (ec) return {};
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    addr = ip::make_address_v4(ip::v4_mapped, addr.to_v6());
  }
  return {addr};
}

bool is_loopback(const ip::address& a) { return a.is_loopback(); }

}  // namespace

SelfAddresses::SelfAddresses(const std::vector<http::Url>& listen_urls,
                             std::vector<ip::address> local_addresses)
    : local_addresses_(std::move(local_addresses)) {
  for (const auto& url : listen_urls) {
    exact_.insert({url.host, url.port});
    for (const auto& addr : addresses_of_host(url.host)) {
      if (addr.is_unspecified()) {
        wildcard_ports_.insert(url.port);
      } else {
        addresses_.insert({addr, url.port});
      }
    }
  }
}

bool SelfAddresses::matches(const http::Url& url) const {
  if (exact_.count({url.host, url.port})) return true;
  for (const auto& addr : addresses_of_host(url.host)) {
    if (addresses_.count({addr, url.port})) return true;
    if (wildcard_ports_.count(url.port)) {
      // A wildcard listener answers on every local address, loopback included.
      if (is_loopback(addr) || addr.is_unspecified()) return true;
      if (std::find(local_addresses_.begin(), local_addresses_.end(), addr) !=
          local_addresses_.end()) {
        return true;
      }
    }
  }
  return false;
}

std::vector<ip::address> local_interface_addresses() {
  std::vector<ip::address> out;
  struct ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (auto* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr) continue;
    if (it->ifa_addr->sa_family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(it->ifa_addr);
      out.push_back(ip::address_v4(ntohl(sin->sin_addr.s_addr)));
    } else if (it->ifa_addr->sa_family == AF_INET6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(it->ifa_addr);
      ip::address_v6::bytes_type bytes;
      std::copy(std::begin(sin6->sin6_addr.s6_addr), std::end(sin6->sin6_addr.s6_addr),
                bytes.begin());
      out.push_back(ip::address_v6(bytes, sin6->sin6_scope_id));
    }
  }
  freeifaddrs(list);
  return out;
}

}  // namespace etcdpp::proxy
