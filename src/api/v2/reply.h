#pragma once
// A member's HTTP answer, put on the wire the way Go's net/http does, so that clients of etcd
// see the same bytes: handler headers sorted by name, then Date, Content-Length (or
// Transfer-Encoding: chunked for streams), Connection when the connection closes.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace etcdpp::api::v2 {

struct Reply {
  unsigned status = 200;
  // Canonical names (string literals: names are never copied), any order.
  std::vector<std::pair<std::string_view, std::string>> headers;
  // The CORS headers' allowed origin, added when the answer is written: "*" (etcd 3.4's
  // default --cors=*), the request's Origin when --cors lists it, or empty for none.
  std::string cors_origin;
  std::string body;
  // A Content-Type Go's server guessed from the body because the handler set none: written
  // after Content-Length, where Go puts it.
  std::string sniffed_content_type;

  // Replaces a header. `name` must outlive the reply (a literal).
  void set(std::string_view name, std::string value);
};

struct WireOptions {
  unsigned http_version = 11;  // 10 or 11, as the request's
  bool keep_alive = true;      // false: the connection closes after this answer
  bool head = false;           // the request was HEAD: headers only
  // The Date header value. Points at a string owned by the listener that outlives every
  // connection (its date cache) and is read when the answer is written: an answer may be
  // written long after the request arrived (a write waits for its fsync), and a view of an
  // older string would dangle once the cache moves to the next second.
  const std::string* date = nullptr;
};

// A complete answer with a Content-Length body.
std::string serialize_reply(const Reply& reply, const WireOptions& options);
// The head of a streamed answer (a watch). HTTP/1.1: chunked; HTTP/1.0: no framing, the body
// ends when the connection closes.
std::string serialize_stream_head(const Reply& reply, const WireOptions& options);

// Go's http.Error: text/plain; charset=utf-8, X-Content-Type-Options: nosniff, text + "\n".
Reply text_error(unsigned status, std::string_view text);
// A body without a Content-Type of its own, which Go's server sniffs as plain text.
Reply sniffed_text(unsigned status, std::string body);
// A JSON body with Content-Type: application/json.
Reply json_reply(unsigned status, std::string body);
// etcd's httptypes.HTTPError: {"message":…} (no newline), application/json.
Reply http_error(unsigned status, std::string_view message);

}  // namespace etcdpp::api::v2
