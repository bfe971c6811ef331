#include "cmd/run_member.h"

#include "api/v2/client_api.h"
#include "api/v2/peer_api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/strings.h"
#include "client/members.h"
#include "cmd/discovery_bootstrap.h"
#include "cmd/run_until_done.h"
#include "cmd/srv_bootstrap.h"
#include "cmd/tls_flags.h"
#include "discovery/initial_cluster.h"
#include "http/self_cert.h"
#include "http/tls.h"
#include "server/member.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <list>
#include <random>

namespace etcdpp::cmd {

namespace asio = boost::asio;

namespace {

// etcd's flag errors end start-up with exit code 1 and this shape.
int flag_error(const std::string& message) {
  std::fprintf(stderr, "etcdpp: error verifying flags, %s. See 'etcdpp --help'.\n",
               message.c_str());
  return 1;
}

// The member's TLS contexts, from etcd's flags (docs/tls.md).
struct MemberTls {
  std::shared_ptr<asio::ssl::context> client_server;  // https client and metrics listeners
  std::shared_ptr<asio::ssl::context> peer_server;    // https peer listeners
  std::shared_ptr<asio::ssl::context> peer_client;    // requests to other members' peer URLs
};

// Makes the server context for the https URLs among `urls` (etcd's messages when there is no
// certificate; etcd's warning for each http URL while files are given). 0 or the exit code.
int server_tls(const std::vector<http::Url>& urls, const http::TlsFiles& files, const char* what,
               const char* flags, std::shared_ptr<asio::ssl::context>& context) {
  for (const auto& u : urls) {
    if (u.scheme == "http" && !files.empty()) {
      ETCDPP_LOG_WARN(
          "The scheme of {} url {} is HTTP while peer key/cert files are presented. Ignored "
          "key/cert files.",
          what, u.text);
    }
    if (u.scheme != "https" || context) continue;
    if (files.empty()) {
      return flag_error(
          fmt::format("TLS key/cert ({}) must be provided for {} url {} with HTTPS scheme", flags,
                      what, u.text));
    }
    std::string error;
    context = http::make_server_tls(files, error);
    if (!context) {
      ETCDPP_LOG_ERROR("cannot serve https {} URLs: {}", what, error);
      return 1;
    }
  }
  return 0;
}

// --auto-tls / --peer-auto-tls (as etcd's ClientSelfCert/PeerSelfCert): a self-signed
// certificate in <data-dir>/fixtures/<side> for the hosts of `urls`, unless files are given.
// 0 or the exit code.
int auto_tls(const FlagValues& f, const char* flag, const std::filesystem::path& dir,
             const std::vector<http::Url>& urls, http::TlsFiles& files) {
  if (!f.get_bool(flag)) return 0;
  if (!files.empty()) {
    ETCDPP_LOG_WARN("ignoring --{} since certs given", flag);
    return 0;
  }
  std::vector<std::string> hosts;
  for (const auto& u : urls) hosts.push_back(u.host);
  std::string error;
  if (!http::self_signed_tls(dir, hosts, files, error)) {
    ETCDPP_LOG_ERROR("cannot make the --{} certificate: {}", flag, error);
    return 1;
  }
  return 0;
}

int make_member_tls(const FlagValues& f, const std::filesystem::path& data_dir,
                    const std::vector<http::Url>& listen_client,
                    const std::vector<http::Url>& listen_metrics,
                    const std::vector<http::Url>& listen_peer, MemberTls& tls) {
  std::vector<http::Url> served = listen_client;
  served.insert(served.end(), listen_metrics.begin(), listen_metrics.end());
  http::TlsFiles client_files = client_tls_files(f);
  if (int code =
          auto_tls(f, "auto-tls", data_dir / "fixtures" / "client", listen_client, client_files)) {
    return code;
  }
  if (int code = server_tls(served, client_files, "client", "--cert-file, --key-file",
                            tls.client_server)) {
    return code;
  }
  http::TlsFiles peer_files = peer_tls_files(f);
  if (int code =
          auto_tls(f, "peer-auto-tls", data_dir / "fixtures" / "peer", listen_peer, peer_files)) {
    return code;
  }
  if (int code = server_tls(listen_peer, peer_files, "peer", "--peer-cert-file, --peer-key-file",
                            tls.peer_server)) {
    return code;
  }
  // As etcd: the peer certificate is also this member's client certificate towards the other
  // members, verified with the peer trusted CA (the system's roots without one).
  std::string error;
  tls.peer_client = http::make_client_tls(peer_files, error);
  if (!tls.peer_client) {
    ETCDPP_LOG_ERROR("cannot use the peer TLS files: {}", error);
    return 1;
  }
  return 0;
}

// Fills in how a new data dir starts: the members of a new cluster (from --initial-cluster or
// the discovery service), or the identity of a member joining a running one (asked from the
// cluster's peers). 0, kFallBackToProxy, or the exit code.
int configure_bootstrap(const FlagValues& f, const std::string& name,
                        const std::vector<http::Url>& advertise_peer, server::MemberConfig& cfg,
                        asio::io_context& io, asio::ssl::context* peer_tls) {
  std::string error;
  std::string cluster_text = f.get("initial-cluster");
  const char* source = "--initial-cluster";
  if (!f.get("discovery").empty()) {
    if (f.get("initial-cluster-state") == "existing") {
      return flag_error("discovery URL should not be set when joining existing initial cluster");
    }
    // As etcd: the discovery URL is the cluster token (it feeds the member and cluster ids).
    cfg.cluster_token = f.get("discovery");
    int code = join_discovery_cluster(f, name, advertise_peer, cfg.cluster_token, io, cluster_text);
    if (code != 0) return code;
    source = "the discovery service";
  }
  bool from_srv = !f.get("discovery-srv").empty();
  if (from_srv) {
    auto srv_cluster = srv_initial_cluster(f, name, http::url_texts(advertise_peer));
    if (!srv_cluster) return 1;
    cluster_text = *srv_cluster;
    source = "DNS SRV records";
  }
  auto cluster = discovery::parse_initial_cluster(cluster_text, error);
  if (!cluster) {
    std::fprintf(stderr, "invalid value \"%s\" for flag -initial-cluster: %s\n",
                 cluster_text.c_str(), error.c_str());
    return 2;
  }
  auto self = cluster->find(name);
  if (self == cluster->end() && from_srv) {
    ETCDPP_LOG_ERROR("cannot find local etcd member \"{}\" in SRV records", name);
    return 1;
  }
  if (self == cluster->end()) {
    ETCDPP_LOG_ERROR(
        "couldn't find local name \"{}\" in the initial cluster configuration (from {})", name,
        source);
    return 1;
  }
  std::vector<http::Url> mine = self->second;
  std::vector<http::Url> advertised = advertise_peer;
  std::sort(mine.begin(), mine.end());
  std::sort(advertised.begin(), advertised.end());
  // Records name this member by its address, their spelling may differ from the advertised
  // URLs (a name for an IP): both were resolved to match them (srv_lookup.h). The records'
  // spelling is what every member derives this member's id from, so it is this member's too
  // (as etcd, which takes its own URLs from the cluster the records give).
  if (from_srv) cfg.advertise_peer_urls = http::url_texts(self->second);
  if (mine != advertised && !from_srv) {
    return flag_error(
        std::string(source) + " has " + name + "=" +
        fmt::format("{}", fmt::join(http::url_texts(self->second), ",")) +
        " but missing from --initial-advertise-peer-urls=" + f.get("initial-advertise-peer-urls"));
  }
  if (f.get("initial-cluster-state") != "existing") {
    for (const auto& [member_name, urls] : *cluster) {
      auto texts = http::url_texts(urls);
      cfg.initial_members.push_back(server::MemberInfo{
          server::compute_member_id(texts, cfg.cluster_token), member_name, texts, {}});
    }
    return 0;
  }
  // Joining: the cluster knows this member's id (given when it was added) and its own id.
  std::vector<http::Url> others;
  for (const auto& [member_name, urls] : *cluster) {
    if (member_name != name) others.insert(others.end(), urls.begin(), urls.end());
  }
  if (others.empty()) {
    ETCDPP_LOG_ERROR(
        "--initial-cluster-state existing needs the running cluster's members in "
        "--initial-cluster (it lists only {})",
        name);
    return 1;
  }
  auto answer =
      run_until_done<client::MembersAnswer>(io, [&]() -> asio::awaitable<client::MembersAnswer> {
        client::MembersAnswer a =
            co_await client::fetch_members(others, std::nullopt, std::chrono::milliseconds(1000),
                                           std::chrono::milliseconds(5000), peer_tls);
        co_return a;
      });
  if (!answer.ok) {
    ETCDPP_LOG_ERROR("cannot fetch the cluster's members from its peers to join it: {}",
                     fmt::join(answer.errors, "; "));
    return 1;
  }
  std::vector<std::string> my_urls = http::url_texts(advertised);
  for (const auto& m : answer.members) {
    std::vector<std::string> urls = m.peer_urls;
    std::sort(urls.begin(), urls.end());
    if (urls != my_urls) continue;
    if (!m.name.empty() && m.name != name) {
      ETCDPP_LOG_ERROR("the cluster's member {} with peer URLs [{}] is named {}, not {}",
                       server::id_hex(m.id), fmt::join(urls, " "), m.name, name);
      return 1;
    }
    cfg.join = server::Identity{m.id, answer.cluster_id};
    ETCDPP_LOG_INFO("joining cluster {} as member {}", server::id_hex(answer.cluster_id),
                    server::id_hex(m.id));
    return 0;
  }
  ETCDPP_LOG_ERROR(
      "this member's peer URLs [{}] are not in the member list of cluster {} (asked {}): add it "
      "first (etcdctl member add {} --peer-urls={}), then start it with "
      "--initial-cluster-state existing",
      fmt::join(my_urls, " "), server::id_hex(answer.cluster_id), answer.peer_url, name,
      fmt::join(my_urls, ","));
  return 1;
}

}  // namespace

int run_member(const FlagValues& f, const std::filesystem::path& data_dir) {
  std::string error;
  auto listen_client = http::parse_url_list(f.get("listen-client-urls"), error);
  auto listen_peer = http::parse_url_list(f.get("listen-peer-urls"), error);
  auto advertise_client = http::parse_url_list(f.get("advertise-client-urls"), error);
  auto advertise_peer = http::parse_url_list(f.get("initial-advertise-peer-urls"), error);
  auto listen_metrics = f.get("listen-metrics-urls").empty()
                            ? std::optional<std::vector<http::Url>>(std::vector<http::Url>{})
                            : http::parse_url_list(f.get("listen-metrics-urls"), error);
  if (!listen_client || !listen_peer || !advertise_client || !advertise_peer || !listen_metrics) {
    return flag_error(error);
  }
  // A member that may fall back to a proxy need not advertise client URLs (as etcd).
  bool may_become_proxy = !f.get("discovery").empty() && f.get("discovery-fallback") == "proxy";
  if (f.is_set("listen-client-urls") && !f.is_set("advertise-client-urls") && !may_become_proxy) {
    return flag_error(
        "--advertise-client-urls is required when --listen-client-urls is set explicitly");
  }
  MemberTls tls;
  if (int code = make_member_tls(f, data_dir, *listen_client, *listen_metrics, *listen_peer, tls)) {
    return code;
  }
  const std::string& name = f.get("name");
  std::filesystem::path member_dir = data_dir / "member";
  std::error_code ec;
  bool existing = std::filesystem::exists(member_dir, ec);

  server::MemberConfig cfg;
  cfg.name = name;
  cfg.durable.member_dir = member_dir;
  if (!f.get("wal-dir").empty()) cfg.durable.wal_dir = f.get("wal-dir");
  cfg.durable.snapshot_count = f.get_uint("snapshot-count");
  cfg.durable.max_snapshots = f.get_uint("max-snapshots");
  cfg.durable.wal.unsafe_no_fsync = f.get_bool("unsafe-no-fsync");
  if (cfg.durable.wal.unsafe_no_fsync) {
    ETCDPP_LOG_WARN(
        "--unsafe-no-fsync: writes are acknowledged without fsync; a machine crash can lose "
        "them (for throwaway test clusters only)");
  }
  cfg.advertise_client_urls = http::url_texts(*advertise_client);
  cfg.advertise_peer_urls = http::url_texts(*advertise_peer);
  cfg.cluster_token = f.get("initial-cluster-token");
  if (cfg.durable.snapshot_count == 0) {
    return flag_error("--snapshot-count must be greater than 0");
  }
  uint64_t heartbeat_ms = f.get_uint("heartbeat-interval");
  uint64_t election_ms = f.get_uint("election-timeout");
  if (heartbeat_ms == 0 || 5 * heartbeat_ms > election_ms) {
    return flag_error("--election-timeout[" + std::to_string(election_ms) +
                      "ms] should be at least as 5 times as --heartbeat-interval[" +
                      std::to_string(heartbeat_ms) + "ms]");
  }
  if (election_ms > 50000) {
    return flag_error("--election-timeout[" + std::to_string(election_ms) +
                      "ms] is too long, and should be set less than 50000ms");
  }
  cfg.heartbeat_interval = std::chrono::milliseconds(heartbeat_ms);
  cfg.election_ticks = static_cast<int>(election_ms / heartbeat_ms);
  cfg.pre_vote = f.get_bool("pre-vote");
  cfg.strict_reconfig_check = f.get_bool("strict-reconfig-check");
  cfg.initial_election_tick_advance = f.get_bool("initial-election-tick-advance");
  cfg.seed = std::random_device{}();
  cfg.catch_up_entries = f.get_uint("experimental-snapshot-catchup-entries");
  cfg.force_new_cluster = f.get_bool("force-new-cluster");
  cfg.peer_tls = tls.peer_client.get();

  asio::io_context io(1);
  if (!existing) {
    // The initial cluster only matters when the data dir is new (as in etcd).
    int code = configure_bootstrap(f, name, *advertise_peer, cfg, io, tls.peer_client.get());
    if (code != 0) return code;
  }

  base::RealClock clock;
  auto member = server::Member::open(io, cfg, clock, error);
  if (!member) {
    ETCDPP_LOG_ERROR("cannot start the member: {}", error);
    return 1;
  }
  for (const auto& note : member->notes()) ETCDPP_LOG_WARN("{}", note);
  ETCDPP_LOG_INFO("member {} of cluster {}: data dir {}, applied index {}",
                  server::id_hex(member->id()), server::id_hex(member->cluster_id()),
                  data_dir.string(), member->commit_index());

  std::vector<std::string> cors;
  for (const auto& origin : base::split(f.get("cors"), ',')) {
    if (!origin.empty()) cors.push_back(origin);
  }
  api::v2::ClientApi client_api(*member, false, std::move(cors),
                                base::split(f.get("host-whitelist"), ','));
  client_api.set_client_cert_auth(f.get_bool("client-cert-auth"));
  api::v2::PeerApi peer_api(*member);
  api::v2::ClientApi metrics_api(*member, /*metrics_only=*/true);
  http::ConnectionLimits client_limits;
  client_limits.max_header_bytes = (1 << 20) + 4096;  // Go's DefaultMaxHeaderBytes + slack
  client_limits.max_body_bytes = 10 << 20;            // Go's ParseForm limit
  client_limits.request_timeout = std::chrono::minutes(5);
  http::ConnectionLimits peer_limits = client_limits;

  std::list<asio::ip::tcp::acceptor> acceptors;
  auto listen = [&](const std::vector<http::Url>& urls, http::ConnectionLimits& limits,
                    http::ConnectionHandler& handler, const char* what,
                    const std::shared_ptr<asio::ssl::context>& https_tls) {
    for (const auto& url : urls) {
      auto listener = http::open_listener(io.get_executor(), url, error);
      if (!listener) {
        ETCDPP_LOG_ERROR("{}", error);
        return false;
      }
      auto& acceptor = acceptors.emplace_back(std::move(*listener));
      ETCDPP_LOG_INFO("listening for {} on {}", what, url.text);
      auto url_tls = url.scheme == "https" ? https_tls : nullptr;
      asio::co_spawn(io, http::accept_connections(acceptor, limits, handler, url_tls),
                     asio::detached);
    }
    return true;
  };
  if (!listen(*listen_peer, peer_limits, peer_api, "peers", tls.peer_server) ||
      !listen(*listen_client, client_limits, client_api, "client requests", tls.client_server) ||
      !listen(*listen_metrics, client_limits, metrics_api, "metrics", tls.client_server)) {
    return 1;
  }

  int exit_code = 0;
  auto shutdown = [&] {
    member->stop();
    for (auto& a : acceptors) {
      boost::system::error_code ignored;
      a.close(ignored);
    }
    io.stop();
  };
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& sig_ec, int signo) {
    if (sig_ec) return;
    ETCDPP_LOG_INFO("received signal {}, shutting down", signo);
    // A leader hands over first, so the cluster does not wait for an election timeout.
    member->shutdown(shutdown);
  });
  member->start([&](const std::string& reason) {
    ETCDPP_LOG_ERROR("stopping: {}", reason);
    exit_code = 1;
    shutdown();
  });
  ETCDPP_LOG_INFO("ready to serve client requests");
  io.run();
  return exit_code;
}

}  // namespace etcdpp::cmd
