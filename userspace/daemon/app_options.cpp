// AppStack: SET_OPTION / GET_OPTION (include/xtcp/control.h option ids).
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "daemon/app_stack.h"
#include "tcp/congestion/congestion_control.h"

namespace xtcp::daemon {

namespace {

uint32_t read_u32(const uint8_t* v) {
  uint32_t x;
  std::memcpy(&x, v, sizeof(x));
  return x;
}

void option_reply(Reply* out, const xtcp_ctl_option& req, const void* value, uint32_t len) {
  out->fds.clear();
  out->bytes.assign(sizeof(xtcp_ctl_option), 0);
  auto* m = reinterpret_cast<xtcp_ctl_option*>(out->bytes.data());
  xtcp_ctl_header_init(&m->hdr, XTCP_CTL_GET_OPTION_REPLY, sizeof(*m), req.hdr.seq);
  m->conn_id = req.conn_id;
  m->option = req.option;
  m->value_len = len;
  std::memcpy(m->value, value, len);
}

}  // namespace

bool AppStack::on_set_option(Session& s, const xtcp_ctl_option& m, Reply* out) {
  ConnRec* r = conn_of(s, m.conn_id);
  if (r == nullptr) {
    error(out, m.hdr.seq, XTCP_CTL_SET_OPTION, EBADF, "no such connection in this session");
    return true;
  }
  const ConnKey key = s.conns.at(m.conn_id);
  switch (m.option) {
    case XTCP_CTL_OPT_NODELAY:
      r->options.no_delay = read_u32(m.value) != 0;
      post_or_retry(key.first, stack::Command{.kind = stack::CommandKind::kSetNoDelay,
                                              .conn = key.second, .flag = r->options.no_delay});
      break;
    case XTCP_CTL_OPT_KEEPALIVE: {
      xtcp_ctl_keepalive k;
      std::memcpy(&k, m.value, sizeof(k));
      r->options.keepalive = k;
      post_or_retry(key.first,
                    stack::Command{.kind = stack::CommandKind::kSetKeepalive, .conn = key.second,
                                   .flag = k.enable != 0, .idle = tcp::Duration::seconds(k.idle_s),
                                   .interval = tcp::Duration::seconds(k.interval_s),
                                   .count = static_cast<uint8_t>(k.count)});
      break;
    }
    case XTCP_CTL_OPT_RCVBUF:
      // The rings were sized when the channel was made: the effective value
      // is the ring size, as getsockopt reports it.
      r->options.rcvbuf = read_u32(m.value);
      break;
    case XTCP_CTL_OPT_SNDBUF: r->options.sndbuf = read_u32(m.value); break;
    case XTCP_CTL_OPT_CONGESTION: {
      // NUL-terminated: xtcp_ctl_option_value_ok checked it.
      const char* name = reinterpret_cast<const char*>(m.value);
      const std::optional<tcp::CcAlgorithm> cc = tcp::parse_cc_algorithm(name);
      if (!cc) {  // Linux's answer to an unknown algorithm (tcp(7) TCP_CONGESTION)
        error(out, m.hdr.seq, XTCP_CTL_SET_OPTION, ENOENT,
              std::string("no congestion control \"") + name + "\" (xtcpd has cubic and newreno)");
        return true;
      }
      r->options.cc = *cc;
      post_or_retry(key.first, stack::Command{.kind = stack::CommandKind::kSetCongestion,
                                              .conn = key.second, .cc = *cc});
      break;
    }
    case XTCP_CTL_OPT_USER_TIMEOUT:
      r->options.user_timeout_ms = read_u32(m.value);
      post_or_retry(key.first,
                    stack::Command{.kind = stack::CommandKind::kSetUserTimeout, .conn = key.second,
                                   .user_timeout = tcp::Duration::millis(r->options.user_timeout_ms)});
      break;
    default:
      error(out, m.hdr.seq, XTCP_CTL_SET_OPTION, ENOPROTOOPT, "option cannot be set");
      return true;
  }
  ack(out, XTCP_CTL_SET_OPTION, m.hdr.seq, m.conn_id);
  return true;
}

bool AppStack::on_get_option(Session& s, const xtcp_ctl_option& m, Reply* out) {
  ConnRec* r = conn_of(s, m.conn_id);
  if (r == nullptr) {
    error(out, m.hdr.seq, XTCP_CTL_GET_OPTION, EBADF, "no such connection in this session");
    return true;
  }
  switch (m.option) {
    case XTCP_CTL_OPT_NODELAY: {
      const uint32_t v = r->options.no_delay ? 1 : 0;
      option_reply(out, m, &v, sizeof(v));
      break;
    }
    case XTCP_CTL_OPT_KEEPALIVE:
      option_reply(out, m, &r->options.keepalive, sizeof(r->options.keepalive));
      break;
    case XTCP_CTL_OPT_RCVBUF: {
      const uint32_t v = cfg_.rx_ring;
      option_reply(out, m, &v, sizeof(v));
      break;
    }
    case XTCP_CTL_OPT_SNDBUF: {
      const uint32_t v = cfg_.tx_ring;
      option_reply(out, m, &v, sizeof(v));
      break;
    }
    case XTCP_CTL_OPT_CONGESTION: {
      char name[XTCP_CTL_CC_NAME_LEN] = {};
      std::strncpy(name, tcp::cc_algorithm_name(r->options.cc), sizeof(name) - 1);
      option_reply(out, m, name, sizeof(name));
      break;
    }
    case XTCP_CTL_OPT_USER_TIMEOUT:
      option_reply(out, m, &r->options.user_timeout_ms, sizeof(r->options.user_timeout_ms));
      break;
    case XTCP_CTL_OPT_INFO: {
      const xtcp_ctl_tcp_info info = r->dc->snap.to_info();
      option_reply(out, m, &info, sizeof(info));
      break;
    }
    default:
      error(out, m.hdr.seq, XTCP_CTL_GET_OPTION, ENOPROTOOPT, "unknown option");
      return true;
  }
  return true;
}

}  // namespace xtcp::daemon
