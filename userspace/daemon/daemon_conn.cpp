#include "daemon/daemon_conn.h"

#include <cerrno>

namespace xtcp::daemon {

namespace {
constexpr auto kRelaxed = std::memory_order_relaxed;

uint32_t clamp32(int64_t v) {
  if (v < 0) return 0;
  return v > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(v);
}
}  // namespace

void ConnSnapshot::update(const tcp::TcpInfo& info, size_t rx_queue_bytes,
                          size_t tx_queue_bytes) {
  state.store(chan_state(info.state), kRelaxed);
  mss.store(info.snd_mss, kRelaxed);
  rtt_us.store(clamp32(info.srtt.us), kRelaxed);
  rttvar_us.store(clamp32(info.rttvar.us), kRelaxed);
  rto_ms.store(clamp32(info.rto.us / 1000), kRelaxed);
  cwnd.store(info.cwnd, kRelaxed);
  ssthresh.store(info.ssthresh, kRelaxed);
  rto_count.store(clamp32(static_cast<int64_t>(info.rto_count)), kRelaxed);
  rx_queue.store(clamp32(static_cast<int64_t>(rx_queue_bytes)), kRelaxed);
  tx_queue.store(clamp32(static_cast<int64_t>(tx_queue_bytes)), kRelaxed);
  retransmits.store(info.retransmits, kRelaxed);
  bytes_sent.store(info.bytes_sent, kRelaxed);
  bytes_acked.store(info.bytes_acked, kRelaxed);
  bytes_received.store(info.bytes_received, kRelaxed);
}

xtcp_ctl_tcp_info ConnSnapshot::to_info() const {
  xtcp_ctl_tcp_info i{};
  i.state = state.load(kRelaxed);
  i.mss = mss.load(kRelaxed);
  i.rtt_us = rtt_us.load(kRelaxed);
  i.rttvar_us = rttvar_us.load(kRelaxed);
  i.rto_ms = rto_ms.load(kRelaxed);
  i.cwnd = cwnd.load(kRelaxed);
  i.ssthresh = ssthresh.load(kRelaxed);
  i.retransmits = rto_count.load(kRelaxed);
  i.total_retrans = retransmits.load(kRelaxed);
  i.bytes_sent = bytes_sent.load(kRelaxed);
  i.bytes_acked = bytes_acked.load(kRelaxed);
  i.bytes_received = bytes_received.load(kRelaxed);
  return i;
}

xtcp_chan_state chan_state(tcp::State s) {
  switch (s) {
    case tcp::State::kClosed: return XTCP_CHAN_STATE_CLOSED;
    case tcp::State::kListen: return XTCP_CHAN_STATE_LISTEN;
    case tcp::State::kSynSent: return XTCP_CHAN_STATE_SYN_SENT;
    case tcp::State::kSynReceived: return XTCP_CHAN_STATE_SYN_RECEIVED;
    case tcp::State::kEstablished: return XTCP_CHAN_STATE_ESTABLISHED;
    case tcp::State::kFinWait1: return XTCP_CHAN_STATE_FIN_WAIT_1;
    case tcp::State::kFinWait2: return XTCP_CHAN_STATE_FIN_WAIT_2;
    case tcp::State::kCloseWait: return XTCP_CHAN_STATE_CLOSE_WAIT;
    case tcp::State::kClosing: return XTCP_CHAN_STATE_CLOSING;
    case tcp::State::kLastAck: return XTCP_CHAN_STATE_LAST_ACK;
    case tcp::State::kTimeWait: return XTCP_CHAN_STATE_TIME_WAIT;
  }
  return XTCP_CHAN_STATE_CLOSED;
}

uint16_t errno_of(tcp::TcpError e) {
  switch (e) {
    case tcp::TcpError::kNone: return 0;
    case tcp::TcpError::kConnectionReset: return ECONNRESET;
    case tcp::TcpError::kConnectionRefused: return ECONNREFUSED;
    case tcp::TcpError::kTimedOut: return ETIMEDOUT;
    case tcp::TcpError::kConnectionAborted: return ECONNABORTED;
  }
  return EIO;
}

}  // namespace xtcp::daemon
