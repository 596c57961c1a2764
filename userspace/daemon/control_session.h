// ControlSession: the protocol state of one connected control client,
// without sockets: a datagram in, a reply datagram out. The server
// (control_server.h) owns the socket and closes it when handle() says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "daemon/app_api.h"
#include "daemon/stats.h"

namespace xtcp::daemon {

class ControlSession {
 public:
  // app: the application API (nullptr: its requests are answered ENOSYS);
  // id: this session's number in the app layer.
  explicit ControlSession(StatsSource& source, AppApi* app = nullptr, uint32_t id = 0)
      : source_(&source), app_(app), id_(id) {}

  // Handles one received datagram of datagram_len bytes; buf holds its
  // first min(datagram_len, XTCP_CTL_MAX_MESSAGE) bytes. Fills reply (never
  // empty) unless *deferred is set: the app layer answers later through its
  // ReplySink. Returns false when the session must be closed after the
  // reply is sent: the message was malformed (xtcp_ctl_validate failed or
  // it was not a request).
  bool handle(const uint8_t* buf, size_t datagram_len, Reply& reply, bool* deferred);
  // The same for callers that never pass descriptors or defer (tests).
  bool handle(const uint8_t* buf, size_t datagram_len, std::vector<uint8_t>& reply);
  uint32_t id() const { return id_; }

  const char* client_name() const { return client_; }

 private:
  void on_hello(const xtcp_ctl_hello& m, std::vector<uint8_t>& reply);
  void on_stats(const xtcp_ctl_stats_request& m, std::vector<uint8_t>& reply);
  void on_conns(const xtcp_ctl_conns_request& m, std::vector<uint8_t>& reply);

  StatsSource* source_;
  AppApi* app_;
  uint32_t id_;
  StatList snapshot_;  // kept between pages of one stats request
  std::vector<xtcp_ctl_conn_entry> conns_;  // ... and of one conns request
  char client_[32] = "unnamed";
};

// Builds an XTCP_CTL_ERROR reply: code is a positive errno.
void build_error(std::vector<uint8_t>& out, uint32_t seq, uint16_t request_type,
                 int code, std::string_view text);

}  // namespace xtcp::daemon
