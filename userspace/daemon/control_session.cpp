#include "daemon/control_session.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace xtcp::daemon {
namespace {

template <class Msg>
Msg* start_reply(std::vector<uint8_t>& out, size_t length, uint16_t type, uint32_t seq) {
  out.assign(length, 0);
  auto* m = reinterpret_cast<Msg*>(out.data());
  xtcp_ctl_header_init(&m->hdr, type, static_cast<uint32_t>(length), seq);
  return m;
}

template <size_t N>
void copy_cstr(char (&dst)[N], std::string_view src) {
  size_t n = std::min(src.size(), N - 1);
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

// The sentence sent back for each validation failure (control.h lists them).
const char* malformed_text(int code) {
  switch (code) {
    case EMSGSIZE: return "message larger than XTCP_CTL_MAX_MESSAGE; session closed";
    case EPROTO: return "bad magic: not an xtcp control message; session closed";
    case EPROTONOSUPPORT: return "unsupported protocol version (xtcpd speaks 1); session closed";
    case ENOMSG: return "unknown message type; session closed";
    default: return "truncated message or length does not match the datagram; session closed";
  }
}

}  // namespace

void build_error(std::vector<uint8_t>& out, uint32_t seq, uint16_t request_type, int code,
                 std::string_view text) {
  auto* e = start_reply<xtcp_ctl_error>(out, sizeof(xtcp_ctl_error), XTCP_CTL_ERROR, seq);
  e->code = code;
  e->request_type = request_type;
  copy_cstr(e->text, text);
}

bool ControlSession::handle(const uint8_t* buf, size_t len, std::vector<uint8_t>& reply) {
  Reply r;
  bool deferred = false;
  const bool keep = handle(buf, len, r, &deferred);
  reply = std::move(r.bytes);
  return keep;
}

bool ControlSession::handle(const uint8_t* buf, size_t len, Reply& out, bool* deferred) {
  *deferred = false;
  out.fds.clear();
  std::vector<uint8_t>& reply = out.bytes;
  xtcp_ctl_header h{};
  if (len >= sizeof(h)) std::memcpy(&h, buf, sizeof(h));
  if (int rc = xtcp_ctl_validate(buf, len); rc < 0) {
    build_error(reply, h.seq, h.type, -rc, malformed_text(-rc));
    return false;
  }
  switch (h.type) {
    case XTCP_CTL_HELLO: {
      xtcp_ctl_hello m;
      std::memcpy(&m, buf, sizeof(m));
      on_hello(m, reply);
      return true;
    }
    case XTCP_CTL_STATS_REQUEST: {
      xtcp_ctl_stats_request m;
      std::memcpy(&m, buf, sizeof(m));
      on_stats(m, reply);
      return true;
    }
    case XTCP_CTL_CONNS_REQUEST: {
      xtcp_ctl_conns_request m;
      std::memcpy(&m, buf, sizeof(m));
      on_conns(m, reply);
      return true;
    }
    default:
      break;
  }
  if (h.type & XTCP_CTL_REPLY_BIT) {
    build_error(reply, h.seq, h.type, ENOMSG, "a reply type was sent to xtcpd; session closed");
    return false;
  }
  if (app_ != nullptr) {
    // Well-framed but every field is untrusted: a bad value is answered
    // EINVAL and the session stays.
    if (xtcp_ctl_check_fields(buf, len) < 0) {
      build_error(reply, h.seq, h.type, EINVAL,
                  "a field is out of range (see include/xtcp/control.h)");
      return true;
    }
    *deferred = !app_->request(id_, buf, len, &out);
    return true;
  }
  // A reserved request (the application API of issue 4): well-formed, so
  // the session stays open.
  build_error(reply, h.seq, h.type, ENOSYS, "request type reserved but not served by this xtcpd");
  return true;
}

void ControlSession::on_hello(const xtcp_ctl_hello& m, std::vector<uint8_t>& reply) {
  copy_cstr(client_, std::string_view(m.client, strnlen(m.client, sizeof(m.client))));
  DaemonInfo info = source_->info();
  auto* r = start_reply<xtcp_ctl_hello_reply>(reply, sizeof(xtcp_ctl_hello_reply),
                                              XTCP_CTL_HELLO_REPLY, m.hdr.seq);
  r->daemon_pid = static_cast<uint32_t>(getpid());
  r->queue_count = info.queue_count;
  r->bind_mode = info.bind_mode;
  r->max_message = XTCP_CTL_MAX_MESSAGE;
  copy_cstr(r->iface, info.iface);
  copy_cstr(r->daemon_version, "0.1.0");
}

// One page [first, first + max_entries) of a snapshot as a Reply message
// (STATS_REPLY / CONNS_REPLY: header fields total/first/count, then the
// entries); nullptr after an EINVAL error when the page starts past the end.
template <class Reply, class Entry>
Reply* page_reply(std::vector<uint8_t>& out, const std::vector<Entry>& snapshot, uint32_t first,
                  uint32_t max_entries, size_t max_per_page, uint16_t type, uint32_t seq,
                  uint16_t request_type, const char* what) {
  if (first > snapshot.size()) {
    build_error(out, seq, request_type, EINVAL,
                std::string(what) + " page starts past the end of the snapshot; ask for first=0");
    return nullptr;
  }
  const size_t limit = max_entries == 0 ? max_per_page : std::min<size_t>(max_entries, max_per_page);
  const size_t count = std::min(limit, snapshot.size() - first);
  auto* r = start_reply<Reply>(out, sizeof(Reply) + count * sizeof(Entry), type, seq);
  r->total = static_cast<uint32_t>(snapshot.size());
  r->first = first;
  r->count = static_cast<uint32_t>(count);
  // An empty snapshot's data() may be null: memcpy must not see it.
  if (count > 0)
    std::memcpy(out.data() + sizeof(Reply), snapshot.data() + first, count * sizeof(Entry));
  return reinterpret_cast<Reply*>(out.data());
}

void ControlSession::on_stats(const xtcp_ctl_stats_request& m, std::vector<uint8_t>& reply) {
  if (m.first == 0) source_->snapshot(snapshot_);
  auto* r = page_reply<xtcp_ctl_stats_reply>(reply, snapshot_, m.first, m.max_entries,
                                             XTCP_CTL_STATS_MAX_ENTRIES, XTCP_CTL_STATS_REPLY,
                                             m.hdr.seq, m.hdr.type, "stats");
  if (r == nullptr) return;
  DaemonInfo info = source_->info();
  copy_cstr(r->iface, info.iface);
  r->bind_mode = info.bind_mode;
  r->queue_count = info.queue_count;
}

void ControlSession::on_conns(const xtcp_ctl_conns_request& m, std::vector<uint8_t>& reply) {
  if (m.first == 0) {
    conns_.clear();
    if (app_ != nullptr) app_->connections(id_, conns_);
  }
  (void)page_reply<xtcp_ctl_conns_reply>(reply, conns_, m.first, m.max_entries,
                                         XTCP_CTL_CONNS_MAX_ENTRIES, XTCP_CTL_CONNS_REPLY,
                                         m.hdr.seq, m.hdr.type, "conns");
}

}  // namespace xtcp::daemon
