#include "http/self_cert.h"

#include <boost/asio/ip/address.hpp>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <system_error>

namespace etcdpp::http {

namespace fs = std::filesystem;

namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BigNumPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

bool add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// Writes `write`'s PEM to `path`, readable by the owner only.
template <class Write>
bool write_private_file(const fs::path& path, Write write, std::string& error) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) {
    error = "cannot create " + path.string() + ": " +
            std::error_code(errno, std::generic_category()).message();
    return false;
  }
  ::fchmod(fileno(f), 0600);
  bool ok = write(f) == 1;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) error = "cannot write " + path.string();
  return ok;
}

}  // namespace

bool self_signed_tls(const fs::path& dir, const std::vector<std::string>& hosts, TlsFiles& files,
                     std::string& error) {
  fs::path cert_path = dir / "cert.pem";
  fs::path key_path = dir / "key.pem";
  files = TlsFiles{};
  files.cert_file = cert_path.string();
  files.key_file = key_path.string();
  files.insecure_skip_verify = true;
  std::error_code ec;
  if (fs::exists(cert_path, ec) && fs::exists(key_path, ec)) return true;  // made earlier
  // Half a pair (a start stopped between the two writes) is made again.
  fs::remove(cert_path, ec);
  fs::remove(key_path, ec);

  fs::create_directories(dir, ec);
  if (ec) {
    error = "cannot create " + dir.string() + ": " + ec.message();
    return false;
  }
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);

  KeyPtr key(EVP_EC_gen("P-256"));
  CertPtr cert(X509_new());
  BigNumPtr serial(BN_new());
  if (!key || !cert || !serial ||
      BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
    error = "cannot generate a key for the self-signed certificate";
    return false;
  }
  X509_set_version(cert.get(), 2);
  BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("etcd"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string alt_names;
  for (const auto& host : hosts) {
    boost::system::error_code not_ip;
    boost::asio::ip::make_address(host, not_ip);
    alt_names += (alt_names.empty() ? "" : ",") + std::string(not_ip ? "DNS:" : "IP:") + host;
  }
  bool ok = add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
            add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
            add_extension(cert.get(), NID_ext_key_usage, "serverAuth") &&
            (alt_names.empty() || add_extension(cert.get(), NID_subject_alt_name, alt_names)) &&
            X509_sign(cert.get(), key.get(), EVP_sha256()) > 0;
  if (!ok) {
    error = "cannot make the self-signed certificate for [" + alt_names + "]";
    return false;
  }
  // The certificate last: both are there only when both were written.
  return write_private_file(
             key_path,
             [&](FILE* f) {
               return PEM_write_PrivateKey_ex(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr,
                                              nullptr, nullptr);
             },
             error) &&
         write_private_file(
             cert_path, [&](FILE* f) { return PEM_write_X509(f, cert.get()); }, error);
}

}  // namespace etcdpp::http
