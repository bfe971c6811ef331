#pragma once
// /v2/keys on a member: reads from the local store, writes through the member's log (answered
// once durable and applied), watches streamed as etcd does (headers flushed at once, one JSON
// line per event, the response ends after the first event unless stream=true, and a client
// that hangs up drops its watcher at once).
#include "api/v2/auth_api.h"
#include "api/v2/reply.h"
#include "http/connection.h"
#include "server/member.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace etcdpp::api::v2 {

struct KeysRequest;

class KeysApi {
 public:
  KeysApi(server::Member& member, AuthApi& auth)
      : member_(member), auth_(auth), cluster_id_hex_(server::id_hex(member.cluster_id())) {}

  // The answer to a request that needs no waiting — a plain GET or HEAD, or one that fails to
  // parse — or nullopt: writes, quorum reads and watches are for serve().
  std::optional<Reply> answer_now(const http::ServerRequest& req, std::string_view path,
                                  std::string_view query, const Caller& caller);
  // Answers a request whose (decoded) path is /v2/keys or below it, with CORS headers for
  // `cors_origin` (Reply::cors_origin) on whatever is written. Returns whether the
  // connection may carry more requests. The request is planned when this is called; `path`
  // and `query` are not used after that (`req` and `socket` must outlive the awaitable).
  // `caller`: who sent it, for the access checks while auth is enabled.
  boost::asio::awaitable<bool> serve(http::Stream& socket, const http::ServerRequest& req,
                                     std::string_view path, std::string_view query,
                                     const WireOptions& wire, std::string cors_origin,
                                     const Caller& caller);

 private:
  // What a request needs, decided without waiting: a reply at once (reads and errors), a
  // proposal through the log (writes and quorum reads), or a watch. Exactly one is set.
  struct Plan {
    std::optional<Reply> reply;
    std::optional<server::WriteRequest> write;
    bool no_value_on_success = false;  // for the reply to `write`
    std::shared_ptr<store::Watcher> watcher;
  };
  Plan plan(const http::ServerRequest& req, std::string_view path, std::string_view query,
            const Caller& caller);
  // A read of the local store (counted in the store statistics).
  Reply read_reply(const KeysRequest& kr);
  Reply event_reply(const store::Event& event, bool no_value_on_success);
  Reply error_reply(const store::Error& error);
  using WriteResult = store::Result<store::Event>;
  // The coroutines that wait take their state by value: they start when awaited, after
  // serve() has returned.
  boost::asio::awaitable<bool> stream(http::Stream& socket, std::shared_ptr<store::Watcher> watcher,
                                      WireOptions wire, std::string cors_origin);
  // Proposes `request`, then answers once it is durable and applied.
  boost::asio::awaitable<bool> answer_write(http::Stream& socket, server::WriteRequest request,
                                            bool no_value_on_success, WireOptions wire,
                                            std::string cors_origin);
  std::string answer_bytes(const WriteResult& result, bool no_value_on_success,
                           const WireOptions& wire, std::string cors_origin);

  // The 401 of a request that may not touch its key (auth enabled), or nullopt.
  std::optional<Reply> refuse_access(const http::ServerRequest& req, std::string_view path,
                                     const KeysRequest& kr, const Caller& caller);

  server::Member& member_;
  AuthApi& auth_;
  const std::string cluster_id_hex_;  // the cluster id never changes
};

}  // namespace etcdpp::api::v2
