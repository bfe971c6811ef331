#include "snap/snapshot.h"

#include "base/crc32c.h"
#include "base/file.h"
#include "snap/snapshot.pb.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace etcdpp::snap {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "ETCDPPSN";
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 8 + 4 + 4 + 8;

void put_view(pb::NodeView& out, const store::NodeView& v) {
  out.set_key(v.key);
  out.set_dir(v.dir);
  if (v.value) out.set_value(*v.value);
  if (v.expiration) out.set_expiration_unix_ns(base::to_unix_ns(*v.expiration));
  out.set_modified_index(v.modified_index);
  out.set_created_index(v.created_index);
}

store::NodeView get_view(const pb::NodeView& in) {
  store::NodeView v;
  v.key = in.key();
  v.dir = in.dir();
  if (in.has_value()) v.value = in.value();
  if (in.has_expiration_unix_ns()) v.expiration = base::from_unix_ns(in.expiration_unix_ns());
  v.modified_index = in.modified_index();
  v.created_index = in.created_index();
  return v;
}

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t get_le(std::string_view in, size_t off, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |= static_cast<uint64_t>(static_cast<unsigned char>(in[off + i])) << (8 * i);
  }
  return v;
}

std::string file_name(uint64_t term, uint64_t applied_index) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016llx-%016llx.snap", static_cast<unsigned long long>(term),
                static_cast<unsigned long long>(applied_index));
  return buf;
}

// Header, checksum and length around a serialized StoreSnapshot.
std::string frame(std::string_view payload) {
  std::string out(kMagic);
  out.reserve(kHeaderBytes + payload.size());
  put_le(out, kVersion, 4);
  put_le(out, base::crc32c(payload), 4);
  put_le(out, payload.size(), 8);
  out += payload;
  return out;
}

// Protocol-buffer wire format, written directly (snapshot.proto): the bytes
// SerializeAsString() would give, field by field in number order, defaults left out, without
// building a message per node.
void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void put_varint_field(std::string& out, uint32_t field, uint64_t v) {
  put_varint(out, field << 3);
  put_varint(out, v);
}
void put_bytes_field(std::string& out, uint32_t field, std::string_view bytes) {
  put_varint(out, field << 3 | 2);
  put_varint(out, bytes.size());
  out += bytes;
}

// A pb::Node, as its own bytes (the caller frames it).
void put_node(std::string& out, const store::NodeRecordView& n) {
  if (!n.path.empty()) put_bytes_field(out, 1, n.path);
  if (n.dir) put_varint_field(out, 2, 1);
  if (!n.value.empty()) put_bytes_field(out, 3, n.value);
  if (n.created_index != 0) put_varint_field(out, 4, n.created_index);
  if (n.modified_index != 0) put_varint_field(out, 5, n.modified_index);
  if (n.expiration) {
    put_varint_field(out, 6, static_cast<uint64_t>(base::to_unix_ns(*n.expiration)));
  }
}

// A pb::Event, serialized (1000 events at most: the message code is simplest here).
std::string event_bytes(const store::Event& e) {
  pb::Event p;
  p.set_action(static_cast<uint32_t>(e.action));
  put_view(*p.mutable_node(), e.node);
  if (e.prev_node) put_view(*p.mutable_prev_node(), *e.prev_node);
  p.set_index(e.index);
  p.set_refresh(e.refresh);
  return p.SerializeAsString();
}

// The framed StoreSnapshot. `for_each_node(f)` calls f(NodeRecordView) per node in order;
// `history` is the events, oldest first.
template <typename ForEachNode, typename History>
std::string encode_snapshot(uint64_t index, ForEachNode for_each_node, const History& history,
                            uint64_t applied_index, uint64_t term, std::string_view membership,
                            std::string_view auth, bool log_reset) {
  std::string payload;
  if (index != 0) put_varint_field(payload, 1, index);
  std::string node;  // reused: one node's bytes, framed into the payload
  for_each_node([&](const store::NodeRecordView& n) {
    node.clear();
    put_node(node, n);
    put_bytes_field(payload, 2, node);
  });
  for (size_t i = 0; i < history.size(); ++i) {
    put_bytes_field(payload, 3, event_bytes(history.at(i)));
  }
  if (applied_index != 0) put_varint_field(payload, 4, applied_index);
  if (term != 0) put_varint_field(payload, 5, term);
  if (!membership.empty()) put_bytes_field(payload, 6, membership);
  if (log_reset) put_varint_field(payload, 7, 1);
  if (!auth.empty()) put_bytes_field(payload, 8, auth);
  return frame(payload);
}

}  // namespace

std::string encode(const Snapshot& snapshot) {
  const store::StoreState& st = snapshot.state;
  auto for_each_node = [&](const auto& f) {
    for (const auto& n : st.nodes) {
      f({n.path, n.dir, n.value, n.created_index, n.modified_index, n.expiration});
    }
  };
  return encode_snapshot(st.index, for_each_node, st.history, snapshot.applied_index, snapshot.term,
                         snapshot.membership, snapshot.auth, snapshot.log_reset);
}

EncodedSnapshot encode_store(const store::Store& store, std::string_view membership,
                             std::string_view auth, uint64_t term, uint64_t applied_index) {
  auto for_each_node = [&](const auto& f) { store.visit_nodes(f); };
  return EncodedSnapshot{term, applied_index,
                         encode_snapshot(store.index(), for_each_node, store.history(),
                                         applied_index, term, membership, auth, false)};
}

std::optional<Snapshot> decode(std::string_view bytes, std::string& error) {
  if (bytes.size() < kHeaderBytes || bytes.substr(0, kMagic.size()) != kMagic) {
    error = "not a snapshot file (bad magic)";
    return std::nullopt;
  }
  uint64_t version = get_le(bytes, 8, 4);
  if (version != kVersion) {
    error = "unsupported snapshot format version " + std::to_string(version);
    return std::nullopt;
  }
  uint64_t crc = get_le(bytes, 12, 4);
  uint64_t length = get_le(bytes, 16, 8);
  std::string_view payload = bytes.substr(kHeaderBytes);
  if (payload.size() != length) {
    error = "truncated snapshot: " + std::to_string(payload.size()) + " of " +
            std::to_string(length) + " payload bytes";
    return std::nullopt;
  }
  if (base::crc32c(payload) != crc) {
    error = "snapshot checksum mismatch";
    return std::nullopt;
  }
  pb::StoreSnapshot msg;
  if (!msg.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    error = "snapshot payload does not parse";
    return std::nullopt;
  }
  Snapshot s;
  s.term = msg.term();
  s.applied_index = msg.applied_index();
  s.membership = msg.membership();
  s.auth = msg.auth();
  s.log_reset = msg.log_reset();
  s.state.index = msg.index();
  for (const auto& p : msg.nodes()) {
    store::NodeRecord r;
    r.path = p.path();
    r.dir = p.dir();
    r.value = p.value();
    r.created_index = p.created_index();
    r.modified_index = p.modified_index();
    if (p.has_expiration_unix_ns()) r.expiration = base::from_unix_ns(p.expiration_unix_ns());
    s.state.nodes.push_back(std::move(r));
  }
  for (const auto& p : msg.history()) {
    if (p.action() > static_cast<uint32_t>(store::Action::expire)) {
      error = "snapshot holds an unknown event action " + std::to_string(p.action());
      return std::nullopt;
    }
    store::Event e;
    e.action = static_cast<store::Action>(p.action());
    e.node = get_view(p.node());
    if (p.has_prev_node()) e.prev_node = get_view(p.prev_node());
    e.index = p.index();
    e.refresh = p.refresh();
    s.state.history.push_back(std::move(e));
  }
  return s;
}

EncodedSnapshot encode_for_saving(const Snapshot& snapshot) {
  return EncodedSnapshot{snapshot.term, snapshot.applied_index, encode(snapshot)};
}

std::string save(const fs::path& dir, const EncodedSnapshot& snapshot) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "snap: cannot create " + dir.string() + ": " + ec.message();
  auto error = base::write_file_atomically(dir / file_name(snapshot.term, snapshot.applied_index),
                                           snapshot.bytes);
  return error.empty() ? error : "snap: " + error;
}

std::string save(const fs::path& dir, const Snapshot& snapshot) {
  return save(dir, encode_for_saving(snapshot));
}

LoadResult load_newest(const fs::path& dir) {
  LoadResult result;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".snap") files.push_back(entry.path());
  }
  // Names are fixed-width hex term-index: lexical order is log order.
  std::sort(files.rbegin(), files.rend());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string error;
    auto s = decode(ss.str(), error);
    if (s) {
      result.snapshot = std::move(s);
      result.file = f;
      return result;
    }
    result.invalid.push_back(f.string() + ": " + error);
  }
  return result;
}

}  // namespace etcdpp::snap
