// ControlClient: the client side of the control protocol (xtcp/control.h),
// kept free of daemon code so libxtcp can reuse it. Blocking, one request
// in flight, every reply validated and matched by seq.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "xtcp/control.h"

namespace xtcp::tools {

struct StatsResult {
  std::string iface;
  uint32_t bind_mode = XTCP_BIND_UNKNOWN;
  uint32_t queue_count = 0;
  std::vector<std::pair<std::string, uint64_t>> entries;  // daemon's order
};

class ControlClient {
 public:
  static constexpr int kDefaultTimeoutMs = 5000;

  ControlClient() = default;
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // Every call returns 0 or -errno; error() then holds one sentence
  // (without a program prefix) saying what was wrong and what to do.
  int connect(const std::string& path, int timeout_ms = kDefaultTimeoutMs);
  int hello(const char* client_name, xtcp_ctl_hello_reply* out);
  // All pages of one consistent snapshot.
  int stats(StatsResult* out);
  // Sends msg (its header's seq is overwritten) and receives the validated
  // reply of the same seq. An XTCP_CTL_ERROR reply returns -code.
  int request(void* msg, size_t len, std::vector<uint8_t>& reply);

  const std::string& error() const { return error_; }

 private:
  int fail(int code, std::string sentence);
  int recv_reply(uint32_t seq, std::vector<uint8_t>& reply);

  int fd_ = -1;
  uint32_t seq_ = 0;
  std::string path_;
  std::string error_;
};

// $XTCP_SOCKET if set and non-empty, else XTCP_CTL_DEFAULT_SOCKET (the same
// rule as xtcpd's --socket default).
std::string default_control_socket();

// "copy", "zerocopy", "mixed" or "unknown".
const char* bind_mode_text(uint32_t mode);

}  // namespace xtcp::tools
