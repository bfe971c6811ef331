#include "http/url.h"

#include "base/strings.h"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>

namespace etcdpp::http {

std::string Url::host_port() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<Url> parse_url(std::string_view raw, std::string& error) {
  std::string_view text = base::trim_blanks(raw);
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    error = "parse \"" + std::string(text) + "\": invalid URL";
    return std::nullopt;
  }
  const auto& u = *parsed;
  std::string scheme(u.scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
  if (scheme != "http" && scheme != "https" && scheme != "unix" && scheme != "unixs") {
    error = "URL scheme must be http, https, unix, or unixs: " + std::string(text);
    return std::nullopt;
  }
  if (!u.has_port() || u.port().empty() || u.encoded_host().empty()) {
    error = "URL address does not have the form \"host:port\": " + std::string(text);
    return std::nullopt;
  }
  if (!u.encoded_path().empty() && u.encoded_path() != "/") {
    error = "URL must not contain a path: " + std::string(text);
    return std::nullopt;
  }
  uint32_t port = 0;
  std::string_view port_text = u.port();
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535) {
    error = "URL address does not have the form \"host:port\": " + std::string(text);
    return std::nullopt;
  }
  Url out;
  out.scheme = scheme;
  std::string host(u.encoded_host());
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  out.host = host;
  out.port = static_cast<uint16_t>(port);
  out.text = scheme + "://" + out.host_port();
  return out;
}

std::vector<std::string> url_texts(const std::vector<Url>& urls) {
  std::vector<std::string> out;
  out.reserve(urls.size());
  for (const auto& u : urls) out.push_back(u.text);
  return out;
}

std::optional<std::vector<Url>> parse_url_list(std::string_view text, std::string& error) {
  std::vector<Url> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    auto url = parse_url(text.substr(start, comma - start), error);
    if (!url) return std::nullopt;
    out.push_back(std::move(*url));
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool is_bindable_host(const Url& url) {
  if (url.scheme == "unix" || url.scheme == "unixs") return true;
  if (url.host == "localhost") return true;
  boost::system::error_code ec;
  boost::asio::ip::make_address(url.host, ec);
  return !ec;
}

}  // namespace etcdpp::http
