#pragma once
// --auto-tls and --peer-auto-tls: a self-signed certificate made at start, as etcd's
// transport.SelfCert makes it — an ECDSA P-256 key, organisation "etcd", valid for a year,
// server use, the hosts of the listen URLs as its names (IP addresses as IP SANs) — kept as
// <dir>/cert.pem and <dir>/key.pem (mode 0600) and reused when both are there already.
// Connections made with such settings do not verify the other side (etcd's selfCert
// TLSInfo: InsecureSkipVerify), as every member has its own self-signed certificate.
#include "http/tls.h"

#include <filesystem>
#include <string>
#include <vector>

namespace etcdpp::http {

// `hosts`: host names or IP addresses (no ports). On success fills `files` (certificate, key,
// insecure_skip_verify) and returns true; else `error` says what failed and where.
bool self_signed_tls(const std::filesystem::path& dir, const std::vector<std::string>& hosts,
                     TlsFiles& files, std::string& error);

}  // namespace etcdpp::http
