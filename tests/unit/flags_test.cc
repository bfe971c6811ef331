#include "cmd/flags.h"
#include "cmd/flag_table.h"
#include "discovery/initial_cluster.h"

#include <gtest/gtest.h>

namespace etcdpp::cmd {
namespace {

ParseOutcome parse(std::vector<std::string> args, std::vector<std::string> env = {}) {
  return parse_flags(args, env);
}

TEST(FlagsTest, Defaults) {
  auto r = parse({});
  ASSERT_EQ(r.exit_code, -1) << r.err;
  EXPECT_EQ(r.flags.get("proxy"), "off");
  EXPECT_EQ(r.flags.get_uint("proxy-failure-wait"), 5000u);
  EXPECT_EQ(r.flags.get_uint("proxy-refresh-interval"), 30000u);
  EXPECT_EQ(r.flags.get_uint("proxy-dial-timeout"), 1000u);
  EXPECT_EQ(r.flags.get_uint("proxy-write-timeout"), 5000u);
  EXPECT_EQ(r.flags.get_uint("proxy-read-timeout"), 0u);
  EXPECT_EQ(r.flags.get("listen-client-urls"), "http://localhost:2379");
  EXPECT_EQ(r.flags.get("initial-cluster"), "default=http://localhost:2380");
}

TEST(FlagsTest, AllFourForms) {
  for (auto args : std::vector<std::vector<std::string>>{{"-proxy", "readonly"},
                                                         {"--proxy", "readonly"},
                                                         {"-proxy=readonly"},
                                                         {"--proxy=readonly"}}) {
    auto r = parse(args);
    ASSERT_EQ(r.exit_code, -1) << args[0] << ": " << r.err;
    EXPECT_EQ(r.flags.get("proxy"), "readonly");
  }
}

TEST(FlagsTest, BooleanForms) {
  EXPECT_TRUE(parse({"--debug"}).flags.get_bool("debug"));
  EXPECT_TRUE(parse({"-debug=true"}).flags.get_bool("debug"));
  EXPECT_FALSE(parse({"--debug=false"}).flags.get_bool("debug"));
  EXPECT_TRUE(parse({"--enable-v2=T"}).flags.get_bool("enable-v2"));
  auto r = parse({"--debug=maybe"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("invalid value \"maybe\" for flag -debug"), std::string::npos);
}

TEST(FlagsTest, BooleanDoesNotConsumeNextWord) {
  auto r = parse({"--enable-v2", "false"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'false' is not a valid flag"), std::string::npos) << r.err;
}

TEST(FlagsTest, UnknownFlag) {
  auto r = parse({"--bogus", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("flag provided but not defined: -bogus"), std::string::npos) << r.err;
}

TEST(FlagsTest, NoAbbreviations) { EXPECT_EQ(parse({"--prox", "on"}).exit_code, 2); }

TEST(FlagsTest, FlagGivenTwice) {
  auto r = parse({"--proxy", "on", "-proxy=readonly"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("more than once: -proxy"), std::string::npos) << r.err;
}

TEST(FlagsTest, BadValues) {
  auto r = parse({"--proxy", "maybe"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("invalid value \"maybe\" for flag -proxy: invalid value"),
            std::string::npos);
  EXPECT_EQ(parse({"--proxy-failure-wait", "-5"}).exit_code, 2);
  EXPECT_EQ(parse({"--proxy-failure-wait", "5s"}).exit_code, 2);
  auto u = parse({"--listen-client-urls", "http://example.com:2379"});
  EXPECT_EQ(u.exit_code, 2);
  EXPECT_NE(u.err.find("expected IP in URL for binding"), std::string::npos);
  EXPECT_EQ(parse({"--listen-client-urls", "ftp://127.0.0.1:1"}).exit_code, 2);
}

TEST(FlagsTest, MissingValue) {
  auto r = parse({"--proxy"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("flag needs an argument: -proxy"), std::string::npos) << r.err;
}

TEST(FlagsTest, EnvironmentVariables) {
  auto r = parse({}, {"ETCD_PROXY=readonly", "ETCD_PROXY_FAILURE_WAIT=100", "PATH=/bin"});
  ASSERT_EQ(r.exit_code, -1) << r.err;
  EXPECT_EQ(r.flags.get("proxy"), "readonly");
  EXPECT_EQ(r.flags.get_uint("proxy-failure-wait"), 100u);
}

TEST(FlagsTest, FlagWinsOverEnvironment) {
  auto r = parse({"--proxy", "on"}, {"ETCD_PROXY=readonly"});
  ASSERT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.flags.get("proxy"), "on");
  ASSERT_FALSE(r.infos.empty());
  EXPECT_NE(r.infos[0].find("shadowed"), std::string::npos);
}

TEST(FlagsTest, BadEnvironmentValue) {
  auto r = parse({}, {"ETCD_PROXY=maybe"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("invalid value \"maybe\" for ETCD_PROXY"), std::string::npos);
}

TEST(FlagsTest, UnknownEnvironmentVariableWarns) {
  auto r = parse({}, {"ETCD_BOGUS=1", "ETCDCTL_API=2"});
  ASSERT_EQ(r.exit_code, -1);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "unrecognized environment variable ETCD_BOGUS=1");
}

TEST(FlagsTest, EmptyEnvironmentValueIsUnset) {
  auto r = parse({}, {"ETCD_PROXY="});
  EXPECT_EQ(r.flags.get("proxy"), "off");
}

TEST(FlagsTest, UnsupportedFlagsAreRejectedAndBootstrapSourcesExcludeEachOther) {
  // etcd 2's --ca-file (etcd 3.4 no longer has it; --trusted-ca-file with --client-cert-auth).
  auto r = parse({"--ca-file", "/ca.pem"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("etcd 3.4 removed it: use --trusted-ca-file"), std::string::npos) << r.err;
  EXPECT_EQ(parse({"--cert-file", "/x.pem", "--peer-trusted-ca-file", "/ca.pem", "--cipher-suites",
                   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "--peer-cert-allowed-cn", "etcd"})
                .exit_code,
            -1);
  auto d =
      parse({"--discovery-srv", "example.com", "--initial-cluster", "a=http://127.0.0.1:2380"});
  EXPECT_EQ(d.exit_code, 2);
  EXPECT_NE(d.err.find("Choose one of"), std::string::npos);
}

TEST(FlagsTest, DiscoverySrvIsABootstrapSource) {
  auto r = parse({"--discovery-srv", "example.com", "--discovery-srv-name", "blue"});
  EXPECT_EQ(r.exit_code, -1) << r.err;
  EXPECT_EQ(r.flags.get("discovery-srv"), "example.com");
  EXPECT_EQ(r.flags.get("discovery-srv-name"), "blue");
}

// Every flag `etcd --help` of etcd 3.4.23 lists is known: honoured, accepted without effect
// (with a warning), or refused with a reason — never "flag provided but not defined".
TEST(FlagsTest, EveryFlagOfEtcd34IsKnown) {
  for (std::string_view name : {
           "advertise-client-urls",
           "auth-token",
           "auth-token-ttl",
           "auto-compaction-mode",
           "auto-compaction-retention",
           "auto-tls",
           "backend-batch-interval",
           "backend-batch-limit",
           "bcrypt-cost",
           "cert-file",
           "cipher-suites",
           "client-cert-allowed-hostname",
           "client-cert-auth",
           "client-crl-file",
           "cors",
           "data-dir",
           "debug",
           "discovery",
           "discovery-fallback",
           "discovery-proxy",
           "discovery-srv",
           "discovery-srv-name",
           "election-timeout",
           "enable-pprof",
           "enable-v2",
           "experimental-backend-bbolt-freelist-type",
           "experimental-compaction-batch-limit",
           "experimental-corrupt-check-time",
           "experimental-enable-lease-checkpoint",
           "experimental-enable-v2v3",
           "experimental-initial-corrupt-check",
           "experimental-peer-skip-client-san-verification",
           "experimental-warning-apply-duration",
           "experimental-watch-progress-notify-interval",
           "force-new-cluster",
           "grpc-keepalive-interval",
           "grpc-keepalive-min-time",
           "grpc-keepalive-timeout",
           "heartbeat-interval",
           "host-whitelist",
           "initial-advertise-peer-urls",
           "initial-cluster",
           "initial-cluster-state",
           "initial-cluster-token",
           "initial-election-tick-advance",
           "key-file",
           "listen-client-urls",
           "listen-metrics-urls",
           "listen-peer-urls",
           "log-level",
           "log-outputs",
           "log-package-levels",
           "logger",
           "max-concurrent-streams",
           "max-request-bytes",
           "max-snapshots",
           "max-txn-ops",
           "max-wals",
           "metrics",
           "name",
           "peer-auto-tls",
           "peer-cert-allowed-cn",
           "peer-cert-allowed-hostname",
           "peer-cert-file",
           "peer-client-cert-auth",
           "peer-crl-file",
           "peer-key-file",
           "peer-trusted-ca-file",
           "pre-vote",
           "proxy",
           "proxy-dial-timeout",
           "proxy-failure-wait",
           "proxy-read-timeout",
           "proxy-refresh-interval",
           "proxy-write-timeout",
           "quota-backend-bytes",
           "snapshot-count",
           "strict-reconfig-check",
           "trusted-ca-file",
           "wal-dir",
       }) {
    EXPECT_NE(find_flag(name), nullptr) << name;
  }
  auto v2v3 = parse({"--experimental-enable-v2v3", "/v2"});
  EXPECT_EQ(v2v3.exit_code, 2);
  EXPECT_NE(v2v3.err.find("no v3 backend"), std::string::npos);
  auto streams = parse({"--max-concurrent-streams", "10"});
  ASSERT_EQ(streams.exit_code, -1) << streams.err;
  ASSERT_EQ(streams.warnings.size(), 1u);
  EXPECT_NE(streams.warnings[0].find("v2 API only"), std::string::npos);
}

TEST(FlagsTest, DiscoveryFlags) {
  auto ok = parse({"--discovery", "http://127.0.0.1:1/v2/keys/_etcd/registry/t"});
  ASSERT_EQ(ok.exit_code, -1) << ok.err;
  EXPECT_EQ(ok.flags.get("discovery-fallback"), "proxy");
  // etcd's conflict check between the bootstrap sources.
  auto both = parse({"--discovery", "http://127.0.0.1:1/t", "--initial-cluster", "a=http://h:1"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("multiple discovery or bootstrap flags are set"), std::string::npos);
  // A URL etcdpp cannot use is refused at once, not after a minute of retries.
  auto ftp = parse({"--discovery", "ftp://discovery.example/abc"});
  EXPECT_EQ(ftp.exit_code, 2);
  EXPECT_NE(ftp.err.find("http:// or https://"), std::string::npos);
  auto tls = parse({"--discovery", "https://discovery.example/abc"});
  EXPECT_EQ(tls.exit_code, -1) << tls.err;
  auto tunnel = parse({"--discovery", "https://discovery.example/abc", "--discovery-proxy",
                       "127.0.0.1:3128"});
  EXPECT_EQ(tunnel.exit_code, 2);
  EXPECT_NE(tunnel.err.find("CONNECT tunnel"), std::string::npos);
  auto no_token = parse({"--discovery", "http://127.0.0.1:1/"});
  EXPECT_EQ(no_token.exit_code, 2);
  EXPECT_NE(no_token.err.find("names no token"), std::string::npos);
  // The etcd 2.x name of --discovery-fallback.
  auto old = parse({"--proxy-fallback", "exit"});
  ASSERT_EQ(old.exit_code, -1) << old.err;
  EXPECT_EQ(old.flags.get("discovery-fallback"), "exit");
  auto old_env = parse({}, {"ETCD_PROXY_FALLBACK=exit"});
  EXPECT_EQ(old_env.flags.get("discovery-fallback"), "exit");
  EXPECT_EQ(parse({"--proxy-fallback", "maybe"}).exit_code, 2);
  auto clash = parse({"--proxy-fallback", "exit", "--discovery-fallback", "proxy"});
  EXPECT_EQ(clash.exit_code, 2);
  EXPECT_NE(clash.err.find("disagree"), std::string::npos);
  auto bad_proxy = parse({"--discovery-proxy", "http://[::1"});
  EXPECT_EQ(bad_proxy.exit_code, 2);
  EXPECT_NE(bad_proxy.err.find("invalid proxy address"), std::string::npos);
}

TEST(FlagsTest, LegacyFlagsWarn) {
  auto r = parse({"-v"});
  ASSERT_EQ(r.exit_code, -1) << r.err;
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "flag \"-v\" is no longer supported - ignoring.");
}

TEST(FlagsTest, HelpAndVersion) {
  auto h = parse({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("--proxy-refresh-interval"), std::string::npos);
  EXPECT_EQ(parse({"-h"}).exit_code, 0);
  auto v = parse({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("etcdpp Version:"), std::string::npos);
}

using discovery::all_peer_urls;
using discovery::parse_initial_cluster;

TEST(InitialClusterTest, Parses) {
  std::string error;
  auto c = parse_initial_cluster(
      "m1=http://127.0.0.1:2380,m1=http://127.0.0.1:2480,,"
      "m2=http://127.0.0.1:2381",
      error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->size(), 2u);
  EXPECT_EQ(c->at("m1").size(), 2u);
  EXPECT_EQ(all_peer_urls(*c).size(), 3u);
  EXPECT_FALSE(parse_initial_cluster("m1", error));
  EXPECT_FALSE(parse_initial_cluster("m1=ftp://x:1", error));
  // What a member registers with a discovery service: etcd's URLsMap.String().
  EXPECT_EQ(discovery::format_initial_cluster(*c),
            "m1=http://127.0.0.1:2380,m1=http://127.0.0.1:2480,m2=http://127.0.0.1:2381");
}

}  // namespace
}  // namespace etcdpp::cmd
