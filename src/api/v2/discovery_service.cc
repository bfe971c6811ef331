#include "api/v2/discovery_service.h"

#include "api/v2/form.h"
#include "api/v2/render.h"
#include "base/strings.h"

#include <cstdio>
#include <random>

namespace etcdpp::api::v2 {

namespace {

// 128 random bits as 32 lowercase hex digits: unguessable, so a token is also a capability.
std::string new_token() {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 4; ++i) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
    out += buf;
  }
  return out;
}

}  // namespace

void DiscoveryService::handle(std::string_view method, std::string_view query,
                              std::string_view host, bool tls, std::function<void(Reply)> done) {
  if (method != "GET") {
    Reply r = text_error(405, "Method Not Allowed");
    r.set("Allow", "GET");
    done(std::move(r));
    return;
  }
  Form form;
  std::string error;
  if (!form.parse(query, error)) {
    done(text_error(400, error));
    return;
  }
  uint64_t size = 3;
  if (form.has("size")) {
    std::string text = form.get("size");
    auto parsed = base::parse_go_uint(text);
    size = parsed.value_or(0);
    if (size == 0 || size > kMaxDiscoverySize) {
      done(text_error(400, "size must be an integer from 1 to " +
                               std::to_string(kMaxDiscoverySize) + ", got \"" + text + "\""));
      return;
    }
  }
  std::string base =
      host.empty() ? std::string() : (tls ? "https://" : "http://") + std::string(host);
  if (base.empty() && !member_.config().advertise_client_urls.empty()) {
    base = member_.config().advertise_client_urls.front();
  }
  std::string token = new_token();
  server::WriteRequest write;
  write.method = "PUT";
  write.key = std::string(kDiscoveryRegistry) + "/" + token + "/_config/size";
  write.value = std::to_string(size);
  write.prev_exist = false;
  std::string url = base + "/v2/keys" + std::string(kDiscoveryRegistry) + "/" + token;
  member_.propose_write(std::move(write), [done, url](const store::Result<store::Event>& r) {
    if (!r) {
      Reply reply = json_reply(store::error_http_status(r.error().code), render_error(r.error()));
      done(std::move(reply));
      return;
    }
    Reply reply;
    reply.set("Content-Type", "text/plain; charset=utf-8");
    reply.body = url;
    done(std::move(reply));
  });
}

}  // namespace etcdpp::api::v2
