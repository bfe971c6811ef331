#include "http/tls.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace etcdpp::http {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

namespace {

// Go's error for a file it cannot open, before OpenSSL gets to say something vaguer.
bool readable(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (in) return true;
  std::string reason = std::strerror(errno);  // Go's errno texts are glibc's, lower-cased
  if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
  error = "open " + path + ": " + reason;
  return false;
}

std::string openssl_reason(const boost::system::error_code& ec) {
  if (ec.category() == asio::error::get_ssl_category()) {
    // (The reason texts are loaded with the library's first context; not before.)
    static const bool loaded = OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, nullptr) == 1;
    (void)loaded;
    if (const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) {
      return reason;
    }
  }
  return ec.message();
}

// etcd's TLSInfo checks, then the certificate and key (their match is checked by OpenSSL).
bool load_identity(ssl::context& ctx, const TlsFiles& files, std::string& error) {
  if (files.cert_file.empty() || files.key_file.empty()) {
    error = "KeyFile and CertFile must both be present[key: " + files.key_file +
            ", cert: " + files.cert_file + "]";
    return false;
  }
  if (!readable(files.cert_file, error) || !readable(files.key_file, error)) return false;
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(files.cert_file, ec);
  if (ec) {
    error = "cannot use certificate file " + files.cert_file + ": " + openssl_reason(ec);
    return false;
  }
  ctx.use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) {
    error = "cannot use key file " + files.key_file + " (with certificate " + files.cert_file +
            "): " + openssl_reason(ec);
    return false;
  }
  return true;
}

bool load_trusted_ca(ssl::context& ctx, const std::string& path, std::string& error) {
  if (!readable(path, error)) return false;
  boost::system::error_code ec;
  ctx.load_verify_file(path, ec);
  if (ec) {
    error = "cannot use trusted CA file " + path + ": " + openssl_reason(ec);
    return false;
  }
  return true;
}

// --cipher-suites: Go's names are IANA's (but for the CHACHA20 suites, which IANA names with
// their hash); OpenSSL translates IANA names to its own.
bool apply_cipher_suites(ssl::context& ctx, const std::vector<std::string>& names,
                         std::string& error) {
  if (names.empty()) return true;
  std::string list;
  for (const auto& name : names) {
    std::string standard = name;
    if (standard.size() > 17 && standard.ends_with("_CHACHA20_POLY1305")) standard += "_SHA256";
    const char* own = OPENSSL_cipher_name(standard.c_str());
    if (!own || std::string_view(own) == "(NONE)") {
      error = "unexpected TLS cipher suite \"" + name + "\" (not one this OpenSSL offers)";
      return false;
    }
    list += (list.empty() ? "" : ":") + std::string(own);
  }
  if (SSL_CTX_set_cipher_list(ctx.native_handle(), list.c_str()) != 1) {
    error = "cannot use the TLS cipher suites " + list;
    return false;
  }
  return true;
}

// What a client certificate must carry besides a valid chain (allowed CN, allowed host name),
// kept with the server context and checked on the certificate itself (depth 0).
struct ClientCertRule {
  std::string cn;
  std::string hostname;
  bool check_san = false;  // checked after the handshake: client_san_mismatch
};

int rule_slot() {
  static const int slot = SSL_CTX_get_ex_new_index(
      0, nullptr, nullptr, nullptr, [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
        delete static_cast<ClientCertRule*>(ptr);
      });
  return slot;
}

int check_client_rule(int preverified, X509_STORE_CTX* store) {
  if (!preverified || X509_STORE_CTX_get_error_depth(store) != 0) return preverified;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* rule =
      ssl ? static_cast<ClientCertRule*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), rule_slot()))
          : nullptr;
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  if (!rule || !cert) return preverified;
  bool ok = true;  // (check_san needs the peer's address: after the handshake)
  if (!rule->cn.empty()) {
    std::array<char, 256> cn{};
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn.data(),
                                      static_cast<int>(cn.size()));
    ok = n >= 0 && rule->cn == std::string_view(cn.data(), static_cast<size_t>(n));
  }
  if (ok && !rule->hostname.empty()) {
    boost::system::error_code not_ip;
    asio::ip::make_address(rule->hostname, not_ip);
    // SANs only, as Go's VerifyHostname (never the subject's CN).
    ok = not_ip ? X509_check_host(cert, rule->hostname.c_str(), rule->hostname.size(),
                                  X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr) == 1
                : X509_check_ip_asc(cert, rule->hostname.c_str(), 0) == 1;
  }
  if (!ok) X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  return ok ? 1 : 0;
}

std::shared_ptr<ssl::context> new_context(ssl::context::method method) {
  auto ctx = std::make_shared<ssl::context>(method);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  // Renegotiation is refused (Go's default), and a peer that closes without close_notify is
  // an end of stream like any other (Go's reading of HTTP/1.1 over TLS).
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                   SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  return ctx;
}

}  // namespace

std::shared_ptr<ssl::context> make_server_tls(const TlsFiles& files, std::string& error) {
  auto ctx = new_context(ssl::context::tls_server);
  // Sessions resume through tickets (stateless) only: a server-side session cache would keep
  // every client's session for up to 5 minutes (20 000 of them by default).
  SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_OFF);
  if (!load_identity(*ctx, files, error)) return nullptr;
  // As etcd 3.4: a trusted CA file alone already requires client certificates.
  if (files.client_cert_auth || !files.trusted_ca_file.empty()) {
    if (files.trusted_ca_file.empty()) {
      error = "client certificate authentication needs a trusted CA file (--trusted-ca-file)";
      return nullptr;
    }
    if (!load_trusted_ca(*ctx, files.trusted_ca_file, error)) return nullptr;
    // The CA names go into the certificate request, so that clients pick a matching one.
    SSL_CTX_set_client_CA_list(ctx->native_handle(),
                               SSL_load_client_CA_file(files.trusted_ca_file.c_str()));
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    if (!files.crl_file.empty()) {
      if (!readable(files.crl_file, error)) return nullptr;
      X509_STORE* store = SSL_CTX_get_cert_store(ctx->native_handle());
      if (X509_load_crl_file(X509_STORE_add_lookup(store, X509_LOOKUP_file()),
                             files.crl_file.c_str(), X509_FILETYPE_PEM) <= 0) {
        error = "cannot use CRL file " + files.crl_file;
        return nullptr;
      }
      X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    }
    if (!files.allowed_cn.empty() || !files.allowed_hostname.empty() || files.check_client_san) {
      SSL_CTX_set_ex_data(
          ctx->native_handle(), rule_slot(),
          new ClientCertRule{files.allowed_cn, files.allowed_hostname, files.check_client_san});
      SSL_CTX_set_verify(ctx->native_handle(), SSL_CTX_get_verify_mode(ctx->native_handle()),
                         check_client_rule);
    }
  }
  if (!apply_cipher_suites(*ctx, files.cipher_suites, error)) return nullptr;
  return ctx;
}

std::shared_ptr<ssl::context> make_client_tls(const TlsFiles& files, std::string& error) {
  auto ctx = new_context(ssl::context::tls_client);
  if ((!files.cert_file.empty() || !files.key_file.empty()) && !load_identity(*ctx, files, error)) {
    return nullptr;
  }
  if (!apply_cipher_suites(*ctx, files.cipher_suites, error)) return nullptr;
  if (files.insecure_skip_verify) {
    ctx->set_verify_mode(ssl::verify_none);
    return ctx;
  }
  if (!files.trusted_ca_file.empty()) {
    if (!load_trusted_ca(*ctx, files.trusted_ca_file, error)) return nullptr;
  } else {
    boost::system::error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) {
      error = "cannot load the system's trusted CA certificates: " + openssl_reason(ec);
      return nullptr;
    }
  }
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

ssl::context& default_client_tls() {
  static const std::shared_ptr<ssl::context> context = [] {
    std::string ignored;  // without system roots, verification fails later, with its reason
    auto ctx = make_client_tls(TlsFiles{}, ignored);
    if (!ctx) {
      ctx = new_context(ssl::context::tls_client);
      ctx->set_verify_mode(ssl::verify_peer);
    }
    return ctx;
  }();
  return *context;
}

namespace {

// A client connection keeps the server's certificate as verification saw it, so that a
// failure can name what the certificate is valid for (OpenSSL does not keep a certificate it
// refused). Stored in the connection's own ex_data slot (asio uses the app data slot).
int leaf_slot() {
  static const int slot = SSL_get_ex_new_index(
      0, nullptr, nullptr, nullptr, [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
        if (ptr) X509_free(static_cast<X509*>(ptr));
      });
  return slot;
}

int keep_leaf(int preverified, X509_STORE_CTX* store) {
  if (X509_STORE_CTX_get_error_depth(store) == 0) {
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    X509* cert = X509_STORE_CTX_get_current_cert(store);
    if (ssl && cert && !SSL_get_ex_data(ssl, leaf_slot()) && X509_up_ref(cert) == 1) {
      SSL_set_ex_data(ssl, leaf_slot(), cert);
    }
  }
  return preverified;
}

}  // namespace

void prepare_client_tls(SSL* ssl, const std::string& host, bool verify) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  bool is_address = !ec;
  if (!is_address) {
    // (SSL_set_tlsext_host_name, without the macro's C cast)
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
  }
  if (!verify) return;
  SSL_set_verify(ssl, SSL_get_verify_mode(ssl), keep_leaf);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (is_address) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
}

void prepare_client_tls(Stream& stream, const std::string& host, bool verify) {
  prepare_client_tls(stream.tls()->native_handle(), host, verify);
}

namespace {

// Go's x509.HostnameError text.
std::string hostname_error(SSL* ssl, const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  bool is_address = !ec;
  auto* cert = static_cast<X509*>(SSL_get_ex_data(ssl, leaf_slot()));
  std::vector<std::string> valid =
      cert ? certificate_names(cert, is_address) : std::vector<std::string>{};
  if (is_address && valid.empty()) {
    return "x509: cannot validate certificate for " + host +
           " because it doesn't contain any IP SANs";
  }
  if (valid.empty()) {
    return "x509: certificate is not valid for any names, but wanted to match " + host;
  }
  std::string list;
  for (const auto& v : valid) list += (list.empty() ? "" : ", ") + v;
  return "x509: certificate is valid for " + list + ", not " + host;
}

}  // namespace

std::vector<std::string> verified_common_names(SSL* ssl) {
  std::vector<std::string> out;
  if (!ssl || SSL_get_verify_result(ssl) != X509_V_OK) return out;
  STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl);
  for (int i = 0; chain && i < sk_X509_num(chain); ++i) {
    X509_NAME* subject = X509_get_subject_name(sk_X509_value(chain, i));
    int at = subject ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
    if (at < 0) {
      out.emplace_back();  // Go's CommonName is "" then
      continue;
    }
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
  }
  return out;
}

std::vector<std::string> certificate_names(X509* cert, bool addresses) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (!addresses && name->type == GEN_DNS) {
      const auto* s = name->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (addresses && name->type == GEN_IPADD) {
      const auto* s = name->d.iPAddress;
      const unsigned char* bytes = ASN1_STRING_get0_data(s);
      int len = ASN1_STRING_length(s);
      if (len == 4) {
        out.push_back(asio::ip::address_v4({bytes[0], bytes[1], bytes[2], bytes[3]}).to_string());
      } else if (len == 16) {
        asio::ip::address_v6::bytes_type b;
        std::copy(bytes, bytes + 16, b.begin());
        out.push_back(asio::ip::address_v6(b).to_string());
      }
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

asio::awaitable<std::string> client_san_mismatch(SSL* ssl, const asio::ip::address& remote) {
  auto* rule = static_cast<ClientCertRule*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), rule_slot()));
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!rule || !rule->check_san || !cert) co_return std::string();
  std::vector<std::string> addresses = certificate_names(cert, true);
  std::vector<std::string> names = certificate_names(cert, false);
  if (addresses.empty() && names.empty()) co_return std::string();
  std::string host = remote.to_string();
  for (const auto& a : addresses) {
    boost::system::error_code ec;
    if (asio::ip::make_address(a, ec) == remote && !ec) co_return std::string();
  }
  // DNS names count when one of them resolves to the client's address (as etcd: each looked
  // up; asynchronously here, bounded by the connection's handshake deadline).
  asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
  for (const auto& name : names) {
    boost::system::error_code ec;
    auto results =
        co_await resolver.async_resolve(name, "", asio::redirect_error(asio::use_awaitable, ec));
    if (ec) continue;
    for (const auto& entry : results) {
      if (entry.endpoint().address() == remote) co_return std::string();
    }
  }
  std::string list;
  for (const auto& v : addresses.empty() ? names : addresses)
    list += (list.empty() ? "" : ", ") + v;
  co_return "x509: certificate is valid for " + list + ", not " + host;
}

std::string client_handshake_error(SSL* ssl, const std::string& host,
                                   const boost::system::error_code& ec) {
  long result = SSL_get_verify_result(ssl);
  switch (result) {
    case X509_V_OK: break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return "x509: certificate signed by unknown authority";
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID: return "x509: certificate has expired or is not yet valid";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: return hostname_error(ssl, host);
    default: return std::string("x509: ") + X509_verify_cert_error_string(result);
  }
  if (is_tls_alert(ec)) return go_tls_alert_text(ec);
  return "tls: " + openssl_reason(ec);
}

namespace {

// OpenSSL names a received alert "sslv3 alert <name>", "tlsv1 alert <name>" or "tlsv13 alert
// <name>"; the part after the prefix, or empty.
std::string_view alert_name(const boost::system::error_code& ec, std::string& storage) {
  if (ec.category() != asio::error::get_ssl_category()) return {};
  storage = openssl_reason(ec);
  for (std::string_view prefix : {"sslv3 alert ", "tlsv1 alert ", "tlsv13 alert "}) {
    if (storage.rfind(prefix, 0) == 0) return std::string_view(storage).substr(prefix.size());
  }
  return {};
}

}  // namespace

bool is_tls_alert(const boost::system::error_code& ec) {
  std::string storage;
  return !alert_name(ec, storage).empty();
}

std::string go_tls_alert_text(const boost::system::error_code& ec) {
  std::string storage;
  std::string name(alert_name(ec, storage));
  // Where Go's names differ from OpenSSL's.
  if (name == "unknown ca") name = "unknown certificate authority";
  if (name == "certificate unknown") name = "unknown certificate";
  return "remote error: tls: " + name;
}

asio::awaitable<void> tls_handshake(Stream& stream, ssl::stream_base::handshake_type role,
                                    boost::system::error_code& ec) {
  co_await stream.tls()->async_handshake(role, asio::redirect_error(asio::use_awaitable, ec));
}

std::string tls_error_text(const boost::system::error_code& ec) { return openssl_reason(ec); }

}  // namespace etcdpp::http
