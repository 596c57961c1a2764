// xtcp-perf's iperf3-compatible server: one test at a time, driven by the
// real iperf3 client (-R, -P N, --bidir, -t, -l, -J). One thread, one event
// loop over the Stack; data streams are non-blocking, so the control
// connection is always served.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/perf_iperf_proto.h"
#include "tools/perf_stack.h"

namespace xtcp::perf {

struct IperfServerConfig {
  sockaddr_storage addr{};
  bool json = false;
  bool once = false;
};

class IperfServer {
 public:
  using Clock = std::chrono::steady_clock;

  IperfServer(Stack& stack, const IperfServerConfig& cfg);
  // Serves tests until a signal (stop flag) or, with --once, after one test.
  // Returns the exit status: 0, or 1 when the (last) test failed.
  int run(const volatile bool* stop);

 private:
  enum class Phase { Idle, Params, Streams, Running, Results, Done };
  enum class Role : uint8_t { None, Listener, Pending, Control, Stream };
  struct Pending {
    int handle;
    size_t got;
    char cookie[iperf::kCookieSize];
  };
  struct DataStream {
    int handle;
    int id;
    bool sender;  // server -> client
    uint64_t bytes;
    size_t block_off;     // offset in the block being sent
    int64_t retransmits;  // taken at TEST_END, before the close
  };

  void on_event(const Event& ev);
  void accept_all();
  void on_pending(int handle);
  void on_control();
  void on_stream(size_t index, short revents);
  bool process_control();  // false: need more bytes
  void handle_state_byte(int8_t state);
  void start_test(std::string cookie, int handle);
  void begin_running();
  void end_running();
  void send_results();
  void finish_test(bool ok, const std::string& why);
  void send_control(std::string_view bytes);
  void flush_control();
  void set_role(int handle, Role role, int index);
  void print_report();

  Stack& st_;
  IperfServerConfig cfg_;
  int listener_ = -1;
  std::vector<std::pair<Role, int>> roles_;  // per handle
  std::vector<Pending> pending_;
  Phase phase_ = Phase::Idle;
  int control_ = -1;
  std::string cookie_;
  std::string ctl_in_, ctl_out_;
  iperf::Params params_;
  iperf::Results client_results_;
  std::vector<DataStream> streams_;
  int expected_streams_ = 0;
  Clock::time_point phase_since_, start_, end_;
  std::vector<uint8_t> rx_buf_, tx_buf_;
  double cpu_user0_ = 0, cpu_sys0_ = 0;
  int tests_ = 0;
  bool last_ok_ = true;
  bool quit_ = false;
};

}  // namespace xtcp::perf
