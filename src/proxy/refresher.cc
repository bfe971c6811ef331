#include "proxy/refresher.h"

#include "base/log.h"
#include "client/members.h"
#include "http/fetch.h"
#include "proxy/cluster_file.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <set>

namespace etcdpp::proxy {

namespace asio = boost::asio;

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ' ';
    out += items[i];
  }
  return out + "]";
}

std::vector<std::string> sorted_texts(const std::vector<http::Url>& urls) {
  auto texts = http::url_texts(urls);
  std::sort(texts.begin(), texts.end());
  return texts;
}

}  // namespace

Refresher::Refresher(ProxyContext& ctx, std::vector<http::Url> configured_peers,
                     std::vector<http::Url> start_peers, std::filesystem::path proxy_dir)
    : ctx_(ctx),
      configured_peers_(std::move(configured_peers)),
      peers_(std::move(start_peers)),
      proxy_dir_(std::move(proxy_dir)),
      // What the proxy starts from (the cluster file, or the configured peers) counts as
      // persisted: etcd says "updated" only when a refresh brings other peer URLs.
      last_persisted_(sorted_texts(peers_)) {}

asio::awaitable<bool> Refresher::refresh_once() {
  const auto& cfg = ctx_.config;
  auto answer = co_await client::fetch_members(peers_, cluster_id_, cfg.dial_timeout,
                                               cfg.membership_request_timeout, ctx_.peer_tls.get());
  if (!answer.ok && http::url_texts(peers_) != http::url_texts(configured_peers_) &&
      !configured_peers_.empty()) {
    // W12: the learned peer URLs are all stale; fall back to the configured ones.
    ETCDPP_LOG_WARN("no peer from the cluster file answered; trying the configured peers {}",
                    join(http::url_texts(configured_peers_)));
    auto fallback =
        co_await client::fetch_members(configured_peers_, cluster_id_, cfg.dial_timeout,
                                       cfg.membership_request_timeout, ctx_.peer_tls.get());
    for (auto& e : fallback.errors) answer.errors.push_back(std::move(e));
    if (fallback.ok) {
      fallback.errors = std::move(answer.errors);
      answer = std::move(fallback);
    }
  }
  auto now = ctx_.clock.monotonic();
  if (!answer.ok) {
    for (const auto& e : answer.errors)
      ETCDPP_LOG_WARN("could not get cluster response from {}", e);
    ETCDPP_LOG_WARN(
        "proxy: could not retrieve cluster information from the given URLs; "
        "keeping {} endpoint(s)",
        ctx_.director.endpoints()->size());
    ctx_.director.on_refresh_failure(now);
    publish_endpoint_states();
    co_return false;
  }
  if (!cluster_id_) {
    cluster_id_ = answer.cluster_id;
    ETCDPP_LOG_INFO("proxy: pinned cluster id {:x} (answered by {})", answer.cluster_id,
                    answer.peer_url);
  }
  std::vector<std::string> client_urls;
  std::vector<std::string> peer_urls;
  for (const auto& m : answer.members) {
    client_urls.insert(client_urls.end(), m.client_urls.begin(), m.client_urls.end());
    peer_urls.insert(peer_urls.end(), m.peer_urls.begin(), m.peer_urls.end());
  }
  std::sort(client_urls.begin(), client_urls.end());
  std::sort(peer_urls.begin(), peer_urls.end());
  if (answer.members.empty()) {
    ETCDPP_LOG_WARN("proxy: {} answered an empty member list; keeping the current endpoints",
                    answer.peer_url);
    ctx_.director.on_refresh_failure(now);
    co_return false;
  }
  apply_members(client_urls, peer_urls);
  co_return true;
}

void Refresher::apply_members(const std::vector<std::string>& client_urls,
                              const std::vector<std::string>& peer_urls) {
  auto outcome = ctx_.director.on_refresh_success(client_urls, ctx_.clock.monotonic());
  for (const auto& u : outcome.dropped_self) {
    ETCDPP_LOG_WARN(
        "proxy: ignoring endpoint {}: it is this proxy's own listen address "
        "(a member advertises it as its client URL); forwarding there would loop",
        u);
  }
  for (const auto& u : outcome.unparsable)
    ETCDPP_LOG_WARN("proxy: ignoring invalid client URL {}", u);
  for (const auto& u : outcome.added) ETCDPP_LOG_INFO("proxy: endpoint {} added", u);
  for (const auto& u : outcome.removed) ETCDPP_LOG_INFO("proxy: endpoint {} removed", u);
  if (outcome.kept_previous) {
    ETCDPP_LOG_WARN(
        "proxy: the member list has no usable client URL; keeping the current endpoints");
  }
  std::set<std::string> current;
  for (const auto& ep : *ctx_.director.endpoints()) current.insert(ep->url.text);
  ctx_.pool.retain(current);
  auto available = ctx_.director.available_urls();
  if (!announced_ && !available.empty()) {
    announced_ = true;
    ETCDPP_LOG_INFO("endpoints found {}", join(available));
  }
  publish_endpoint_states();

  // Peer URLs: used for the next refresh and persisted, as etcd does on every refresh.
  std::vector<http::Url> parsed;
  for (const auto& u : peer_urls) {
    std::string error;
    if (auto url = http::parse_url(u, error)) parsed.push_back(std::move(*url));
  }
  if (!parsed.empty()) peers_ = std::move(parsed);
  if (!proxy_dir_.empty() && !peer_urls.empty()) {
    auto error = write_cluster_file(proxy_dir_, peer_urls);
    if (!error.empty()) {
      ETCDPP_LOG_ERROR("proxy: could not persist the peer URLs: {}", error);
    } else {
      std::vector<std::string> now_sorted = peer_urls;
      std::sort(now_sorted.begin(), now_sorted.end());
      if (now_sorted != last_persisted_) {
        ETCDPP_LOG_INFO("proxy: updated peer urls in cluster file from {} to {}",
                        join(last_persisted_), join(peer_urls));
        last_persisted_ = std::move(now_sorted);
      }
    }
  }
}

void Refresher::publish_endpoint_states() {
  std::vector<std::string> now_listed;
  for (const auto& ep : *ctx_.director.endpoints()) {
    ctx_.metrics.set_endpoint_state(ep->url.text, to_string(ep->state));
    now_listed.push_back(ep->url.text);
  }
  for (const auto& old : published_) {
    if (std::find(now_listed.begin(), now_listed.end(), old) == now_listed.end()) {
      ctx_.metrics.forget_endpoint(old);
    }
  }
  published_ = std::move(now_listed);
  ctx_.metrics.available_endpoints().Set(static_cast<double>(ctx_.director.available_count()));
}

asio::awaitable<void> Refresher::probe(EndpointPtr endpoint) {
  http::FetchRequest req;
  req.target = "/version";
  req.connect_timeout =
      ctx_.config.dial_timeout.count() > 0 ? ctx_.config.dial_timeout : base::Millis(1'000);
  req.timeout = ctx_.config.probe_timeout;
  req.body_limit_bytes = 64 * 1024;
  // Carry our id: a probe that comes back to this proxy is refused (508), not forwarded.
  req.headers.emplace_back(kViaHeader, ctx_.proxy_id);
  req.tls = ctx_.member_tls.get();
  auto res = co_await http::fetch(endpoint->url, req);
  bool healthy = res.ok && res.status >= 200 && res.status < 300;
  if (stopped_) co_return;
  if (ctx_.director.on_probe_result(*endpoint, healthy, ctx_.clock.monotonic())) {
    ETCDPP_LOG_INFO(
        "marked endpoint {} available, to retest connectivity (health probe "
        "succeeded)",
        endpoint->url.text);
  } else if (!healthy) {
    ETCDPP_LOG_DEBUG("health probe of {} failed: {}", endpoint->url.text,
                     res.ok ? "status " + std::to_string(res.status) : res.error);
  }
  publish_endpoint_states();
  // A failed probe set a new failure wait: re-plan the sleep in run().
  if (timer_) timer_->cancel();
}

asio::awaitable<void> Refresher::run() {
  auto executor = co_await asio::this_coro::executor;
  timer_.emplace(executor);
  ctx_.on_endpoint_failed = [this] {
    if (timer_) timer_->cancel();  // wakes the wait below, which re-plans
  };
  while (!stopped_) {
    auto now = ctx_.clock.monotonic();
    if (ctx_.director.refresh_due(now)) {
      co_await refresh_once();
      if (stopped_) break;
      now = ctx_.clock.monotonic();
    }
    for (auto& ep : ctx_.director.take_due_probes(now)) {
      publish_endpoint_states();
      asio::co_spawn(executor, probe(ep), asio::detached);
    }
    // Sleep until the next refresh or failure wait ends. An endpoint that a request marks
    // failed meanwhile cancels this wait (on_endpoint_failed), so an idle proxy does not poll.
    auto wait = ctx_.director.next_deadline() - now;
    if (wait < base::Millis(1)) wait = base::Millis(1);
    timer_->expires_after(wait);
    boost::system::error_code ec;
    co_await timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void Refresher::stop() {
  stopped_ = true;
  ctx_.on_endpoint_failed = nullptr;
  if (timer_) timer_->cancel();
}

}  // namespace etcdpp::proxy
