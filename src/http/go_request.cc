#include "http/go_request.h"

#include "base/strings.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

#include <string>
#include <utility>
#include <vector>

namespace etcdpp::http {

namespace bhttp = boost::beast::http;

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Go's url.parseHost, reduced to what makes it fail: an unclosed IPv6 literal, a port that is
// not all digits, a malformed %-escape.
bool valid_host(std::string_view host) {
  if (!base::valid_percent_escapes(host)) return false;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view after = host.substr(close + 1);
    if (after.empty()) return true;
    if (after.front() != ':') return false;
    host = after;
  }
  size_t colon = host.rfind(':');
  if (colon == std::string_view::npos) return true;
  for (char c : host.substr(colon + 1)) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// httpguts.ValidHostHeader: the bytes a Host header may hold.
bool valid_host_header(std::string_view h) {
  static constexpr std::string_view kOther = "!$%&'()*+,-.:;=[]_~";
  for (char c : h) {
    if (is_alpha(c) || is_digit(c) || kOther.find(c) != std::string_view::npos) continue;
    return false;
  }
  return true;
}

// httpguts.ValidHeaderFieldName: a token.
bool is_token(std::string_view s) {
  static constexpr std::string_view kOther = "!#$%&'*+-.^_`|~";
  if (s.empty()) return false;
  for (char c : s) {
    if (is_alpha(c) || is_digit(c) || kOther.find(c) != std::string_view::npos) continue;
    return false;
  }
  return true;
}

// httpguts.ValidHeaderFieldValue: no control bytes but tabs and spaces.
bool is_field_value(std::string_view s) {
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if ((b < 0x20 && c != '\t') || b == 0x7f) return false;
  }
  return true;
}

// The lines of a head up to its empty line, each without its CR/LF; nullopt when the empty
// line is not there yet.
std::optional<std::vector<std::string_view>> head_lines(std::string_view head) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  for (;;) {
    size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) return std::nullopt;
    std::string_view line = head.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (line.empty()) return lines;
    lines.push_back(line);
  }
}

constexpr std::string_view kUnsupportedTransferEncoding =
    "HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Connection: close\r\n\r\nUnsupported transfer encoding";

// Go reads exactly one Transfer-Encoding, "chunked" (HTTP/1.1 and later; HTTP/1.0 requests
// have theirs ignored): whether `count` of them, the first being `first`, are refused.
bool unsupported_encoding(size_t count, std::string_view first) {
  return count > 1 || (count == 1 && !boost::beast::iequals(base::trim_blanks(first), "chunked"));
}

// Go's Host checks (after the request was read): `count` Host headers, the first `host`.
std::optional<std::string> host_refusal(size_t count, bool at_least_11, std::string_view host) {
  if (count == 0 && at_least_11) {
    return go_request_error("400 Bad Request: missing required Host header");
  }
  if (count == 1 && !valid_host_header(host)) {
    return go_request_error("400 Bad Request: malformed Host header");
  }
  return std::nullopt;
}

std::string status_line(const ServerRequest& req, std::string_view status) {
  std::string out = req.version() >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  out += status;
  out += "\r\n";
  return out;
}

}  // namespace

std::optional<RequestTarget> parse_request_target(std::string_view target) {
  RequestTarget t;
  for (char c : target) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
  }
  if (target.empty()) return std::nullopt;
  if (target == "*") {
    t.form = RequestTarget::Form::asterisk;
    return t;
  }
  // url.getScheme: letters, then letters, digits, '+', '-' or '.', then ':'.
  std::string_view rest = target;
  bool has_scheme = false;
  for (size_t i = 0; i < target.size(); ++i) {
    char c = target[i];
    if (is_alpha(c)) continue;
    if ((is_digit(c) || c == '+' || c == '-' || c == '.') && i > 0) continue;
    if (c == ':') {
      if (i == 0) return std::nullopt;  // "missing protocol scheme"
      has_scheme = true;
      rest = target.substr(i + 1);
    }
    break;
  }
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    t.has_query = true;
    t.raw_query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (!has_scheme) {
    if (rest.empty() || rest.front() != '/') return std::nullopt;  // "invalid URI for request"
  } else {
    t.form = RequestTarget::Form::absolute;
    if (rest.empty() || rest.front() != '/') return t;  // "scheme:opaque": no path
    if (rest.substr(0, 2) == "//") {
      std::string_view authority = rest.substr(2);
      size_t slash = authority.find('/');
      rest = slash == std::string_view::npos ? std::string_view{} : authority.substr(slash);
      authority = authority.substr(0, slash);
      if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
        authority = authority.substr(at + 1);
      }
      if (!valid_host(authority)) return std::nullopt;
      t.host = authority;
    }
  }
  if (!base::valid_percent_escapes(rest)) return std::nullopt;
  t.raw_path = rest;
  return t;
}

bool expects_continue(std::string_view expect) {
  // Go's hasToken: the token anywhere, bounded by the ends, spaces, tabs or commas.
  constexpr std::string_view kToken = "100-continue";
  auto boundary = [](char c) { return c == ' ' || c == ',' || c == '\t'; };
  for (size_t at = 0; at + kToken.size() <= expect.size(); ++at) {
    if (at > 0 && !boundary(expect[at - 1])) continue;
    size_t end = at + kToken.size();
    if (end != expect.size() && !boundary(expect[end])) continue;
    if (boost::beast::iequals(expect.substr(at, kToken.size()), kToken)) return true;
  }
  return false;
}

std::optional<ImmediateAnswer> go_server_checks(ServerRequest& req, DateSource date) {
  auto target = parse_request_target(req.target());
  if (!target) return ImmediateAnswer{go_request_error("400 Bad Request"), false};
  size_t hosts = req.count(bhttp::field::host);
  if (hosts > 1) return ImmediateAnswer{go_request_error("400 Bad Request"), false};
  bool at_least_11 = req.version() >= 11;
  if (at_least_11 && unsupported_encoding(req.count(bhttp::field::transfer_encoding),
                                          req[bhttp::field::transfer_encoding])) {
    return ImmediateAnswer{std::string(kUnsupportedTransferEncoding), false};
  }
  if (auto refusal = host_refusal(hosts, at_least_11, req[bhttp::field::host])) {
    return ImmediateAnswer{std::move(*refusal), false};
  }
  if (auto expect = req.find(bhttp::field::expect);
      expect != req.end() && !expect->value().empty() && !expects_continue(expect->value())) {
    // An expectation Go does not know (it handles only 100-continue).
    return ImmediateAnswer{status_line(req, "417 Expectation Failed") +
                               "Connection: close\r\nDate: " + date() +
                               "\r\nContent-Length: 0\r\n\r\n",
                           false};
  }
  if (target->form == RequestTarget::Form::asterisk) {
    if (req.method() == bhttp::verb::options) {
      // The server's own answer (globalOptionsHandler); the connection stays usable.
      bool keep = req.keep_alive();
      std::string out =
          status_line(req, "200 OK") + "Content-Length: 0\r\nDate: " + date() + "\r\n";
      if (!keep && req.version() >= 11) out += "Connection: close\r\n";
      out += "\r\n";
      return ImmediateAnswer{std::move(out), keep};
    }
    // ServeMux refuses "*" for every other method and closes.
    std::string out = status_line(req, "400 Bad Request");
    if (req.version() >= 11) out += "Connection: close\r\n";
    out += "Date: " + date() + "\r\nContent-Length: 0\r\n\r\n";
    return ImmediateAnswer{std::move(out), false};
  }
  if (target->form == RequestTarget::Form::absolute) {
    // Served as its path; the URL's host is the request's host (Go ignores the Host line).
    std::string origin(target->raw_path);
    if (target->has_query) {
      origin += '?';
      origin += target->raw_query;
    }
    if (!target->host.empty()) req.set(bhttp::field::host, target->host);
    req.target(origin);
  }
  return std::nullopt;
}

std::optional<std::string> go_head_refusal(std::string_view head) {
  auto lines = head_lines(head);
  if (!lines || lines->empty()) return std::nullopt;
  // The request line: Go's parseRequestLine, validMethod, ParseHTTPVersion, url.ParseRequestURI.
  std::string_view line = lines->front();
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || !is_token(line.substr(0, sp1))) return std::nullopt;
  std::string_view proto = line.substr(sp2 + 1);
  if (proto.size() != 8 || proto.substr(0, 5) != "HTTP/" || proto[6] != '.' ||
      !is_digit(proto[5]) || !is_digit(proto[7])) {
    return std::nullopt;
  }
  int major = proto[5] - '0';
  int minor = proto[7] - '0';
  if (!parse_request_target(line.substr(sp1 + 1, sp2 - sp1 - 1))) return std::nullopt;
  // The header lines (textproto): continuation lines join the one before; a line without a
  // colon is malformed; an empty name is skipped.
  std::vector<std::pair<std::string, std::string>> fields;
  for (size_t i = 1; i < lines->size(); ++i) {
    std::string_view l = (*lines)[i];
    if (l.front() == ' ' || l.front() == '\t') {
      if (fields.empty()) return std::nullopt;  // "malformed MIME header initial line"
      fields.back().second += ' ';
      fields.back().second += base::trim_blanks(l);
      continue;
    }
    size_t colon = l.find(':');
    if (colon == std::string_view::npos) return std::nullopt;  // "malformed MIME header line"
    if (colon == 0) continue;
    fields.emplace_back(std::string(l.substr(0, colon)),
                        std::string(base::trim_blanks(l.substr(colon + 1))));
  }
  auto named = [&](std::string_view name) {
    std::vector<std::string_view> out;
    for (const auto& [k, v] : fields) {
      if (boost::beast::iequals(k, name)) out.push_back(v);
    }
    return out;
  };
  auto hosts = named("Host");
  if (hosts.size() > 1) return std::nullopt;  // "too many Host headers"
  bool at_least_11 = major > 1 || (major == 1 && minor >= 1);
  auto encodings = named("Transfer-Encoding");
  if (at_least_11 &&
      unsupported_encoding(encodings.size(), encodings.empty() ? "" : encodings[0])) {
    return std::string(kUnsupportedTransferEncoding);
  }
  if (major != 1) {
    return go_request_error("505 HTTP Version Not Supported: unsupported protocol version");
  }
  if (auto refusal = host_refusal(hosts.size(), at_least_11, hosts.empty() ? "" : hosts[0])) {
    return refusal;
  }
  for (const auto& [k, v] : fields) {
    if (!is_token(k)) return go_request_error("400 Bad Request: invalid header name");
    if (!is_field_value(v)) return go_request_error("400 Bad Request: invalid header value");
  }
  return std::nullopt;
}

}  // namespace etcdpp::http
