#include "proxy/context.h"

#include "http/headers.h"

namespace etcdpp::proxy {

const std::string& ProxyContext::date() {
  auto secs =
      std::chrono::duration_cast<std::chrono::seconds>(clock.wall().time_since_epoch()).count();
  if (secs != date_second_) {
    date_second_ = secs;
    date_text_ = http::http_date(secs);
  }
  return date_text_;
}

}  // namespace etcdpp::proxy
