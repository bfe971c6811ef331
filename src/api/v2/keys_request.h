#pragma once
// A v2 keys request (/v2/keys/...) parsed and validated as etcd 3.4 does (parseKeyRequest),
// and the store operation a write maps to (etcd's applierV2store).
#include "base/clock.h"
#include "server/write_request.h"
#include "store/error.h"

#include <optional>
#include <string>
#include <string_view>

namespace etcdpp::api::v2 {

struct KeysRequest {
  std::string method;  // as sent: GET, HEAD, PUT, POST, DELETE
  std::string key;     // normalised store key ("/", "/a/b")
  std::string value;
  bool dir = false;
  bool recursive = false;
  bool sorted = false;
  bool wait = false;
  bool quorum = false;
  bool stream = false;
  bool no_value_on_success = false;
  std::string prev_value;
  uint64_t prev_index = 0;
  uint64_t wait_index = 0;
  std::optional<bool> prev_exist;
  std::optional<bool> refresh;
  std::optional<uint64_t> ttl_seconds;  // absent (or "ttl=") = no TTL
};

// `path` is the already percent-decoded URL path (it starts with /v2/keys), `query` the raw
// query string, `body` the raw body. The body is read only for PUT, POST and PATCH with
// Content-Type application/x-www-form-urlencoded, and its values win over the query's.
// Failures are request errors (index 0): 210 bad form, 203 bad index, 209 bad boolean or
// wait on a non-GET, 201 empty prevValue, 202 bad ttl, 211/212 refresh misuse.
store::Result<KeysRequest> parse_keys_request(std::string_view method, std::string_view path,
                                              std::string_view query, std::string_view content_type,
                                              std::string_view body);

// The absolute expiration of a write taken at `now`: now + ttl. Times before 2000-01-01
// (an overflowing ttl) mean no TTL, as in etcd's store.
std::optional<base::WallTime> expiration_for(const KeysRequest& req, base::WallTime now);

// The replicated form of a PUT, POST or DELETE taken at `now` (the TTL becomes an absolute
// expiration here, on the member that received the request).
server::WriteRequest to_write_request(const KeysRequest& req, base::WallTime now);

}  // namespace etcdpp::api::v2
