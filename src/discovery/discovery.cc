#include "discovery/discovery.h"

#include "base/log.h"
#include "http/fetch.h"
#include "http/tls.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <charconv>

namespace etcdpp::discovery {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kErrorKeyNotFound = 100;
constexpr int kErrorNodeExist = 105;

uint64_t parse_index(const std::string& text) {
  uint64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

std::string snippet(std::string_view body) {
  constexpr size_t kMax = 200;
  return std::string(body.substr(0, kMax)) + (body.size() > kMax ? "…" : "");
}

}  // namespace

// One exchange with the service. `usable`: an HTTP answer below 500 (a 5xx or no answer is
// the service's trouble, retried; anything else is its word).
struct Discovery::Answer {
  bool usable = false;
  std::string trouble;  // when !usable
  std::optional<client::KeyResponse> response;
  std::optional<client::KeyError> error;
  std::string body;
};

struct Discovery::Check {
  Failure failure = Failure::none;
  std::string detail;
  uint64_t size = 0;
  std::vector<Registration> registrations;
  uint64_t index = 0;  // X-Etcd-Index of the listing: watch from index + 1
};

Discovery::Discovery(DiscoveryUrl url, std::optional<http::Url> proxy, std::string self_id_hex,
                     DiscoveryOptions options)
    : url_(std::move(url)),
      proxy_(std::move(proxy)),
      self_id_hex_(std::move(self_id_hex)),
      options_(options) {}

std::string Discovery::self_key() const { return url_.token_path + "/" + self_id_hex_; }

asio::awaitable<Discovery::Answer> Discovery::request(std::string_view method,
                                                      std::string_view path_and_query,
                                                      std::string_view form_body,
                                                      std::chrono::milliseconds timeout) {
  http::FetchRequest req;
  req.method = std::string(method);
  req.timeout = timeout;
  req.connect_timeout = options_.dial_timeout;
  if (!form_body.empty()) {
    req.body = std::string(form_body);
    req.content_type = "application/x-www-form-urlencoded";
  }
  const http::Url& via = proxy_ ? *proxy_ : url_.endpoint;
  // An https:// service is verified against the system's roots (etcd's discovery client has
  // no TLS settings of its own either).
  if (via.scheme == "https") req.tls = &http::default_client_tls();
  if (proxy_) {
    // An HTTP proxy takes the absolute URL and the origin's Host.
    req.target = url_.endpoint.text + std::string(path_and_query);
    req.headers.emplace_back("Host", url_.endpoint.host_port());
  } else {
    req.target = std::string(path_and_query);
  }
  http::FetchResult res = co_await http::fetch(via, req);
  Answer a;
  if (!res.ok) {
    a.trouble = res.error;
    co_return a;
  }
  if (res.status >= 500) {
    a.trouble = "HTTP " + std::to_string(res.status) + ": " + snippet(res.body);
    co_return a;
  }
  a.usable = true;
  a.response =
      client::parse_key_response(res.body, parse_index(res.header("X-Etcd-Index")), a.error);
  a.body = std::move(res.body);
  co_return a;
}

asio::awaitable<std::optional<Discovery::Check>> Discovery::check_once() {
  Check c;
  std::string size_target =
      url_.token_path + "/_config/size?quorum=false&recursive=false&sorted=false";
  Answer size = co_await request("GET", size_target, "", options_.request_timeout);
  if (!size.usable) {
    last_trouble_ = size.trouble;
    co_return std::nullopt;
  }
  if (!size.response) {
    const client::KeyError& e = *size.error;
    c.failure = e.code == 0                   ? Failure::bad_endpoint
                : e.code == kErrorKeyNotFound ? Failure::size_not_found
                                              : Failure::service_error;
    c.detail = e.code == 0 ? "answer: " + snippet(size.body) : e.text();
    co_return c;
  }
  std::string size_value = size.response->node ? size.response->node->value : std::string();
  auto parsed_size = parse_size(size_value);
  if (!parsed_size) {
    c.failure = Failure::bad_size_key;
    c.detail = "size \"" + snippet(size_value) + "\" is not a positive integer";
    co_return c;
  }
  c.size = *parsed_size;
  std::string list_target = url_.token_path + "?quorum=false&recursive=false&sorted=false";
  Answer list = co_await request("GET", list_target, "", options_.request_timeout);
  if (!list.usable) {
    last_trouble_ = list.trouble;
    co_return std::nullopt;
  }
  if (!list.response || !list.response->node) {
    c.failure =
        list.error && list.error->code == 0 ? Failure::bad_endpoint : Failure::service_error;
    c.detail = list.error ? list.error->text() : "no node in the answer";
    co_return c;
  }
  c.registrations = registrations_in(*list.response->node);
  c.index = list.response->index;
  co_return c;
}

asio::awaitable<Discovery::Check> Discovery::check() {
  for (;;) {
    std::optional<Check> c = co_await check_once();
    if (c) co_return std::move(*c);
    co_await back_off("cluster status check", last_trouble_);
  }
}

asio::awaitable<void> Discovery::back_off(std::string_view step, std::string_view reason) {
  ++retries_;
  unsigned doublings = std::min(retries_, options_.max_backoff_doublings) - 1;
  auto delay = options_.first_backoff * (1LL << doublings);
  ETCDPP_LOG_WARN(
      "discovery service {} gave no usable answer ({}: {}); retrying in {} ms (retry {})",
      url_.text, step, reason, delay.count(), retries_);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(delay);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

asio::awaitable<Outcome> Discovery::register_self(const std::string& value) {
  std::string body = "value=" + boost::urls::encode(value, boost::urls::unreserved_chars);
  std::string target = self_key() + "?prevExist=false";
  bool retried = false;
  for (;;) {
    Answer a = co_await request("PUT", target, body, options_.request_timeout);
    if (!a.usable) {
      retried = true;
      co_await back_off("registering this member", a.trouble);
      continue;
    }
    if (a.response) {
      uint64_t created = a.response->node ? a.response->node->created_index : 0;
      ETCDPP_LOG_INFO("registered with discovery service {} as {} ({})", url_.text, self_id_hex_,
                      value);
      // Make sure the service's node we talk to has applied the registration before reading
      // the directory (etcd does the same; it returns at once from the event history).
      std::string wait_target =
          self_key() + "?recursive=false&wait=true&waitIndex=" + std::to_string(created);
      Answer visible = co_await request("GET", wait_target, "", options_.request_timeout);
      (void)visible;  // best effort: the checks that follow read the directory anyway
      co_return Outcome{};
    }
    if (a.error && a.error->code == kErrorNodeExist) {
      // An earlier attempt may have landed without its answer reaching us: if the key
      // holds our own value, it was us. The look-up is retried like every other step: a
      // service too slow to answer the PUT may be as slow to answer this.
      if (retried && co_await holds_own_registration(value)) co_return Outcome{};
      co_return Outcome{Failure::duplicate_id, "", a.error->text()};
    }
    co_return Outcome{
        a.error && a.error->code == 0 ? Failure::bad_endpoint : Failure::service_error, "",
        a.error ? a.error->text() : snippet(a.body)};
  }
}

asio::awaitable<bool> Discovery::holds_own_registration(const std::string& value) {
  std::string get_target = self_key() + "?quorum=true";
  for (;;) {
    Answer mine = co_await request("GET", get_target, "", options_.request_timeout);
    if (!mine.usable) {
      co_await back_off("reading this member's registration", mine.trouble);
      continue;
    }
    co_return mine.response&& mine.response->node&& mine.response->node->value == value;
  }
}

asio::awaitable<void> Discovery::wait_for_change(uint64_t index) {
  std::string target =
      url_.token_path + "?recursive=true&wait=true&waitIndex=" + std::to_string(index + 1);
  auto started = Clock::now();
  Answer a = co_await request("GET", target, "", options_.watch_timeout);
  // An event, or an empty answer (the service ended the wait): re-read the directory.
  if (a.usable && (a.response || a.body.empty())) co_return;
  if (Clock::now() - started >= options_.watch_timeout - std::chrono::milliseconds(100)) {
    co_return;  // a quiet watch, ended by us
  }
  // No answer, or an error answer to a wait that should simply block: do not spin on it.
  std::string reason = a.usable ? (a.error ? a.error->text() : snippet(a.body)) : a.trouble;
  co_await back_off("waiting for other members", reason);
}

asio::awaitable<Outcome> Discovery::wait_complete(bool registered) {
  size_t last_logged = SIZE_MAX;
  for (;;) {
    Check c = co_await check();
    if (c.failure != Failure::none) co_return Outcome{c.failure, "", c.detail};
    Placement p = place(c.registrations, c.size, self_id_hex_);
    if (registered && p.full) {
      co_return Outcome{Failure::full_cluster, cluster_of(p.active, c.size).text,
                        std::to_string(c.size) + " other members registered first"};
    }
    bool complete = p.active.size() == c.size && (!registered || p.has_self);
    if (complete) {
      ClusterText ct = cluster_of(p.active, c.size);
      if (ct.failure == Failure::none) {
        ETCDPP_LOG_INFO("found all {} needed peer(s) from discovery service {}: {}", c.size,
                        url_.text, ct.text);
      }
      co_return Outcome{ct.failure, ct.text, ct.failure == Failure::none ? "" : ct.text};
    }
    if (p.active.size() != last_logged) {
      last_logged = p.active.size();
      ETCDPP_LOG_INFO("found {} peer(s) at discovery service {}, waiting for {} more",
                      p.active.size(), url_.text, c.size - p.active.size());
    }
    co_await wait_for_change(c.index);
  }
}

asio::awaitable<Outcome> Discovery::join_cluster(std::string self_value) {
  Check c = co_await check();
  if (c.failure != Failure::none) co_return Outcome{c.failure, "", c.detail};
  Placement p = place(c.registrations, c.size, self_id_hex_);
  if (p.full) {
    // Fast path: do not register with a token that is already complete.
    co_return Outcome{Failure::full_cluster, cluster_of(p.active, c.size).text,
                      std::to_string(c.size) + " members registered already"};
  }
  Outcome registered = co_await register_self(self_value);
  if (registered.failure != Failure::none) co_return registered;
  Outcome done = co_await wait_complete(true);
  co_return done;
}

asio::awaitable<Outcome> Discovery::get_cluster() {
  Outcome done = co_await wait_complete(false);
  co_return done;
}

}  // namespace etcdpp::discovery
