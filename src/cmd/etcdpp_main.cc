// etcdpp: the server binary. The only place that wires the real clock, randomness, the
// environment and the file system to the libraries.
#include "base/clock.h"
#include "base/log.h"
#include "base/strings.h"
#include "cmd/discovery_bootstrap.h"
#include "cmd/flags.h"
#include "cmd/run_member.h"
#include "cmd/srv_bootstrap.h"
#include "cmd/tls_flags.h"
#include "discovery/initial_cluster.h"
#include "http/self_cert.h"
#include "proxy/cluster_file.h"
#include "proxy/proxy_server.h"

#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>

extern char** environ;

namespace {

using etcdpp::cmd::FlagValues;

enum class DataDirKind { empty, member, proxy, both };

DataDirKind classify_data_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  bool member = std::filesystem::is_directory(dir / "member", ec);
  bool proxy = std::filesystem::is_directory(dir / "proxy", ec);
  if (member && proxy) return DataDirKind::both;
  if (member) return DataDirKind::member;
  if (proxy) return DataDirKind::proxy;
  return DataDirKind::empty;
}

void warn_about_stray_entries(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    if (name != "member" && name != "proxy") {
      ETCDPP_LOG_WARN(
          "found invalid file/dir {} under data dir {} (Ignore this if you are "
          "upgrading etcd)",
          name, dir.string());
    }
  }
}

// Thousands of watchers need thousands of descriptors: use the hard limit.
void raise_fd_limit() {
  struct rlimit lim {};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

int start_proxy(const FlagValues& f, const std::filesystem::path& data_dir, bool readonly) {
  etcdpp::proxy::ProxyConfig cfg;
  cfg.readonly = readonly;
  cfg.data_dir = data_dir;
  if (f.get("cors") != "*") {
    std::fprintf(stderr,
                 "etcdpp: --cors with a list of origins is supported for members only yet; "
                 "the proxy passes the members' CORS headers through\n");
    return 2;
  }
  if (!f.get("listen-metrics-urls").empty()) {
    // As etcd's proxy: /metrics and /health are on the client listeners.
    ETCDPP_LOG_WARN(
        "--listen-metrics-urls has no effect on a proxy: /metrics and /health are "
        "served on --listen-client-urls");
  }
  std::string error;
  cfg.listen_urls = *etcdpp::http::parse_url_list(f.get("listen-client-urls"), error);
  cfg.client_tls = etcdpp::cmd::client_tls_files(f);
  cfg.peer_tls = etcdpp::cmd::peer_tls_files(f);
  cfg.client_auto_tls = f.get_bool("auto-tls");
  if (f.get_bool("peer-auto-tls")) {
    // As etcd's proxy (PeerSelfCert): a self-signed peer certificate unless files are given;
    // the peers' certificates are not verified either way.
    if (cfg.peer_tls.empty()) {
      std::vector<std::string> hosts;
      auto peer_urls = etcdpp::http::parse_url_list(f.get("listen-peer-urls"), error);
      for (const auto& u : peer_urls.value_or(std::vector<etcdpp::http::Url>{})) {
        hosts.push_back(u.host);
      }
      if (!etcdpp::http::self_signed_tls(data_dir / "fixtures" / "peer", hosts, cfg.peer_tls,
                                         error)) {
        ETCDPP_LOG_ERROR("cannot make the --peer-auto-tls certificate: {}", error);
        return 1;
      }
    }
    cfg.peer_tls.insecure_skip_verify = true;
  }
  if (!f.get("discovery").empty()) {
    auto file = etcdpp::proxy::read_cluster_file(data_dir / "proxy");
    if (file.exists && file.error.empty()) {
      // The cluster file holds what the proxy learned since; the token served its purpose.
      ETCDPP_LOG_WARN(
          "discovery token ignored since the proxy has already been initialized. Valid "
          "cluster file found at {}",
          (data_dir / "proxy" / "cluster").string());
    } else if (!file.exists) {
      // Blocks until the token is complete (the proxy does not listen meanwhile, as etcd).
      int code = etcdpp::cmd::discover_proxy_peers(f, cfg.initial_peer_urls);
      if (code != 0) return code;
    }
  } else if (!f.get("discovery-srv").empty()) {
    // As etcd's proxy: the peers of the SRV records, none of them this process.
    auto srv_cluster = etcdpp::cmd::srv_initial_cluster(f, "", {});
    if (!srv_cluster) return 1;
    auto cluster = etcdpp::discovery::parse_initial_cluster(*srv_cluster, error);
    if (!cluster) {
      ETCDPP_LOG_ERROR("error setting up initial cluster: {}", error);
      return 1;
    }
    cfg.initial_peer_urls = etcdpp::discovery::all_peer_urls(*cluster);
  } else {
    auto cluster = etcdpp::discovery::parse_initial_cluster(f.get("initial-cluster"), error);
    if (!cluster) {
      std::fprintf(stderr, "invalid value \"%s\" for flag -initial-cluster: %s\n",
                   f.get("initial-cluster").c_str(), error.c_str());
      return 2;
    }
    cfg.initial_peer_urls = etcdpp::discovery::all_peer_urls(*cluster);
  }
  using ms = std::chrono::milliseconds;
  cfg.failure_wait = ms(f.get_uint("proxy-failure-wait"));
  cfg.refresh_interval = ms(f.get_uint("proxy-refresh-interval"));
  cfg.dial_timeout = ms(f.get_uint("proxy-dial-timeout"));
  cfg.write_timeout = ms(f.get_uint("proxy-write-timeout"));
  cfg.read_timeout = ms(f.get_uint("proxy-read-timeout"));
  cfg.client_request_timeout = ms(f.get_uint("proxy-client-request-timeout"));
  cfg.max_body_bytes = f.get_uint("proxy-max-body-bytes");
  cfg.max_client_connections = f.get_uint("proxy-max-client-conns");
  cfg.coalesce_reads = f.get_bool("proxy-coalesce-reads");
  if (cfg.refresh_interval.count() == 0) {
    std::fprintf(stderr, "invalid value \"0\" for flag -proxy-refresh-interval: must be > 0\n");
    return 2;
  }
  raise_fd_limit();
  etcdpp::base::RealClock clock;
  std::random_device rd;
  uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                  static_cast<uint64_t>(clock.wall().time_since_epoch().count());
  return etcdpp::proxy::run_proxy(cfg, clock, seed);
}

// Whether the flags clearly ask for a member: --proxy off given explicitly, or member-only
// bootstrap flags (joining, peer URLs) set.
bool asks_for_member(const FlagValues& f) {
  // A member that fell back to a proxy (complete discovery token) restarts as that proxy with
  // the same flags (etcd 3.4 cannot: it left a member dir behind).
  if (!f.get("discovery").empty() && f.get("discovery-fallback") == "proxy") return false;
  return (f.is_set("proxy") && f.get("proxy") == "off") ||
         f.get("initial-cluster-state") == "existing" || f.is_set("listen-peer-urls") ||
         f.is_set("initial-advertise-peer-urls");
}

}  // namespace

int main(int argc, char** argv) {
  // A peer that closes while we write must be an error on that connection, not the end of the
  // process: asio sends with MSG_NOSIGNAL, but OpenSSL writes TLS connections' sockets itself.
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  auto parsed = etcdpp::cmd::parse_flags(args, env);
  if (parsed.exit_code >= 0) {
    std::cout << parsed.out;
    std::cerr << parsed.err;
    return parsed.exit_code;
  }
  const FlagValues& f = parsed.flags;
  etcdpp::base::LogLevel level = etcdpp::base::LogLevel::info;
  etcdpp::base::parse_log_level(f.get("log-level"), level);
  if (f.get_bool("debug")) level = etcdpp::base::LogLevel::debug;
  auto log_error = etcdpp::base::init_logging(
      level,
      f.get("logger") == "zap" ? etcdpp::base::LogFormat::json : etcdpp::base::LogFormat::text,
      etcdpp::base::split(f.get("log-outputs"), ','));
  if (!log_error.empty()) {
    std::fprintf(stderr, "etcdpp: %s\n", log_error.c_str());
    return 1;
  }
  for (const auto& w : parsed.warnings) ETCDPP_LOG_WARN("{}", w);
  for (const auto& i : parsed.infos) ETCDPP_LOG_INFO("{}", i);

  std::filesystem::path data_dir = f.get("data-dir");
  if (data_dir.empty()) {
    data_dir = f.get("name") + ".etcd";
    ETCDPP_LOG_WARN("no data-dir provided, using default data-dir ./{}", data_dir.string());
  }
  const std::string& proxy_flag = f.get("proxy");
  switch (classify_data_dir(data_dir)) {
    case DataDirKind::both:
      ETCDPP_LOG_ERROR("invalid datadir. Both member and proxy directories exist.");
      return 1;
    case DataDirKind::member:
      warn_about_stray_entries(data_dir);
      if (proxy_flag != "off") {
        ETCDPP_LOG_INFO(
            "the server is already initialized as member before, starting as etcd member...");
      }
      raise_fd_limit();
      return etcdpp::cmd::run_member(f, data_dir);  // a restart: discovery is not asked again
    case DataDirKind::proxy:
      warn_about_stray_entries(data_dir);
      if (asks_for_member(f)) {
        // etcd would silently start a proxy again here. Someone promoting a proxy (member
        // add, stop the proxy, remove <data-dir>/proxy, start as a member) has skipped the
        // third step: say so instead.
        ETCDPP_LOG_ERROR(
            "the data dir {} still holds this machine's proxy state ({}): to start a member "
            "here (promoting the proxy), stop the proxy and remove that directory first "
            "(rm -rf {}); to keep running the proxy, start with --proxy on",
            data_dir.string(), (data_dir / "proxy").string(), (data_dir / "proxy").string());
        return 1;
      }
      ETCDPP_LOG_INFO(
          "the server is already initialized as proxy before, starting as etcd "
          "proxy...");
      return start_proxy(f, data_dir, proxy_flag == "readonly");
    case DataDirKind::empty: break;
  }
  if (proxy_flag == "off") {
    raise_fd_limit();
    int code = etcdpp::cmd::run_member(f, data_dir);
    if (code != etcdpp::cmd::kFallBackToProxy) return code;
    // The discovery token is complete: serve as a read-write proxy in front of its cluster
    // (etcd does so even when --proxy readonly was meant).
    return start_proxy(f, data_dir, false);
  }
  return start_proxy(f, data_dir, proxy_flag == "readonly");
}
