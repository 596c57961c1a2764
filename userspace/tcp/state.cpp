#include "tcp/state.h"

namespace xtcp::tcp {

const char* to_string(State s) {
  switch (s) {
    case State::kClosed: return "CLOSED";
    case State::kListen: return "LISTEN";
    case State::kSynSent: return "SYN-SENT";
    case State::kSynReceived: return "SYN-RECEIVED";
    case State::kEstablished: return "ESTABLISHED";
    case State::kFinWait1: return "FIN-WAIT-1";
    case State::kFinWait2: return "FIN-WAIT-2";
    case State::kCloseWait: return "CLOSE-WAIT";
    case State::kClosing: return "CLOSING";
    case State::kLastAck: return "LAST-ACK";
    case State::kTimeWait: return "TIME-WAIT";
  }
  return "?";
}

const char* to_string(TcpError e) {
  switch (e) {
    case TcpError::kNone: return "none";
    case TcpError::kConnectionReset: return "connection reset by peer";
    case TcpError::kConnectionRefused: return "connection refused";
    case TcpError::kTimedOut: return "connection timed out";
    case TcpError::kConnectionAborted: return "connection aborted";
  }
  return "?";
}

}  // namespace xtcp::tcp
