#include "server/entry.h"

#include "server/entry.pb.h"

#include "auth/auth_json.h"

namespace etcdpp::server {

std::string encode_entry(const Entry& entry) {
  pb::Entry msg;
  msg.set_index(entry.index);
  msg.set_term(entry.term);
  msg.set_request_id(entry.request_id);
  if (const auto* w = std::get_if<WriteRequest>(&entry.kind)) {
    auto* p = msg.mutable_write();
    p->set_method(w->method);
    p->set_key(w->key);
    p->set_value(w->value);
    p->set_dir(w->dir);
    p->set_recursive(w->recursive);
    p->set_prev_value(w->prev_value);
    p->set_prev_index(w->prev_index);
    if (w->prev_exist) p->set_prev_exist(*w->prev_exist);
    p->set_refresh(w->refresh);
    if (w->expiration) p->set_expiration_unix_ns(base::to_unix_ns(*w->expiration));
  } else if (const auto* sync = std::get_if<SyncRequest>(&entry.kind)) {
    msg.mutable_sync()->set_now_unix_ns(base::to_unix_ns(sync->now));
  } else if (const auto* mu = std::get_if<MembershipUpdate>(&entry.kind)) {
    msg.set_membership(encode_membership(mu->membership));
  } else if (const auto* mc = std::get_if<MemberChange>(&entry.kind)) {
    auto* p = msg.mutable_member_change();
    p->set_op(static_cast<pb::MemberChange::Op>(mc->op));
    Membership one;
    one.members.push_back(mc->member);
    p->set_member(encode_membership(one));
  } else if (const auto* auth_change = std::get_if<auth::AuthRequest>(&entry.kind)) {
    msg.set_auth_change(auth::encode_request(*auth_change));
  } else {
    const auto& a = std::get<MemberAttributes>(entry.kind);
    auto* p = msg.mutable_attributes();
    p->set_id(a.id);
    p->set_name(a.name);
    for (const auto& u : a.client_urls) p->add_client_urls(u);
  }
  return msg.SerializeAsString();
}

namespace {

// `position` (index, term) replaces the ones in the bytes: the data of a Raft entry has none.
std::optional<Entry> decode(std::string_view bytes, std::string& error,
                            std::optional<std::pair<uint64_t, uint64_t>> position) {
  pb::Entry msg;
  if (!msg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    error = "entry does not parse";
    return std::nullopt;
  }
  Entry e;
  e.index = position ? position->first : msg.index();
  e.term = position ? position->second : msg.term();
  e.request_id = msg.request_id();
  if (msg.has_write()) {
    const auto& p = msg.write();
    if (p.method() != "PUT" && p.method() != "POST" && p.method() != "DELETE" &&
        p.method() != "QGET") {
      error = "entry " + std::to_string(e.index) + " has an unknown method";
      return std::nullopt;
    }
    WriteRequest w;
    w.method = p.method();
    w.key = p.key();
    w.value = p.value();
    w.dir = p.dir();
    w.recursive = p.recursive();
    w.prev_value = p.prev_value();
    w.prev_index = p.prev_index();
    if (p.has_prev_exist()) w.prev_exist = p.prev_exist();
    w.refresh = p.refresh();
    if (p.has_expiration_unix_ns()) w.expiration = base::from_unix_ns(p.expiration_unix_ns());
    e.kind = std::move(w);
  } else if (msg.has_sync()) {
    e.kind = SyncRequest{base::from_unix_ns(msg.sync().now_unix_ns())};
  } else if (msg.has_membership()) {
    auto membership = decode_membership(msg.membership(), error);
    if (!membership) {
      error = "entry " + std::to_string(e.index) + ": " + error;
      return std::nullopt;
    }
    e.kind = MembershipUpdate{std::move(*membership)};
  } else if (msg.has_member_change()) {
    const auto& p = msg.member_change();
    auto one = decode_membership(p.member(), error);
    if (!one || one->members.size() != 1 || p.op() > pb::MemberChange::UPDATE_PEER_URLS) {
      error = "entry " + std::to_string(e.index) + " has a malformed member change";
      return std::nullopt;
    }
    e.kind = MemberChange{static_cast<MemberChange::Op>(p.op()), std::move(one->members[0])};
  } else if (msg.has_attributes()) {
    const auto& p = msg.attributes();
    e.kind = MemberAttributes{p.id(), p.name(), {p.client_urls().begin(), p.client_urls().end()}};
  } else if (msg.has_auth_change()) {
    auto change = auth::decode_request(msg.auth_change(), error);
    if (!change) {
      error = "entry " + std::to_string(e.index) + ": " + error;
      return std::nullopt;
    }
    e.kind = std::move(*change);
  } else {
    error = "entry " + std::to_string(e.index) + " has no request";
    return std::nullopt;
  }
  return e;
}

}  // namespace

std::optional<Entry> decode_entry(std::string_view bytes, std::string& error) {
  return decode(bytes, error, std::nullopt);
}

std::optional<Entry> decode_entry_data(std::string_view data, uint64_t index, uint64_t term,
                                       std::string& error) {
  return decode(data, error, std::make_pair(index, term));
}

namespace {

void count_write(StoreStats& stats, StoreOp op, bool ok) {
  auto bump = [ok](uint64_t& success, uint64_t& fail) { ++(ok ? success : fail); };
  switch (op) {
    case StoreOp::get: bump(stats.gets_success, stats.gets_fail); break;
    case StoreOp::set: bump(stats.sets_success, stats.sets_fail); break;
    case StoreOp::create: bump(stats.create_success, stats.create_fail); break;
    case StoreOp::update: bump(stats.update_success, stats.update_fail); break;
    case StoreOp::compare_and_swap:
      bump(stats.compare_and_swap_success, stats.compare_and_swap_fail);
      break;
    case StoreOp::remove: bump(stats.delete_success, stats.delete_fail); break;
    case StoreOp::compare_and_delete:
      bump(stats.compare_and_delete_success, stats.compare_and_delete_fail);
      break;
  }
}

// Applies a reconfiguration. The members API validated it when it was proposed, but another
// change may have been applied since: an invalid change is skipped here, identically on every
// member (etcd validates again at apply time for the same reason).
void apply_member_change(Membership& ms, const MemberChange& mc, ApplyResult& result) {
  const MemberInfo* existing = ms.find(mc.member.id);
  switch (mc.op) {
    case MemberChange::Op::add:
      if (existing || ms.is_removed(mc.member.id)) return;
      ms.upsert(mc.member);
      result.voters_changed = true;
      break;
    case MemberChange::Op::remove:
      if (!existing) return;
      ms.remove(mc.member.id);
      result.voters_changed = true;
      break;
    case MemberChange::Op::update_peer_urls: {
      if (!existing) return;
      MemberInfo updated = *existing;
      updated.peer_urls = mc.member.peer_urls;
      ms.upsert(std::move(updated));
      break;
    }
  }
  result.membership_changed = true;
}

}  // namespace

ApplyResult apply_entry(ServerState& state, const Entry& entry) {
  ApplyResult result;
  if (const auto* w = std::get_if<WriteRequest>(&entry.kind)) {
    result.write = apply_write(state.store, *w);
    count_write(state.stats, classify_write(*w), result.write->ok());
  } else if (const auto* sync = std::get_if<SyncRequest>(&entry.kind)) {
    result.expired = state.store.delete_expired(sync->now);
    state.stats.expire_count += result.expired.size();
  } else if (const auto* mu = std::get_if<MembershipUpdate>(&entry.kind)) {
    state.membership = mu->membership;
    result.membership_changed = result.voters_changed = true;
  } else if (const auto* mc = std::get_if<MemberChange>(&entry.kind)) {
    apply_member_change(state.membership, *mc, result);
  } else if (const auto* auth_change = std::get_if<auth::AuthRequest>(&entry.kind)) {
    result.auth = auth::apply(state.auth, *auth_change);
  } else {
    const auto& a = std::get<MemberAttributes>(entry.kind);
    if (const MemberInfo* m = state.membership.find(a.id)) {
      MemberInfo updated = *m;
      updated.name = a.name;
      updated.client_urls = a.client_urls;
      state.membership.upsert(std::move(updated));
      result.membership_changed = true;
    }
  }
  return result;
}

bool changes_voters(const Entry& entry) {
  if (std::holds_alternative<MembershipUpdate>(entry.kind)) return true;
  const auto* mc = std::get_if<MemberChange>(&entry.kind);
  return mc && mc->op != MemberChange::Op::update_peer_urls;
}

}  // namespace etcdpp::server
