#include "cmd/config_file.h"

#include <yaml-cpp/yaml.h>

namespace etcdpp::cmd {

namespace {

// etcd's TLS sections and the flags their keys stand for.
std::string tls_flag(const std::string& section, const std::string& key) {
  std::string prefix = section == "peer-transport-security" ? "peer-" : "";
  return prefix + key;
}

bool scalar_text(const YAML::Node& node, std::string& out) {
  if (node.IsNull()) {
    out.clear();
    return true;
  }
  if (node.IsScalar()) {
    out = node.Scalar();
    return true;
  }
  if (node.IsSequence()) {
    out.clear();
    for (const auto& item : node) {
      if (!item.IsScalar()) return false;
      out += (out.empty() ? "" : ",") + item.Scalar();
    }
    return true;
  }
  return false;
}

std::string where(const YAML::Node& node) { return "line " + std::to_string(node.Mark().line + 1); }

}  // namespace

std::optional<ConfigFile> parse_config_file(const std::string& text,
                                            bool (*known)(const std::string& name),
                                            std::string& error) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    error = "invalid YAML: " + std::string(e.what());
    return std::nullopt;
  }
  ConfigFile out;
  if (root.IsNull()) return out;  // an empty file: every flag at its default
  if (!root.IsMap()) {
    error = "expected a map of flag names to values at the top";
    return std::nullopt;
  }
  for (const auto& entry : root) {
    std::string key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    if (key == "client-transport-security" || key == "peer-transport-security") {
      if (value.IsNull()) continue;
      if (!value.IsMap()) {
        error = key + " (" + where(value) + ") must be a map";
        return std::nullopt;
      }
      for (const auto& tls : value) {
        std::string flag = tls_flag(key, tls.first.as<std::string>());
        std::string text_value;
        if (!known(flag) || !scalar_text(tls.second, text_value)) {
          error = "unknown or malformed key " + key + "." + tls.first.as<std::string>() + " (" +
                  where(tls.first) + ")";
          return std::nullopt;
        }
        out.values[flag] = text_value;
      }
      continue;
    }
    if (key == "config-file" || !known(key)) {
      out.warnings.push_back("ignoring unknown key \"" + key + "\" in the config file (" +
                             where(entry.first) + ")");
      continue;
    }
    if (value.IsNull()) continue;  // `key:` with nothing: the default, as if not given
    std::string text_value;
    if (!scalar_text(value, text_value)) {
      error = "the value of " + key + " (" + where(value) + ") must be a scalar or a list";
      return std::nullopt;
    }
    out.values[key] = text_value;
  }
  return out;
}

}  // namespace etcdpp::cmd
