#include "proxy/proxy_server.h"

#include "base/log.h"
#include "base/rng.h"
#include "http/self_cert.h"
#include "proxy/cluster_file.h"
#include "proxy/context.h"
#include "proxy/director.h"
#include "proxy/metrics.h"
#include "proxy/refresher.h"
#include "proxy/self_addresses.h"
#include "proxy/session.h"
#include "proxy/upstream_pool.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <cstdio>
#include <list>

namespace etcdpp::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::string join_urls(const std::vector<http::Url>& urls) {
  std::string out = "[";
  for (size_t i = 0; i < urls.size(); ++i) out += (i ? " " : "") + urls[i].text;
  return out + "]";
}

std::string random_id(base::Rng& rng) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng.next()));
  return buf;
}

}  // namespace

int run_proxy(const ProxyConfig& config, base::Clock& clock, uint64_t seed) {
  ETCDPP_LOG_INFO("proxy: this proxy supports v2 API only!");
  auto proxy_dir = config.data_dir / "proxy";
  std::error_code fs_ec;
  std::filesystem::create_directories(proxy_dir, fs_ec);
  if (fs_ec) {
    ETCDPP_LOG_ERROR("cannot create {}: {}", proxy_dir.string(), fs_ec.message());
    return 1;
  }
  std::filesystem::permissions(proxy_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, fs_ec);
  auto file = read_cluster_file(proxy_dir);
  if (!file.error.empty()) {
    ETCDPP_LOG_ERROR("proxy: {}", file.error);
    return 1;
  }
  std::vector<http::Url> start_peers = config.initial_peer_urls;
  if (file.exists && !file.peer_urls.empty()) {
    std::vector<http::Url> from_file;
    for (const auto& u : file.peer_urls) {
      std::string error;
      if (auto url = http::parse_url(u, error)) from_file.push_back(*url);
    }
    std::sort(from_file.begin(), from_file.end());
    start_peers = from_file;
    ETCDPP_LOG_INFO("proxy: using peer urls {} from cluster file \"{}\"", join_urls(start_peers),
                    (proxy_dir / "cluster").string());
  } else {
    ETCDPP_LOG_INFO("proxy: using peer urls {}", join_urls(start_peers));
  }

  // TLS contexts first: a file that cannot be used stops the start, before anything listens.
  std::string tls_error;
  http::TlsFiles member_files = config.client_tls.empty() ? config.peer_tls : config.client_tls;
  if (config.client_auto_tls) member_files.insecure_skip_verify = true;
  if (config.client_tls.empty() && !config.client_tls.trusted_ca_file.empty()) {
    // etcd's proxy does the same, silently; a user who meant this CA for the members should
    // hear that it is not used.
    ETCDPP_LOG_WARN(
        "proxy: --trusted-ca-file without --cert-file/--key-file is not used for the members' "
        "client URLs: as etcd's proxy, the --peer-* files are (use --peer-trusted-ca-file)");
  }
  auto member_tls = http::make_client_tls(member_files, tls_error);
  auto peer_tls = member_tls ? http::make_client_tls(config.peer_tls, tls_error) : nullptr;
  std::shared_ptr<asio::ssl::context> listener_tls;
  http::TlsFiles listener_files = config.client_tls;
  for (const auto& url : config.listen_urls) {
    if (url.scheme != "https" || listener_tls || !peer_tls) continue;
    if (config.client_auto_tls && listener_files.empty()) {
      std::vector<std::string> hosts;
      for (const auto& u : config.listen_urls) hosts.push_back(u.host);
      if (!http::self_signed_tls(proxy_dir / "clientCerts", hosts, listener_files, tls_error)) {
        break;
      }
    }
    if (listener_files.empty()) {
      tls_error = "cannot listen on TLS for " + url.host_port() +
                  ": KeyFile and CertFile are not presented";
      break;
    }
    // As etcd's proxy listener (transport.NewListener): a client certificate that names
    // addresses must name the one the client connects from. (Set here: a self-signed
    // certificate above replaces the files.)
    listener_files.check_client_san = true;
    listener_tls = http::make_server_tls(listener_files, tls_error);
  }
  if (!tls_error.empty()) {
    ETCDPP_LOG_ERROR("proxy: {}", tls_error);
    return 1;
  }

  base::Rng rng(seed);
  ProxyMetrics metrics;
  SelfAddresses self(config.listen_urls, local_interface_addresses());
  Director director(DirectorConfig{config.failure_wait, config.refresh_interval}, rng,
                    [&self](const http::Url& u) { return self.matches(u); });
  std::string proxy_id = random_id(rng);
  // Destruction order matters: the io_context must outlive every socket (pool, acceptors),
  // and the metrics and director must outlive the coroutine frames the io_context destroys.
  asio::io_context io(1);
  UpstreamPool pool(io.get_executor(), config.max_idle_upstream_per_endpoint, member_tls);
  ProxyContext ctx(config, clock, director, pool, metrics, proxy_id);
  ctx.member_tls = member_tls;
  ctx.peer_tls = peer_tls;
  Session session(ctx);
  http::ConnectionLimits limits{config.max_header_bytes, config.max_body_bytes,
                                config.client_request_timeout, config.max_client_connections};
  Refresher refresher(ctx, config.initial_peer_urls, start_peers, proxy_dir);
  std::list<tcp::acceptor> acceptors;
  int exit_code = 0;

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    ETCDPP_LOG_INFO("received signal {}, shutting down", signo);
    refresher.stop();
    for (auto& a : acceptors) {
      boost::system::error_code ignored;
      a.close(ignored);
    }
    io.stop();
  });

  auto startup = [&]() -> asio::awaitable<void> {
    // As etcd: one synchronous refresh before listening (it may find nothing; then 503s).
    co_await refresher.refresh_once();
    for (const auto& url : config.listen_urls) {
      std::string error;
      auto listener = http::open_listener(io.get_executor(), url, error);
      if (!listener) {
        ETCDPP_LOG_ERROR("{}", error);
        exit_code = 1;
        io.stop();
        co_return;
      }
      auto& acceptor = acceptors.emplace_back(std::move(*listener));
      ETCDPP_LOG_INFO("v2 proxy started listening on client requests on \"{}\"", url.text);
      auto tls = url.scheme == "https" ? listener_tls : nullptr;
      asio::co_spawn(io, http::accept_connections(acceptor, limits, session, tls), asio::detached);
    }
    asio::co_spawn(io, refresher.run(), asio::detached);
  };
  asio::co_spawn(io, startup(), asio::detached);
  io.run();
  return exit_code;
}

}  // namespace etcdpp::proxy
