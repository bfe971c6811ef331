#include "client/srv_lookup.h"

#include "http/url.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

namespace etcdpp::client {

namespace {

// The first name server of the resolver configuration, as Go names it ("127.0.0.1:53").
std::string first_server(const res_state state) {
  char text[INET6_ADDRSTRLEN] = "";
  if (state->nscount > 0 && state->nsaddr_list[0].sin_family == AF_INET) {
    const auto& sin = state->nsaddr_list[0];
    inet_ntop(AF_INET, &sin.sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(sin.sin_port));
  }
  if (state->_u._ext.nsaddrs[0] != nullptr && state->_u._ext.nsaddrs[0]->sin6_family == AF_INET6) {
    const auto* sin6 = state->_u._ext.nsaddrs[0];
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(sin6->sin6_port));
  }
  return "127.0.0.1:53";  // glibc's default when resolv.conf names none
}

// The response code and the SRV records of an answer; false when it cannot be parsed.
bool parse_srv_answer(const unsigned char* answer, int length, std::vector<SrvRecord>& out,
                      int& rcode) {
  ns_msg msg;
  if (ns_initparse(answer, length, &msg) < 0) return false;
  rcode = ns_msg_getflag(msg, ns_f_rcode);
  int count = ns_msg_count(msg, ns_s_an);
  for (int i = 0; i < count; ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) return false;
    if (ns_rr_type(rr) != ns_t_srv || ns_rr_rdlen(rr) < 7) continue;
    const unsigned char* rdata = ns_rr_rdata(rr);
    SrvRecord record;
    record.priority = ns_get16(rdata);
    record.weight = ns_get16(rdata + 2);
    record.port = ns_get16(rdata + 4);
    char target[NS_MAXDNAME];
    if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rdata + 6, target, sizeof target) < 0) {
      return false;
    }
    record.target = target;
    // Go keeps the root's dot: "infra0.example.com." (and "." for the root itself).
    if (record.target.empty() || record.target.back() != '.') record.target += '.';
    out.push_back(std::move(record));
  }
  return true;
}

// "ip:port" of host:port as Go's net.ResolveTCPAddr picks it (an IPv4 address first), or
// empty when the name does not resolve.
std::string resolve_tcp(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) return "";
  const addrinfo* pick = found;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      pick = a;
      break;
    }
  }
  char text[INET6_ADDRSTRLEN] = "";
  std::string out;
  if (pick->ai_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(pick->ai_addr)->sin_addr, text,
              sizeof text);
    out = std::string(text) + ":" + std::to_string(port);
  } else if (pick->ai_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(pick->ai_addr)->sin6_addr, text,
              sizeof text);
    out = "[" + std::string(text) + "]:" + std::to_string(port);
  }
  freeaddrinfo(found);
  return out;
}

}  // namespace

std::string dns_error_text(const std::string& name, const std::string& server, DnsFailure failure) {
  const char* reason = "no such host";
  if (failure == DnsFailure::server_misbehaving) reason = "server misbehaving";
  if (failure == DnsFailure::timeout) reason = "i/o timeout";
  if (failure == DnsFailure::unreachable) reason = "connection refused";
  return "lookup " + name + " on " + server + ": " + reason;
}

SrvAnswer lookup_srv(const std::string& service, const std::string& proto,
                     const std::string& domain) {
  std::string name = "_" + service + "._" + proto + "." + domain;
  SrvAnswer result;
  struct __res_state state;
  std::memset(&state, 0, sizeof state);
  if (res_ninit(&state) != 0) {
    result.error = "lookup " + name + ": cannot read the resolver configuration";
    return result;
  }
  std::string server = first_server(&state);
  unsigned char query[NS_PACKETSZ];
  int query_length = res_nmkquery(&state, ns_o_query, name.c_str(), ns_c_in, ns_t_srv, nullptr, 0,
                                  nullptr, query, sizeof query);
  if (query_length <= 0) {
    res_nclose(&state);
    result.error = dns_error_text(name, server, DnsFailure::no_such_host);  // not a valid name
    return result;
  }
  std::vector<unsigned char> answer(NS_MAXMSG);
  auto send_started = std::chrono::steady_clock::now();
  errno = 0;
  int answer_length =
      res_nsend(&state, query, query_length, answer.data(), static_cast<int>(answer.size()));
  int send_errno = errno;
  auto send_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - send_started)
                     .count();
  long timeout_ms = static_cast<long>(state.retrans) * 1000;
  res_nclose(&state);
  if (answer_length < 0) {
    // glibc gives up with ECONNREFUSED when no server could be reached, else with ETIMEDOUT:
    // both when none answered in time and when they answered SERVFAIL, REFUSED or NOTIMP (Go:
    // "server misbehaving"). Only the time it took tells these two apart.
    DnsFailure failure = DnsFailure::unreachable;
    if (send_errno == ETIMEDOUT) {
      failure = send_ms >= timeout_ms ? DnsFailure::timeout : DnsFailure::server_misbehaving;
    }
    result.error = dns_error_text(name, server, failure);
    return result;
  }
  int rcode = 0;
  if (!parse_srv_answer(answer.data(), answer_length, result.records, rcode)) {
    result.records.clear();
    result.error = dns_error_text(name, server, DnsFailure::server_misbehaving);
    return result;
  }
  if (rcode == ns_r_nxdomain || (rcode == ns_r_noerror && result.records.empty())) {
    // Go answers "no such host" for a name without SRV records too.
    result.records.clear();
    result.error = dns_error_text(name, server, DnsFailure::no_such_host);
    return result;
  }
  if (rcode != ns_r_noerror) {
    result.records.clear();
    result.error = dns_error_text(name, server, DnsFailure::server_misbehaving);
    return result;
  }
  std::random_device seed;
  std::mt19937_64 rng(seed());
  order_srv_records(result.records, rng);
  return result;
}

void order_srv_records(std::vector<SrvRecord>& records, std::mt19937_64& rng) {
  std::stable_sort(records.begin(), records.end(), [](const SrvRecord& a, const SrvRecord& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.weight < b.weight;
  });
  auto group_begin = records.begin();
  while (group_begin != records.end()) {
    auto group_end = std::find_if(group_begin, records.end(), [&](const SrvRecord& r) {
      return r.priority != group_begin->priority;
    });
    // RFC 2782's selection: the next record is drawn with a probability proportional to its
    // weight among those not drawn yet; records of weight 0 keep their place at the end.
    uint64_t total = 0;
    for (auto it = group_begin; it != group_end; ++it) total += it->weight;
    for (auto next = group_begin; total > 0 && group_end - next > 1; ++next) {
      uint64_t draw = std::uniform_int_distribution<uint64_t>(0, total - 1)(rng);
      uint64_t running = 0;
      auto chosen = next;
      for (auto it = next; it != group_end; ++it) {
        running += it->weight;
        if (running > draw) {
          chosen = it;
          break;
        }
      }
      std::iter_swap(next, chosen);
      total -= next->weight;
    }
    group_begin = group_end;
  }
}

ClientUrlDiscovery discover_client_urls(const std::string& domain) {
  ClientUrlDiscovery result;
  SrvAnswer secure = lookup_srv("etcd-client-ssl", "tcp", domain);
  SrvAnswer plain = lookup_srv("etcd-client", "tcp", domain);
  if (!secure.error.empty() && !plain.error.empty()) {
    result.error = "dns lookup errors: " + secure.error + " and " + plain.error;
    return result;
  }
  for (const auto& r : secure.records) {
    result.urls.push_back("https://" + r.target + ":" + std::to_string(r.port));
  }
  for (const auto& r : plain.records) {
    result.urls.push_back("http://" + r.target + ":" + std::to_string(r.port));
  }
  return result;
}

SrvClusterDiscovery discover_srv_cluster(const std::string& domain, const std::string& srv_name,
                                         const std::string& own_name,
                                         const std::vector<std::string>& advertise_peer_urls) {
  SrvClusterDiscovery result;
  // The advertised peer URLs by address, to recognise this member among the records.
  std::map<std::string, http::Url> own_by_address;
  for (const auto& text : advertise_peer_urls) {
    std::string error;
    auto url = http::parse_url(text, error);
    if (!url) continue;
    std::string address = resolve_tcp(url->host, url->port);
    if (!address.empty()) own_by_address[address] = *url;
  }
  std::string suffix = srv_name.empty() ? "" : "-" + srv_name;
  std::vector<std::string> errors;
  int temp_name = 0;  // the names of the other members: "0", "1", ...
  for (const auto& [service, scheme] :
       {std::pair<std::string, std::string>{"etcd-server-ssl", "https"}, {"etcd-server", "http"}}) {
    SrvAnswer answer = lookup_srv(service + suffix, "tcp", domain);
    std::string problem = answer.error;
    size_t found = 0;
    for (const auto& record : answer.records) {
      std::string host = record.target;
      if (!host.empty() && host.back() == '.') host.pop_back();
      std::string address = resolve_tcp(host, record.port);
      if (address.empty()) {
        problem = "lookup " + host + ": no such host";
        continue;
      }
      std::string url = scheme + "://" + host + ":" + std::to_string(record.port);
      auto own = own_by_address.find(address);
      if (own != own_by_address.end() && own->second.scheme != scheme) {
        problem = "bootstrap at " + url + " from DNS for " + service + suffix +
                  " has scheme mismatch with expected peer " + own->second.text;
        continue;
      }
      std::string name = own != own_by_address.end() ? own_name : std::to_string(temp_name++);
      result.members.push_back(name + "=" + url);
      ++found;
    }
    if (found == 0) {
      errors.push_back("error querying DNS SRV records for _" + service + suffix + " " + problem);
    }
  }
  if (result.members.empty()) {
    for (const auto& e : errors) result.error += (result.error.empty() ? "" : "; ") + e;
  }
  return result;
}

}  // namespace etcdpp::client
