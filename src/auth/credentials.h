#pragma once
// Passwords and HTTP basic authentication, as etcd's v2 auth handles them: bcrypt hashes
// (cost 10, Go's bcrypt.DefaultCost, which v2 auth always uses), and the Authorization header
// read as Go's Request.BasicAuth reads it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace etcdpp::auth {

// A new bcrypt hash of `password` ("$2a$10$…", as Go writes it). Empty if the system's crypt
// library cannot make one (the caller answers an error).
std::string hash_password(std::string_view password);

// Whether `password` matches `hash` (any bcrypt variant crypt(3) accepts).
bool password_matches(std::string_view hash, std::string_view password);

// Checks passwords, remembering the ones that matched. Why: bcrypt is slow by design (about
// 50 ms per check), and a v2 client sends its password with every request; etcd pays the
// check every time. A remembered success is keyed by the stored hash and a SHA-256 of the
// password, so a changed password (a new hash) is checked afresh. Wrong passwords are never
// remembered. Bounded: forgets everything when `capacity` successes are held.
class PasswordChecker {
 public:
  explicit PasswordChecker(size_t capacity = 4096) : capacity_(capacity) {}
  bool matches(std::string_view hash, std::string_view password);
  // Whether `password` is known to match `hash` (no bcrypt).
  bool remembered(std::string_view hash, std::string_view password) const;
  // Records that `password` matched `hash` (checked elsewhere, e.g. on another thread).
  void remember(std::string_view hash, std::string_view password);

 private:
  static std::string key_of(std::string_view hash, std::string_view password);

  size_t capacity_;
  std::unordered_set<std::string> verified_;
};

// Go's Request.BasicAuth on an Authorization header value: "Basic " (any case) and the
// standard base64 (padded) of "user:password". nullopt when it is not that.
std::optional<std::pair<std::string, std::string>> parse_basic_auth(std::string_view header);

// The Authorization header value for `user` and `password`.
std::string basic_auth_header(std::string_view user, std::string_view password);

}  // namespace etcdpp::auth
