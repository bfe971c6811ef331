#include "base/log.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace etcdpp::base {

bool parse_log_level(std::string_view text, LogLevel& out) {
  if (text == "debug") {
    out = LogLevel::debug;
  } else if (text == "info") {
    out = LogLevel::info;
  } else if (text == "warn") {
    out = LogLevel::warn;
  } else if (text == "error" || text == "panic" || text == "fatal") {
    out = LogLevel::error;
  } else {
    return false;
  }
  return true;
}

void init_logging(LogLevel level) {
  auto logger = spdlog::stderr_logger_mt("etcdpp");
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%f %^%L%$ | %v");
  switch (level) {
    case LogLevel::debug: logger->set_level(spdlog::level::debug); break;
    case LogLevel::info: logger->set_level(spdlog::level::info); break;
    case LogLevel::warn: logger->set_level(spdlog::level::warn); break;
    case LogLevel::error: logger->set_level(spdlog::level::err); break;
  }
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace etcdpp::base
