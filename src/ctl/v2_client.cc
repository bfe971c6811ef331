#include "ctl/v2_client.h"

#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iostream>

namespace etcdpp::ctl {

std::string ClusterError::message() const {
  std::string out = "client: etcd cluster is unavailable or misconfigured";
  for (size_t i = 0; i < errors.size(); ++i) {
    out += "; error #" + std::to_string(i) + ": " + errors[i] + "\n";
  }
  return out;
}

std::string ClusterError::detail() const {
  std::string out;
  for (size_t i = 0; i < errors.size(); ++i) {
    out += "error #" + std::to_string(i) + ": " + errors[i] + "\n";
  }
  return out;
}

std::string url_escape(std::string_view text, bool keep_slash) {
  static constexpr auto kPathChars = boost::urls::unreserved_chars + '/';
  return keep_slash ? boost::urls::encode(text, kPathChars)
                    : boost::urls::encode(text, boost::urls::unreserved_chars);
}

std::string query_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string go_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += fmt::format("\\x{:02x}", u);
        } else {
          out += c;  // UTF-8 passes through, as Go prints printable runes
        }
    }
  }
  return out + "\"";
}

V2Client::V2Client(ClientOptions options, uint64_t seed)
    : options_(std::move(options)), rng_(seed) {
  set_endpoints(std::move(options_.endpoints));
}

void V2Client::set_endpoints(std::vector<std::string> endpoints) {
  std::shuffle(endpoints.begin(), endpoints.end(), rng_);
  options_.endpoints = std::move(endpoints);
  pinned_ = 0;
}

bool V2Client::call(std::string_view method, std::string_view target, std::string_view body,
                    std::string_view content_type, HttpAnswer& answer, ClusterError& error) {
  return call(method, target, body, content_type, answer, error, options_.request_timeout);
}

bool V2Client::call(std::string_view method, std::string_view target, std::string_view body,
                    std::string_view content_type, HttpAnswer& answer, ClusterError& error,
                    std::chrono::milliseconds timeout) {
  error = ClusterError{};
  const size_t count = options_.endpoints.size();
  for (size_t i = 0; i < count; ++i) {
    const size_t index = (pinned_ + i) % count;
    const std::string& endpoint = options_.endpoints[index];
    std::string parse_error;
    auto url = http::parse_url(endpoint, parse_error);
    if (!url) {
      error.errors.push_back(parse_error);
      error.connection_only = false;
      continue;
    }
    if (options_.debug) {
      // The Go client's cURL debug line: the body as sent, in double quotes.
      // A request with a body (PUT, POST) shows it, even when empty, as the Go client.
      bool with_body = method == "PUT" || method == "POST";
      std::cerr << "cURL Command: curl -X " << method << " " << endpoint << target
                << (with_body ? " -d " + go_quote(body) : std::string()) << "\n";
    }
    answer = http_exchange(*url, method, target, body, content_type, timeout, options_.tls,
                           options_.credentials);
    if (!answer.ok) {
      error.errors.push_back(answer.error);
      if (answer.tls_failure) error.connection_only = false;
      continue;
    }
    if (answer.status == 500 || answer.status == 503) {
      error.errors.push_back("client: etcd member " + endpoint + " has no leader");
      error.connection_only = false;
      continue;
    }
    if (answer.status / 100 == 5) {
      error.errors.push_back("client: etcd member " + endpoint + " returns server error [" +
                             std::to_string(answer.status) + "]");
      error.connection_only = false;
      continue;
    }
    pinned_ = index;
    return true;
  }
  return false;
}

bool V2Client::sync(ClusterError& error, bool& no_endpoints) {
  no_endpoints = false;
  HttpAnswer answer;
  auto timeout = std::min(options_.request_timeout, options_.total_timeout);
  if (!call("GET", "/v2/members", "", "", answer, error, timeout)) return false;
  std::vector<std::string> urls;
  boost::system::error_code ec;
  auto value = boost::json::parse(answer.body, ec);
  if (!ec && value.is_object()) {
    if (const auto* members = value.as_object().if_contains("members");
        members && members->is_array()) {
      for (const auto& m : members->as_array()) {
        const auto* list = m.is_object() ? m.as_object().if_contains("clientURLs") : nullptr;
        if (!list || !list->is_array()) continue;
        for (const auto& u : list->as_array()) {
          if (u.is_string()) urls.emplace_back(u.as_string());
        }
      }
    }
  }
  if (urls.empty()) {
    no_endpoints = true;
    return false;
  }
  // Unchanged membership keeps the order, and so the pinned endpoint (as the Go client).
  std::vector<std::string> sorted_new = urls;
  std::vector<std::string> sorted_now = options_.endpoints;
  std::sort(sorted_new.begin(), sorted_new.end());
  std::sort(sorted_now.begin(), sorted_now.end());
  if (sorted_new != sorted_now) set_endpoints(std::move(urls));
  return true;
}

}  // namespace etcdpp::ctl
