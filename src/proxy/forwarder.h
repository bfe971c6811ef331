#pragma once
// ReverseProxy: sends one client request to a member and relays the answer.
//
// Endpoint choice and failover: the request starts at the Director's rotating position and
// walks the list in order, skipping endpoints that are not available.
//
// Retry policy (spec W6: etcd replays writes after any transport error):
//  - A request is sent to the next endpoint only when it cannot have been applied: the dial
//    failed, or writing the request failed.
//  - GET/HEAD are also retried when the member's response headers do not arrive in time, the
//    connection breaks before them, or the member answers 5xx while another endpoint remains.
//  - A write whose response is lost is answered 502 and never replayed.
//  - A pooled keep-alive connection that turns out to be closed is retried once on a fresh
//    connection to the same member (GET/HEAD always; writes only if the write itself failed).
//
// Streaming: response headers are written as soon as they arrive and each body chunk is
// written when it arrives (no buffering of whole responses: W2). Bodies up to
// kWholeBodyMaxBytes with a Content-Length are read completely first so that header and body
// go out in one write. A client that disconnects while its request is in flight cancels the
// upstream request at once.
//
// Read coalescing (proxy/read_coalescer.h, --proxy-coalesce-reads): an identical GET/HEAD that
// arrives while another is still waiting to be sent takes that one's answer instead of being
// forwarded; the leader hands its complete answer to the followers before writing its own.
#include "http/stream.h"
#include "proxy/context.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>

namespace etcdpp::proxy {

using ClientRequest = boost::beast::http::request<boost::beast::http::string_body>;

inline constexpr size_t kWholeBodyMaxBytes = 64 * 1024;

class Forwarder {
 public:
  explicit Forwarder(ProxyContext& ctx) : ctx_(ctx) {}

  // Forwards `req` (which it rewrites for the upstream) and writes the answer to `client`.
  // Returns true when the client connection can carry another request. The returned
  // awaitable needs `client`, `req`, `client_ip` and the ProxyContext to outlive it; the
  // Forwarder itself may be gone (it is only a view of the context).
  boost::asio::awaitable<bool> forward(http::Stream& client, ClientRequest& req,
                                       const std::string& client_ip);

 private:
  ProxyContext& ctx_;
};

}  // namespace etcdpp::proxy
