#include "server/log_writer.h"

#include <boost/endian/conversion.hpp>

#include <algorithm>
#include <cstring>
#include <vector>

namespace etcdpp::server {

namespace fs = std::filesystem;

namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool get_varint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void put_u64(std::string& out, uint64_t v) {
  char buf[8];
  boost::endian::store_little_u64(reinterpret_cast<unsigned char*>(buf), v);
  out.append(buf, 8);
}

uint64_t get_u64(std::string_view in, size_t at) {
  return boost::endian::load_little_u64(reinterpret_cast<const unsigned char*>(in.data() + at));
}

}  // namespace

std::string encode_entry_record(uint64_t index, uint64_t term, std::string_view data) {
  std::string out;
  out.reserve(data.size() + 22);
  out.push_back(0x08);  // field 1, varint
  put_varint(out, index);
  out.push_back(0x10);  // field 2, varint
  put_varint(out, term);
  out.append(data);
  return out;
}

bool decode_entry_record(std::string_view payload, uint64_t& index, uint64_t& term,
                         std::string_view& data) {
  if (payload.empty() || payload.front() != 0x08) return false;
  payload.remove_prefix(1);
  if (!get_varint(payload, index)) return false;
  if (payload.empty() || payload.front() != 0x10) return false;
  payload.remove_prefix(1);
  if (!get_varint(payload, term)) return false;
  data = payload;
  return true;
}

std::string encode_hard_state(const raft::HardState& hs) {
  std::string out;
  put_u64(out, hs.term);
  put_u64(out, hs.vote);
  put_u64(out, hs.commit);
  return out;
}

bool decode_hard_state(std::string_view payload, raft::HardState& hs) {
  if (payload.size() != 24) return false;
  hs = {get_u64(payload, 0), get_u64(payload, 8), get_u64(payload, 16)};
  return true;
}

std::string encode_log_reset(uint64_t index, uint64_t term) {
  std::string out;
  put_u64(out, index);
  put_u64(out, term);
  return out;
}

bool decode_log_reset(std::string_view payload, uint64_t& index, uint64_t& term) {
  if (payload.size() != 16) return false;
  index = get_u64(payload, 0);
  term = get_u64(payload, 8);
  return true;
}

std::string LogWriter::append_entry(uint64_t index, uint64_t term, std::string_view data) {
  auto err = wal_.append(wal::Record{kEntryRecord, encode_entry_record(index, term, data)});
  if (!err.empty()) return err;
  // The record may have started a new segment: it belongs to the last one.
  uint64_t& max_index = max_entry_by_segment_[wal_.current_segment_first_record()];
  max_index = std::max(max_index, index);
  return {};
}

std::string LogWriter::append_hard_state(const raft::HardState& hs) {
  hard_state_ = hs;
  return wal_.append(wal::Record{kHardStateRecord, encode_hard_state(hs)});
}

std::string LogWriter::compact_before(uint64_t record) {
  // The hard state must survive the segments about to be deleted: write it again in the
  // current segment and make it durable first.
  auto err = wal_.cut();
  if (err.empty() && hard_state_) err = append_hard_state(*hard_state_);
  if (err.empty()) err = wal_.sync();
  if (err.empty()) err = wal_.purge_before(record);
  auto firsts = wal_.segment_first_records();
  std::erase_if(max_entry_by_segment_, [&](const auto& kv) { return kv.first < firsts.front(); });
  drop_old_snapshot_files();
  return err;
}

std::string LogWriter::save_snapshot(const snap::EncodedSnapshot& snapshot) {
  auto err = snap::save(snap_dir_, snapshot);
  if (!err.empty()) return err;
  // Segments holding only entries the snapshot covers can go: delete every segment before
  // the first one with a later entry.
  uint64_t keep_from = wal_.next_record();
  for (const auto& [first_record, max_index] : max_entry_by_segment_) {
    if (max_index > snapshot.applied_index) {
      keep_from = first_record;
      break;
    }
  }
  return compact_before(keep_from);
}

std::string LogWriter::install_snapshot(const snap::Snapshot& snapshot) {
  auto err = snap::save(snap_dir_, snapshot);
  if (!err.empty()) return err;
  uint64_t reset_record = wal_.next_record();
  err = wal_.append(
      wal::Record{kLogResetRecord, encode_log_reset(snapshot.applied_index, snapshot.term)});
  if (err.empty()) err = wal_.sync();
  if (!err.empty()) return err;
  return compact_before(reset_record);
}

void LogWriter::drop_old_snapshot_files() {
  if (max_snapshots_ == 0) return;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(snap_dir_, ec)) {
    if (e.path().extension() == ".snap") files.push_back(e.path());
  }
  // Names are fixed-width hex term-index: lexical order is log order.
  std::sort(files.begin(), files.end());
  for (size_t i = 0; i + max_snapshots_ < files.size(); ++i) fs::remove(files[i], ec);
}

}  // namespace etcdpp::server
