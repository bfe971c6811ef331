#include "http/connection.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "base/log.h"
#include "http/go_request.h"
#include "http/headers.h"
#include "http/lazy_deadline.h"
#include "http/message_io.h"
#include "http/tls.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <array>
#include <memory>

namespace etcdpp::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr size_t kFirstReadBytes = 1024;

// The Date of the answers the server gives itself (each event-loop thread formats its own).
const std::string& server_date() {
  thread_local DateCache cache;
  return cache.at(std::chrono::system_clock::now());
}

bool is_quiet_close(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == bhttp::error::partial_message;
}

// What a connection's coroutines share (linger() runs on after the request loop).
struct ConnectionState {
  explicit ConnectionState(asio::ip::tcp::socket s)
      : stream(std::move(s)), deadline(stream.get_executor()) {}
  Stream stream;
  LazyDeadline deadline;
};

// A "lingering close" (as Go's server does): after answering a request whose body was not
// read, stop sending and discard what the client still sends for a short while, so that
// closing with unread data does not reset the connection and destroy the answer before the
// client has read it. Bounded in time and bytes.
asio::awaitable<void> linger(std::shared_ptr<ConnectionState> state) {
  constexpr auto kLingerTime = std::chrono::milliseconds(500);
  constexpr size_t kLingerBytes = 16 << 20;
  boost::system::error_code ec;
  state->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  state->deadline.arm(kLingerTime, state->stream.socket());
  auto scratch = std::make_unique<std::array<char, 16384>>();
  size_t discarded = 0;
  while (!ec && discarded < kLingerBytes) {
    discarded += co_await state->stream.async_read_some(
        asio::buffer(*scratch), asio::redirect_error(asio::use_awaitable, ec));
  }
  state->deadline.disarm();
}

}  // namespace

std::optional<asio::ip::tcp::acceptor> open_listener(const asio::any_io_executor& ex,
                                                     const Url& url, std::string& error) {
  boost::system::error_code ec;
  auto addr = url.host == "localhost" ? asio::ip::make_address("127.0.0.1")
                                      : asio::ip::make_address(url.host, ec);
  asio::ip::tcp::acceptor acceptor(ex);
  asio::ip::tcp::endpoint ep(addr, url.port);
  if (!ec) acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "listen tcp " + url.host_port() + ": bind: " + ec.message();
    return std::nullopt;
  }
  return acceptor;
}

std::string go_request_error(std::string_view public_error) {
  std::string out = "HTTP/1.1 ";
  out += public_error;
  out += "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n";
  out += public_error;
  return out;
}

std::string ConnectionHandler::unreadable(const boost::system::error_code& ec) {
  if (ec == bhttp::error::header_limit)
    return go_request_error("431 Request Header Fields Too Large");
  if (ec == bhttp::error::body_limit) return go_request_error("413 Request Entity Too Large");
  if (ec == beast::error::timeout) return go_request_error("408 Request Timeout");
  return go_request_error("400 Bad Request");
}

std::string_view ConnectionHandler::busy_answer() const {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nContent-Length: 46\r\n\r\n"
      "{\"message\":\"too many client connections open\"}";
  return kBusy;
}

namespace {

using StatePtr = std::shared_ptr<ConnectionState>;

enum class ReadResult { request, closed };

// Ends a TLS connection as Go does, with a close_notify alert (clients that read an answer to
// the end of the stream take an end without it for a truncation attack), without waiting for
// the client's own. Bounded by a short deadline; errors do not matter here.
asio::awaitable<void> send_close_notify(ConnectionState& state) {
  constexpr auto kCloseNotifyTime = std::chrono::milliseconds(1000);
  boost::system::error_code ec;
  auto* tls = state.stream.tls();
  if (!SSL_is_init_finished(tls->native_handle())) co_return;  // no session to close
  state.deadline.arm(kCloseNotifyTime, state.stream.socket());
  co_await tls->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  state.deadline.disarm();
}

// The server side of a TLS connection's start: the handshake, within the request timeout.
// False when the connection is to be closed. As etcd's TLS listener, a client that fails it
// (a plain HTTP request included) is logged and closed without an answer.
asio::awaitable<bool> start_tls(ConnectionState& state, asio::ssl::context& tls,
                                const ConnectionLimits& limits,
                                const asio::ip::tcp::endpoint& remote) {
  boost::system::error_code ec;
  state.deadline.arm(limits.request_timeout, state.stream.socket());
  state.stream.use_tls(tls);
  co_await tls_handshake(state.stream, asio::ssl::stream_base::server, ec);
  std::string refusal;
  if (!ec)
    refusal = co_await client_san_mismatch(state.stream.tls()->native_handle(), remote.address());
  if (state.deadline.disarm()) ec = asio::error::timed_out;
  if (ec || !refusal.empty()) {
    if (refusal.empty()) refusal = tls_error_text(ec);
    ETCDPP_LOG_WARN("rejected connection from \"{}:{}\" (TLS handshake: {})",
                    remote.address().to_string(), remote.port(), refusal);
    co_return false;
  }
  co_return true;
}

// Reads one request whole (head, 100-continue, body) into `req`. `closed`: the connection is
// done, after the answer an unreadable request is due (too large, too slow, malformed).
// Its own coroutine so that the parser is not kept in the frame of the connection's loop, which
// lives as long as the connection (an idle watcher's frame chain is most of what it costs).
asio::awaitable<ReadResult> read_request(const StatePtr& state, beast::flat_buffer& buffer,
                                         const ConnectionLimits& limits, ConnectionHandler& handler,
                                         ServerRequest& req) {
  auto& sock = state->stream;
  boost::system::error_code ec;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  // Once a request has started, all of it must arrive in time (slow clients).
  state->deadline.arm(limits.request_timeout, sock.socket());
  co_await read_parsed(sock, buffer, parser, ReadUntil::header, ec);
  if (!ec && !parser.is_done() && expects_continue(parser.get()[bhttp::field::expect])) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    co_await write_all(sock, asio::buffer(kContinue), ec);
  }
  if (!ec && !parser.is_done()) co_await read_parsed(sock, buffer, parser, ReadUntil::message, ec);
  if (state->deadline.disarm()) ec = beast::error::timeout;
  if (!ec) {
    req = parser.release();
    co_return ReadResult::request;
  }
  // The client went away (before or in the middle of a request): nothing to answer.
  if (is_quiet_close(ec)) co_return ReadResult::closed;
  // Too large, too slow or malformed: answer once, then close.
  auto bytes = std::make_unique<std::string>(handler.unreadable(ec));
  if (!parser.is_header_done() && *bytes == go_request_error("400 Bad Request")) {
    // Where Go names what is wrong with the head, say it as Go does.
    auto head = buffer.data();
    if (auto refusal =
            go_head_refusal(std::string_view(static_cast<const char*>(head.data()), head.size()))) {
      *bytes = std::move(*refusal);
    }
  }
  co_await write_all(sock, asio::buffer(*bytes), ec);
  if (!ec) co_await linger(state);
  co_return ReadResult::closed;
}

// Serves requests on the connection of `state` until the client closes, an unreadable request
// was answered, or the handler says to stop. Its frame lives as long as the connection, so it
// holds only what every request needs. `open` is the accept loop's count of open connections:
// decremented (and handler.on_close() called) at the end, here rather than in a caller's frame
// that would live as long.
asio::awaitable<void> serve_connection(StatePtr state, const ConnectionLimits& limits,
                                       ConnectionHandler& handler, size_t& open,
                                       std::shared_ptr<asio::ssl::context> tls) {
  auto& sock = state->stream;
  boost::system::error_code ec;
  std::string client_ip;
  auto remote = sock.socket().remote_endpoint(ec);
  if (!ec) client_ip = remote.address().to_string();
  sock.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  beast::flat_buffer buffer;
  bool serving = true;
  if (tls) {
    serving = co_await start_tls(*state, *tls, limits, remote);
    tls.reset();
  }
  while (serving) {
    // Idle keep-alive connections wait here without a deadline. (A plain read, not
    // async_wait: asio re-arms epoll with a system call on every async_wait.)
    if (buffer.size() == 0) {
      size_t n = co_await sock.async_read_some(buffer.prepare(kFirstReadBytes),
                                               asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      buffer.commit(n);
    }
    ServerRequest req;
    ReadResult read = co_await read_request(state, buffer, limits, handler, req);
    if (read == ReadResult::closed) break;
    // Go's server answers some requests itself before any handler runs.
    std::optional<ImmediateAnswer> now = go_server_checks(req, server_date);
    if (!now) {
      // A long poll may stay idle for hours: it should hold neither a read buffer nor a timer
      // wait (the lazy deadline would otherwise keep one for a request timeout) meanwhile.
      bool long_poll = handler.is_long_poll(req);
      if (buffer.size() == 0 && (buffer.capacity() > 8 * 1024 || long_poll)) {
        buffer.shrink_to_fit();
      }
      if (long_poll) state->deadline.disarm_and_release();
      now = handler.answer_now(req, client_ip);
    }
    if (now) {
      size_t sent = send_now(sock, asio::buffer(now->bytes), ec);
      if (!ec && sent < now->bytes.size()) {
        co_await write_rest(sock, asio::buffer(now->bytes), sent, ec);
      }
      if (ec || !now->keep_alive) break;
      continue;
    }
    bool keep = co_await handler.handle(sock, req, client_ip);
    if (!keep) break;
  }
  if (sock.is_tls()) co_await send_close_notify(*state);
  sock.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  sock.socket().close(ec);
  handler.on_connection_closed(remote);
  --open;
  handler.on_close();
}

}  // namespace

asio::awaitable<void> accept_connections(asio::ip::tcp::acceptor& acceptor,
                                         const ConnectionLimits& limits, ConnectionHandler& handler,
                                         std::shared_ptr<asio::ssl::context> tls) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer backoff(executor);
  for (;;) {
    boost::system::error_code ec;
    asio::ip::tcp::socket socket =
        co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      ETCDPP_LOG_ERROR("accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (handler.open_connections_ >= limits.max_connections) {
      ETCDPP_LOG_WARN("refusing a connection: {} client connections open (limit)",
                      handler.open_connections_);
      // A short answer written without waiting, then close (a TLS client gets no answer: it
      // would first need a handshake).
      auto busy = handler.busy_answer();
      if (!tls) {
        ::send(socket.native_handle(), busy.data(), busy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      }
      socket.close(ec);
      continue;
    }
    ++handler.open_connections_;
    handler.on_open();
    // The socket goes to the heap here, not through the coroutines' parameters: each frame
    // would otherwise keep a (moved-from) socket object for the connection's lifetime.
    asio::co_spawn(executor,
                   serve_connection(std::make_shared<ConnectionState>(std::move(socket)), limits,
                                    handler, handler.open_connections_, tls),
                   asio::detached);
  }
}

}  // namespace etcdpp::http
