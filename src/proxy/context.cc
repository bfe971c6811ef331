#include "proxy/context.h"

#include "http/headers.h"

namespace etcdpp::proxy {

const std::string& ProxyContext::date() { return dates_.at(clock.wall()); }

}  // namespace etcdpp::proxy
