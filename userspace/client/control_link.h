// ControlLink: libxtcp's end of the control socket (xtcp/control.h). One
// request in flight; every reply is validated (framing, fields, seq, type,
// descriptor count) before anything in it is used: the daemon's bytes are
// untrusted like any peer's. Returns 0 or -errno; detail() says why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "xtcp/control.h"

namespace xtcp::client {

class ControlLink {
 public:
  static constexpr int kReplyTimeoutMs = 10000;

  ControlLink() = default;
  ~ControlLink();
  ControlLink(const ControlLink&) = delete;
  ControlLink& operator=(const ControlLink&) = delete;

  int connect(const char* path);
  // Sends `msg` (seq overwritten) and receives the reply of type
  // request|REPLY_BIT into `reply` (exactly reply_len bytes) with exactly
  // fds.size() descriptors (close-on-exec, owned by the caller on success).
  // An ERROR reply returns -code with its text in detail().
  int request(void* msg, size_t len, void* reply, size_t reply_len, std::span<int> fds);

  const std::string& detail() const { return detail_; }
  const std::string& path() const { return path_; }

 private:
  int fail(int code, std::string sentence);
  int receive(uint32_t seq, uint16_t want_type, void* reply, size_t reply_len,
              std::span<int> fds);

  int fd_ = -1;
  bool broken_ = false;  // a malformed reply desynchronised the session
  uint32_t seq_ = 0;
  std::string path_;
  std::string detail_;
};

}  // namespace xtcp::client
