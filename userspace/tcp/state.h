// The eleven connection states of RFC 9293 section 3.3.2, and the errors a
// connection can end with (what the daemon maps to errno for the app).
#pragma once

#include <cstdint>

namespace xtcp::tcp {

enum class State : uint8_t {
  kClosed,
  kListen,
  kSynSent,
  kSynReceived,
  kEstablished,
  kFinWait1,
  kFinWait2,
  kCloseWait,
  kClosing,
  kLastAck,
  kTimeWait,
};

const char* to_string(State s);  // "ESTABLISHED", ... as RFC 9293 spells them

// RFC 9293 3.3.2: states in which both ISNs are known.
inline bool is_synchronized(State s) {
  return s != State::kClosed && s != State::kListen && s != State::kSynSent &&
         s != State::kSynReceived;
}

enum class TcpError : uint8_t {
  kNone,
  kConnectionReset,    // ECONNRESET: RST received in a synchronized state
  kConnectionRefused,  // ECONNREFUSED: RST answering our SYN
  kTimedOut,           // ETIMEDOUT: retransmissions / keepalive / SYN retries
  kConnectionAborted,  // ECONNABORTED: local abort()
};

const char* to_string(TcpError e);

}  // namespace xtcp::tcp
