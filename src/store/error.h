#pragma once
// v2 errors as values: {"errorCode":100,"message":"Key not found","cause":"/a","index":9}.
#include "base/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace etcdpp::store {

enum class ErrorCode : int {
#define ETCDPP_ERROR(code, name, message, status) name = code,
#include "store/errors.def"
#undef ETCDPP_ERROR
};

struct Error {
  ErrorCode code;
  std::string cause;
  uint64_t index = 0;  // the store index for store errors; 0 for request-validation errors
};

// Exact message text of a code.
std::string_view error_message(ErrorCode code);
// HTTP status a code is answered with.
unsigned error_http_status(ErrorCode code);

template <typename T>
using Result = base::Result<T, Error>;

}  // namespace etcdpp::store
