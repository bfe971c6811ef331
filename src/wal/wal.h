#pragma once
// Write-ahead log: the durable record of everything a member has accepted.
//
// Layout: <dir>/<seq:016x>-<first_index:016x>.wal segment files, written in order. A segment
// is closed once it exceeds segment_bytes and the next one starts with the following record.
//
// Record framing (little-endian):
//   u32 length   bytes of type + payload (at most kMaxRecordBytes)
//   u32 crc      CRC-32C of type + payload
//   u8  type     kind of record (the caller's meaning)
//   ... payload
//
// Durability contract: append() buffers (in memory, then in the kernel); nothing is durable
// until sync() returns (fdatasync of the segment; the directory is fsynced when a segment is
// created). Callers acknowledge a write only after the sync() that covers it — and may cover many
// appends with one sync (group commit).
//
// Space is preallocated ahead of the records, kPreallocateBytes at a time (fallocate): an
// fdatasync that need not record a new file size costs less (about 15% on ext4 here). The
// zeros after the last record are the segment's clean end; a closed segment is trimmed to its
// records, so only the last one can end in preallocated space.
//
// Opening a log replays every record. A crash can leave the *tail* of the last segment torn
// (a partial header, a partial record, or a record whose CRC does not match because its bytes
// never reached the disk): that tail is cut off and the log continues from the last good
// record. A bad record anywhere else — an earlier segment, or followed by good records — is
// corruption: open() fails with a message naming the file and the byte offset, and nothing
// is repaired silently.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace etcdpp::wal {

struct Record {
  uint8_t type = 0;
  std::string payload;
};

struct Options {
  uint64_t segment_bytes = 64 * 1024 * 1024;
  // --unsafe-no-fsync (etcd's, for throwaway test clusters): sync() writes but does not
  // fdatasync, so a machine crash can lose acknowledged writes. A process crash cannot: the
  // data is in the kernel's page cache.
  bool unsafe_no_fsync = false;
};

constexpr uint32_t kMaxRecordBytes = 64 * 1024 * 1024;

class Wal {
 public:
  // Opens (creating the directory if needed) and replays the log into `replayed`. Returns
  // nullopt and sets `error` on corruption or an I/O failure.
  static std::optional<Wal> open(const std::filesystem::path& dir, const Options& options,
                                 std::vector<Record>& replayed, std::string& error);

  Wal(Wal&& other) noexcept;
  Wal& operator=(Wal&& other) noexcept;
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;
  ~Wal();

  // Appends a record (not yet durable). Returns an error text, empty on success.
  std::string append(const Record& record);
  // Makes every appended record durable.
  std::string sync();

  // Number of the next record (records are numbered from 0 across all segments, including
  // purged ones).
  uint64_t next_record() const { return records_; }
  // Starts a new segment, so that everything written so far can later be purged.
  std::string cut();
  // Deletes the oldest segments whose records all come before `record` (never the segment
  // being written). Returns an error text, empty on success.
  std::string purge_before(uint64_t record);

  // Bytes cut from a torn tail when the log was opened (0 when it was clean).
  uint64_t repaired_bytes() const { return repaired_bytes_; }
  size_t segment_count() const { return segments_.size(); }
  // The number of the first record of the segment being written.
  uint64_t current_segment_first_record() const { return segments_.back().first_record; }
  // The number of the first record of each segment, oldest first (segment i holds records
  // [first(i), first(i+1))). The last one is the segment being written.
  std::vector<uint64_t> segment_first_records() const {
    std::vector<uint64_t> out;
    for (const auto& s : segments_) out.push_back(s.first_record);
    return out;
  }

 private:
  Wal() = default;
  std::string start_segment();
  // Writes the pending records to the segment file.
  std::string flush();
  // Makes the segment file at least `end` bytes long (zeros), in steps of kPreallocateBytes.
  void preallocate(uint64_t end);
  // Flushes, trims the preallocated space and syncs the segment file.
  std::string finish_segment();
  // finish_segment() as far as it goes, then closes the file (destruction, move).
  void close_segment();
  // Bytes of the records in the segment being written (on file and pending).
  uint64_t segment_bytes() const { return file_pos_ + pending_.size(); }
  static constexpr size_t kFlushBytes = 1 << 20;
  static constexpr uint64_t kPreallocateBytes = 4 << 20;

  struct Segment {
    uint64_t seq;
    uint64_t first_record;
    std::filesystem::path path;
  };
  std::vector<Segment> segments_;

  std::filesystem::path dir_;
  Options options_;
  int fd_ = -1;
  uint64_t seq_ = 0;
  uint64_t records_ = 0;   // records written in total (names the next segment)
  uint64_t file_pos_ = 0;  // where the next flush writes: the end of the records on file
  uint64_t file_end_ = 0;  // the file's size (records, then preallocated zeros)
  bool preallocate_ = true;
  uint64_t repaired_bytes_ = 0;
  std::string pending_;  // framed records not yet written (see flush)
};

}  // namespace etcdpp::wal
