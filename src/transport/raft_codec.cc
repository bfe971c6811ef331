#include "transport/raft_codec.h"

#include "transport/raft_wire.pb.h"

namespace etcdpp::transport {

namespace {

constexpr uint32_t kLastMessageType = static_cast<uint32_t>(raft::MessageType::check_quorum);

// Local message types never travel between members.
bool travels(raft::MessageType t) {
  switch (t) {
    case raft::MessageType::hup:
    case raft::MessageType::beat:
    case raft::MessageType::unreachable:
    case raft::MessageType::snap_status:
    case raft::MessageType::check_quorum: return false;
    default: return true;
  }
}

}  // namespace

std::string encode_batch(const std::vector<raft::Message>& messages) {
  pb::Batch batch;
  for (const raft::Message& m : messages) {
    pb::Message* p = batch.add_messages();
    p->set_type(static_cast<uint32_t>(m.type));
    p->set_from(m.from);
    p->set_to(m.to);
    p->set_term(m.term);
    p->set_log_term(m.log_term);
    p->set_index(m.index);
    p->set_commit(m.commit);
    for (const raft::Entry& e : m.entries) {
      pb::Entry* pe = p->add_entries();
      pe->set_term(e.term);
      pe->set_index(e.index);
      pe->set_type(static_cast<uint32_t>(e.type));
      pe->set_data(e.data);
    }
    p->set_reject(m.reject);
    p->set_reject_hint(m.reject_hint);
    if (m.snapshot) {
      pb::Snapshot* s = p->mutable_snapshot();
      s->set_index(m.snapshot->meta.index);
      s->set_term(m.snapshot->meta.term);
      for (uint64_t v : m.snapshot->meta.voters) s->add_voters(v);
      if (m.snapshot->data) s->set_data(*m.snapshot->data);
    }
    p->set_transfer(m.transfer);
  }
  return batch.SerializeAsString();
}

std::optional<std::vector<raft::Message>> decode_batch(std::string_view bytes, std::string& error) {
  pb::Batch batch;
  if (!batch.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    error = "raft message batch does not parse";
    return std::nullopt;
  }
  std::vector<raft::Message> out;
  out.reserve(batch.messages_size());
  for (const pb::Message& p : batch.messages()) {
    if (p.type() > kLastMessageType || !travels(static_cast<raft::MessageType>(p.type()))) {
      error = "unknown raft message type " + std::to_string(p.type());
      return std::nullopt;
    }
    raft::Message m;
    m.type = static_cast<raft::MessageType>(p.type());
    m.from = p.from();
    m.to = p.to();
    m.term = p.term();
    m.log_term = p.log_term();
    m.index = p.index();
    m.commit = p.commit();
    m.entries.reserve(p.entries_size());
    for (const pb::Entry& pe : p.entries()) {
      if (pe.type() > static_cast<uint32_t>(raft::EntryType::conf_change)) {
        error = "unknown raft entry type " + std::to_string(pe.type());
        return std::nullopt;
      }
      m.entries.push_back(
          raft::Entry{pe.term(), pe.index(), static_cast<raft::EntryType>(pe.type()), pe.data()});
    }
    m.reject = p.reject();
    m.reject_hint = p.reject_hint();
    if (p.has_snapshot()) {
      raft::Snapshot s;
      s.meta.index = p.snapshot().index();
      s.meta.term = p.snapshot().term();
      s.meta.voters.assign(p.snapshot().voters().begin(), p.snapshot().voters().end());
      s.data = std::make_shared<const std::string>(p.snapshot().data());
      m.snapshot = std::move(s);
    }
    m.transfer = p.transfer();
    if (m.from == 0 || m.to == 0) {
      error = "raft message without sender or receiver";
      return std::nullopt;
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace etcdpp::transport
