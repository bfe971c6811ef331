#pragma once
// Requests whose lines end in a bare LF. Go's server reads such a head as it reads one with
// CRLFs (`printf 'GET /version HTTP/1.0\n\n' | nc host 2379` works against etcd); Beast's
// parser insists on CRLF. A request head that starts with a bare-LF line is rewritten with
// CRLFs in the read buffer before the parser sees it; bodies are never touched.
#include <boost/beast/core/flat_buffer.hpp>

#include <cstddef>

namespace etcdpp::http {

enum class HeadLineEndings {
  crlf,        // the first line ends in CRLF (or has not ended yet): nothing to do
  rewritten,   // a bare-LF head, now complete in the buffer with CRLFs
  incomplete,  // a bare-LF head whose end (an empty line) has not arrived yet: read more
};

// Looks at the request head at the start of `buffer` (nothing of it parsed yet). A bare-LF
// head longer than `max_head_bytes` without its end is left alone (the parser then refuses it).
HeadLineEndings normalise_head_line_endings(boost::beast::flat_buffer& buffer,
                                            size_t max_head_bytes);

}  // namespace etcdpp::http
