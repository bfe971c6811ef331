#pragma once
// Responses the proxy generates itself. Bodies and headers follow etcd 3.4's proxy
// (spec/proxy.md §8): JSON {"message":"..."} without trailing newline, CORS headers first in
// read-write mode, then Content-Type, Date, Content-Length (Go's header order).
#include "http/path.h"
#include "http/stream.h"
#include "proxy/context.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace etcdpp::proxy {

using StringResponse = boost::beast::http::response<boost::beast::http::string_body>;

// {"message":"<message>"} with the given status.
StringResponse json_message(ProxyContext& ctx, unsigned status, std::string_view message);
// Read-only mode: 501, empty body, only Date and Content-Length: 0.
StringResponse readonly_rejection(ProxyContext& ctx);
// 405 for a local path that only allows GET.
StringResponse method_not_allowed(ProxyContext& ctx);
// OPTIONS answered locally with the CORS headers.
StringResponse options_response(ProxyContext& ctx);
// 301 to the cleaned path.
StringResponse moved_permanently(ProxyContext& ctx, http::MuxRedirect redirect,
                                 boost::beast::http::verb method);
// text/plain; charset=utf-8 body (Go's http.Error style).
StringResponse plain_text(ProxyContext& ctx, unsigned status, std::string body);
// GET /v2/config/local/proxy: {"endpoints":[...]}\n
StringResponse config_response(ProxyContext& ctx);
// GET /proxy/health: the proxy's own health (etcdpp addition).
StringResponse own_health(ProxyContext& ctx);
// GET /metrics
StringResponse metrics_response(ProxyContext& ctx);

// Writes a response the proxy made itself (taken over) to `client`. True when the connection
// can carry another request: `keep` and the write succeeded. A coroutine of its own, so that
// a caller that only sometimes answers itself (the forwarder, whose frame a waiting request
// keeps) has no room for this write in its frame.
boost::asio::awaitable<bool> write_own_response(http::Stream& client,
                                                std::unique_ptr<StringResponse> res, bool keep);

}  // namespace etcdpp::proxy
