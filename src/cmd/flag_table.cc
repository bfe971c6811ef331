#include "cmd/flag_table.h"

namespace etcdpp::cmd {

namespace {
using K = FlagKind;
using S = FlagSupport;
}  // namespace

const std::vector<FlagSpec>& flag_table() {
  static const std::vector<FlagSpec> table = {
      // member
      {"name", K::text, "default", S::honoured, "Human-readable name for this member."},
      {"data-dir", K::text, "", S::honoured, "Path to the data directory (default ${name}.etcd)."},
      {"wal-dir", K::text, "", S::no_effect, "Path to the dedicated wal directory."},
      {"snapshot-count", K::uint, "100000", S::no_effect, "Number of committed transactions to trigger a snapshot to disk."},
      {"heartbeat-interval", K::uint, "100", S::no_effect, "Time (in milliseconds) of a heartbeat interval."},
      {"election-timeout", K::uint, "1000", S::no_effect, "Time (in milliseconds) for an election to timeout."},
      {"initial-election-tick-advance", K::boolean, "true", S::no_effect, "Whether to fast-forward initial election ticks on boot."},
      {"listen-peer-urls", K::text, "http://localhost:2380", S::no_effect, "List of URLs to listen on for peer traffic."},
      {"listen-client-urls", K::text, "http://localhost:2379", S::honoured, "List of URLs to listen on for client traffic."},
      {"listen-metrics-urls", K::text, "", S::unsupported, "List of URLs to listen on for the metrics and health endpoints."},
      {"max-snapshots", K::uint, "5", S::no_effect, "Maximum number of snapshot files to retain (0 is unlimited)."},
      {"max-wals", K::uint, "5", S::no_effect, "Maximum number of wal files to retain (0 is unlimited)."},
      {"quota-backend-bytes", K::uint, "0", S::no_effect, "Raise alarms when backend size exceeds the given quota (v3)."},
      {"backend-batch-limit", K::uint, "0", S::no_effect, "BackendBatchLimit is the maximum operations before commit the backend transaction (v3)."},
      {"backend-batch-interval", K::text, "0s", S::no_effect, "BackendBatchInterval is the maximum time before commit the backend transaction (v3)."},
      {"max-txn-ops", K::uint, "128", S::no_effect, "Maximum number of operations permitted in a transaction (v3)."},
      {"max-request-bytes", K::uint, "1572864", S::no_effect, "Maximum client request size in bytes the server will accept (v3)."},
      {"grpc-keepalive-min-time", K::text, "5s", S::no_effect, "Minimum interval duration that a client should wait before pinging server (v3)."},
      {"grpc-keepalive-interval", K::text, "2h0m0s", S::no_effect, "Frequency duration of server-to-client ping to check if a connection is alive (v3)."},
      {"grpc-keepalive-timeout", K::text, "20s", S::no_effect, "Additional duration of wait before closing a non-responsive connection (v3)."},
      {"enable-v2", K::boolean, "false", S::no_effect, "Accept etcd V2 client requests (etcdpp always speaks v2)."},
      {"enable-pprof", K::boolean, "false", S::unsupported, "Enable runtime profiling data via HTTP server."},
      {"host-whitelist", K::text, "*", S::no_effect, "Acceptable hostnames from HTTP client requests, if server is not secure."},
      {"cors", K::text, "*", S::unsupported, "Comma-separated white list of origins for CORS (etcdpp supports only *)."},
      {"auto-compaction-retention", K::text, "0", S::no_effect, "Auto compaction retention (v3)."},
      {"auto-compaction-mode", K::text, "periodic", S::no_effect, "Interpret 'auto-compaction-retention' (v3)."},
      {"enable-grpc-gateway", K::boolean, "true", S::no_effect, "Enable GRPC gateway (v3)."},
      {"metrics", K::text, "basic", S::no_effect, "Set level of detail for exported metrics."},
      // clustering
      {"initial-advertise-peer-urls", K::text, "http://localhost:2380", S::no_effect, "List of this member's peer URLs to advertise to the rest of the cluster."},
      {"initial-cluster", K::text, "default=http://localhost:2380", S::honoured, "Initial cluster configuration for bootstrapping; for a proxy, the peers to ask for the membership."},
      {"initial-cluster-state", K::text, "new", S::no_effect, "Initial cluster state ('new' or 'existing')."},
      {"initial-cluster-token", K::text, "etcd-cluster", S::no_effect, "Initial cluster token for the etcd cluster during bootstrap."},
      {"advertise-client-urls", K::text, "http://localhost:2379", S::no_effect, "List of this member's client URLs to advertise to the public."},
      {"discovery", K::text, "", S::unsupported, "Discovery URL used to bootstrap the cluster."},
      {"discovery-fallback", K::text, "proxy", S::honoured, "Expected behavior ('exit' or 'proxy') when discovery services fails."},
      {"discovery-proxy", K::text, "", S::unsupported, "HTTP proxy to use for traffic to discovery service."},
      {"discovery-srv", K::text, "", S::unsupported, "DNS srv domain used to bootstrap the cluster."},
      {"discovery-srv-name", K::text, "", S::unsupported, "Suffix to the dns srv name queried when bootstrapping."},
      {"strict-reconfig-check", K::boolean, "true", S::no_effect, "Reject reconfiguration requests that would cause quorum loss."},
      {"pre-vote", K::boolean, "false", S::no_effect, "Enable to run an additional Raft election phase."},
      // proxy
      {"proxy", K::text, "off", S::honoured, "Proxy mode setting ('off', 'readonly' or 'on')."},
      {"proxy-failure-wait", K::uint, "5000", S::honoured, "Time (in milliseconds) an endpoint will be held in a failed state."},
      {"proxy-refresh-interval", K::uint, "30000", S::honoured, "Time (in milliseconds) of the endpoints refresh interval."},
      {"proxy-dial-timeout", K::uint, "1000", S::honoured, "Time (in milliseconds) for a dial to timeout."},
      {"proxy-write-timeout", K::uint, "5000", S::honoured, "Time (in milliseconds) for a write to timeout."},
      {"proxy-read-timeout", K::uint, "0", S::honoured, "Time (in milliseconds) for a read to timeout (never applied to watches)."},
      {"proxy-client-request-timeout", K::uint, "30000", S::honoured, "etcdpp: time (in milliseconds) a client has to send a whole request once it started."},
      {"proxy-max-body-bytes", K::uint, "2097152", S::honoured, "etcdpp: largest request body the proxy accepts."},
      {"proxy-max-client-conns", K::uint, "20000", S::honoured, "etcdpp: most client connections open at once."},
      // security
      {"cert-file", K::text, "", S::unsupported, "Path to the client server TLS cert file."},
      {"key-file", K::text, "", S::unsupported, "Path to the client server TLS key file."},
      {"client-cert-auth", K::boolean, "false", S::unsupported, "Enable client cert authentication."},
      {"client-crl-file", K::text, "", S::unsupported, "Path to the client certificate revocation list file."},
      {"client-cert-allowed-hostname", K::text, "", S::unsupported, "Allowed TLS hostname for client cert authentication."},
      {"trusted-ca-file", K::text, "", S::unsupported, "Path to the client server TLS trusted CA cert file."},
      {"auto-tls", K::boolean, "false", S::unsupported, "Client TLS using generated certificates."},
      {"peer-cert-file", K::text, "", S::unsupported, "Path to the peer server TLS cert file."},
      {"peer-key-file", K::text, "", S::unsupported, "Path to the peer server TLS key file."},
      {"peer-client-cert-auth", K::boolean, "false", S::unsupported, "Enable peer client cert authentication."},
      {"peer-trusted-ca-file", K::text, "", S::unsupported, "Path to the peer server TLS trusted CA file."},
      {"peer-auto-tls", K::boolean, "false", S::unsupported, "Peer TLS using self-generated certificates."},
      {"peer-cert-allowed-cn", K::text, "", S::unsupported, "Allowed CommonName for inter peer authentication."},
      {"peer-cert-allowed-hostname", K::text, "", S::unsupported, "Allowed TLS hostname for inter peer authentication."},
      {"peer-crl-file", K::text, "", S::unsupported, "Path to the peer certificate revocation list file."},
      {"cipher-suites", K::text, "", S::unsupported, "Comma-separated list of supported TLS cipher suites."},
      {"ca-file", K::text, "", S::unsupported, "DEPRECATED: path to the client server TLS CA file."},
      {"peer-ca-file", K::text, "", S::unsupported, "DEPRECATED: path to the peer server TLS CA file."},
      // auth
      {"auth-token", K::text, "simple", S::no_effect, "Specify a v3 authentication token type."},
      {"bcrypt-cost", K::uint, "10", S::no_effect, "Specify bcrypt algorithm cost factor for auth password hashing."},
      {"auth-token-ttl", K::uint, "300", S::no_effect, "The lifetime in seconds of the auth token."},
      // logging
      {"debug", K::boolean, "false", S::honoured, "Enable debug-level logging."},
      {"log-level", K::text, "info", S::honoured, "Configures log level: debug, info, warn, error, panic, or fatal."},
      {"logger", K::text, "capnslog", S::honoured, "Accepted for compatibility: 'zap' or 'capnslog'; etcdpp has one logger."},
      {"log-outputs", K::text, "default", S::honoured, "'default' or 'stderr' (etcdpp logs to stderr)."},
      {"log-package-levels", K::text, "", S::unsupported, "Specify a particular log level for each etcd package."},
      // unsafe / other
      {"force-new-cluster", K::boolean, "false", S::no_effect, "Force to create a new one member cluster."},
      {"unsafe-no-fsync", K::boolean, "false", S::unsupported, "Disables fsync, unsafe, will cause data loss."},
      {"config-file", K::text, "", S::unsupported, "Path to the server configuration file."},
      // legacy flags of etcd 0.4, accepted and ignored as etcd does
      {"cluster-active-size", K::boolean, "false", S::legacy, ""},
      {"cluster-remove-delay", K::boolean, "false", S::legacy, ""},
      {"cluster-sync-interval", K::boolean, "false", S::legacy, ""},
      {"config", K::boolean, "false", S::legacy, ""},
      {"force", K::boolean, "false", S::legacy, ""},
      {"max-result-buffer", K::boolean, "false", S::legacy, ""},
      {"max-retry-attempts", K::boolean, "false", S::legacy, ""},
      {"peer-heartbeat-interval", K::boolean, "false", S::legacy, ""},
      {"peer-election-timeout", K::boolean, "false", S::legacy, ""},
      {"retry-interval", K::boolean, "false", S::legacy, ""},
      {"snapshot", K::boolean, "false", S::legacy, ""},
      {"v", K::boolean, "false", S::legacy, ""},
      {"vv", K::boolean, "false", S::legacy, ""},
  };
  return table;
}

const FlagSpec* find_flag(std::string_view name) {
  for (const auto& f : flag_table()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace etcdpp::cmd
