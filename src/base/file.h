#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace etcdpp::base {

// Replaces `path` with `bytes` so that a crash leaves either the old or the new content:
// writes <path><tmp_suffix> (mode 0600), fsyncs it, renames it over `path`, fsyncs the
// directory. Returns an error text, empty on success.
std::string write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                                  std::string_view tmp_suffix = ".tmp");

}  // namespace etcdpp::base
