#pragma once
// Endpoint URLs as etcd accepts them in its URL-list flags and member records:
// scheme://host:port with scheme http|https|unix|unixs, an explicit port and no path.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::http {

struct Url {
  std::string scheme;  // "http", "https", "unix", "unixs"
  std::string host;    // without brackets for IPv6 literals
  uint16_t port = 0;
  std::string text;  // canonical form "scheme://host:port" (IPv6 host in brackets)

  // "host:port" as used in a Host header or a dial target.
  std::string host_port() const;
  bool operator==(const Url& other) const { return text == other.text; }
  bool operator<(const Url& other) const { return text < other.text; }
};

// Parses one URL. On failure returns nullopt and sets `error` to etcd's message, e.g.
// `URL scheme must be http, https, unix, or unixs: <u>`.
std::optional<Url> parse_url(std::string_view text, std::string& error);

// Parses a comma-separated list (items trimmed, empty items rejected). Duplicates removed and
// the list sorted, as etcd's types.NewURLs does.
std::optional<std::vector<Url>> parse_url_list(std::string_view text, std::string& error);

// The canonical texts of `urls`, in order.
std::vector<std::string> url_texts(const std::vector<Url>& urls);

// For --listen-* URLs: the host must be an IP literal or "localhost".
bool is_bindable_host(const Url& url);

}  // namespace etcdpp::http
