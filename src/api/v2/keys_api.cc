#include "api/v2/keys_api.h"

#include "api/v2/await_callback.h"
#include "api/v2/keys_request.h"
#include "api/v2/render.h"
#include "http/hangup_watch.h"
#include "http/message_io.h"
#include "http/serialize.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>

namespace etcdpp::api::v2 {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

// What a watcher waiting for its next event shares with the callbacks that wake it (the
// watcher's on_ready and the hang-up watch): they may run after the stream ended.
struct WatchWake {
  explicit WatchWake(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  bool woken = false;
  bool client_gone = false;
  void wake() {
    woken = true;
    timer.cancel();
  }
};

constexpr std::string_view kClusterIdHeader = "X-Etcd-Cluster-Id";

}  // namespace

Reply KeysApi::error_reply(const store::Error& error) {
  Reply r = json_reply(error_http_status(error.code), render_error(error));
  r.set(kClusterIdHeader, cluster_id_hex_);
  r.set("X-Etcd-Index", std::to_string(error.index));
  return r;
}

Reply KeysApi::event_reply(const store::Event& event, bool no_value_on_success) {
  bool value_action = event.action == store::Action::set || event.action == store::Action::create ||
                      event.action == store::Action::update ||
                      event.action == store::Action::compare_and_swap;
  Reply r =
      json_reply(event.created() ? 201 : 200, no_value_on_success && value_action
                                                  ? render_action_only(event)
                                                  : render_event(event, member_.clock().wall()));
  r.set(kClusterIdHeader, cluster_id_hex_);
  r.set("X-Etcd-Index", std::to_string(event.index));
  r.set("X-Raft-Index", std::to_string(member_.commit_index()));
  r.set("X-Raft-Term", std::to_string(member_.term()));
  return r;
}

namespace {

// Whether a parsed read must wait: a quorum GET goes through the log, a GET with wait=true
// becomes a watch. (HEAD ignores both, as etcd.)
bool read_waits(const KeysRequest& kr) { return kr.method == "GET" && (kr.quorum || kr.wait); }

bool is_read(std::string_view method) { return method == "GET" || method == "HEAD"; }

}  // namespace

std::optional<Reply> KeysApi::refuse_access(const http::ServerRequest& req, std::string_view path,
                                            const KeysRequest& kr, const Caller& caller) {
  if (!member_.auth().enabled) return std::nullopt;
  // The key as etcd checks it: the request's path after /v2/keys ("" for /v2/keys itself).
  std::string_view key = path.substr(std::string_view("/v2/keys").size());
  if (auth_.key_access(req.method_string(), caller, key, kr.recursive)) {
    return std::nullopt;
  }
  return error_reply(store::Error{store::ErrorCode::Unauthorized, "Insufficient credentials", 0});
}

Reply KeysApi::read_reply(const KeysRequest& kr) {
  auto& stats = member_.stats();
  auto got = member_.store().get(kr.key, kr.recursive);
  if (!got) {
    ++stats.gets_fail;
    return error_reply(got.error());
  }
  ++stats.gets_success;
  return event_reply(*got, false);
}

std::optional<Reply> KeysApi::answer_now(const http::ServerRequest& req, std::string_view path,
                                         std::string_view query, const Caller& caller) {
  std::string_view method = req.method_string();
  if (!is_read(method)) return std::nullopt;
  auto parsed =
      parse_keys_request(method, path, query, req[bhttp::field::content_type], req.body());
  if (!parsed) return error_reply(parsed.error());
  if (auto refused = refuse_access(req, path, *parsed, caller)) return refused;
  if (read_waits(*parsed)) return std::nullopt;
  return read_reply(*parsed);
}

KeysApi::Plan KeysApi::plan(const http::ServerRequest& req, std::string_view path,
                            std::string_view query, const Caller& caller) {
  Plan plan;
  std::string_view method = req.method_string();
  auto content_type = req[bhttp::field::content_type];
  auto parsed = parse_keys_request(method, path, query, content_type, req.body());
  if (!parsed) {
    plan.reply = error_reply(parsed.error());
    return plan;
  }
  const KeysRequest& kr = *parsed;
  if (auto refused = refuse_access(req, path, kr, caller)) {
    plan.reply = std::move(refused);
    return plan;
  }
  if (!is_read(kr.method)) {
    plan.write = to_write_request(kr, member_.clock().wall());
    plan.no_value_on_success = kr.no_value_on_success;
    return plan;
  }
  if (!read_waits(kr)) {
    plan.reply = read_reply(kr);
    return plan;
  }
  if (kr.quorum) {
    // Ordered through the log like a write (etcd's QGET); a wait is then ignored, as etcd.
    server::WriteRequest qget;
    qget.method = "QGET";
    qget.key = kr.key;
    qget.recursive = kr.recursive;
    plan.write = std::move(qget);
    return plan;
  }
  auto w = member_.store().watch(kr.key, kr.recursive, kr.stream, kr.wait_index);
  if (!w) {
    plan.reply = error_reply(w.error());
  } else {
    plan.watcher = std::move(*w);
  }
  return plan;
}

asio::awaitable<bool> KeysApi::serve(http::Stream& socket, const http::ServerRequest& req,
                                     std::string_view path, std::string_view query,
                                     const WireOptions& wire, std::string cors_origin,
                                     const Caller& caller) {
  // Not a coroutine itself: the request is planned now, and only what has to wait (a write,
  // a watch) gets a coroutine frame, holding just what it needs.
  auto verb = req.method();
  bool allowed = verb == bhttp::verb::get || verb == bhttp::verb::head ||
                 verb == bhttp::verb::put || verb == bhttp::verb::post ||
                 verb == bhttp::verb::delete_;
  Reply reply;
  if (!allowed) {
    reply = text_error(405, "Method Not Allowed");
    reply.set("Allow", "HEAD,GET,PUT,POST,DELETE");
  } else {
    Plan p = plan(req, path, query, caller);
    if (p.watcher) return stream(socket, std::move(p.watcher), wire, std::move(cors_origin));
    if (p.write) {
      return answer_write(socket, std::move(*p.write), p.no_value_on_success, wire,
                          std::move(cors_origin));
    }
    reply = std::move(*p.reply);
  }
  reply.cors_origin = std::move(cors_origin);
  return http::send_answer(socket, serialize_reply(reply, wire), wire.keep_alive);
}

asio::awaitable<bool> KeysApi::answer_write(http::Stream& socket, server::WriteRequest request,
                                            bool no_value_on_success, WireOptions wire,
                                            std::string cors_origin) {
  WriteResult result =
      co_await await_callback<WriteResult>([this, &request](std::function<void(WriteResult)> done) {
        member_.propose_write(std::move(request), std::move(done));
      });
  std::string bytes = answer_bytes(result, no_value_on_success, wire, std::move(cors_origin));
  boost::system::error_code ec;
  co_await http::write_all(socket, asio::buffer(bytes), ec);
  co_return !ec && wire.keep_alive;
}

std::string KeysApi::answer_bytes(const WriteResult& result, bool no_value_on_success,
                                  const WireOptions& wire, std::string cors_origin) {
  Reply reply = result ? event_reply(*result, no_value_on_success) : error_reply(result.error());
  reply.cors_origin = std::move(cors_origin);
  return serialize_reply(reply, wire);
}

asio::awaitable<bool> KeysApi::stream(http::Stream& socket, std::shared_ptr<store::Watcher> watcher,
                                      WireOptions wire, std::string cors_origin) {
  Reply head = json_reply(200, "");
  head.set(kClusterIdHeader, cluster_id_hex_);
  head.set("X-Etcd-Index", std::to_string(watcher->start_index()));
  head.set("X-Raft-Index", std::to_string(member_.commit_index()));
  head.set("X-Raft-Term", std::to_string(member_.term()));
  head.cors_origin = cors_origin;
  bool chunked = wire.http_version != 10;
  auto out = std::make_unique<std::string>(serialize_stream_head(head, wire));

  auto wake = std::make_shared<WatchWake>(socket.get_executor());
  watcher->set_on_ready([weak = std::weak_ptr<WatchWake>(wake)] {
    if (auto w = weak.lock()) w->wake();
  });
  auto hangup = http::HangupWatch::start(socket, [weak = std::weak_ptr<WatchWake>(wake)] {
    if (auto w = weak.lock()) {
      w->client_gone = true;
      w->wake();
    }
  });
  boost::system::error_code ec;
  bool ended = false;  // the response is complete (an event of a one-shot watch, or removed)
  for (;;) {
    // Everything ready is written in one go (the head, the first time round).
    while (watcher->has_event()) {
      store::Event ev = watcher->take_event();
      std::string line = render_event(ev, member_.clock().wall());
      if (chunked) http::append_chunk_size(*out, line.size());
      *out += line;
      if (chunked) *out += http::kCrlf;
      if (!watcher->stream()) {
        ended = true;
        break;
      }
    }
    if (!ended && watcher->removed()) ended = true;  // dropped (overflow): the stream ends
    if (ended && chunked) *out += http::kLastChunk;
    if (!out->empty()) {
      co_await http::write_all(socket, asio::buffer(*out), ec);
      out->clear();
      if (ec) break;
    }
    if (ended || wake->client_gone) break;
    if (!wake->woken) {
      wake->timer.expires_at(asio::steady_timer::time_point::max());
      co_await wake->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    wake->woken = false;
    if (wake->client_gone) break;
  }
  hangup->stop();
  watcher->set_on_ready(nullptr);
  member_.store().watchers().cancel(watcher);
  co_return ended && !ec && chunked && wire.keep_alive && !wake->client_gone;
}

}  // namespace etcdpp::api::v2
