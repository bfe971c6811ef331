#include "api/v2/client_api.h"

#include <fmt/format.h>

#include <cmath>

#include "api/v2/await_callback.h"
#include "api/v2/form.h"
#include "api/v2/render.h"
#include "base/json_string.h"
#include "base/strings.h"
#include "http/headers.h"
#include "http/message_io.h"
#include "http/path.h"
#include "http/tls.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace etcdpp::api::v2 {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

bool under(std::string_view path, std::string_view prefix) {
  return path == prefix ||
         (path.size() > prefix.size() && path.starts_with(prefix) && path[prefix.size()] == '/');
}

}  // namespace

Reply version_reply() {
  return json_reply(200, std::string("{\"etcdserver\":\"") + kEtcdServerVersion +
                             "\",\"etcdcluster\":\"" + kEtcdClusterVersion + "\"}");
}

std::string go_duration(std::chrono::nanoseconds d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  auto fraction = [](uint64_t v, uint64_t unit) {
    // v / unit with the fraction's trailing zeros trimmed.
    std::string out = std::to_string(v / unit);
    uint64_t rem = v % unit;
    if (rem) {
      std::string digits = std::to_string(rem + unit).substr(1);  // zero-padded
      digits.erase(digits.find_last_not_of('0') + 1);
      out += "." + digits;
    }
    return out;
  };
  if (u < 1'000) return sign + std::to_string(u) + "ns";
  if (u < 1'000'000) return sign + fraction(u, 1'000) + "\xC2\xB5s";
  if (u < 1'000'000'000) return sign + fraction(u, 1'000'000) + "ms";
  uint64_t hours = u / 3'600'000'000'000ULL;
  uint64_t minutes = (u / 60'000'000'000ULL) % 60;
  std::string seconds = fraction(u % 60'000'000'000ULL, 1'000'000'000) + "s";
  if (hours) return sign + std::to_string(hours) + "h" + std::to_string(minutes) + "m" + seconds;
  if (minutes) return sign + std::to_string(minutes) + "m" + seconds;
  return sign + seconds;
}

const std::string& ClientApi::date() { return dates_.at(member_.clock().wall()); }

bool ClientApi::host_allowed(std::string_view host) const {
  if (host_whitelist_.empty()) return true;
  // Go's net.SplitHostPort; a Host it cannot split is compared whole.
  if (host.size() > 1 && host.front() == '[' && host.find(']') != std::string_view::npos) {
    host = host.substr(1, host.find(']') - 1);
  } else if (auto colon = host.find(':'); colon != std::string_view::npos &&
                                          host.find(':', colon + 1) == std::string_view::npos) {
    host = host.substr(0, colon);
  }
  return std::find(host_whitelist_.begin(), host_whitelist_.end(), host) != host_whitelist_.end();
}

std::string ClientApi::cors_origin(std::string_view request_origin) const {
  if (cors_origins_.empty()) return "*";
  for (const auto& allowed : cors_origins_) {
    if (allowed == request_origin) return allowed;
  }
  return {};
}

std::string ClientApi::unreadable(const boost::system::error_code& ec) {
  if (ec == bhttp::error::body_limit) {
    // etcd reads form bodies with Go's ParseForm, which refuses more than 10 MiB.
    Reply r = json_reply(
        400, render_error(store::Error{store::ErrorCode::InvalidForm, "http: POST too large", 0}));
    r.set("X-Etcd-Index", "0");
    r.cors_origin = cors_origin("");  // no request to read an Origin from
    return serialize_reply(r, WireOptions{11, false, false, &date()});
  }
  return http::ConnectionHandler::unreadable(ec);
}

bool ClientApi::is_long_poll(const http::ServerRequest& req) const {
  return http::is_watch_target(req.target());
}

ClientApi::Route ClientApi::route(const http::ServerRequest& req) {
  Route r;
  r.wire.http_version = req.version() == 10 ? 10 : 11;
  r.wire.keep_alive = req.keep_alive();
  r.wire.head = req.method() == bhttp::verb::head;
  r.wire.date = &date();
  std::string_view target = req.target();
  // An empty path ("" or "?query", from an absolute-form "http://host") is redirected to "/".
  if (!target.empty() && target.front() != '/' && target.front() != '?') {
    r.kind = Route::Kind::raw;
    r.raw = http::go_request_error("400 Bad Request");
    return r;
  }
  std::string_view raw_path = target.substr(0, target.find('?'));
  r.query =
      raw_path.size() < target.size() ? target.substr(raw_path.size() + 1) : std::string_view{};
  std::string error;
  auto decoded = base::percent_decode(raw_path, false, error);
  if (!decoded) {
    // Go's server cannot parse such a request line.
    r.kind = Route::Kind::raw;
    r.raw = http::go_request_error("400 Bad Request");
    return r;
  }
  r.path = std::move(*decoded);
  const std::string& path = r.path;
  if (!metrics_only_ && !host_allowed(req[bhttp::field::host])) {
    std::string host(req[bhttp::field::host]);
    if (auto colon = host.rfind(':'); colon != std::string::npos && host.front() != '[') {
      host.resize(colon);
    }
    // etcd's answer, word for word.
    r.reply = text_error(
        421,
        "\netcd received your request, but the Host header was unrecognized.\n\nTo fix "
        "this, choose one of the following options:\n- Enable TLS, then any HTTPS request "
        "will be allowed.\n- Add the hostname you want to use to the whitelist in "
        "settings.\n  - e.g. etcd --host-whitelist \"" +
            host +
            "\"\n\nThis requirement has been added to help prevent \"DNS Rebinding\" "
            "attacks (CVE-2018-5702).\n");
    return r;
  }
  if (metrics_only_) {
    r.reply = path == "/metrics" || path == "/health" ? answer(req, path, r.query)
                                                      : text_error(404, "404 page not found");
    return r;
  }
  r.cors = cors_origin(req[bhttp::field::origin]);
  if (req.method() == bhttp::verb::options) {
    r.reply.cors_origin = r.cors;
    return r;
  }
  if (auto redirect = http::mux_redirect(target)) {
    r.reply.status = 301;
    r.reply.set("Location", redirect->location);
    // http.Redirect: an HTML body for GET, its Content-Type for GET and HEAD.
    if (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head) {
      r.reply.set("Content-Type", "text/html; charset=utf-8");
    }
    if (req.method() == bhttp::verb::get) r.reply.body = std::move(redirect->html_body);
    r.reply.cors_origin = r.cors;
    return r;
  }
  if (under(path, "/v2/keys")) {
    r.kind = Route::Kind::keys;
  } else if (path == "/new") {
    r.kind = Route::Kind::discovery;
  } else if (under(path, "/v2/members")) {
    r.kind = Route::Kind::members;
  } else if (under(path, "/v2/auth")) {
    r.kind = Route::Kind::auth;
  } else {
    r.reply = answer(req, path, r.query);
    r.reply.cors_origin = r.cors;
  }
  return r;
}

std::optional<http::ImmediateAnswer> ClientApi::answer_now(http::ServerRequest& req,
                                                           const std::string&) {
  // Writes wait for the log, so they go to handle() without being routed twice.
  auto verb = req.method();
  if (verb != bhttp::verb::get && verb != bhttp::verb::head && verb != bhttp::verb::options) {
    return std::nullopt;
  }
  Route r = route(req);
  switch (r.kind) {
    case Route::Kind::raw: return http::ImmediateAnswer{std::move(r.raw), false};
    case Route::Kind::reply:
      return http::ImmediateAnswer{serialize_reply(r.reply, r.wire), r.wire.keep_alive};
    case Route::Kind::keys: {
      // The certificate's names are read from the connection, and a password not seen before
      // is checked off the event loop: handle() does both.
      if (client_cert_auth_ && member_.auth().enabled) return std::nullopt;
      Caller caller{req[bhttp::field::authorization], {}, {}, {}};
      if (auth_.needs_password_check(caller)) return std::nullopt;
      std::optional<Reply> reply = keys_.answer_now(req, r.path, r.query, caller);
      if (!reply) return std::nullopt;
      reply->cors_origin = std::move(r.cors);
      return http::ImmediateAnswer{serialize_reply(*reply, r.wire), r.wire.keep_alive};
    }
    case Route::Kind::discovery:
    case Route::Kind::members:
    case Route::Kind::auth: return std::nullopt;
  }
  return std::nullopt;
}

asio::awaitable<bool> ClientApi::handle(http::Stream& socket, http::ServerRequest& req,
                                        const std::string&) {
  // Not a coroutine itself: routed now, and only what waits gets a coroutine frame.
  Route r = route(req);
  switch (r.kind) {
    case Route::Kind::raw: return http::send_answer(socket, std::move(r.raw), false);
    case Route::Kind::reply:
      return http::send_answer(socket, serialize_reply(r.reply, r.wire), r.wire.keep_alive);
    case Route::Kind::keys:
    case Route::Kind::members:
    case Route::Kind::auth: {
      Caller caller = caller_of(socket, req);
      if (auth_.needs_password_check(caller)) {
        return after_password_check(socket, req, std::move(r), std::move(caller));
      }
      if (r.kind != Route::Kind::keys) return answer_later(socket, req, std::move(r), caller);
      return keys_.serve(socket, req, r.path, r.query, r.wire, std::move(r.cors), caller);
    }
    case Route::Kind::discovery: break;
  }
  return answer_later(socket, req, std::move(r), Caller{});
}

asio::awaitable<bool> ClientApi::after_password_check(http::Stream& socket,
                                                      const http::ServerRequest& req, Route r,
                                                      Caller caller) {
  caller.rejected_hash = co_await auth_.check_password(caller.authorization);
  if (r.kind != Route::Kind::keys) {
    co_return co_await answer_later(socket, req, std::move(r), std::move(caller));
  }
  co_return co_await keys_.serve(socket, req, r.path, r.query, r.wire, std::move(r.cors), caller);
}

asio::awaitable<bool> ClientApi::answer_later(http::Stream& socket, const http::ServerRequest& req,
                                              Route r, Caller caller) {
  if (r.kind == Route::Kind::discovery) {
    r.reply = co_await await_callback<Reply>([&](std::function<void(Reply)> done) {
      discovery_.handle(req.method_string(), r.query, req[bhttp::field::host], socket.is_tls(),
                        std::move(done));
    });
  } else if (r.kind == Route::Kind::auth) {
    r.reply = co_await await_callback<Reply>([&](std::function<void(Reply)> done) {
      auth_.handle(req.method_string(), r.path, caller, req.body(), std::move(done));
    });
  } else {
    r.reply = co_await await_callback<Reply>([&](std::function<void(Reply)> done) {
      members_.handle(req.method_string(), r.path, req[bhttp::field::content_type], caller,
                      req.body(), std::move(done));
    });
  }
  r.reply.cors_origin = r.cors;
  std::string bytes = serialize_reply(r.reply, r.wire);
  boost::system::error_code ec;
  co_await http::write_all(socket, asio::buffer(bytes), ec);
  co_return !ec && r.wire.keep_alive;
}

Caller ClientApi::caller_of(http::Stream& socket, const http::ServerRequest& req) const {
  Caller caller{req[bhttp::field::authorization], {}, {}, {}};
  if (client_cert_auth_ && socket.is_tls() && member_.auth().enabled) {
    caller.certificate_names = http::verified_common_names(socket.tls()->native_handle());
  }
  return caller;
}

Reply ClientApi::answer(const http::ServerRequest& req, std::string_view path, std::string_view) {
  std::string_view method = req.method_string();
  auto only = [&](std::initializer_list<std::string_view> methods, std::string_view allow) {
    bool ok = std::find(methods.begin(), methods.end(), method) != methods.end();
    std::optional<Reply> r;
    if (!ok) {
      r = text_error(405, "Method Not Allowed");
      r->set("Allow", std::string(allow));
    }
    return r;
  };
  if (path == "/metrics") {
    Reply r = sniffed_text(200, metrics_.scrape());
    r.sniffed_content_type.clear();
    r.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return r;
  }
  if (path == "/version") {
    if (auto r = only({"GET"}, "GET")) return *r;
    return version_reply();
  }
  if (path == "/health") {
    if (auto r = only({"GET"}, "GET")) return *r;
    return health();
  }
  if (path == "/v2/machines") {
    if (auto r = only({"GET", "HEAD"}, "GET,HEAD")) return *r;
    return machines();
  }
  if (path == "/v2/stats/self") {
    if (auto r = only({"GET"}, "GET")) return *r;
    return stats_self();
  }
  if (path == "/v2/stats/store") {
    if (auto r = only({"GET"}, "GET")) return *r;
    return stats_store();
  }
  if (path == "/v2/stats/leader") {
    if (auto r = only({"GET"}, "GET")) return *r;
    return stats_leader();
  }
  return text_error(404, "404 page not found");
}

Reply ClientApi::health() const {
  if (member_.healthy()) return sniffed_text(200, "{\"health\":\"true\"}");
  Reply r = text_error(503, "{\"health\":\"false\"}");
  return r;
}

Reply ClientApi::machines() const {
  std::vector<std::string> urls;
  for (const auto& m : member_.membership().members) {
    urls.insert(urls.end(), m.client_urls.begin(), m.client_urls.end());
  }
  std::sort(urls.begin(), urls.end());
  std::string body;
  for (size_t i = 0; i < urls.size(); ++i) body += (i ? ", " : "") + urls[i];
  return sniffed_text(200, std::move(body));
}

Reply ClientApi::stats_self() const {
  std::string id = server::id_hex(member_.id());
  uint64_t leader = member_.leader_id();
  base::WallTime since = leader ? member_.leader_since() : member_.start_time();
  auto uptime = member_.clock().wall() - since;
  std::string body = "{\"name\":";
  base::append_json_string(body, member_.config().name);
  body += ",\"id\":\"" + id + "\",\"state\":\"" + std::string(member_.raft_state()) +
          "\",\"startTime\":\"" + rfc3339_nano(member_.start_time()) +
          "\",\"leaderInfo\":{\"leader\":\"" + (leader ? server::id_hex(leader) : "") +
          "\",\"uptime\":\"" +
          go_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(uptime)) +
          "\",\"startTime\":\"" + rfc3339_nano(since) +
          "\"},\"recvAppendRequestCnt\":" + std::to_string(member_.append_requests_received()) +
          ",\"sendAppendRequestCnt\":" + std::to_string(member_.append_requests_sent()) + "}";
  return json_reply(200, std::move(body));
}

Reply ClientApi::stats_leader() const {
  if (!member_.is_leader()) {
    // etcd's answer on a follower.
    return json_reply(403, "{\"message\":\"not current leader\"}");
  }
  std::string body = "{\"leader\":\"" + server::id_hex(member_.id()) + "\",\"followers\":{";
  bool first = true;
  auto number = [](double v) { return fmt::format("{}", v); };
  for (const auto& m : member_.membership().members) {
    if (m.id == member_.id()) continue;
    server::FollowerStats fs;
    if (auto it = member_.follower_stats().find(m.id); it != member_.follower_stats().end()) {
      fs = it->second;
    }
    double n = static_cast<double>(fs.success);
    double average = n > 0 ? fs.latency_sum_ms / n : 0;
    double variance = n > 0 ? std::max(0.0, fs.latency_sum_sq_ms / n - average * average) : 0;
    body += first ? "" : ",";
    first = false;
    body += "\"" + server::id_hex(m.id) +
            "\":{\"latency\":{\"current\":" + number(fs.latency_current_ms) +
            ",\"average\":" + number(average) +
            ",\"standardDeviation\":" + number(std::sqrt(variance)) +
            ",\"minimum\":" + number(fs.latency_min_ms) +
            ",\"maximum\":" + number(fs.latency_max_ms) +
            "},\"counts\":{\"fail\":" + std::to_string(fs.fail) +
            ",\"success\":" + std::to_string(fs.success) + "}}";
  }
  body += "}}";
  return json_reply(200, std::move(body));
}

Reply ClientApi::stats_store() const {
  const server::StoreStats& s = member_.stats();
  std::string body;
  auto field = [&body](const char* name, uint64_t v) {
    body += body.empty() ? "{" : ",";
    body += "\"";
    body += name;
    body += "\":" + std::to_string(v);
  };
  field("getsSuccess", s.gets_success);
  field("getsFail", s.gets_fail);
  field("setsSuccess", s.sets_success);
  field("setsFail", s.sets_fail);
  field("deleteSuccess", s.delete_success);
  field("deleteFail", s.delete_fail);
  field("updateSuccess", s.update_success);
  field("updateFail", s.update_fail);
  field("createSuccess", s.create_success);
  field("createFail", s.create_fail);
  field("compareAndSwapSuccess", s.compare_and_swap_success);
  field("compareAndSwapFail", s.compare_and_swap_fail);
  field("compareAndDeleteSuccess", s.compare_and_delete_success);
  field("compareAndDeleteFail", s.compare_and_delete_fail);
  field("expireCount", s.expire_count);
  field("watchers", member_.store().watchers().count());
  body += "}";
  return json_reply(200, std::move(body));
}

}  // namespace etcdpp::api::v2
