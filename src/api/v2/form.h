#pragma once
// application/x-www-form-urlencoded and query strings, decoded as Go's url.ParseQuery does.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace etcdpp::api::v2 {

// Ordered (name, value) pairs; the first pair of a name is what etcd reads.
class Form {
 public:
  // Appends the pairs of `text`. Returns false and sets `error` to Go's message
  // (`invalid URL escape "%zz"`, `invalid semicolon separator in query`) on malformed input.
  bool parse(std::string_view text, std::string& error);

  bool has(std::string_view name) const;
  // First value of `name`, or "" when absent (Go's Form.Get).
  std::string get(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

}  // namespace etcdpp::api::v2
