// --config-file: etcd 3.4's YAML configuration, read into flag values.
#include "cmd/config_file.h"
#include "cmd/flag_table.h"
#include "cmd/flags.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace etcdpp::cmd {
namespace {

bool known(const std::string& name) { return find_flag(name) != nullptr; }

TEST(ConfigFileTest, ScalarsListsAndTlsSections) {
  std::string error;
  auto cf = parse_config_file(
      "name: m1\n"
      "heartbeat-interval: 100\n"
      "enable-v2: true\n"
      "proxy: on\n"  // a boolean to YAML 1.1 (etcd refuses it); here simply "on"
      "log-outputs: [stderr]\n"
      "discovery:\n"
      "client-transport-security:\n"
      "  cert-file: /c.pem\n"
      "peer-transport-security:\n"
      "  key-file: /k.pem\n"
      "typo-key: 1\n",
      known, error);
  ASSERT_TRUE(cf) << error;
  EXPECT_EQ(cf->values.at("name"), "m1");
  EXPECT_EQ(cf->values.at("heartbeat-interval"), "100");
  EXPECT_EQ(cf->values.at("enable-v2"), "true");
  EXPECT_EQ(cf->values.at("proxy"), "on");
  EXPECT_EQ(cf->values.at("log-outputs"), "stderr");
  EXPECT_EQ(cf->values.count("discovery"), 0u);  // empty: the default
  EXPECT_EQ(cf->values.at("cert-file"), "/c.pem");
  EXPECT_EQ(cf->values.at("peer-key-file"), "/k.pem");
  ASSERT_EQ(cf->warnings.size(), 1u);
  EXPECT_NE(cf->warnings[0].find("typo-key"), std::string::npos);
  EXPECT_NE(cf->warnings[0].find("line 11"), std::string::npos);
}

TEST(ConfigFileTest, MalformedFilesAreRefusedWithTheLine) {
  std::string error;
  EXPECT_FALSE(parse_config_file("name: [a, {b: c}]\n", known, error));
  EXPECT_NE(error.find("line 1"), std::string::npos) << error;
  EXPECT_FALSE(parse_config_file("- a\n- b\n", known, error));
  EXPECT_NE(error.find("map"), std::string::npos) << error;
  EXPECT_FALSE(parse_config_file("name: [unclosed\n", known, error));
  EXPECT_NE(error.find("invalid YAML"), std::string::npos) << error;
  EXPECT_TRUE(parse_config_file("", known, error));  // empty: all defaults
}

TEST(ConfigFileTest, ReplacesFlagsAndEnvironment) {
  auto path = std::filesystem::temp_directory_path() / "etcdpp_config_file_test.yml";
  {
    std::ofstream out(path);
    out << "name: from-file\nproxy: readonly\nlisten-client-urls: http://127.0.0.1:1234\n";
  }
  auto r = parse_flags({"--config-file", path.string(), "--name", "from-flag"},
                       {"ETCD_DATA_DIR=/from/env"});
  ASSERT_EQ(r.exit_code, -1) << r.err;
  EXPECT_EQ(r.flags.get("name"), "from-file");
  EXPECT_EQ(r.flags.get("proxy"), "readonly");
  EXPECT_EQ(r.flags.get("data-dir"), "");  // the variable is ignored, as etcd
  EXPECT_TRUE(r.flags.is_set("listen-client-urls"));
  ASSERT_FALSE(r.infos.empty());
  EXPECT_NE(r.infos.back().find("Loading server configuration from"), std::string::npos);

  std::ofstream(path) << "proxy: maybe\n";
  auto bad = parse_flags({"--config-file", path.string()}, {});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("config file key proxy"), std::string::npos) << bad.err;

  std::ofstream(path) << "ca-file: /ca.pem\n";
  auto tls = parse_flags({"--config-file", path.string()}, {});
  EXPECT_EQ(tls.exit_code, 2);
  EXPECT_NE(tls.err.find("etcd 3.4 removed it: use --trusted-ca-file"), std::string::npos)
      << tls.err;
  std::filesystem::remove(path);

  auto missing = parse_flags({"--config-file", "/nonexistent/etcdpp.yml"}, {});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("cannot read the config file"), std::string::npos);
}

}  // namespace
}  // namespace etcdpp::cmd
