#pragma once
// DNS SRV lookups for etcd's domain discovery (etcdctl --discovery-srv), answered as Go's
// resolver and etcd's pkg/srv answer them: same record order, same host spelling (the target
// keeps its trailing dot) and the same error texts, which etcdctl prints as they are.
//
// The lookups go to the name servers of /etc/resolv.conf (glibc's resolver) and block: they are
// made once, before anything else runs.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace etcdpp::client {

struct SrvRecord {
  std::string target;  // as in the answer, with the trailing dot: "infra0.example.com."
  uint16_t port = 0;
  uint16_t priority = 0;
  uint16_t weight = 0;
};

struct SrvAnswer {
  std::vector<SrvRecord> records;  // in Go's order (order_srv_records)
  // Empty on success; else Go's net.DNSError text:
  // "lookup _etcd-client._tcp.example.com on 127.0.0.1:53: no such host".
  std::string error;
};

// Looks up "_<service>._<proto>.<domain>".
SrvAnswer lookup_srv(const std::string& service, const std::string& proto,
                     const std::string& domain);

// Go's order of SRV records (RFC 2782): by priority, and within a priority a random order in
// which each record comes first with a probability proportional to its weight.
void order_srv_records(std::vector<SrvRecord>& records, std::mt19937_64& rng);

// Go's text for a failed lookup: "lookup <name> on <server>: <reason>", the reason being
// "no such host" (NXDOMAIN, or no SRV record), "server misbehaving" (SERVFAIL, REFUSED, ...),
// "i/o timeout", or "connection refused" (no server reachable; Go names the socket there).
enum class DnsFailure { no_such_host, server_misbehaving, timeout, unreachable };
std::string dns_error_text(const std::string& name, const std::string& server, DnsFailure failure);

struct ClientUrlDiscovery {
  std::vector<std::string> urls;  // https URLs of _etcd-client-ssl, then http of _etcd-client
  std::string error;              // set when both lookups failed
};

// etcd's srv.GetClient("etcd-client", domain): the client URLs the domain publishes, such as
// "http://infra0.example.com.:2379". An error only when neither record set could be read:
// "dns lookup errors: <https error> and <http error>".
ClientUrlDiscovery discover_client_urls(const std::string& domain);

struct SrvClusterDiscovery {
  // "name=http://host:port" for each peer the domain publishes (--initial-cluster entries).
  // The member whose address is one of `advertise_peer_urls` is named `own_name`; the others
  // get the names "0", "1", ... (as etcd names them).
  std::vector<std::string> members;
  std::string error;  // set when no peer could be found (etcd's "error querying ..." texts)
};

// etcd's --discovery-srv: the peers of "_etcd-server-ssl<suffix>._tcp.<domain>" (https) and of
// "_etcd-server<suffix>._tcp.<domain>" (http), suffix "-<srv_name>" when srv_name is given.
// Both record sets are used (as etcd documents; 3.4.23 itself drops the http ones). A
// record is matched to this member by address: its target and each advertised peer URL are
// resolved, so that an IP address and a name of the same host match.
SrvClusterDiscovery discover_srv_cluster(const std::string& domain, const std::string& srv_name,
                                         const std::string& own_name,
                                         const std::vector<std::string>& advertise_peer_urls);

}  // namespace etcdpp::client
