// Fuzzes the v2 keys request path end to end, minus the sockets: bare-LF request heads, the
// request target's checks and redirect (Go's server and ServeMux), request parsing (query, form
// body, flags and their errors), the write it becomes, applying it to a store, and rendering
// the answer. Input: method, path, query, content type and body separated by '\n'.
#include "api/v2/keys_request.h"
#include "api/v2/render.h"
#include "http/go_request.h"
#include "http/path.h"
#include "http/request_head.h"
#include "server/write_request.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

namespace {

std::string_view next_field(std::string_view& in) {
  size_t nl = in.find('\n');
  std::string_view field = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  return field;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace etcdpp;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  {
    // The whole input as the start of a request head with bare-LF line endings.
    boost::beast::flat_buffer buffer;
    auto out = buffer.prepare(size);
    if (size > 0) std::memcpy(out.data(), data, size);
    buffer.commit(size);
    (void)http::prepare_request_head(buffer, 4096);
    (void)http::go_head_refusal(in);
  }
  std::string_view method = next_field(in);
  std::string path = "/v2/keys" + std::string(next_field(in));
  std::string_view query = next_field(in);
  std::string_view content_type = next_field(in);
  std::string_view body = in;

  // The path line as a request target: a redirect must lead to a path that needs none.
  std::string_view target = path;
  target.remove_prefix(8);
  if (auto t = http::parse_request_target(target);
      t && t->form != http::RequestTarget::Form::asterisk) {
    std::string origin(t->raw_path);
    if (t->has_query) origin += "?" + std::string(t->raw_query);
    if (auto r = http::mux_redirect(origin); r && http::mux_redirect(r->location)) std::abort();
  }
  const base::WallTime now{std::chrono::seconds(1'800'000'000)};

  // One store across inputs (so that requests meet existing keys), replaced regularly so that
  // every input stays fast.
  static std::unique_ptr<store::Store> shared;
  static unsigned inputs = 0;
  if (!shared || ++inputs % 256 == 0) shared = std::make_unique<store::Store>();
  store::Store& store = *shared;
  auto parsed = api::v2::parse_keys_request(method, path, query, content_type, body);
  if (!parsed) {
    (void)api::v2::render_error(parsed.error());
    return 0;
  }
  if (parsed->method == "GET" || parsed->method == "HEAD") {
    auto got = store.get(parsed->key, parsed->recursive);
    if (got) (void)api::v2::render_event(*got, now);
    return 0;
  }
  server::WriteRequest w = api::v2::to_write_request(*parsed, now);
  auto result = server::apply_write(store, w);
  if (result) {
    (void)api::v2::render_event(*result, now);
  } else {
    (void)api::v2::render_error(result.error());
  }
  store.delete_expired(now + std::chrono::hours(24 * 365 * 100));
  return 0;
}
