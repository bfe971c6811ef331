#include "base/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>

namespace etcdpp::base {

namespace {

// %* in a pattern: the message, escaped for a JSON string.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) {
      switch (c) {
        case '"': dest.append(std::string_view("\\\"")); break;
        case '\\': dest.append(std::string_view("\\\\")); break;
        case '\n': dest.append(std::string_view("\\n")); break;
        case '\t': dest.append(std::string_view("\\t")); break;
        case '\r': dest.append(std::string_view("\\r")); break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            dest.append(std::string_view(buf));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

}  // namespace

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

std::string init_logging(LogLevel level, LogFormat format,
                         const std::vector<std::string>& outputs) {
  std::vector<spdlog::sink_ptr> sinks;
  std::string error;
  for (const auto& out : outputs) {
    if (out == "default" || out == "stderr") {
      sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    } else if (out == "stdout") {
      sinks.push_back(std::make_shared<spdlog::sinks::stdout_sink_mt>());
    } else {
      // spdlog would create missing parent directories: a mistyped path should fail instead.
      auto parent = std::filesystem::path(out).parent_path();
      std::error_code ec;
      if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
        error = "cannot open log output " + out + ": no directory " + parent.string();
        continue;
      }
      try {
        // Created owner-only, as etcd's files: logs may name keys.
        mode_t old_mask = ::umask(077);
        sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(out, false));
        ::umask(old_mask);
      } catch (const spdlog::spdlog_ex& e) {
        error = "cannot open log output " + out + ": " + e.what();
      }
    }
  }
  if (sinks.empty()) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto logger = std::make_shared<spdlog::logger>("etcdpp", sinks.begin(), sinks.end());
  if (format == LogFormat::json) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"level":"%l","ts":"%Y-%m-%dT%H:%M:%S.%f%z","caller":"etcdpp","msg":"%*"})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%f %L | %v");
  }
  switch (level) {
    case LogLevel::debug: logger->set_level(spdlog::level::debug); break;
    case LogLevel::info: logger->set_level(spdlog::level::info); break;
    case LogLevel::warn: logger->set_level(spdlog::level::warn); break;
    case LogLevel::error: logger->set_level(spdlog::level::err); break;
  }
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return error;
}

}  // namespace etcdpp::base
