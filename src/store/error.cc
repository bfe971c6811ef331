#include "store/error.h"

namespace etcdpp::store {

std::string_view error_message(ErrorCode code) {
  switch (code) {
#define ETCDPP_ERROR(code, name, message, status) \
  case ErrorCode::name:                           \
    return message;
#include "store/errors.def"
#undef ETCDPP_ERROR
  }
  return "Unknown error";
}

unsigned error_http_status(ErrorCode code) {
  switch (code) {
#define ETCDPP_ERROR(code, name, message, status) \
  case ErrorCode::name:                           \
    return status;
#include "store/errors.def"
#undef ETCDPP_ERROR
  }
  return 500;
}

}  // namespace etcdpp::store
