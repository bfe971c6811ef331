#pragma once
// Request heads Go's server reads and Beast's parser refuses, rewritten in the read buffer
// before the parser sees them (bodies are never touched):
// - lines ending in a bare LF (`printf 'GET /version HTTP/1.0\n\n' | nc host 2379` works
//   against etcd): a head whose request line ends in a bare LF gets CRLFs;
// - "HTTP/1.2" … "HTTP/1.9": Go serves them as HTTP/1.1 (ProtoAtLeast(1, 1)), Beast knows
//   only 1.0 and 1.1: the request line says HTTP/1.1.
#include <boost/beast/core/flat_buffer.hpp>

#include <cstddef>

namespace etcdpp::http {

enum class HeadLineEndings {
  crlf,        // the request line ends in CRLF (or has not ended yet): line endings untouched
  rewritten,   // a bare-LF head, now complete in the buffer with CRLFs
  incomplete,  // a bare-LF head whose end (an empty line) has not arrived yet: read more
};

// Looks at the request head at the start of `buffer` (nothing of it parsed yet) and rewrites
// it as above. A bare-LF head longer than `max_head_bytes` without its end is left alone (the
// parser then refuses it).
HeadLineEndings prepare_request_head(boost::beast::flat_buffer& buffer, size_t max_head_bytes);

}  // namespace etcdpp::http
