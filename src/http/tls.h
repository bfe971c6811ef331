#pragma once
// TLS settings as etcd's flags give them (--cert-file, --key-file, --trusted-ca-file,
// --client-cert-auth and their --peer-* twins), turned into OpenSSL contexts for the two
// sides of a connection, and the handshakes.
//
// As etcd 3.4 (Go's crypto/tls with etcd's TLSInfo): TLS 1.2 at least; a server with a
// trusted CA file or client_cert_auth requires clients to present a certificate signed by that
// CA (without either, it asks for none); a client verifies the server's chain against the trusted
// CA (the system's roots when none is given) and the URL's host against the certificate (DNS name,
// or IP address for an IP host), and presents its own certificate when it has one.
#include "http/stream.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::http {

struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;
  bool client_cert_auth = false;      // server side: require verified client certificates
                                      // (a trusted CA file alone requires them too)
  bool insecure_skip_verify = false;  // client side: accept any server certificate
  // Server side, with client certificates: what the client's certificate must also carry —
  // this CommonName (--peer-cert-allowed-cn), this name or address in its SANs
  // (--*-cert-allowed-hostname) — and a revocation list it must not be on (--*-crl-file).
  std::string allowed_cn;
  std::string allowed_hostname;
  std::string crl_file;
  // And (etcd 3.4's checkSAN, on peer and proxy listeners) the address the client connects
  // from must be one its certificate names, when it names any (check_client_san_of).
  bool check_client_san = false;
  // TLS 1.2 cipher suites by Go's names (--cipher-suites), both sides; empty: OpenSSL's
  // defaults. TLS 1.3 suites are not configurable (as in Go).
  std::vector<std::string> cipher_suites;

  // No TLS setting at all (etcd's TLSInfo.Empty(): no certificate and no key).
  bool empty() const { return cert_file.empty() && key_file.empty(); }
};

// A server context: certificate and key are required. nullptr and `error` (naming the file
// and OpenSSL's reason) when a file cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_server_tls(const TlsFiles& files,
                                                           std::string& error);

// A client context (certificate and key optional, both or neither). nullptr and `error` when
// a file cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_client_tls(const TlsFiles& files,
                                                           std::string& error);

// The client context of a connection that has no TLS flags of its own (etcdppctl without
// --ca-file): the system's trusted roots, no client certificate. Made once; thread-safe.
boost::asio::ssl::context& default_client_tls();

// Prepares a client connection's TLS (before its handshake) for `host`: SNI for a name (none
// for an IP address, as Go), and — when `verify` — the certificate must name `host` (DNS name,
// or IP address for an IP host; checked by OpenSSL with the chain).
void prepare_client_tls(SSL* ssl, const std::string& host, bool verify);
void prepare_client_tls(Stream& stream, const std::string& host, bool verify);

// With a context made from TlsFiles::check_client_san: why the certificate `cert` of a client
// connecting from `remote` is refused — it names IP addresses or DNS names and none of them is
// (or resolves to) `remote` — or empty when it is not (always empty for other contexts).
boost::asio::awaitable<std::string> client_san_mismatch(SSL* ssl,
                                                        const boost::asio::ip::address& remote);

// A certificate's subject alternative names of one kind: DNS names, or IP addresses as text.
std::vector<std::string> certificate_names(X509* cert, bool addresses);

// The subject common names of a server connection's verified client certificate chain, leaf
// first (Go's VerifiedChains, as etcd's v2 auth reads them); empty without one.
std::vector<std::string> verified_common_names(SSL* ssl);

// Why a client handshake failed, in Go's words where it has them ("x509: certificate signed by
// unknown authority", "x509: certificate is valid for 127.0.0.1, not 127.0.0.2", ...), else
// OpenSSL's reason.
std::string client_handshake_error(SSL* ssl, const std::string& host,
                                   const boost::system::error_code& ec);

// The handshake, server or client side, according to the stream's role. `ec` as asio's.
boost::asio::awaitable<void> tls_handshake(Stream& stream,
                                           boost::asio::ssl::stream_base::handshake_type role,
                                           boost::system::error_code& ec);

// Whether `ec` is a TLS alert the other side sent, and Go's text for it ("remote error: tls:
// bad certificate").
bool is_tls_alert(const boost::system::error_code& ec);
std::string go_tls_alert_text(const boost::system::error_code& ec);

// What failed in a handshake, in few words: OpenSSL's reason ("certificate verify failed",
// "wrong version number") or asio's message.
std::string tls_error_text(const boost::system::error_code& ec);

}  // namespace etcdpp::http
