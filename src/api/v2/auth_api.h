#pragma once
// /v2/auth on a member (etcd 3.4's v2 auth handlers: users, roles, enable), and the access
// checks the keys and members APIs make while auth is enabled. Changes go through the log;
// reads answer from the member's applied state.
//
// Who a request is (etcd 3.4's rules): the user and password of its basic Authorization
// header (checked against the bcrypt hash, remembered once it matched: auth/credentials.h);
// without the header and with --client-cert-auth, the first user named by a common name of
// its verified TLS certificate chain (leaf first); otherwise the guest role.
#include "api/v2/reply.h"
#include "auth/credentials.h"
#include "server/member.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::api::v2 {

// What identifies the sender of a request.
struct Caller {
  std::string_view authorization;  // the Authorization header, "" when absent
  // With --client-cert-auth on a TLS connection: the common names of the client's verified
  // certificate chain, leaf first (empty otherwise).
  std::vector<std::string> certificate_names;
  // The stored hash this request's password is already known to match
  // (needs_password_check) or not to match (check_password, off the event loop), so the
  // access checks do not look it up again.
  std::string matched_hash;
  std::string rejected_hash;
};

class AuthApi {
 public:
  explicit AuthApi(server::Member& member) : member_(member) {}

  // `path` is /v2/auth or below it (decoded). The answer goes to `done`, exactly once, on the
  // io thread: at once, or when a change has been applied.
  void handle(std::string_view method, std::string_view path, const Caller& caller,
              std::string_view body, std::function<void(Reply)> done);

  // etcd's hasKeyPrefixAccess: may this request (`method`, `caller`) touch `key` (the decoded
  // path after /v2/keys), `recursive`ly? Always true while auth is disabled.
  bool key_access(std::string_view method, const Caller& caller, std::string_view key,
                  bool recursive);
  // etcd's hasWriteRootAccess: GET and HEAD always; anything else needs a root user while
  // auth is enabled (the members API, enabling and disabling auth).
  bool write_root_access(std::string_view method, const Caller& caller);

  // etcd's 401 outside the keys API (which answers its own v2 error, code 110).
  static Reply unauthorized();

  // Whether the request's password has to be checked with bcrypt (about 50 ms) before it can
  // be answered: auth is enabled and it carries basic credentials of an existing user that
  // have not matched before. Such a request is checked with check_password() first, so the
  // event loop never runs bcrypt. A password remembered as matching is noted in `caller`.
  bool needs_password_check(Caller& caller) const;
  // Checks the password of `authorization` on the checker thread and remembers it when it
  // matches; returns the hash it did not match ("" when it matched). When too many checks
  // are waiting already, the password counts as wrong (a flood of guesses cannot queue work
  // without bound).
  boost::asio::awaitable<std::string> check_password(std::string_view authorization);

 private:
  // The user whose password the Authorization header carries, if it matches.
  std::optional<auth::User> authenticate(const Caller& caller);
  // The first existing user named by one of the certificate's common names.
  std::optional<auth::User> certificate_user(const Caller& caller) const;
  bool root_access(const Caller& caller);
  std::optional<Reply> answer(std::string_view method, std::string_view path, const Caller& caller,
                              std::string_view body, const std::function<void(Reply)>& done);
  std::optional<Reply> users(std::string_view method, std::string_view name, std::string_view body,
                             const std::function<void(Reply)>& done);
  std::optional<Reply> roles(std::string_view method, std::string_view name, std::string_view body,
                             const std::function<void(Reply)>& done);
  Reply list_users() const;
  Reply list_roles() const;
  Reply enabled() const;
  // Proposes `change` and answers `done` with `render`'s reply once it is applied.
  void propose(auth::AuthRequest change, std::function<Reply(auth::Outcome&)> render,
               const std::function<void(Reply)>& done);
  Reply with_cluster_id(Reply r) const;

  static constexpr size_t kMaxPasswordChecksWaiting = 256;

  server::Member& member_;
  auth::PasswordChecker passwords_;
  std::unique_ptr<boost::asio::thread_pool> checker_;  // made at the first check
  size_t checks_waiting_ = 0;
};

}  // namespace etcdpp::api::v2
