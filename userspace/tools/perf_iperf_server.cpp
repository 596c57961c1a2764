#include "tools/perf_iperf_server.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tools/perf_json.h"

namespace xtcp::perf {

namespace {

constexpr size_t kRxBufferSize = 1 << 20;
constexpr size_t kMaxPending = 256;
constexpr int kIoRounds = 16;  // sends/recvs per stream per event: fairness
// A phase waiting on the client (parameters, streams, results) gives up
// after this long; a running test after its duration plus this.
constexpr std::chrono::seconds kStallLimit{30};

double cpu_seconds(bool user) {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const timeval& t = user ? ru.ru_utime : ru.ru_stime;
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

double seconds(IperfServer::Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

IperfServer::IperfServer(Stack& stack, const IperfServerConfig& cfg)
    : st_(stack), cfg_(cfg), rx_buf_(kRxBufferSize) {}

void IperfServer::set_role(int handle, Role role, int index) {
  if (handle < 0) return;
  if (static_cast<size_t>(handle) >= roles_.size()) roles_.resize(static_cast<size_t>(handle) * 2 + 64);
  roles_[handle] = {role, index};
}

int IperfServer::run(const volatile bool* stop) {
  listener_ = st_.listen(cfg_.addr, 128);
  if (listener_ < 0) {
    std::fprintf(stderr, "xtcp-perf: cannot listen on %s (%s stack): %s\n", address_string(cfg_.addr).c_str(),
                 st_.name(), std::strerror(-listener_));
    return 1;
  }
  set_role(listener_, Role::Listener, 0);
  st_.watch(listener_, kReadable);
  std::fprintf(stderr, "listening on %s (%s stack, iperf3 protocol)\n", address_string(cfg_.addr).c_str(),
               st_.name());
  std::vector<Event> events(256);
  while (!quit_ && !(stop && *stop)) {
    const int n = st_.wait(events, 100);
    if (n < 0) {
      std::fprintf(stderr, "xtcp-perf: wait failed: %s\n", std::strerror(-n));
      return 1;
    }
    for (int i = 0; i < n; ++i) on_event(events[i]);
    const auto now = Clock::now();
    const auto limit = phase_ == Phase::Running
                           ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(params_.duration_s)) + kStallLimit
                           : Clock::duration(kStallLimit);
    if (phase_ != Phase::Idle && now - phase_since_ > limit) finish_test(false, "the client stalled");
  }
  return last_ok_ ? 0 : 1;
}

void IperfServer::on_event(const Event& ev) {
  if (ev.handle < 0 || static_cast<size_t>(ev.handle) >= roles_.size()) return;
  const auto [role, index] = roles_[ev.handle];
  switch (role) {
    case Role::Listener: accept_all(); break;
    case Role::Pending: on_pending(ev.handle); break;
    case Role::Control:
      if (ev.revents & kWritable) flush_control();
      if (control_ >= 0 && (ev.revents & (kReadable | kError | kHangup))) on_control();
      break;
    case Role::Stream: on_stream(static_cast<size_t>(index), ev.revents); break;
    case Role::None: break;
  }
}

void IperfServer::accept_all() {
  for (int i = 0; i < 64; ++i) {
    const int h = st_.accept(listener_);
    if (h < 0) return;
    if (pending_.size() >= kMaxPending) {
      st_.close(h);
      continue;
    }
    pending_.push_back({h, 0, {}});
    set_role(h, Role::Pending, 0);
    st_.set_nodelay(h);
    st_.watch(h, kReadable);
  }
}

// A new connection sends the cookie first: a control connection when idle,
// else a data stream of the running test (or refused).
void IperfServer::on_pending(int handle) {
  size_t i = 0;
  while (i < pending_.size() && pending_[i].handle != handle) ++i;
  if (i == pending_.size()) return;
  Pending& p = pending_[i];
  const ssize_t n = st_.recv(handle, p.cookie + p.got, iperf::kCookieSize - p.got);
  if (n == -EAGAIN) return;
  auto drop = [&] {
    set_role(handle, Role::None, 0);
    st_.close(handle);
    pending_.erase(pending_.begin() + static_cast<long>(i));
  };
  if (n <= 0) return drop();
  p.got += static_cast<size_t>(n);
  if (p.got < iperf::kCookieSize) return;
  const std::string cookie(p.cookie, iperf::kCookieSize);
  if (phase_ == Phase::Idle) {
    pending_.erase(pending_.begin() + static_cast<long>(i));
    return start_test(cookie, handle);
  }
  if (phase_ == Phase::Streams && cookie == cookie_ && static_cast<int>(streams_.size()) < expected_streams_) {
    pending_.erase(pending_.begin() + static_cast<long>(i));
    const size_t idx = streams_.size();
    // --bidir: the first `parallel` streams carry client -> server.
    const bool sender = params_.bidir ? static_cast<int>(idx) >= params_.parallel : params_.reverse;
    streams_.push_back({handle, iperf::stream_id(idx), sender, 0, 0, -1});
    set_role(handle, Role::Stream, static_cast<int>(idx));
    st_.watch(handle, 0);
    if (static_cast<int>(streams_.size()) == expected_streams_) begin_running();
    return;
  }
  // Busy with another test (iperf3 says "the server is busy").
  const char denied = static_cast<char>(iperf::kAccessDenied);
  st_.send(handle, &denied, 1);
  drop();
}

void IperfServer::start_test(std::string cookie, int handle) {
  cookie_ = std::move(cookie);
  control_ = handle;
  set_role(handle, Role::Control, 0);
  ctl_in_.clear();
  ctl_out_.clear();
  streams_.clear();
  client_results_ = {};
  phase_ = Phase::Params;
  phase_since_ = Clock::now();
  st_.watch(handle, kReadable);
  send_control(std::string(1, static_cast<char>(iperf::kParamExchange)));
}

void IperfServer::send_control(std::string_view bytes) {
  ctl_out_ += bytes;
  flush_control();
}

void IperfServer::flush_control() {
  while (control_ >= 0 && !ctl_out_.empty()) {
    const ssize_t n = st_.send(control_, ctl_out_.data(), ctl_out_.size());
    if (n == -EAGAIN) break;
    if (n < 0) return finish_test(false, std::string("control connection failed: ") + std::strerror(static_cast<int>(-n)));
    ctl_out_.erase(0, static_cast<size_t>(n));
  }
  if (control_ >= 0) st_.watch(control_, static_cast<short>(kReadable | (ctl_out_.empty() ? 0 : kWritable)));
}

void IperfServer::on_control() {
  char buf[4096];
  for (;;) {
    const ssize_t n = st_.recv(control_, buf, sizeof buf);
    if (n == -EAGAIN) break;
    if (n <= 0) {
      // The client may close right after IPERF_DONE's byte or instead of it.
      if (phase_ == Phase::Done) return finish_test(true, "");
      return finish_test(false, n == 0 ? "the client closed the control connection"
                                       : std::string("control connection failed: ") + std::strerror(static_cast<int>(-n)));
    }
    ctl_in_.append(buf, static_cast<size_t>(n));
    if (ctl_in_.size() > iperf::kMaxJsonSize + 8) return finish_test(false, "control message too long");
  }
  while (control_ >= 0 && process_control()) {
  }
}

// Consumes one complete message for the current phase; false when more
// bytes are needed.
bool IperfServer::process_control() {
  const bool json_phase = phase_ == Phase::Params || phase_ == Phase::Results;
  if (json_phase) {
    if (ctl_in_.size() < 4) return false;
    const uint32_t len = iperf::frame_length(reinterpret_cast<const uint8_t*>(ctl_in_.data()));
    if (len > iperf::kMaxJsonSize) return finish_test(false, "control message too long"), false;
    if (ctl_in_.size() < 4 + size_t{len}) return false;
    const std::string json = ctl_in_.substr(4, len);
    ctl_in_.erase(0, 4 + size_t{len});
    if (phase_ == Phase::Results) {
      if (auto r = iperf::parse_results(json)) client_results_ = std::move(*r);
      send_results();
      return control_ >= 0;
    }
    std::string why;
    int32_t i_errno = 0;
    auto p = iperf::parse_params(json, why, i_errno);
    if (!p) {
      send_control(iperf::server_error_message(i_errno, 0));
      return finish_test(false, "refused the test: " + why), false;
    }
    params_ = *p;
    expected_streams_ = params_.parallel * (params_.bidir ? 2 : 1);
    tx_buf_.assign(params_.block_size, 0);
    for (size_t i = 0; i < tx_buf_.size(); ++i) tx_buf_[i] = static_cast<uint8_t>(i * 131 + 7);
    phase_ = Phase::Streams;
    phase_since_ = Clock::now();
    send_control(std::string(1, static_cast<char>(iperf::kCreateStreams)));
    return control_ >= 0;
  }
  if (ctl_in_.empty()) return false;
  const auto state = static_cast<int8_t>(ctl_in_[0]);
  ctl_in_.erase(0, 1);
  handle_state_byte(state);
  return control_ >= 0;
}

void IperfServer::handle_state_byte(int8_t state) {
  switch (state) {
    case iperf::kTestEnd:
      if (phase_ != Phase::Running) return finish_test(false, "TEST_END before the test ran");
      end_running();
      return;
    case iperf::kIperfDone:
      return finish_test(phase_ == Phase::Done, phase_ == Phase::Done ? "" : "IPERF_DONE too early");
    case iperf::kClientTerminate:
      return finish_test(false, "the client terminated the test");
    default:
      return finish_test(false, "unexpected state byte " + std::to_string(state) + " from the client");
  }
}

void IperfServer::begin_running() {
  phase_ = Phase::Running;
  start_ = phase_since_ = Clock::now();
  cpu_user0_ = cpu_seconds(true);
  cpu_sys0_ = cpu_seconds(false);
  for (const DataStream& s : streams_) st_.watch(s.handle, s.sender ? kWritable : kReadable);
  send_control(std::string{static_cast<char>(iperf::kTestStart), static_cast<char>(iperf::kTestRunning)});
}

void IperfServer::on_stream(size_t index, short revents) {
  if (phase_ != Phase::Running || index >= streams_.size()) return;
  DataStream& s = streams_[index];
  if (s.sender) {
    if (!(revents & (kWritable | kError | kHangup))) return;
    for (int r = 0; r < kIoRounds; ++r) {
      const ssize_t n = st_.send(s.handle, tx_buf_.data() + s.block_off, tx_buf_.size() - s.block_off);
      if (n == -EAGAIN) return;
      if (n < 0) return st_.watch(s.handle, 0);  // the client's end: it closes streams first
      s.bytes += static_cast<uint64_t>(n);
      s.block_off = (s.block_off + static_cast<size_t>(n)) % tx_buf_.size();
    }
    return;
  }
  for (int r = 0; r < kIoRounds; ++r) {
    // Block-sized reads keep the copy target in cache (iperf3 does the same).
    const ssize_t n = st_.recv(s.handle, rx_buf_.data(), std::min(rx_buf_.size(), tx_buf_.size()));
    if (n == -EAGAIN) return;
    if (n <= 0) return st_.watch(s.handle, 0);
    s.bytes += static_cast<uint64_t>(n);
  }
}

void IperfServer::end_running() {
  end_ = Clock::now();
  // The streams close now, as iperf3's own server does: after TEST_END its
  // reverse-mode client keeps reading whole blocks with blocking reads, and
  // only the end of the stream lets a partial last block return.
  for (DataStream& s : streams_) {
    if (s.sender) s.retransmits = st_.retransmits(s.handle);
    set_role(s.handle, Role::None, 0);
    st_.close(s.handle);
    s.handle = -1;
  }
  phase_ = Phase::Results;
  phase_since_ = end_;
  send_control(std::string(1, static_cast<char>(iperf::kExchangeResults)));
}

void IperfServer::send_results() {
  const double wall = seconds(end_ - start_);
  iperf::Results r;
  const double user = cpu_seconds(true) - cpu_user0_, sys = cpu_seconds(false) - cpu_sys0_;
  if (wall > 0) {
    r.cpu_user = 100.0 * user / wall;
    r.cpu_system = 100.0 * sys / wall;
    r.cpu_total = r.cpu_user + r.cpu_system;
  }
  bool any_sender = false, retrans_known = true;
  for (const DataStream& s : streams_) {
    const int64_t retr = s.sender ? s.retransmits : -1;
    any_sender |= s.sender;
    if (s.sender && retr < 0) retrans_known = false;
    r.streams.push_back({.id = s.id, .bytes = s.bytes, .retransmits = retr, .start_s = 0, .end_s = wall});
  }
  r.sender_has_retransmits = any_sender ? (retrans_known ? 1 : 0) : -1;
  send_control(iperf::frame_json(iperf::results_json(r)));
  send_control(std::string(1, static_cast<char>(iperf::kDisplayResults)));
  if (control_ < 0) return;
  phase_ = Phase::Done;
  phase_since_ = Clock::now();
}

void IperfServer::finish_test(bool ok, const std::string& why) {
  if (phase_ == Phase::Idle && control_ < 0) return;
  const bool ran = phase_ == Phase::Done || phase_ == Phase::Results;
  if (ok && ran) print_report();
  if (!ok) {
    static constexpr const char* kPhaseNames[] = {"idle", "parameters", "streams", "running", "results", "done"};
    std::fprintf(stderr, "xtcp-perf: test aborted while in phase %s (%zu of %d streams): %s\n",
                 kPhaseNames[static_cast<int>(phase_)], streams_.size(), expected_streams_, why.c_str());
  }
  for (const DataStream& s : streams_) {
    if (s.handle < 0) continue;
    set_role(s.handle, Role::None, 0);
    st_.close(s.handle);
  }
  streams_.clear();
  if (control_ >= 0) {
    set_role(control_, Role::None, 0);
    st_.close(control_);
  }
  control_ = -1;
  phase_ = Phase::Idle;
  last_ok_ = ok;
  ++tests_;
  if (cfg_.once) quit_ = true;
}

void IperfServer::print_report() {
  const double wall = seconds(end_ - start_);
  uint64_t sent = 0, received = 0;
  for (const DataStream& s : streams_) (s.sender ? sent : received) += s.bytes;
  const double bps = wall > 0 ? static_cast<double>(sent + received) * 8 / wall : 0;
  const char* dir = params_.bidir ? "bidir" : params_.reverse ? "reverse" : "forward";
  if (cfg_.json) {
    std::printf("%s\n", JsonWriter()
                            .field("mode", "iperf")
                            .field("stack", st_.name())
                            .field("direction", dir)
                            .field("streams", static_cast<int64_t>(streams_.size()))
                            .field("block_size", uint64_t{params_.block_size})
                            .field("seconds", wall)
                            .field("bytes_sent", sent)
                            .field("bytes_received", received)
                            .field("bits_per_second", bps)
                            .field("client_version", params_.client_version)
                            .str()
                            .c_str());
  } else {
    std::printf("iperf %s, %zu stream(s), %s stack: sent %llu B, received %llu B in %.2f s = %.3f Gbit/s\n", dir,
                streams_.size(), st_.name(), static_cast<unsigned long long>(sent),
                static_cast<unsigned long long>(received), wall, bps / 1e9);
  }
  std::fflush(stdout);
}

}  // namespace xtcp::perf
