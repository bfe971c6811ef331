#pragma once
// One logger for the whole process (spdlog), with levels. Messages are structured as
// "event text key=value key=value" so that they can be grepped and parsed.
#include <spdlog/spdlog.h>

#include <string_view>

namespace etcdpp::base {

enum class LogLevel { debug, info, warn, error };

// Parses "debug", "info", "warn", "error" (etcd's --log-level values; "panic" and "fatal" map
// to error). Returns false for anything else.
bool parse_log_level(std::string_view text, LogLevel& out);

enum class LogFormat {
  text,  // "2026-11-23 07:39:06.876449 I | message" (etcd's capnslog look)
  json,  // one JSON object per line: {"level":..,"ts":..,"msg":..} (etcd's --logger zap)
};

// Sets up the process logger writing to stderr. Call once from main().
void init_logging(LogLevel level, LogFormat format = LogFormat::text);

}  // namespace etcdpp::base

#define ETCDPP_LOG_DEBUG(...) spdlog::debug(__VA_ARGS__)
#define ETCDPP_LOG_INFO(...) spdlog::info(__VA_ARGS__)
#define ETCDPP_LOG_WARN(...) spdlog::warn(__VA_ARGS__)
#define ETCDPP_LOG_ERROR(...) spdlog::error(__VA_ARGS__)
