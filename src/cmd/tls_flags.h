#pragma once
// etcd's TLS flags read into the two TLS settings they make: the client side (--cert-file,
// --key-file, --trusted-ca-file, --client-cert-auth) and the peer side (--peer-*).
#include "cmd/flags.h"
#include "http/tls.h"

namespace etcdpp::cmd {

http::TlsFiles client_tls_files(const FlagValues& f);
http::TlsFiles peer_tls_files(const FlagValues& f);

}  // namespace etcdpp::cmd
