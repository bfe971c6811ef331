#include "http/headers.h"

#include "base/strings.h"

#include <boost/beast/core/string.hpp>

#include <ctime>
#include <string>
#include <vector>

namespace etcdpp::http {

namespace bhttp = boost::beast::http;

void strip_hop_by_hop(bhttp::fields& fields) {
  // Collect the tokens named by Connection before removing it.
  std::vector<std::string> named;
  for (auto it = fields.find(bhttp::field::connection);
       it != fields.end() && it->name() == bhttp::field::connection; ++it) {
    std::string_view value = it->value();
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      if (comma == std::string_view::npos) comma = value.size();
      std::string_view token = base::trim_blanks(value.substr(start, comma - start));
      if (!token.empty()) named.emplace_back(token);
      start = comma + 1;
    }
  }
  for (const auto& name : named) fields.erase(name);
  fields.erase(bhttp::field::connection);
  fields.erase(bhttp::field::keep_alive);
  fields.erase(bhttp::field::proxy_authenticate);
  fields.erase(bhttp::field::proxy_authorization);
  fields.erase(bhttp::field::te);
  fields.erase(bhttp::field::trailer);
  fields.erase("Trailers");
  fields.erase(bhttp::field::transfer_encoding);
  fields.erase(bhttp::field::upgrade);
  fields.erase(bhttp::field::proxy_connection);
}

const std::string& DateCache::at(std::chrono::system_clock::time_point now) {
  int64_t secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (secs != second_) {
    second_ = secs;
    text_ = http_date(secs);
  }
  return text_;
}

std::string http_date(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

}  // namespace etcdpp::http
