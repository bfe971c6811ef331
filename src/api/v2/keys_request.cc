#include "api/v2/keys_request.h"

#include "api/v2/form.h"
#include "base/strings.h"

namespace etcdpp::api::v2 {

namespace {

using store::Error;
using store::ErrorCode;

constexpr std::string_view kKeysPrefix = "/v2/keys";

Error request_error(ErrorCode code, std::string cause) { return Error{code, std::move(cause), 0}; }

bool is_form_content_type(std::string_view content_type) {
  // mime.ParseMediaType: the type before any ';' parameters, case-insensitively.
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  std::string lower;
  for (char c : type)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower == "application/x-www-form-urlencoded";
}

// getBool: absent = false; present and unparsable = error 209 with `cause`.
bool read_bool(const Form& form, std::string_view name, bool& out, std::string& bad) {
  if (!form.has(name)) return true;
  auto b = base::parse_go_bool(form.get(name));
  if (!b) {
    bad = "invalid value for \"" + std::string(name) + "\"";
    return false;
  }
  out = *b;
  return true;
}

}  // namespace

store::Result<KeysRequest> parse_keys_request(std::string_view method, std::string_view path,
                                              std::string_view query, std::string_view content_type,
                                              std::string_view body) {
  Form form;
  std::string parse_error;
  bool form_ok = true;
  if ((method == "PUT" || method == "POST" || method == "PATCH") &&
      is_form_content_type(content_type)) {
    form_ok = form.parse(body, parse_error);  // body values first: they win
  }
  std::string query_error;
  bool query_ok = form.parse(query, query_error);
  if (!form_ok) return request_error(ErrorCode::InvalidForm, parse_error);
  if (!query_ok) return request_error(ErrorCode::InvalidForm, query_error);
  if (path.substr(0, kKeysPrefix.size()) != kKeysPrefix) {
    return request_error(ErrorCode::InvalidForm, "incorrect key prefix");
  }

  KeysRequest req;
  req.method = std::string(method);
  req.key = store::normalize_key(path.substr(kKeysPrefix.size()));
  for (auto [name, field] : {std::pair<const char*, uint64_t*>{"prevIndex", &req.prev_index},
                             {"waitIndex", &req.wait_index}}) {
    if (!form.has(name)) continue;
    auto v = base::parse_go_uint(form.get(name));
    if (!v) {
      return request_error(ErrorCode::IndexNaN, "invalid value for \"" + std::string(name) + "\"");
    }
    *field = *v;
  }
  std::string bad;
  if (!read_bool(form, "recursive", req.recursive, bad) ||
      !read_bool(form, "sorted", req.sorted, bad) || !read_bool(form, "wait", req.wait, bad) ||
      !read_bool(form, "dir", req.dir, bad) || !read_bool(form, "quorum", req.quorum, bad) ||
      !read_bool(form, "stream", req.stream, bad)) {
    return request_error(ErrorCode::InvalidField, bad);
  }
  if (req.wait && method != "GET") {
    return request_error(ErrorCode::InvalidField, "\"wait\" can only be used with GET requests");
  }
  req.prev_value = form.get("prevValue");
  if (form.has("prevValue") && req.prev_value.empty()) {
    return request_error(ErrorCode::PrevValueRequired, "\"prevValue\" cannot be empty");
  }
  if (!read_bool(form, "noValueOnSuccess", req.no_value_on_success, bad)) {
    return request_error(ErrorCode::InvalidField, bad);
  }
  if (!form.get("ttl").empty()) {
    auto ttl = base::parse_go_uint(form.get("ttl"));
    if (!ttl) return request_error(ErrorCode::TTLNaN, "invalid value for \"ttl\"");
    req.ttl_seconds = *ttl;
  }
  if (form.has("prevExist")) {
    auto b = base::parse_go_bool(form.get("prevExist"));
    if (!b) return request_error(ErrorCode::InvalidField, "invalid value for prevExist");
    req.prev_exist = *b;
  }
  if (form.has("refresh")) {
    auto b = base::parse_go_bool(form.get("refresh"));
    if (!b) return request_error(ErrorCode::InvalidField, "invalid value for refresh");
    req.refresh = *b;
    if (*b) {
      if (form.has("value") && !form.get("value").empty()) {
        return request_error(ErrorCode::RefreshValue, "A value was provided on a refresh");
      }
      if (!req.ttl_seconds) return request_error(ErrorCode::RefreshTTLRequired, "No TTL value set");
    }
  }
  req.value = form.get("value");
  return req;
}

std::optional<base::WallTime> expiration_for(const KeysRequest& req, base::WallTime now) {
  if (!req.ttl_seconds) return std::nullopt;
  // Go: now.Add(time.Duration(ttl) * time.Second).UnixNano() wraps around on overflow;
  // the store then treats anything before 2000-01-01 as permanent.
  using std::chrono::nanoseconds;
  const int64_t now_ns = std::chrono::duration_cast<nanoseconds>(now.time_since_epoch()).count();
  const uint64_t ttl_ns = *req.ttl_seconds * 1'000'000'000ull;  // wraps like Go's Duration
  const int64_t exp_ns = static_cast<int64_t>(static_cast<uint64_t>(now_ns) + ttl_ns);
  constexpr int64_t kYear2000Ns = 946'684'800'000'000'000;
  if (exp_ns < kYear2000Ns) return std::nullopt;
  return base::WallTime(std::chrono::duration_cast<base::WallTime::duration>(nanoseconds(exp_ns)));
}

server::WriteRequest to_write_request(const KeysRequest& req, base::WallTime now) {
  server::WriteRequest w;
  w.method = req.method;
  w.key = req.key;
  w.value = req.value;
  w.dir = req.dir;
  w.recursive = req.recursive;
  w.prev_value = req.prev_value;
  w.prev_index = req.prev_index;
  w.prev_exist = req.prev_exist;
  w.refresh = req.refresh.value_or(false);
  w.expiration = expiration_for(req, now);
  return w;
}

}  // namespace etcdpp::api::v2
