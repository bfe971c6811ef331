#include "transport/peer_sender.h"

#include "base/log.h"
#include "http/tls.h"
#include "http/url.h"
#include "transport/raft_codec.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <openssl/ssl.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace etcdpp::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

struct PeerSender::Connection {
  explicit Connection(asio::any_io_executor ex) : stream(ex) {}
  beast::tcp_stream stream;  // its expiry times the TLS layer's operations too
  // For an https peer URL (few connections per member: asio's TLS stream is fine here).
  std::unique_ptr<asio::ssl::stream<beast::tcp_stream&>> tls;
  beast::flat_buffer buffer;
  std::string host_port;
};

namespace {

// One request and its response on a connected stream, plain or TLS.
template <class AsyncStream>
asio::awaitable<void> exchange(AsyncStream& stream, beast::flat_buffer& buffer,
                               bhttp::request<bhttp::string_body>& req,
                               bhttp::response_parser<bhttp::string_body>& parser,
                               boost::system::error_code& ec) {
  co_await bhttp::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    co_await bhttp::async_read(stream, buffer, parser,
                               asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace

PeerSender::PeerSender(asio::any_io_executor executor, uint64_t peer_id,
                       std::vector<std::string> peer_urls, const SenderOptions& options,
                       std::shared_ptr<SenderEvents> events)
    : executor_(executor),
      peer_id_(peer_id),
      urls_(std::move(peer_urls)),
      options_(options),
      events_(std::move(events)),
      wakeup_(executor) {}

PeerSender::~PeerSender() = default;

void PeerSender::start() {
  asio::co_spawn(
      executor_, [self = shared_from_this()] { return self->run(); }, asio::detached);
}

void PeerSender::stop() {
  stopped_ = true;
  queue_.clear();
  wakeup_.cancel();
  if (connection_) {
    beast::error_code ignored;
    connection_->stream.socket().close(ignored);
  }
}

void PeerSender::send(raft::Message m) {
  if (stopped_) return;
  if (queue_.size() >= options_.max_queued_messages) {
    // The peer does not keep up: drop, and let Raft know so it probes instead of pipelining.
    if (m.type == raft::MessageType::snap && events_->snapshot_done) {
      events_->snapshot_done(peer_id_, false);
    }
    if (events_->unreachable) events_->unreachable(peer_id_);
    return;
  }
  queue_.push_back(std::move(m));
  wakeup_.cancel();
}

void PeerSender::set_urls(std::vector<std::string> peer_urls) {
  if (peer_urls == urls_) return;
  urls_ = std::move(peer_urls);
  url_index_ = 0;
  connection_.reset();  // reconnect to the new address
}

asio::awaitable<void> PeerSender::run() {
  boost::system::error_code ec;
  while (!stopped_) {
    if (queue_.empty()) {
      wakeup_.expires_at(asio::steady_timer::time_point::max());
      co_await wakeup_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    std::vector<raft::Message> batch;
    size_t bytes = 0;
    bool has_snapshot = false;
    while (!queue_.empty()) {
      const raft::Message& m = queue_.front();
      size_t size = 64;
      for (const auto& e : m.entries) size += e.data.size() + 16;
      if (m.snapshot && m.snapshot->data) size += m.snapshot->data->size();
      if (!batch.empty() && bytes + size > options_.max_batch_bytes) break;
      bytes += size;
      has_snapshot = has_snapshot || m.type == raft::MessageType::snap;
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    std::string body = encode_batch(batch);
    bool ok = co_await post(body, has_snapshot);
    if (stopped_) co_return;
    if (has_snapshot && events_->snapshot_done) {
      for (const auto& m : batch) {
        if (m.type == raft::MessageType::snap) events_->snapshot_done(peer_id_, ok);
      }
    }
    if (ok) {
      reachable_ = true;
      continue;
    }
    if (reachable_) {
      ETCDPP_LOG_WARN("lost the connection to peer {:x}; retrying", peer_id_);
    }
    reachable_ = false;
    if (events_->unreachable) events_->unreachable(peer_id_);
    // Messages queued meanwhile are stale by the time the peer is back: Raft resends.
    queue_.clear();
    asio::steady_timer delay(executor_);
    delay.expires_after(options_.retry_delay);
    co_await delay.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<bool> PeerSender::post(const std::string& body, bool large) {
  boost::system::error_code ec;
  if (urls_.empty()) co_return false;
  if (!connection_) {
    const std::string& text = urls_[url_index_ % urls_.size()];
    std::string url_error;
    auto url = http::parse_url(text, url_error);
    if (!url) {
      ++url_index_;
      co_return false;
    }
    auto conn = std::make_unique<Connection>(executor_);
    conn->host_port = url->host_port();
    asio::ip::tcp::resolver resolver(executor_);
    conn->stream.expires_after(options_.dial_timeout);
    std::string port = std::to_string(url->port);
    auto results = co_await resolver.async_resolve(url->host, port,
                                                   asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      co_await conn->stream.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec) conn->stream.socket().set_option(asio::ip::tcp::no_delay(true), ec);
    if (!ec && url->scheme == "https") {
      if (!options_.tls) {
        ETCDPP_LOG_WARN("peer {:x} is at {}, and this member has no TLS for peers", peer_id_, text);
        ec = asio::error::operation_not_supported;
      } else {
        conn->tls =
            std::make_unique<asio::ssl::stream<beast::tcp_stream&>>(conn->stream, *options_.tls);
        http::prepare_client_tls(
            conn->tls->native_handle(), url->host,
            SSL_CTX_get_verify_mode(options_.tls->native_handle()) != SSL_VERIFY_NONE);
        co_await conn->tls->async_handshake(asio::ssl::stream_base::client,
                                            asio::redirect_error(asio::use_awaitable, ec));
        if (ec && reachable_) {
          ETCDPP_LOG_WARN("TLS handshake with peer {:x} at {} failed: {}", peer_id_, text,
                          http::client_handshake_error(conn->tls->native_handle(), url->host, ec));
        }
      }
    }
    if (ec) {
      ++url_index_;  // try the peer's next URL next time
      co_return false;
    }
    connection_ = std::move(conn);
  }
  Connection& conn = *connection_;
  // A snapshot may take long to move; everything else must be quick.
  conn.stream.expires_after(large ? options_.request_timeout * 12 : options_.request_timeout);
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/raft", 11};
  req.set(bhttp::field::host, conn.host_port);
  req.set(bhttp::field::content_type, "application/protobuf");
  req.set("X-Etcd-Cluster-ID", fmt::format("{:x}", options_.cluster_id));
  req.set("X-Server-From", fmt::format("{:x}", options_.local_id));
  req.set("X-PeerURLs", fmt::format("{}", fmt::join(options_.local_peer_urls, ",")));
  req.body() = body;
  req.prepare_payload();
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024);
  if (conn.tls) {
    co_await exchange(*conn.tls, conn.buffer, req, parser, ec);
  } else {
    co_await exchange(conn.stream, conn.buffer, req, parser, ec);
  }
  if (ec) {
    connection_.reset();
    co_return false;
  }
  auto& res = parser.get();
  bool keep = res.keep_alive();
  unsigned status = res.result_int();
  if (!keep) connection_.reset();
  if (status == 204) co_return true;
  if (status == 410) {
    if (events_->removed) events_->removed(peer_id_);
  } else if (status == 412) {
    ETCDPP_LOG_ERROR("peer {:x} belongs to another cluster: {}", peer_id_, res.body());
  } else {
    ETCDPP_LOG_WARN("peer {:x} answered {}: {}", peer_id_, status, res.body());
  }
  co_return false;
}

}  // namespace etcdpp::transport
