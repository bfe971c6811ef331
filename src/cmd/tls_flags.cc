#include "cmd/tls_flags.h"

#include "base/strings.h"

namespace etcdpp::cmd {

namespace {

// The four flags of one side: "" for the client side, "peer-" for the peer side.
http::TlsFiles tls_files(const FlagValues& f, const std::string& prefix) {
  http::TlsFiles files;
  files.cert_file = f.get(prefix + "cert-file");
  files.key_file = f.get(prefix + "key-file");
  files.trusted_ca_file = f.get(prefix + "trusted-ca-file");
  files.client_cert_auth = f.get_bool(prefix + "client-cert-auth");
  files.crl_file = f.get(prefix.empty() ? "client-crl-file" : prefix + "crl-file");
  files.allowed_hostname = f.get((prefix.empty() ? "client-" : prefix) + "cert-allowed-hostname");
  if (!prefix.empty()) {
    files.allowed_cn = f.get(prefix + "cert-allowed-cn");
    // etcd 3.4 checks peers' certificate SANs against their addresses (checkSAN).
    files.check_client_san = !f.get_bool("experimental-peer-skip-client-san-verification");
  }
  for (const auto& suite : base::split(f.get("cipher-suites"), ',')) {
    if (!suite.empty()) files.cipher_suites.push_back(suite);
  }
  return files;
}

}  // namespace

http::TlsFiles client_tls_files(const FlagValues& f) { return tls_files(f, ""); }

http::TlsFiles peer_tls_files(const FlagValues& f) { return tls_files(f, "peer-"); }

}  // namespace etcdpp::cmd
