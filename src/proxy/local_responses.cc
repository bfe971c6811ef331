#include "proxy/local_responses.h"

#include "base/json_string.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/write.hpp>

namespace etcdpp::proxy {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

std::string json_object_message(std::string_view message) {
  std::string body = "{\"message\":";
  base::append_json_string(body, message);
  body += "}";
  return body;
}

void add_cors(ProxyContext& ctx, StringResponse& res) {
  if (ctx.config.readonly) return;
  res.set("Access-Control-Allow-Headers", "accept, content-type, authorization");
  res.set("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
  res.set("Access-Control-Allow-Origin", "*");
}

StringResponse make(ProxyContext& ctx, unsigned status, std::string_view content_type,
                    std::string body, bool cors) {
  StringResponse res;
  res.version(11);
  res.result(status);
  if (cors) add_cors(ctx, res);
  if (!content_type.empty()) res.set(bhttp::field::content_type, content_type);
  res.set(bhttp::field::date, ctx.date());
  res.body() = std::move(body);
  res.content_length(res.body().size());
  ctx.metrics.on_local_response(status);
  return res;
}

}  // namespace

StringResponse json_message(ProxyContext& ctx, unsigned status, std::string_view message) {
  return make(ctx, status, "application/json", json_object_message(message), true);
}

StringResponse readonly_rejection(ProxyContext& ctx) { return make(ctx, 501, "", "", false); }

StringResponse method_not_allowed(ProxyContext& ctx) {
  auto res = make(ctx, 405, "text/plain; charset=utf-8", "Method Not Allowed\n", true);
  res.set(bhttp::field::allow, "GET");
  res.set("X-Content-Type-Options", "nosniff");
  return res;
}

StringResponse options_response(ProxyContext& ctx) { return make(ctx, 200, "", "", true); }

StringResponse moved_permanently(ProxyContext& ctx, http::MuxRedirect redirect,
                                 bhttp::verb method) {
  // http.Redirect: an HTML body for GET, its Content-Type for GET and HEAD.
  bool get = method == bhttp::verb::get;
  bool html = get || method == bhttp::verb::head;
  auto res = make(ctx, 301, html ? "text/html; charset=utf-8" : "",
                  get ? std::move(redirect.html_body) : std::string(), false);
  res.set(bhttp::field::location, redirect.location);
  return res;
}

StringResponse plain_text(ProxyContext& ctx, unsigned status, std::string body) {
  return make(ctx, status, "text/plain; charset=utf-8", std::move(body), false);
}

StringResponse config_response(ProxyContext& ctx) {
  std::string body = "{\"endpoints\":[";
  bool first = true;
  for (const auto& url : ctx.director.available_urls()) {
    if (!first) body += ',';
    first = false;
    base::append_json_string(body, url);
  }
  body += "]}\n";
  return make(ctx, 200, "text/plain; charset=utf-8", std::move(body), true);
}

StringResponse own_health(ProxyContext& ctx) {
  size_t available = ctx.director.available_count();
  size_t total = ctx.director.endpoints()->size();
  std::string body = std::string("{\"health\":\"") + (available > 0 ? "true" : "false") +
                     "\",\"availableEndpoints\":" + std::to_string(available) +
                     ",\"endpoints\":" + std::to_string(total) + "}";
  return make(ctx, available > 0 ? 200 : 503, "application/json", std::move(body), false);
}

StringResponse metrics_response(ProxyContext& ctx) {
  return make(ctx, 200, "text/plain; version=0.0.4; charset=utf-8", ctx.metrics.render(), false);
}

asio::awaitable<bool> write_own_response(http::Stream& client, std::unique_ptr<StringResponse> res,
                                         bool keep) {
  boost::system::error_code ec;
  co_await bhttp::async_write(client, *res, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec && keep;
}

}  // namespace etcdpp::proxy
