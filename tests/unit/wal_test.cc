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

TEST_F(WalTest, ZeroedTailIsCutOff) {
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
  EXPECT_EQ(w->repaired_bytes(), 4096u);
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
