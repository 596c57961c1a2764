// xtcp-cat's copy loop: in_fd -> connection and connection -> out_fd at the
// same time, in one thread. poll() sleeps on in_fd, out_fd and the
// connection's xtcp_fd() (armed with xtcp_wait_prepare, as xtcp.h says);
// every xtcp_send / xtcp_recv is non-blocking (timeout 0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xtcp/xtcp.h"

namespace xtcp::tools {

struct CopyResult {
  uint64_t sent = 0;      // bytes xtcp_send took from in_fd
  uint64_t received = 0;  // bytes written to out_fd
  std::string error;      // empty: both directions ended cleanly
};

class CatCopier {
 public:
  static constexpr size_t kBufferSize = 256 * 1024;
  // Upper bound of one sleep, so a lost wake-up costs latency, not a hang.
  static constexpr int kMaxSleepMs = 200;

  CatCopier(xtcp_ctx* ctx, int sock, int in_fd, int out_fd);
  // Runs until in_fd hit EOF (then FIN went out after all its bytes) and
  // the peer's FIN arrived with every byte written to out_fd, or a failure.
  CopyResult run();

 private:
  bool pump_send();     // false: failed (result_.error set)
  bool pump_recv();
  bool wait();          // one poll() round over stdin/stdout/connection
  bool read_input();
  bool write_output();
  bool fail(const std::string& what, int err, bool xtcp_error);
  bool done() const { return shut_sent_ && !peer_open_ && down_off_ == down_len_; }

  xtcp_ctx* ctx_;
  int sock_;
  int in_fd_;
  int out_fd_;
  std::vector<uint8_t> up_;    // in_fd -> connection
  std::vector<uint8_t> down_;  // connection -> out_fd
  size_t up_off_ = 0, up_len_ = 0;
  size_t down_off_ = 0, down_len_ = 0;
  bool in_open_ = true;
  bool shut_sent_ = false;
  bool peer_open_ = true;
  CopyResult result_;
};

}  // namespace xtcp::tools
