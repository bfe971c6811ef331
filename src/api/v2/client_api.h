#pragma once
// A member's client listener (etcd's v2 client handler): /v2/keys, /v2/members, /v2/machines,
// /v2/stats/*, /version, /health, /metrics, and the discovery service's /new; CORS headers on every
// answer (etcd 3.4's default
// --cors=*), OPTIONS answered locally, non-canonical paths redirected (301), anything else
// 404 — each with etcd's bytes.
#include "api/v2/auth_api.h"
#include "api/v2/discovery_service.h"
#include "api/v2/keys_api.h"
#include "api/v2/member_metrics.h"
#include "api/v2/members_api.h"
#include "http/connection.h"
#include "http/headers.h"
#include "server/member.h"

#include <algorithm>
#include <optional>
#include <string>

namespace etcdpp::api::v2 {

// What /version reports: the etcd release whose v2 API etcdpp speaks (clients and tools gate
// features on it). etcdpp's own version is in `etcdpp --version`.
inline constexpr const char* kEtcdServerVersion = "3.4.23";
inline constexpr const char* kEtcdClusterVersion = "3.4.0";

class ClientApi final : public http::ConnectionHandler {
 public:
  // `metrics_only`: the handler of --listen-metrics-urls: /metrics and /health only (404
  // otherwise), without CORS headers, as etcd's metrics listener.
  // `cors_origins`: --cors: empty or containing "*" allows every origin (etcd's default);
  // otherwise only the origins listed get CORS headers.
  // `host_whitelist`: --host-whitelist: empty or containing "*" accepts every Host; otherwise
  // a request whose Host (without port) is not listed gets etcd's 421 (DNS rebinding).
  explicit ClientApi(server::Member& member, bool metrics_only = false,
                     std::vector<std::string> cors_origins = {},
                     std::vector<std::string> host_whitelist = {})
      : member_(member),
        metrics_only_(metrics_only),
        cors_origins_(allow_all_if_star(std::move(cors_origins))),
        host_whitelist_(allow_all_if_star(std::move(host_whitelist))),
        auth_(member),
        keys_(member, auth_),
        members_(member, auth_),
        discovery_(member),
        metrics_(member) {}

  // Reads of keys and everything else that needs no waiting, without a coroutine frame.
  std::optional<http::ImmediateAnswer> answer_now(http::ServerRequest& req,
                                                  const std::string& client_ip) override;
  boost::asio::awaitable<bool> handle(http::Stream& socket, http::ServerRequest& req,
                                      const std::string& client_ip) override;
  std::string unreadable(const boost::system::error_code& ec) override;
  bool is_long_poll(const http::ServerRequest& req) const override;

  // --client-cert-auth: while v2 auth is enabled, a request without an Authorization header
  // is the user named by its TLS client certificate's common name (etcd's rule).
  void set_client_cert_auth(bool on) { client_cert_auth_ = on; }

 private:
  // Where a request goes, decided without waiting (shared by answer_now and handle).
  struct Route {
    enum class Kind {
      reply,      // `reply`, at once
      raw,        // `raw` as it is (Go's answer to an unreadable request line), then close
      keys,       // /v2/keys and below: KeysApi
      discovery,  // /new: the discovery service
      members,    // /v2/members: the members API
      auth,       // /v2/auth and below: users, roles, enable
    };
    Kind kind = Kind::reply;
    WireOptions wire;
    std::string path;        // percent-decoded
    std::string_view query;  // a view into the request's target
    std::string cors;        // the CORS origin for the answer (Reply::cors_origin)
    Reply reply;
    std::string raw;
  };
  Route route(const http::ServerRequest& req);
  // Who sent `req` on `socket`.
  Caller caller_of(http::Stream& socket, const http::ServerRequest& req) const;
  // The discovery service's, the members API's and the auth API's answers, which wait for a
  // callback.
  boost::asio::awaitable<bool> answer_later(http::Stream& socket, const http::ServerRequest& req,
                                            Route r, Caller caller);
  // Checks the caller's password off the event loop (AuthApi::check_password), then answers.
  boost::asio::awaitable<bool> after_password_check(http::Stream& socket,
                                                    const http::ServerRequest& req, Route r,
                                                    Caller caller);
  // The answer to everything but /v2/keys.
  Reply answer(const http::ServerRequest& req, std::string_view path, std::string_view query);
  Reply stats_self() const;
  Reply stats_leader() const;
  Reply stats_store() const;
  Reply machines() const;
  Reply health() const;
  const std::string& date();
  // A list holding "*" allows everything: made empty once here, so the per-request checks
  // have nothing to look through in the default configuration.
  static std::vector<std::string> allow_all_if_star(std::vector<std::string> list) {
    if (std::find(list.begin(), list.end(), "*") != list.end()) list.clear();
    return list;
  }
  // Whether a request with this Host header may be served (--host-whitelist).
  bool host_allowed(std::string_view host) const;
  // The CORS origin to allow for a request with this Origin header ("" for none).
  std::string cors_origin(std::string_view request_origin) const;

  server::Member& member_;
  bool metrics_only_;
  std::vector<std::string> cors_origins_;
  std::vector<std::string> host_whitelist_;
  bool client_cert_auth_ = false;
  AuthApi auth_;  // before keys_ and members_, which check access with it
  KeysApi keys_;
  MembersApi members_;
  DiscoveryService discovery_;
  MemberMetrics metrics_;
  http::DateCache dates_;
};

// 200 {"etcdserver":"3.4.23","etcdcluster":"3.4.0"} (client and peer listeners).
Reply version_reply();

// Go's time.Duration.String(): "1.2738245s", "2m3.5s", "1h0m0s", "500ms", "0s".
std::string go_duration(std::chrono::nanoseconds d);

}  // namespace etcdpp::api::v2
