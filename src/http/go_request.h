#pragma once
// What Go's net/http server does with a request before any handler sees it, so that etcd's
// clients get the same answers from etcdpp members and proxies as from etcd's: the Host header
// checks, the parse of the request target (url.ParseRequestURI), the server-wide answer to
// "OPTIONS *", and absolute-form targets ("GET http://host/path"), which Go serves as their path
// with the URL's host as the request's host.
#include "http/connection.h"

#include <optional>
#include <string_view>

namespace etcdpp::http {

// The parts of a request target as Go's url.ParseRequestURI reads it.
struct RequestTarget {
  enum class Form { origin, asterisk, absolute };
  Form form = Form::origin;
  std::string_view host;       // absolute form: the URL's host (may be empty)
  std::string_view raw_path;   // escaped, as sent; empty for "http://host" and "scheme:opaque"
  std::string_view raw_query;  // after the first '?', without it
  bool has_query = false;      // a '?' was present (even with nothing after it)
};

// Parses `target`; nullopt when Go's server refuses it with "400 Bad Request" (control bytes,
// a malformed %-escape, a relative path, a malformed host or port).
std::optional<RequestTarget> parse_request_target(std::string_view target);

// Whether an Expect header value asks for "100 Continue" (Go's hasToken: the token in any
// case, bounded by the ends, spaces, tabs or commas).
bool expects_continue(std::string_view expect);

// The current Date header value; asked only when an answer is built (not per request).
using DateSource = const std::string& (*)();

// Go's checks of `req`, in Go's order. nullopt: a handler gets the request, its target now in
// origin form ("/path?query") and, for an absolute-form target with a host, Host set to that
// host. Otherwise the complete answer (`keep_alive` false: close after it).
std::optional<ImmediateAnswer> go_server_checks(ServerRequest& req, DateSource date);

// Go's answer to a request head Beast could not parse. `head` is what the read buffer holds
// from the start of the request (lines ending in CRLF or a bare LF). Returns Go's specific
// refusal when Go gives one — an unsupported protocol version (505), a Transfer-Encoding other
// than chunked (501), a missing or malformed Host, an invalid header name or value (400 with
// the reason) — or nullopt when Go's answer is the plain "400 Bad Request" (or the head is
// incomplete).
std::optional<std::string> go_head_refusal(std::string_view head);

}  // namespace etcdpp::http
