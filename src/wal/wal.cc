#include "wal/wal.h"

#include "base/crc32c.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace etcdpp::wal {

namespace fs = std::filesystem;

namespace {

constexpr size_t kHeaderBytes = 8;

uint32_t read_u32(const char* p) {
  return static_cast<uint32_t>(static_cast<unsigned char>(p[0])) |
         static_cast<uint32_t>(static_cast<unsigned char>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(p[2])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(p[3])) << 24;
}

void write_u32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

std::string errno_text(const std::string& what, const fs::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

bool fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

struct SegmentName {
  uint64_t seq = 0;
  uint64_t first_record = 0;
};

std::optional<SegmentName> parse_segment_name(const std::string& name) {
  SegmentName out;
  unsigned long long a = 0, b = 0;
  char tail[8] = {};
  if (name.size() != 16 + 1 + 16 + 4 ||
      std::sscanf(name.c_str(), "%16llx-%16llx%4s", &a, &b, tail) != 3 ||
      std::string(tail) != ".wal") {
    return std::nullopt;
  }
  out.seq = a;
  out.first_record = b;
  return out;
}

std::string segment_file_name(uint64_t seq, uint64_t first_record) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016llx-%016llx.wal", static_cast<unsigned long long>(seq),
                static_cast<unsigned long long>(first_record));
  return buf;
}

bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
}

// Result of reading one segment.
struct SegmentScan {
  std::vector<Record> records;
  uint64_t good_bytes = 0;       // offset just past the last good record
  uint64_t zero_tail_bytes = 0;  // preallocated (zero) bytes after it, when the file is good
  std::string bad_reason;        // empty: the whole file was good
  bool bad_is_tail = false;      // the bad bytes run to the end of the file (a torn write)
};

SegmentScan scan_segment(const std::string& data) {
  SegmentScan scan;
  size_t off = 0;
  while (off < data.size()) {
    bool short_header = data.size() - off < kHeaderBytes;
    uint32_t length = short_header ? 0 : read_u32(data.data() + off);
    if ((short_header || length == 0) && all_zero(std::string_view(data).substr(off))) {
      // Preallocated space after the last record: the clean end of the segment.
      scan.zero_tail_bytes = data.size() - off;
      break;
    }
    if (short_header) {
      scan.bad_reason = "partial record header";
      scan.bad_is_tail = true;
      break;
    }
    uint32_t crc = read_u32(data.data() + off + 4);
    if (length == 0 || length > kMaxRecordBytes) {
      scan.bad_reason = "invalid record length " + std::to_string(length);
      break;
    }
    if (data.size() - off - kHeaderBytes < length) {
      scan.bad_reason = "partial record";
      scan.bad_is_tail = true;
      break;
    }
    std::string_view body(data.data() + off + kHeaderBytes, length);
    if (base::crc32c(body) != crc) {
      scan.bad_reason = "checksum mismatch";
      size_t end = off + kHeaderBytes + length;
      // Only the very last record may be torn; after it there may be zeroes, nothing else.
      scan.bad_is_tail = all_zero(std::string_view(data).substr(end));
      break;
    }
    scan.records.push_back(Record{static_cast<uint8_t>(body[0]), std::string(body.substr(1))});
    off += kHeaderBytes + length;
    scan.good_bytes = off;
  }
  return scan;
}

bool read_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

std::optional<Wal> Wal::open(const fs::path& dir, const Options& options,
                             std::vector<Record>& replayed, std::string& error) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    error = "wal: cannot create " + dir.string() + ": " + ec.message();
    return std::nullopt;
  }
  std::vector<std::pair<SegmentName, fs::path>> segments;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto name = parse_segment_name(entry.path().filename().string());
    if (name) segments.emplace_back(*name, entry.path());
  }
  std::sort(segments.begin(), segments.end(),
            [](const auto& a, const auto& b) { return a.first.seq < b.first.seq; });

  Wal wal;
  wal.dir_ = dir;
  wal.options_ = options;
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& [name, path] = segments[i];
    // Older segments may have been purged after a snapshot: the first one sets the start.
    if (i == 0) wal.records_ = name.first_record;
    uint64_t expected_seq = segments[0].first.seq + i;
    if (name.seq != expected_seq || name.first_record != wal.records_) {
      error = "wal: segment " + path.string() + " is out of sequence (expected sequence " +
              std::to_string(expected_seq) + " starting at record " + std::to_string(wal.records_) +
              "): a segment is missing or was renamed";
      return std::nullopt;
    }
    wal.segments_.push_back({name.seq, name.first_record, path});
    std::string data;
    if (!read_file(path, data)) {
      error = errno_text("wal: cannot read", path);
      return std::nullopt;
    }
    SegmentScan scan = scan_segment(data);
    bool last = i + 1 == segments.size();
    if (!last && scan.bad_reason.empty() && scan.zero_tail_bytes > 0) {
      // Closed segments are trimmed to their records before the next one is created.
      scan.bad_reason = "zeroes where records should follow";
    }
    if (!scan.bad_reason.empty()) {
      if (!last || !scan.bad_is_tail) {
        error = "wal: corrupt record in " + path.string() + " at offset " +
                std::to_string(scan.good_bytes) + ": " + scan.bad_reason +
                " (refusing to start; the data directory needs attention)";
        return std::nullopt;
      }
      // A torn tail: cut it off durably before appending after it.
      if (::truncate(path.c_str(), static_cast<off_t>(scan.good_bytes)) != 0) {
        error = errno_text("wal: cannot truncate", path);
        return std::nullopt;
      }
      wal.repaired_bytes_ = data.size() - scan.good_bytes;
    }
    wal.records_ += scan.records.size();
    for (auto& r : scan.records) replayed.push_back(std::move(r));
    if (last) {
      wal.fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (wal.fd_ < 0) {
        error = errno_text("wal: cannot open", path);
        return std::nullopt;
      }
      if (wal.repaired_bytes_ > 0 && ::fsync(wal.fd_) != 0) {
        error = errno_text("wal: cannot fsync", path);
        return std::nullopt;
      }
      wal.seq_ = name.seq;
      wal.file_pos_ = scan.good_bytes;
      wal.file_end_ = scan.good_bytes + scan.zero_tail_bytes;
    }
  }
  if (segments.empty()) {
    error = wal.start_segment();
    if (!error.empty()) return std::nullopt;
  }
  return std::optional<Wal>(std::move(wal));
}

Wal::Wal(Wal&& other) noexcept { *this = std::move(other); }

Wal& Wal::operator=(Wal&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close_segment();
    pending_ = std::move(other.pending_);
    other.pending_.clear();
    dir_ = std::move(other.dir_);
    options_ = other.options_;
    fd_ = std::exchange(other.fd_, -1);
    file_pos_ = other.file_pos_;
    file_end_ = other.file_end_;
    seq_ = other.seq_;
    records_ = other.records_;
    repaired_bytes_ = other.repaired_bytes_;
    preallocate_ = other.preallocate_;
    segments_ = std::move(other.segments_);
  }
  return *this;
}

Wal::~Wal() {
  if (fd_ >= 0) close_segment();
}

std::string Wal::finish_segment() {
  if (auto err = flush(); !err.empty()) return err;
  if (file_end_ > file_pos_ && ::ftruncate(fd_, static_cast<off_t>(file_pos_)) != 0) {
    return errno_text("wal: cannot trim the segment in", dir_);
  }
  file_end_ = file_pos_;
  if (::fdatasync(fd_) != 0) return errno_text("wal: cannot fsync the segment in", dir_);
  return {};
}

void Wal::close_segment() {
  // Best effort: what was appended reaches the disk (as without buffering), and the
  // preallocated space goes (a clean stop leaves the segment ending at its last record).
  finish_segment();
  ::close(fd_);
  fd_ = -1;
}

std::string Wal::start_segment() {
  uint64_t seq = segments_.empty() ? 0 : seq_ + 1;
  auto path = dir_ / segment_file_name(seq, records_);
  if (fd_ >= 0) {
    // The previous segment is complete: trimmed to its records and durable before the next
    // one exists, so that only the last segment can ever end in preallocated space.
    if (auto err = finish_segment(); !err.empty()) return err;
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errno_text("wal: cannot create", path);
  if (!fsync_dir(dir_)) {
    ::close(fd);
    return errno_text("wal: cannot fsync directory", dir_);
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  file_pos_ = 0;
  file_end_ = 0;
  seq_ = seq;
  segments_.push_back({seq, records_, path});
  return {};
}

std::string Wal::cut() {
  if (segment_bytes() == 0) return {};  // the current segment is empty already
  return start_segment();
}

std::string Wal::purge_before(uint64_t record) {
  // Segment i holds records [first_record(i), first_record(i+1)).
  while (segments_.size() > 1 && segments_[1].first_record <= record) {
    std::error_code ec;
    std::filesystem::remove(segments_.front().path, ec);
    if (ec) return "wal: cannot remove " + segments_.front().path.string() + ": " + ec.message();
    segments_.erase(segments_.begin());
  }
  if (!fsync_dir(dir_)) return errno_text("wal: cannot fsync directory", dir_);
  return {};
}

std::string Wal::append(const Record& record) {
  if (record.payload.size() + 1 > kMaxRecordBytes) {
    return "wal: record of " + std::to_string(record.payload.size()) + " bytes exceeds the limit";
  }
  if (segment_bytes() >= options_.segment_bytes) {
    auto err = start_segment();
    if (!err.empty()) return err;
  }
  // Framed into the pending buffer; written by flush() (at sync, or when it grows large), so
  // that a group of records costs one write system call.
  size_t at = pending_.size();
  pending_.resize(at + kHeaderBytes);
  pending_.push_back(static_cast<char>(record.type));
  pending_ += record.payload;
  std::string_view body(pending_.data() + at + kHeaderBytes, record.payload.size() + 1);
  write_u32(pending_.data() + at, static_cast<uint32_t>(body.size()));
  write_u32(pending_.data() + at + 4, base::crc32c(body));
  ++records_;
  if (pending_.size() >= kFlushBytes) return flush();
  return {};
}

void Wal::preallocate(uint64_t end) {
  if (end <= file_end_ || !preallocate_) return;
  uint64_t target = (end + kPreallocateBytes - 1) / kPreallocateBytes * kPreallocateBytes;
  // fallocate(2), not posix_fallocate: where the file system cannot preallocate, glibc's
  // posix_fallocate would emulate it by writing into every block.
  if (::fallocate(fd_, 0, static_cast<off_t>(file_end_), static_cast<off_t>(target - file_end_)) ==
      0) {
    file_end_ = target;
  } else if (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL) {
    preallocate_ = false;  // the file system cannot: records simply extend the file
  }
  // Other failures (a full disk) are left to the write that follows, which reports them.
}

std::string Wal::flush() {
  if (pending_.empty()) return {};
  preallocate(file_pos_ + pending_.size());
  size_t done = 0;
  while (done < pending_.size()) {
    ssize_t n = ::pwrite(fd_, pending_.data() + done, pending_.size() - done,
                         static_cast<off_t>(file_pos_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      pending_.erase(0, done);
      file_pos_ += done;
      return errno_text("wal: cannot write to", dir_);
    }
    done += static_cast<size_t>(n);
  }
  file_pos_ += done;
  file_end_ = std::max(file_end_, file_pos_);
  pending_.clear();
  if (pending_.capacity() > 4 * kFlushBytes) pending_.shrink_to_fit();
  return {};
}

std::string Wal::sync() {
  if (auto err = flush(); !err.empty()) return err;
  if (options_.unsafe_no_fsync) return {};
  if (::fdatasync(fd_) != 0) return errno_text("wal: cannot fsync", dir_);
  return {};
}

}  // namespace etcdpp::wal
