// The TLS settings: contexts made from etcd's flags (files that cannot be used are named with
// their reason), and Go's texts for received alerts. The handshakes themselves are exercised
// by tests/integration/test_tls.py against etcd 3.4.
#include "http/tls.h"

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/error.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace etcdpp::http {
namespace {

namespace fs = std::filesystem;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("etcdpp-tls-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  fs::path dir_;
};

TEST_F(TlsTest, ServerNeedsCertificateAndKeyTogether) {
  std::string error;
  TlsFiles files;
  files.cert_file = write("cert.pem", "x");
  EXPECT_EQ(make_server_tls(files, error), nullptr);
  EXPECT_EQ(error,
            "KeyFile and CertFile must both be present[key: , cert: " + files.cert_file + "]");
}

TEST_F(TlsTest, MissingFileIsNamedInGoWords) {
  std::string error;
  TlsFiles files;
  files.cert_file = (dir_ / "absent.pem").string();
  files.key_file = (dir_ / "absent.key").string();
  EXPECT_EQ(make_server_tls(files, error), nullptr);
  EXPECT_EQ(error, "open " + files.cert_file + ": no such file or directory");
}

TEST_F(TlsTest, FileThatIsNotPemIsRefusedWithTheReason) {
  std::string error;
  TlsFiles files;
  files.cert_file = write("cert.pem", "not a certificate\n");
  files.key_file = write("key.pem", "not a key\n");
  EXPECT_EQ(make_server_tls(files, error), nullptr);
  EXPECT_EQ(error.rfind("cannot use certificate file " + files.cert_file + ": ", 0), 0u) << error;
}

TEST_F(TlsTest, ClientWithoutFilesUsesTheSystemRoots) {
  std::string error;
  auto ctx = make_client_tls(TlsFiles{}, error);
  ASSERT_NE(ctx, nullptr) << error;
  EXPECT_EQ(SSL_CTX_get_verify_mode(ctx->native_handle()), SSL_VERIFY_PEER);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx->native_handle()), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_verify_mode(default_client_tls().native_handle()), SSL_VERIFY_PEER);
}

TEST_F(TlsTest, ClientTrustedCaFileMustBeUsable) {
  std::string error;
  TlsFiles files;
  files.trusted_ca_file = write("ca.pem", "garbage\n");
  EXPECT_EQ(make_client_tls(files, error), nullptr);
  EXPECT_EQ(error.rfind("cannot use trusted CA file " + files.trusted_ca_file + ": ", 0), 0u)
      << error;
}

TEST_F(TlsTest, InsecureClientVerifiesNothing) {
  std::string error;
  TlsFiles files;
  files.insecure_skip_verify = true;
  files.trusted_ca_file = (dir_ / "never-read.pem").string();
  auto ctx = make_client_tls(files, error);
  ASSERT_NE(ctx, nullptr) << error;
  EXPECT_EQ(SSL_CTX_get_verify_mode(ctx->native_handle()), SSL_VERIFY_NONE);
}

boost::system::error_code ssl_reason(int reason) {
  // (ERR_PACK without its C casts)
  unsigned long packed = (static_cast<unsigned long>(ERR_LIB_SSL) << ERR_LIB_OFFSET) |
                         static_cast<unsigned long>(reason);
  return {static_cast<int>(packed), boost::asio::error::get_ssl_category()};
}

TEST(TlsAlertTest, ReceivedAlertsInGoWords) {
  EXPECT_TRUE(is_tls_alert(ssl_reason(SSL_R_SSLV3_ALERT_BAD_CERTIFICATE)));
  EXPECT_EQ(go_tls_alert_text(ssl_reason(SSL_R_SSLV3_ALERT_BAD_CERTIFICATE)),
            "remote error: tls: bad certificate");
  EXPECT_EQ(go_tls_alert_text(ssl_reason(SSL_R_TLSV1_ALERT_UNKNOWN_CA)),
            "remote error: tls: unknown certificate authority");
  EXPECT_EQ(go_tls_alert_text(ssl_reason(SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)),
            "remote error: tls: certificate required");
  // Not alerts: a local verification failure, a plain socket error.
  EXPECT_FALSE(is_tls_alert(ssl_reason(SSL_R_CERTIFICATE_VERIFY_FAILED)));
  EXPECT_FALSE(is_tls_alert(boost::asio::error::connection_reset));
}

}  // namespace
}  // namespace etcdpp::http
