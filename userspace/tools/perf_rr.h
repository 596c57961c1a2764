// xtcp-perf's request/response workloads on the Stack, one thread:
//   rr:  N connections each doing fixed-size ping-pong (request, same-size
//        response) back to back; transactions/s and latency percentiles;
//   crr: N slots each doing connect, request, response, close, repeat;
//        connections/s and latency from connect to response.
// The server side is an echo server (it returns every byte it reads and
// closes after the peer's FIN), so it serves both modes.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/perf_histogram.h"
#include "tools/perf_options.h"
#include "tools/perf_stack.h"

namespace xtcp::perf {

using Clock = std::chrono::steady_clock;

struct RrConfig {
  Mode mode = Mode::Rr;
  sockaddr_storage server{};
  size_t size = kDefaultSize;
  double duration_s = kDefaultDuration;
  int connections = 1;
};

struct RrReport {
  uint64_t transactions = 0;  // complete responses inside the window
  uint64_t connects = 0;      // crr: connections completed (= transactions)
  uint64_t errors = 0;        // failed connects / resets (each retried)
  uint64_t corrupt = 0;       // responses that differed from the request
  int last_errno = 0;         // of the last failed connect or connection
  double seconds = 0;         // the measured window
  double setup_seconds = 0;   // rr: time to establish all connections
  Histogram latency_ns;
  std::string failure;        // empty unless the run could not measure
};

class RrClient {
 public:
  RrClient(Stack& stack, const RrConfig& cfg);
  RrReport run(const volatile bool* stop);

 private:
  enum class SlotState { Free, Connecting, Ready, Sending, Receiving };  // Ready: rr, before the window
  struct Slot {
    int handle = -1;
    SlotState state = SlotState::Free;
    size_t done = 0;
    Clock::time_point t0;
  };

  bool open_slot(size_t i);
  void close_slot(size_t i);
  void fail_slot(size_t i);
  void start_request(size_t i);
  void on_event(const Event& ev);
  void on_sendable(size_t i);
  void on_readable(size_t i);
  void complete(size_t i);
  bool measuring() const { return measuring_; }

  Stack& st_;
  RrConfig cfg_;
  std::vector<Slot> slots_;
  std::vector<int> slot_of_;  // per handle, -1 none
  std::vector<uint8_t> request_, scratch_;
  RrReport rep_;
  size_t connected_ = 0;
  bool measuring_ = false;
  bool ending_ = false;
};

std::string rr_report_json(const RrConfig& cfg, const char* stack, const RrReport& r);
std::string rr_report_text(const RrConfig& cfg, const char* stack, const RrReport& r);

struct EchoServerConfig {
  sockaddr_storage addr{};
  bool json = false;
  bool once = false;  // exit once every connection closed after the first
};

class EchoServer {
 public:
  EchoServer(Stack& stack, const EchoServerConfig& cfg) : st_(stack), cfg_(cfg) {}
  int run(const volatile bool* stop);

 private:
  static constexpr size_t kBufferSize = 2048;
  struct Conn {
    bool open = false;
    size_t off = 0, len = 0;  // echo bytes not yet sent back
    std::vector<uint8_t> buf;
  };
  void accept_all();
  void on_conn(int h, short revents);
  void close_conn(int h);
  Conn* conn(int h);

  Stack& st_;
  EchoServerConfig cfg_;
  int listener_ = -1;
  std::vector<Conn> conns_;  // per handle
  size_t open_ = 0;
  uint64_t accepted_ = 0, echoed_ = 0;
};

}  // namespace xtcp::perf
