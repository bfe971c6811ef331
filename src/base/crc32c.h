#pragma once
#include <cstdint>
#include <string_view>

namespace etcdpp::base {

// CRC-32C (Castagnoli), the checksum of WAL records and snapshot files.
uint32_t crc32c(std::string_view data);

}  // namespace etcdpp::base
