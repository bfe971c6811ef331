#include "cmd/tls_flags.h"

namespace etcdpp::cmd {

namespace {

// The four flags of one side: "" for the client side, "peer-" for the peer side.
http::TlsFiles tls_files(const FlagValues& f, const std::string& prefix) {
  http::TlsFiles files;
  files.cert_file = f.get(prefix + "cert-file");
  files.key_file = f.get(prefix + "key-file");
  files.trusted_ca_file = f.get(prefix + "trusted-ca-file");
  files.client_cert_auth = f.get_bool(prefix + "client-cert-auth");
  return files;
}

}  // namespace

http::TlsFiles client_tls_files(const FlagValues& f) { return tls_files(f, ""); }

http::TlsFiles peer_tls_files(const FlagValues& f) { return tls_files(f, "peer-"); }

}  // namespace etcdpp::cmd
