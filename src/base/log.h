#pragma once
// One logger for the whole process (spdlog), with levels. Messages are structured as
// "event text key=value key=value" so that they can be grepped and parsed.
#include <spdlog/spdlog.h>

#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::base {

enum class LogLevel { debug, info, warn, error };

// Parses "debug", "info", "warn", "error" (etcd's --log-level values; "panic" and "fatal" map
// to error). Returns false for anything else.
bool parse_log_level(std::string_view text, LogLevel& out);

enum class LogFormat {
  text,  // "2026-11-23 07:39:06.876449 I | message" (etcd's capnslog look)
  json,  // one JSON object per line: {"level":..,"ts":..,"msg":..} (etcd's --logger zap)
};

// Sets up the process logger. Call once from main(). `outputs` (--log-outputs): "default" or
// "stderr", "stdout", or file paths (appended to, created 0600); several at once. Returns an
// error text (a file that cannot be opened), empty on success; stderr is used then.
std::string init_logging(LogLevel level, LogFormat format = LogFormat::text,
                         const std::vector<std::string>& outputs = {"default"});

}  // namespace etcdpp::base

#define ETCDPP_LOG_DEBUG(...) spdlog::debug(__VA_ARGS__)
#define ETCDPP_LOG_INFO(...) spdlog::info(__VA_ARGS__)
#define ETCDPP_LOG_WARN(...) spdlog::warn(__VA_ARGS__)
#define ETCDPP_LOG_ERROR(...) spdlog::error(__VA_ARGS__)
