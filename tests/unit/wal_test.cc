// Write-ahead log: round trip, segments, torn tails repaired, corruption refused with a message
// naming the file and the offset.
#include "wal/wal.h"

#include "base/crc32c.h"

#include <gtest/gtest.h>

#include "testutil/temp_dir.h"

#include <fstream>

namespace etcdpp::wal {
namespace {

namespace fs = std::filesystem;

class WalTest : public testutil::TempDirTest {
 protected:
  std::optional<Wal> open(std::vector<Record>& out, std::string& error, Options o = {}) {
    return Wal::open(dir, o, out, error);
  }
  void write_records(int n, Options o = {}) {
    std::vector<Record> replayed;
    std::string error;
    auto w = open(replayed, error, o);
    ASSERT_TRUE(w) << error;
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(w->append({1, "record-" + std::to_string(i)}), "");
    }
    ASSERT_EQ(w->sync(), "");
  }
  std::vector<fs::path> segments() {
    std::vector<fs::path> out;
    for (auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(WalTest, Crc32cKnownValue) {
  EXPECT_EQ(base::crc32c("123456789"), 0xE3069283u);  // the CRC-32C check value
}

TEST_F(WalTest, RoundTrip) {
  write_records(100);
  std::vector<Record> replayed;
  std::string error;
  auto w = open(replayed, error);
  ASSERT_TRUE(w) << error;
  ASSERT_EQ(replayed.size(), 100u);
  EXPECT_EQ(replayed[0].type, 1);
  EXPECT_EQ(replayed[99].payload, "record-99");
  EXPECT_EQ(w->repaired_bytes(), 0u);
  ASSERT_EQ(w->append({2, "after"}), "");
  ASSERT_EQ(w->sync(), "");
  replayed.clear();
  w.reset();
  ASSERT_TRUE(open(replayed, error));
  EXPECT_EQ(replayed.size(), 101u);
  EXPECT_EQ(replayed.back().payload, "after");
}

TEST_F(WalTest, UnsafeNoFsyncStillWritesBeforeAnswering) {
  // Without fdatasync the records are still in the file (a process crash keeps them).
  Options o;
  o.unsafe_no_fsync = true;
  write_records(3, o);
  std::vector<Record> replayed;
  std::string error;
  ASSERT_TRUE(open(replayed, error)) << error;
  ASSERT_EQ(replayed.size(), 3u);
  EXPECT_EQ(replayed[2].payload, "record-2");
}

TEST_F(WalTest, EmptyAndBinaryPayloads) {
  std::vector<Record> replayed;
  std::string error;
  {
    auto w = open(replayed, error);
    ASSERT_EQ(w->append({7, ""}), "");
    ASSERT_EQ(w->append({8, std::string("\0\xff\n", 3)}), "");
    ASSERT_EQ(w->sync(), "");
  }
  ASSERT_TRUE(open(replayed, error));
  ASSERT_EQ(replayed.size(), 2u);
  EXPECT_EQ(replayed[0].payload, "");
  EXPECT_EQ(replayed[1].payload, std::string("\0\xff\n", 3));
}

TEST_F(WalTest, SegmentsRollOver) {
  Options small;
  small.segment_bytes = 1000;
  write_records(200, small);
  EXPECT_GE(segments().size(), 4u);  // 200 records of 19 bytes, 1000-byte segments
  std::vector<Record> replayed;
  std::string error;
  auto w = open(replayed, error, small);
  ASSERT_TRUE(w) << error;
  ASSERT_EQ(replayed.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(replayed[i].payload, "record-" + std::to_string(i));
}

TEST_F(WalTest, TornTailIsCutOff) {
  write_records(10);
  auto seg = segments().back();
  auto size = fs::file_size(seg);
  fs::resize_file(seg, size - 3);  // the last record lost its end
  std::vector<Record> replayed;
  std::string error;
  auto w = open(replayed, error);
  ASSERT_TRUE(w) << error;
  EXPECT_EQ(replayed.size(), 9u);
  EXPECT_GT(w->repaired_bytes(), 0u);
  ASSERT_EQ(w->append({1, "next"}), "");
  ASSERT_EQ(w->sync(), "");
  replayed.clear();
  w.reset();
  ASSERT_TRUE(open(replayed, error)) << error;
  EXPECT_EQ(replayed.size(), 10u);
  EXPECT_EQ(replayed.back().payload, "next");
}

// Zeros after the last record are preallocated space (what a crash leaves): the clean end of
// the log, not a repair; the next record goes right after the last one.
TEST_F(WalTest, ZeroedTailIsTheCleanEnd) {
  write_records(5);
  {
    std::ofstream out(segments().back(), std::ios::binary | std::ios::app);
    out << std::string(4096, '\0');
  }
  std::vector<Record> replayed;
  std::string error;
  auto w = open(replayed, error);
  ASSERT_TRUE(w) << error;
  EXPECT_EQ(replayed.size(), 5u);
  EXPECT_EQ(w->repaired_bytes(), 0u);
  ASSERT_EQ(w->append({1, "next"}), "");
  ASSERT_EQ(w->sync(), "");
  replayed.clear();
  w.reset();
  ASSERT_TRUE(open(replayed, error)) << error;
  ASSERT_EQ(replayed.size(), 6u);
  EXPECT_EQ(replayed.back().payload, "next");
}

// While a segment is written its file runs ahead of the records (preallocated zeros); as if
// the process died there, a reopen replays exactly the records and appends after them. A clean
// close trims the file to its records.
TEST_F(WalTest, PreallocatedSpaceIsSkippedOnReopenAndTrimmedOnClose) {
  std::vector<Record> replayed;
  std::string error;
  auto w = open(replayed, error);
  ASSERT_TRUE(w) << error;
  uint64_t record_bytes = 0;
  for (int i = 0; i < 10; ++i) {
    std::string payload = "record-" + std::to_string(i);
    record_bytes += 8 + 1 + payload.size();
    ASSERT_EQ(w->append({1, payload}), "");
  }
  ASSERT_EQ(w->sync(), "");
  auto seg = segments().back();
  ASSERT_GT(fs::file_size(seg), record_bytes);  // preallocated

  // A copy of the directory as it is now is what a kill -9 leaves behind.
  fs::path crashed = dir / "crashed";
  fs::create_directories(crashed);
  fs::copy_file(seg, crashed / seg.filename());
  std::vector<Record> again;
  auto c = Wal::open(crashed, {}, again, error);
  ASSERT_TRUE(c) << error;
  ASSERT_EQ(again.size(), 10u);
  EXPECT_EQ(c->repaired_bytes(), 0u);
  ASSERT_EQ(c->append({1, "after-crash"}), "");
  ASSERT_EQ(c->sync(), "");
  c.reset();
  EXPECT_EQ(fs::file_size(crashed / seg.filename()), record_bytes + 8 + 1 + 11);
  again.clear();
  ASSERT_TRUE(Wal::open(crashed, {}, again, error)) << error;
  ASSERT_EQ(again.size(), 11u);
  EXPECT_EQ(again.back().payload, "after-crash");

  w.reset();
  EXPECT_EQ(fs::file_size(seg), record_bytes);
}

// A record torn by a crash inside preallocated space (its end never written: zeros) is cut off
// like any torn tail, and the log continues after the record before it.
TEST_F(WalTest, TornRecordInPreallocatedSpaceIsCutOff) {
  std::vector<Record> replayed;
  std::string error;
  auto w = open(replayed, error);
  ASSERT_TRUE(w) << error;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(w->append({1, "r" + std::to_string(i)}), "");
  ASSERT_EQ(w->sync(), "");
  auto seg = segments().back();
  fs::path crashed = dir / "crashed";
  fs::create_directories(crashed);
  fs::copy_file(seg, crashed / seg.filename());
  w.reset();
  {
    // A fourth record whose header reached the disk and whose body did not.
    std::fstream f(crashed / seg.filename(), std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(3 * (8 + 1 + 2));
    f.write("\x10\x00\x00\x00\x12\x34\x56\x78", 8);
  }
  std::vector<Record> again;
  auto c = Wal::open(crashed, {}, again, error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(again.size(), 3u);
  EXPECT_GT(c->repaired_bytes(), 0u);
  ASSERT_EQ(c->append({1, "r3"}), "");
  ASSERT_EQ(c->sync(), "");
  c.reset();
  again.clear();
  ASSERT_TRUE(Wal::open(crashed, {}, again, error)) << error;
  ASSERT_EQ(again.size(), 4u);
  EXPECT_EQ(again.back().payload, "r3");
}

// Closed segments end at their last record: only the last one may hold preallocated space.
TEST_F(WalTest, ClosedSegmentsAreTrimmedToTheirRecords) {
  Options o;
  o.segment_bytes = 100;
  std::vector<Record> replayed;
  std::string error;
  auto w = open(replayed, error, o);
  ASSERT_TRUE(w) << error;
  for (int i = 0; i < 40; ++i) ASSERT_EQ(w->append({1, "record-" + std::to_string(i)}), "");
  ASSERT_EQ(w->sync(), "");
  auto segs = segments();
  ASSERT_GT(segs.size(), 2u);
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    EXPECT_LE(fs::file_size(segs[i]), 100u + 8 + 1 + 9) << segs[i];
  }
}

TEST_F(WalTest, GarbledLastRecordIsATornTail) {
  write_records(5);
  auto seg = segments().back();
  auto size = fs::file_size(seg);
  {
    std::fstream f(seg, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(size - 2));
    f.put('X');
  }
  std::vector<Record> replayed;
  std::string error;
  ASSERT_TRUE(open(replayed, error)) << error;
  EXPECT_EQ(replayed.size(), 4u);
}

TEST_F(WalTest, CorruptionInTheMiddleIsRefusedWithFileAndOffset) {
  write_records(10);
  auto seg = segments().back();
  {
    std::fstream f(seg, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(12);  // inside the first record's payload (header 0-7, type 8, payload 9-16)
    f.put('X');
  }
  std::vector<Record> replayed;
  std::string error;
  EXPECT_FALSE(open(replayed, error));
  EXPECT_NE(error.find("corrupt record in " + seg.string() + " at offset 0"), std::string::npos)
      << error;
  EXPECT_NE(error.find("checksum mismatch"), std::string::npos);
  EXPECT_EQ(fs::file_size(seg) > 100, true);  // nothing was cut
}

TEST_F(WalTest, CorruptionInAnEarlierSegmentIsRefused) {
  Options small;
  small.segment_bytes = 500;
  write_records(100, small);
  auto first = segments().front();
  fs::resize_file(first, fs::file_size(first) - 1);
  std::vector<Record> replayed;
  std::string error;
  EXPECT_FALSE(open(replayed, error, small));
  EXPECT_NE(error.find(first.string()), std::string::npos) << error;
}

// Only the last segment may end in preallocated space: zeros at the end of an earlier one
// mean records are gone.
TEST_F(WalTest, ZeroesAtTheEndOfAnEarlierSegmentAreRefused) {
  Options o;
  o.segment_bytes = 100;
  write_records(30, o);
  auto segs = segments();
  ASSERT_GT(segs.size(), 2u);
  {
    std::ofstream out(segs[0], std::ios::binary | std::ios::app);
    out << std::string(64, '\0');
  }
  std::vector<Record> replayed;
  std::string error;
  EXPECT_FALSE(open(replayed, error, o));
  EXPECT_NE(error.find(segs[0].filename().string()), std::string::npos) << error;
  EXPECT_NE(error.find("zeroes where records should follow"), std::string::npos) << error;
}

TEST_F(WalTest, MissingSegmentIsRefused) {
  Options small;
  small.segment_bytes = 500;
  write_records(100, small);
  fs::remove(segments()[1]);
  std::vector<Record> replayed;
  std::string error;
  EXPECT_FALSE(open(replayed, error, small));
  EXPECT_NE(error.find("out of sequence"), std::string::npos) << error;
}

TEST_F(WalTest, PurgeKeepsNumberingAcrossReopen) {
  Options small;
  small.segment_bytes = 200;
  std::vector<Record> replayed;
  std::string error;
  {
    auto w = open(replayed, error, small);
    ASSERT_TRUE(w) << error;
    for (int i = 0; i < 50; ++i) ASSERT_EQ(w->append({1, "r" + std::to_string(i)}), "");
    ASSERT_EQ(w->cut(), "");
    ASSERT_EQ(w->purge_before(30), "");
    EXPECT_EQ(w->next_record(), 50u);
    ASSERT_EQ(w->append({1, "r50"}), "");
    ASSERT_EQ(w->sync(), "");
  }
  replayed.clear();
  auto w = open(replayed, error, small);
  ASSERT_TRUE(w) << error;
  EXPECT_EQ(w->next_record(), 51u);
  ASSERT_FALSE(replayed.empty());
  EXPECT_LE(replayed.size(), 21u + 15u);  // segments before record 30 are gone
  EXPECT_EQ(replayed.back().payload, "r50");
  // The first replayed record is the first record of the oldest kept segment.
  EXPECT_EQ(replayed.front().payload, "r" + std::to_string(51 - replayed.size()));
}

}  // namespace
}  // namespace etcdpp::wal
