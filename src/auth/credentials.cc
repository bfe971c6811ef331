#include "auth/credentials.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace etcdpp::auth {

namespace {

constexpr int kBcryptCost = 10;

// crypt_data is 32 KB: on the heap, never on a coroutine's frame or a small stack.
std::optional<std::string> crypt_with(std::string_view password, const std::string& setting) {
  auto data = std::make_unique<crypt_data>();
  std::string pw(password);
  char* out = crypt_rn(pw.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  OPENSSL_cleanse(pw.data(), pw.size());
  if (!out || out[0] == '*') return std::nullopt;  // "*…" is crypt's failure token
  return std::string(out);
}

bool is_base64_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
}

}  // namespace

std::string hash_password(std::string_view password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$2a$", kBcryptCost, nullptr, 0, setting, sizeof setting)) return {};
  return crypt_with(password, setting).value_or(std::string());
}

bool password_matches(std::string_view hash, std::string_view password) {
  if (!hash.starts_with("$2")) return false;  // only bcrypt hashes are ever stored
  auto computed = crypt_with(password, std::string(hash));
  return computed && computed->size() == hash.size() &&
         CRYPTO_memcmp(computed->data(), hash.data(), hash.size()) == 0;
}

std::string PasswordChecker::key_of(std::string_view hash, std::string_view password) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(password.data()), password.size(), digest);
  std::string key(hash);
  key.push_back('\0');
  key.append(reinterpret_cast<const char*>(digest), sizeof digest);
  return key;
}

bool PasswordChecker::remembered(std::string_view hash, std::string_view password) const {
  return verified_.contains(key_of(hash, password));
}

void PasswordChecker::remember(std::string_view hash, std::string_view password) {
  if (verified_.size() >= capacity_) verified_.clear();
  verified_.insert(key_of(hash, password));
}

bool PasswordChecker::matches(std::string_view hash, std::string_view password) {
  if (remembered(hash, password)) return true;
  if (!password_matches(hash, password)) return false;
  remember(hash, password);
  return true;
}

std::optional<std::pair<std::string, std::string>> parse_basic_auth(std::string_view header) {
  constexpr std::string_view prefix = "basic ";
  if (header.size() < prefix.size() ||
      !std::equal(prefix.begin(), prefix.end(), header.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return std::nullopt;
  }
  std::string_view encoded = header.substr(prefix.size());
  // Go's base64.StdEncoding: padded, its alphabet only.
  if (encoded.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  while (padding < 2 && padding < encoded.size() && encoded[encoded.size() - 1 - padding] == '=') {
    ++padding;
  }
  std::string_view body = encoded.substr(0, encoded.size() - padding);
  if (!std::all_of(body.begin(), body.end(), is_base64_char)) return std::nullopt;
  std::string decoded(encoded.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                          reinterpret_cast<const unsigned char*>(encoded.data()),
                          static_cast<int>(encoded.size()));
  if (n < 0) return std::nullopt;
  decoded.resize(static_cast<size_t>(n) - padding);
  auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded.substr(0, colon), decoded.substr(colon + 1));
}

std::string basic_auth_header(std::string_view user, std::string_view password) {
  std::string plain = std::string(user) + ":" + std::string(password);
  std::string encoded((plain.size() + 2) / 3 * 4 + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                          reinterpret_cast<const unsigned char*>(plain.data()),
                          static_cast<int>(plain.size()));
  encoded.resize(static_cast<size_t>(n));
  return "Basic " + encoded;
}

}  // namespace etcdpp::auth
