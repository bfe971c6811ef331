#include "proxy/forwarder.h"

#include "base/log.h"
#include "http/hangup_watch.h"
#include "http/headers.h"
#include "http/message_io.h"
#include "http/serialize.h"
#include "proxy/local_responses.h"
#include "proxy/request_info.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>

#include <array>

namespace etcdpp::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

// What a hang-up of the client does to the upstream exchange: closing the upstream socket
// fails the pending upstream operation at once.
std::function<void()> close_upstream(UpstreamConn* conn) {
  return [conn] {
    boost::system::error_code ignored;
    conn->stream.socket().close(ignored);
  };
}

using UpstreamParser = bhttp::response_parser<bhttp::buffer_body>;

enum class Outcome {
  relayed,        // the answer was written; the client connection may stay open
  relayed_close,  // the answer was written (or cut short); close the client connection
  next_endpoint,  // nothing was written; try the next endpoint
  give_up,        // nothing was written; answer 502 without trying further endpoints
  client_gone,    // the client disconnected; write nothing
};

// Per-request facts the attempts share.
struct Exchange {
  ClientRequest& req;
  http::Stream& client;
  size_t method = 0;
  bool idempotent = false;
  bool watch = false;
  bool head = false;
  bool client_keep_alive = true;
  bool client_sent_host = true;  // HTTP/1.0 clients may omit Host
  unsigned client_version = 11;
  base::MonoTime started{};
  std::string request_head{};    // the upstream request's head, serialised once (per Host)
  ReadFlight* flight = nullptr;  // set when identical requests wait for this one's answer
  std::string_view client_ip{};
};

// The answer's framing for this client: Go answers in the client's protocol version (an
// HTTP/1.0 client gets "HTTP/1.0 ..."), and says so when the connection will close.
template <class Body>
void fit_to_client(bhttp::response<Body>& res, const Exchange& ex, bool client_keep) {
  res.version(ex.client_version == 10 ? 10 : 11);
  if (!client_keep) res.keep_alive(false);
}

// Followers of `flight` get the member's complete answer: handed over before the leader's own
// client is written to.
void share_answer(ReadFlight& flight, const bhttp::response_header<>& res,
                  const std::string& body) {
  if (flight.follower_count() == 0) return;
  auto answer = std::make_shared<SharedAnswer>();
  answer->header = res;
  answer->header.version(11);
  http::append_response_head(answer->head_keep_alive_11, answer->header);
  answer->body = body;
  flight.land(std::move(answer));
}

constexpr size_t kStreamChunkInitialBytes = 1024;
constexpr size_t kStreamChunkMaxBytes = 64 * 1024;

void prepare_upstream_request(ClientRequest& req, const std::string& client_ip,
                              const std::string& proxy_id) {
  // X-Forwarded-For: earlier values folded into one line, then the client's address.
  std::string xff;
  for (auto it = req.find("X-Forwarded-For");
       it != req.end() && beast::iequals(it->name_string(), "X-Forwarded-For"); ++it) {
    if (!xff.empty()) xff += ", ";
    xff += it->value();
  }
  if (!client_ip.empty()) {
    if (!xff.empty()) xff += ", ";
    xff += client_ip;
  }
  std::string via(req[kViaHeader]);
  via = via.empty() ? proxy_id : via + ", " + proxy_id;
  http::strip_hop_by_hop(req.base());
  // The proxy has already read the whole body (and answered any 100-continue itself).
  req.erase(bhttp::field::expect);
  req.erase("X-Forwarded-For");
  if (!xff.empty()) req.set("X-Forwarded-For", xff);
  req.set(kViaHeader, via);
  req.version(11);
  req.prepare_payload();
}

base::Millis response_header_timeout(const ProxyConfig& cfg, bool watch) {
  if (watch) return base::Millis(0);  // a long poll may wait for ever (W10)
  return cfg.read_timeout.count() > 0 ? cfg.read_timeout : cfg.response_header_timeout;
}

bool any_available_after(const EndpointList& list, size_t start, size_t i) {
  for (size_t j = i + 1; j < list.size(); ++j) {
    if (list[(start + j) % list.size()]->state == EndpointState::available) return true;
  }
  return false;
}

class Attempt {
 public:
  Attempt(ProxyContext& ctx, Exchange& ex, const EndpointPtr& ep, bool more_endpoints)
      : ctx_(ctx), ex_(ex), ep_(ep), more_endpoints_(more_endpoints) {}

  asio::awaitable<Outcome> run();

 private:
  asio::awaitable<Outcome> relay(std::unique_ptr<UpstreamConn>& conn, UpstreamParser& parser,
                                 std::shared_ptr<http::HangupWatch>& watch);
  asio::awaitable<Outcome> relay_stream(UpstreamConn& conn, UpstreamParser& parser, bool chunked,
                                        std::shared_ptr<http::HangupWatch>& watch,
                                        bool& upstream_ok);
  void note_failure(std::string_view kind, const boost::system::error_code& ec, bool mark);

  ProxyContext& ctx_;
  Exchange& ex_;
  const EndpointPtr& ep_;
  bool more_endpoints_;
};

void Attempt::note_failure(std::string_view kind, const boost::system::error_code& ec, bool mark) {
  ETCDPP_LOG_WARN("failed to direct request to {}: {} {}", ep_->url.text, kind, ec.message());
  ctx_.metrics.on_upstream_error(ep_->url.text, kind);
  ctx_.metrics.on_dropped(ex_.method, DropReason::failed_sending_request);
  if (mark && ctx_.director.on_failure(*ep_, ctx_.clock.monotonic())) {
    ETCDPP_LOG_WARN("marked endpoint {} unavailable", ep_->url.text);
    ctx_.metrics.set_endpoint_state(ep_->url.text, "failed");
    ctx_.metrics.available_endpoints().Set(static_cast<double>(ctx_.director.available_count()));
    if (ctx_.on_endpoint_failed) ctx_.on_endpoint_failed();
  }
}

asio::awaitable<Outcome> Attempt::run() {
  const auto& cfg = ctx_.config;
  boost::system::error_code ec;
  // The client's Host is kept (as etcd does); without one, name the member (as Go does).
  if (!ex_.client_sent_host || ex_.request_head.empty()) {
    if (!ex_.client_sent_host) ex_.req.set(bhttp::field::host, ep_->url.host_port());
    ex_.request_head.clear();
    http::append_request_head(ex_.request_head, ex_.req.base());
  }
  // At most one extra round, and only after a pooled connection turned out to be closed.
  for (int round = 0; round < 2; ++round) {
    auto conn = ctx_.pool.take_idle(ep_->url.text, !ex_.idempotent);
    if (!conn) {
      conn = co_await ctx_.pool.connect(ep_->url, cfg.dial_timeout, ec);
      if (!conn) {
        note_failure("dial", ec, true);
        co_return Outcome::next_endpoint;
      }
    }
    std::array<asio::const_buffer, 2> request{asio::buffer(ex_.request_head),
                                              asio::buffer(ex_.req.body())};
    // Normally the kernel takes the whole request at once; the write timeout (a timer) is
    // armed only for what has to wait.
    size_t sent = http::send_now(conn->stream, request, ec);
    if (!ec && sent < asio::buffer_size(request)) {
      if (cfg.write_timeout.count() > 0)
        conn->deadline.arm(cfg.write_timeout, conn->stream.socket());
      co_await http::write_rest(conn->stream, request, sent, ec);
      if (conn->deadline.disarm()) ec = beast::error::timeout;
    }
    if (ec) {
      // A request that could not be written completely cannot have been applied.
      if (conn->reused) continue;
      note_failure("write", ec, true);
      co_return Outcome::next_endpoint;
    }

    std::shared_ptr<http::HangupWatch> watch;
    if (ex_.watch) {
      watch = http::HangupWatch::start(ex_.client, close_upstream(conn.get()));
      ctx_.metrics.open_watchers().Increment();
    }
    struct WatcherCount {
      ProxyMetrics& m;
      bool on;
      ~WatcherCount() {
        if (on) m.open_watchers().Decrement();
      }
    } watcher_count{ctx_.metrics, ex_.watch};

    UpstreamParser parser;
    parser.body_limit(boost::none);  // streamed through a bounded buffer
    parser.header_limit(64 * 1024);
    if (ex_.head) parser.skip(true);
    auto header_timeout = response_header_timeout(cfg, ex_.watch);
    if (header_timeout.count() > 0) conn->deadline.arm(header_timeout, conn->stream.socket());
    co_await http::read_parsed(conn->stream, conn->buffer, parser, http::ReadUntil::header, ec);
    if (conn->deadline.disarm()) ec = beast::error::timeout;
    if (ec) {
      if (watch && watch->client_gone()) {
        watch->stop();
        co_return Outcome::client_gone;
      }
      if (watch) watch->stop();
      bool stale = conn->reused && conn->buffer.size() == 0 &&
                   (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                    ec == asio::error::connection_reset);
      if (stale && ex_.idempotent) continue;
      if (stale) {
        // The member may have applied this write before closing: never replay it.
        note_failure("read", ec, false);
        co_return Outcome::give_up;
      }
      note_failure(ec == beast::error::timeout ? "timeout" : "read", ec, true);
      co_return ex_.idempotent ? Outcome::next_endpoint : Outcome::give_up;
    }
    unsigned status = parser.get().result_int();
    if (status >= 500 && ex_.idempotent && more_endpoints_) {
      if (watch) watch->stop();
      ETCDPP_LOG_WARN("endpoint {} answered {}; trying the next endpoint", ep_->url.text, status);
      note_failure("status_5xx", {}, true);
      co_return Outcome::next_endpoint;
    }
    auto elapsed = ctx_.clock.monotonic() - ex_.started;
    ctx_.metrics.observe_duration(ex_.method, std::chrono::duration<double>(elapsed).count());
    ctx_.metrics.on_handled(ex_.method, status);
    // Before the client can see the answer: its next read should find the write applied.
    if (!ex_.idempotent) ctx_.director.on_write_answered(*ep_, ctx_.clock.monotonic());
    Outcome relayed = co_await relay(conn, parser, watch);
    co_return relayed;
  }
  // Two pooled connections in a row were dead: the member most likely restarted.
  note_failure("stale_connection", asio::error::connection_reset, false);
  co_return ex_.idempotent ? Outcome::next_endpoint : Outcome::give_up;
}

asio::awaitable<Outcome> Attempt::relay(std::unique_ptr<UpstreamConn>& conn, UpstreamParser& parser,
                                        std::shared_ptr<http::HangupWatch>& watch) {
  boost::system::error_code ec;
  auto& res = parser.get();
  http::strip_hop_by_hop(res.base());
  bool client_keep = ex_.client_keep_alive;
  bool upstream_ok = true;
  Outcome outcome = Outcome::relayed;
  std::string whole_body;

  auto content_length = parser.content_length();
  if (!parser.is_done() && content_length && *content_length <= kWholeBodyMaxBytes) {
    // Read the whole (small) body first: header and body then leave in one write.
    whole_body.resize(static_cast<size_t>(*content_length));
    res.body().data = whole_body.data();
    res.body().size = whole_body.size();
    if (ctx_.config.read_timeout.count() > 0 && !ex_.watch) {
      conn->deadline.arm(ctx_.config.read_timeout, conn->stream.socket());
    }
    co_await http::read_parsed(conn->stream, conn->buffer, parser, http::ReadUntil::message, ec);
    if (conn->deadline.disarm()) ec = beast::error::timeout;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec || !parser.is_done()) {
      if (watch) {
        bool gone = watch->client_gone();
        watch->stop();
        if (gone) co_return Outcome::client_gone;
      }
      note_failure("read_body", ec, false);
      co_return Outcome::give_up;
    }
    res.body().data = whole_body.data();
    res.body().size = whole_body.size();
  } else if (parser.is_done()) {
    res.body().data = nullptr;
    res.body().size = 0;
  } else {
    // Streamed: not shareable, so identical requests waiting for it go their own way now
    // rather than after the whole stream. The request will not be sent again, and an idle
    // watcher should not keep it.
    if (ex_.flight) ex_.flight->land(nullptr);
    ex_.req = ClientRequest();
    // (swap, not `= std::string()`: libstdc++ keeps the old buffer when the source is short)
    std::string().swap(ex_.request_head);
    if (!content_length) {
      if (ex_.client_version >= 11) {
        res.chunked(true);
      } else {
        client_keep = false;  // an HTTP/1.0 client reads to end of stream
      }
    }
  }
  if (ex_.flight && parser.is_done()) share_answer(*ex_.flight, res.base(), whole_body);
  fit_to_client(res, ex_, client_keep);
  std::string head;
  http::append_response_head(head, res.base());
  if (!parser.is_done()) {
    co_await http::write_all(ex_.client, asio::buffer(head), ec);
    if (ec) {
      upstream_ok = false;
      outcome = Outcome::client_gone;
    } else {
      std::string().swap(head);  // an idle watcher keeps no copy of the head
      // Nor the member's header fields: the parser reads the body on its own state.
      bool chunked = res.chunked();
      res.base().clear();
      if (!watch) watch = http::HangupWatch::start(ex_.client, close_upstream(conn.get()));
      outcome = co_await relay_stream(*conn, parser, chunked, watch, upstream_ok);
    }
  } else {
    std::array<asio::const_buffer, 2> message{asio::buffer(head), asio::buffer(whole_body)};
    co_await http::write_all(ex_.client, message, ec);
    if (ec) outcome = Outcome::client_gone;
  }
  if (watch) watch->stop();
  if (outcome == Outcome::relayed && !client_keep) outcome = Outcome::relayed_close;
  if (upstream_ok && outcome != Outcome::client_gone && parser.is_done() && parser.keep_alive()) {
    ctx_.pool.give_back(std::move(conn));
  }
  co_return outcome;
}

asio::awaitable<Outcome> Attempt::relay_stream(UpstreamConn& conn, UpstreamParser& parser,
                                               bool chunked,
                                               std::shared_ptr<http::HangupWatch>& watch,
                                               bool& upstream_ok) {
  boost::system::error_code ec;
  auto& res = parser.get();
  // The chunk buffer is allocated only when data is there, so an idle watcher holds none.
  std::vector<char> chunk;
  std::string framing;
  size_t chunk_size = kStreamChunkInitialBytes;
  while (!parser.is_done()) {
    if (conn.buffer.size() == 0) {
      conn.buffer.shrink_to_fit();  // nothing buffered while waiting for the next event
      chunk = std::vector<char>();
      if (ctx_.config.read_timeout.count() > 0 && !ex_.watch) {
        conn.deadline.arm(ctx_.config.read_timeout, conn.stream.socket());
      }
      // (Over TLS only when OpenSSL holds no bytes of its own: those the socket cannot show.)
      if (!conn.stream.is_tls() || !SSL_has_pending(conn.stream.tls()->native_handle())) {
        co_await conn.stream.socket().async_wait(asio::socket_base::wait_read,
                                                 asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec) {
        if (conn.deadline.disarm()) ec = beast::error::timeout;
        break;
      }
    }
    chunk.resize(chunk_size);
    res.body().data = chunk.data();
    res.body().size = chunk.size();
    co_await bhttp::async_read_some(conn.stream, conn.buffer, parser,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (conn.deadline.disarm()) ec = beast::error::timeout;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) break;
    size_t got = chunk.size() - res.body().size;
    bool last = parser.is_done();
    if (got == 0 && !last) continue;  // framing only
    framing.clear();
    if (chunked && got > 0) http::append_chunk_size(framing, got);
    std::array<asio::const_buffer, 3> piece{
        asio::buffer(framing), asio::buffer(chunk.data(), got),
        asio::buffer(chunked && got > 0 ? http::kCrlf : std::string_view())};
    if (chunked && last) {
      framing.clear();
      if (got > 0) http::append_chunk_size(framing, got);
      piece = {asio::buffer(framing), asio::buffer(chunk.data(), got),
               asio::buffer(got > 0 ? std::string_view("\r\n0\r\n\r\n") : http::kLastChunk)};
    }
    co_await http::write_all(ex_.client, piece, ec);
    if (ec) {
      upstream_ok = false;
      co_return Outcome::client_gone;
    }
    if (got == chunk.size() && chunk_size < kStreamChunkMaxBytes) chunk_size *= 2;
  }
  if (!parser.is_done()) {
    upstream_ok = false;
    if (watch && watch->client_gone()) co_return Outcome::client_gone;
    // The member went away mid-body; the status line is already out, so the only honest
    // signal left is closing the client connection (a chunked body stays unterminated).
    ETCDPP_LOG_WARN("upstream {} closed mid-response: {}", ep_->url.text, ec.message());
    co_return Outcome::relayed_close;
  }
  co_return Outcome::relayed;
}

}  // namespace

namespace {

asio::awaitable<bool> forward_alone(ProxyContext& ctx_, Exchange ex);

// Writes a flight's shared answer to a follower's client. True when the connection can carry
// another request.
asio::awaitable<bool> write_shared_answer(const Exchange& ex, const SharedAnswer& answer) {
  const std::string* head = &answer.head_keep_alive_11;
  std::string own_head;
  if (ex.client_version == 10 || !ex.client_keep_alive) {
    bhttp::response<bhttp::empty_body> own(answer.header);
    fit_to_client(own, ex, ex.client_keep_alive);
    http::append_response_head(own_head, own.base());
    head = &own_head;
  }
  std::array<asio::const_buffer, 2> message{asio::buffer(*head), asio::buffer(answer.body)};
  boost::system::error_code ec;
  co_await http::write_all(ex.client, message, ec);
  co_return !ec && ex.client_keep_alive;
}

// A leader's part in read coalescing, whatever way its exchange ends: followers not served by
// then are released (or, when the leader is torn down, dropped), and the key is left.
struct LeaderGuard {
  ReadCoalescer& coalescer;
  const std::string& key;
  ReadFlight* flight;
  ~LeaderGuard() {
    if (flight) flight->abandon();
    // A flight counts as in the air from depart() on (a leader alone from enter() on).
    if (!flight || flight->departed()) coalescer.leave(key);
  }
};

}  // namespace

namespace {

// The coalesced path of Forwarder::forward: `ex` waits for an identical request's answer, or
// leads a flight that others join.
asio::awaitable<bool> forward_coalesced(ProxyContext& ctx_, Exchange ex, std::string key) {
  auto ticket = ctx_.coalescer.enter(key, ex.client.get_executor());
  if (ticket.follower) {
    SharedAnswerPtr answer = co_await ticket.flight->join();
    ticket.flight.reset();
    // No answer: the leader's was not shareable (streamed, or the proxy's own error).
    if (!answer) {
      // Named first: GCC 12 mishandles temporaries with destructors in co_await expressions.
      auto alone = forward_alone(ctx_, std::move(ex));
      co_return co_await std::move(alone);
    }
    auto elapsed = ctx_.clock.monotonic() - ex.started;
    ctx_.metrics.coalesced_requests().Increment();
    ctx_.metrics.observe_duration(ex.method, std::chrono::duration<double>(elapsed).count());
    ctx_.metrics.on_handled(ex.method, answer->header.result_int());
    co_return co_await write_shared_answer(ex, *answer);
  }
  LeaderGuard guard{ctx_.coalescer, key, ticket.flight.get()};
  if (ticket.flight) {
    // The same request is in flight already (a hot key): let the requests the event loop has
    // already received board this flight before it leaves.
    auto executor = ex.client.get_executor();
    co_await asio::post(executor, asio::use_awaitable);
    ctx_.coalescer.depart(key, *ticket.flight);
    ex.flight = ticket.flight.get();
  }
  auto alone = forward_alone(ctx_, std::move(ex));
  bool keep = co_await std::move(alone);
  if (ticket.flight) ticket.flight->land(nullptr);  // no-op when the answer was shared
  co_return keep;
}

}  // namespace

// Not a coroutine: the returned one (forward_alone or forward_coalesced) carries the Exchange
// in its own frame, so a request waiting for the member (an idle watcher, for hours) does not
// also keep a frame of this function.
asio::awaitable<bool> Forwarder::forward(http::Stream& client, ClientRequest& req,
                                         const std::string& client_ip) {
  Exchange ex{req, client};
  ex.method = ProxyMetrics::method_index(req.method_string());
  ex.idempotent = is_idempotent(req.method_string());
  ex.head = req.method() == bhttp::verb::head;
  ex.watch = is_watch_target(req.target());
  ex.client_keep_alive = req.keep_alive();
  ex.client_version = req.version();
  ex.client_sent_host = req.count(bhttp::field::host) > 0;
  ex.started = ctx_.clock.monotonic();
  ex.client_ip = client_ip;
  ctx_.metrics.on_request(ex.method);
  prepare_upstream_request(req, client_ip, ctx_.proxy_id);

  std::string key;
  if (ctx_.config.coalesce_reads && !ex.watch && ex.client_sent_host) {
    key = ReadCoalescer::key_of(req, {"X-Forwarded-For", kViaHeader});
  }
  if (key.empty()) return forward_alone(ctx_, std::move(ex));
  return forward_coalesced(ctx_, std::move(ex), std::move(key));
}

namespace {

// Sends the request to the members (failover as described in forwarder.h) and relays the
// answer, or answers 502/503 itself.
asio::awaitable<bool> forward_alone(ProxyContext& ctx_, Exchange ex) {
  EndpointListPtr list = ctx_.director.endpoints();
  size_t n = list->size();
  size_t start = n ? ctx_.director.start_for(ex.idempotent, *list, ctx_.clock.monotonic()) % n : 0;
  size_t attempted = 0;
  bool give_up = false;
  for (size_t i = 0; i < n && !give_up; ++i) {
    const EndpointPtr& ep = (*list)[(start + i) % n];
    if (ep->state != EndpointState::available) continue;
    ++attempted;
    Attempt attempt(ctx_, ex, ep, any_available_after(*list, start, i));
    Outcome outcome = co_await attempt.run();
    switch (outcome) {
      case Outcome::relayed: co_return true;
      case Outcome::relayed_close: co_return false;
      case Outcome::client_gone:
        ETCDPP_LOG_DEBUG("client {} closed request prematurely", ex.client_ip);
        co_return false;
      case Outcome::next_endpoint: break;
      case Outcome::give_up: give_up = true; break;
    }
  }
  // On the heap: every waiting request's frame would otherwise have room for this response.
  std::unique_ptr<StringResponse> res;
  if (attempted == 0) {
    ETCDPP_LOG_WARN("zero endpoints currently available");
    ctx_.metrics.on_dropped(ex.method, DropReason::zero_endpoints);
    res = std::make_unique<StringResponse>(
        json_message(ctx_, 503, "httpproxy: zero endpoints currently available"));
  } else {
    ETCDPP_LOG_WARN("unable to get response from {} endpoint(s)", attempted);
    ctx_.metrics.on_dropped(ex.method, DropReason::failed_getting_response);
    res = std::make_unique<StringResponse>(json_message(
        ctx_, 502,
        "httpproxy: unable to get response from " + std::to_string(attempted) + " endpoint(s)"));
  }
  res->version(ex.client_version == 10 ? 10 : 11);
  if (!ex.client_keep_alive) res->keep_alive(false);
  auto write = write_own_response(ex.client, std::move(res), ex.client_keep_alive);
  co_return co_await std::move(write);
}

}  // namespace

}  // namespace etcdpp::proxy
