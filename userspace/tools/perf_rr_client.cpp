#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tools/perf_json.h"
#include "tools/perf_rr.h"

namespace xtcp::perf {

namespace {
constexpr size_t kEventBatch = 1024;
// rr: connections that take longer than this to come up end the run.
constexpr std::chrono::seconds kSetupLimit{30};
}  // namespace

RrClient::RrClient(Stack& stack, const RrConfig& cfg)
    : st_(stack), cfg_(cfg), slots_(static_cast<size_t>(cfg.connections)), request_(cfg.size), scratch_(cfg.size) {
  for (size_t i = 0; i < request_.size(); ++i) request_[i] = static_cast<uint8_t>(i * 7 + 1);
}

bool RrClient::open_slot(size_t i) {
  Slot& s = slots_[i];
  const int h = st_.connect(cfg_.server);
  if (h < 0) {
    ++rep_.errors;
    rep_.last_errno = -h;
    s = Slot{};
    return false;
  }
  if (static_cast<size_t>(h) >= slot_of_.size()) slot_of_.resize(static_cast<size_t>(h) * 2 + 64, -1);
  slot_of_[h] = static_cast<int>(i);
  s = Slot{.handle = h, .state = SlotState::Connecting, .done = 0, .t0 = Clock::now()};
  st_.watch(h, kWritable);
  return true;
}

void RrClient::close_slot(size_t i) {
  Slot& s = slots_[i];
  if (s.handle >= 0) {
    slot_of_[s.handle] = -1;
    st_.close(s.handle);
  }
  s = Slot{};
}

// A failed connect or a reset: counted, and the slot starts over (crr) or
// reconnects (rr) while the run lasts.
void RrClient::fail_slot(size_t i) {
  ++rep_.errors;
  if (slots_[i].handle >= 0)
    if (const int e = st_.socket_error(slots_[i].handle); e > 0) rep_.last_errno = e;
  if (slots_[i].state != SlotState::Connecting && slots_[i].state != SlotState::Free && connected_ > 0) --connected_;
  close_slot(i);
  if (!ending_) open_slot(i);
}

void RrClient::start_request(size_t i) {
  Slot& s = slots_[i];
  s.done = 0;
  if (cfg_.mode == Mode::Rr) s.t0 = Clock::now();  // crr: from the connect
  s.state = SlotState::Sending;
  on_sendable(i);
}

void RrClient::on_sendable(size_t i) {
  Slot& s = slots_[i];
  while (s.done < request_.size()) {
    const ssize_t n = st_.send(s.handle, request_.data() + s.done, request_.size() - s.done);
    if (n == -EAGAIN) return st_.watch(s.handle, kWritable);
    if (n < 0) return fail_slot(i);
    s.done += static_cast<size_t>(n);
  }
  s.done = 0;
  s.state = SlotState::Receiving;
  st_.watch(s.handle, kReadable);
  on_readable(i);
}

void RrClient::on_readable(size_t i) {
  Slot& s = slots_[i];
  while (s.done < request_.size()) {
    const ssize_t n = st_.recv(s.handle, scratch_.data(), request_.size() - s.done);
    if (n == -EAGAIN) return;
    if (n <= 0) return fail_slot(i);  // FIN or reset before the whole response
    // The echo must be the request, byte for byte.
    if (std::memcmp(scratch_.data(), request_.data() + s.done, static_cast<size_t>(n)) != 0) ++rep_.corrupt;
    s.done += static_cast<size_t>(n);
  }
  complete(i);
}

void RrClient::complete(size_t i) {
  Slot& s = slots_[i];
  if (measuring_) {
    rep_.latency_ns.record(static_cast<uint64_t>(std::chrono::nanoseconds(Clock::now() - s.t0).count()));
    ++rep_.transactions;
  }
  if (ending_) return close_slot(i);
  if (cfg_.mode == Mode::Rr) return start_request(i);
  if (measuring_) ++rep_.connects;
  close_slot(i);
  open_slot(i);
}

void RrClient::on_event(const Event& ev) {
  if (ev.handle < 0 || static_cast<size_t>(ev.handle) >= slot_of_.size() || slot_of_[ev.handle] < 0) return;
  const auto i = static_cast<size_t>(slot_of_[ev.handle]);
  Slot& s = slots_[i];
  switch (s.state) {
    case SlotState::Connecting: {
      if (!(ev.revents & (kWritable | kError | kHangup))) return;
      if (st_.socket_error(s.handle) != 0 || (ev.revents & (kError | kHangup))) return fail_slot(i);
      st_.set_nodelay(s.handle);
      ++connected_;
      if (cfg_.mode == Mode::Crr || measuring_) return start_request(i);
      s.state = SlotState::Ready;  // rr: waits for every connection
      st_.watch(s.handle, 0);
      return;
    }
    case SlotState::Ready:
      if (ev.revents & (kError | kHangup)) fail_slot(i);
      return;
    case SlotState::Sending: return on_sendable(i);
    case SlotState::Receiving: return on_readable(i);
    case SlotState::Free: return;
  }
}

RrReport RrClient::run(const volatile bool* stop) {
  std::vector<Event> events(kEventBatch);
  const auto setup_start = Clock::now();
  for (size_t i = 0; i < slots_.size(); ++i) open_slot(i);
  auto pump = [&](Clock::time_point until) -> bool {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    const int n = st_.wait(events, static_cast<int>(std::clamp<long long>(left, 0, 100)));
    if (n < 0) {
      rep_.failure = std::string("wait failed: ") + std::strerror(-n);
      return false;
    }
    for (int k = 0; k < n; ++k) on_event(events[k]);
    return !(stop && *stop);
  };
  if (cfg_.mode == Mode::Rr) {
    // All connections up before the window opens (the scale runs).
    const auto limit = setup_start + kSetupLimit;
    while (connected_ < slots_.size() && Clock::now() < limit)
      if (!pump(limit)) return rep_;
    rep_.setup_seconds = std::chrono::duration<double>(Clock::now() - setup_start).count();
    if (connected_ < slots_.size()) {
      rep_.failure = std::to_string(connected_) + " of " + std::to_string(slots_.size()) +
                     " connections came up within 30 s" +
                     (rep_.last_errno ? std::string(" (last error: ") + std::strerror(rep_.last_errno) + ")" : "");
      return rep_;
    }
  }
  measuring_ = true;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(cfg_.duration_s));
  if (cfg_.mode == Mode::Rr)
    for (size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].state == SlotState::Ready) start_request(i);
  while (Clock::now() < end)
    if (!pump(end)) break;
  rep_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  measuring_ = false;
  ending_ = true;
  for (size_t i = 0; i < slots_.size(); ++i) close_slot(i);
  return rep_;
}

namespace {
double per_second(uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0; }
double us(uint64_t ns) { return static_cast<double>(ns) / 1000.0; }
}  // namespace

std::string rr_report_json(const RrConfig& cfg, const char* stack, const RrReport& r) {
  const Histogram& h = r.latency_ns;
  JsonWriter w;
  w.field("mode", mode_name(cfg.mode))
      .field("stack", stack)
      .field("server", address_string(cfg.server))
      .field("size", uint64_t{cfg.size})
      .field("connections", cfg.connections)
      .field("duration_s", cfg.duration_s)
      .field("seconds", r.seconds)
      .field("transactions", r.transactions)
      .field("transactions_per_s", per_second(r.transactions, r.seconds));
  if (cfg.mode == Mode::Crr) w.field("connections_per_s", per_second(r.connects, r.seconds));
  else w.field("setup_s", r.setup_seconds);
  w.field("latency_us_min", us(h.min()))
      .field("latency_us_mean", h.mean() / 1000.0)
      .field("latency_us_p50", us(h.percentile(0.50)))
      .field("latency_us_p99", us(h.percentile(0.99)))
      .field("latency_us_p999", us(h.percentile(0.999)))
      .field("latency_us_max", us(h.max()))
      .field("errors", r.errors)
      .field("corrupt", r.corrupt);
  if (!r.failure.empty()) w.field("failure", r.failure);
  return w.str();
}

std::string rr_report_text(const RrConfig& cfg, const char* stack, const RrReport& r) {
  const Histogram& h = r.latency_ns;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s %s stack, %zu B, %d connection(s), %.2f s: %llu transactions, %.0f trans/s%s"
                "latency us: p50 %.1f p99 %.1f p99.9 %.1f (min %.1f, max %.1f); errors %llu, corrupt %llu\n",
                mode_name(cfg.mode), stack, cfg.size, cfg.connections, r.seconds,
                static_cast<unsigned long long>(r.transactions), per_second(r.transactions, r.seconds),
                cfg.mode == Mode::Crr ? " (= connections/s)\n" : "\n", us(h.percentile(0.50)),
                us(h.percentile(0.99)), us(h.percentile(0.999)), us(h.min()), us(h.max()),
                static_cast<unsigned long long>(r.errors), static_cast<unsigned long long>(r.corrupt));
  return buf;
}

}  // namespace xtcp::perf
