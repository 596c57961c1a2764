// The rr/crr server: echoes every byte back, closes after the peer's FIN.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tools/perf_json.h"
#include "tools/perf_rr.h"

namespace xtcp::perf {

EchoServer::Conn* EchoServer::conn(int h) {
  if (h < 0 || static_cast<size_t>(h) >= conns_.size() || !conns_[h].open) return nullptr;
  return &conns_[h];
}

void EchoServer::accept_all() {
  for (int k = 0; k < 256; ++k) {
    const int h = st_.accept(listener_);
    if (h < 0) return;
    if (static_cast<size_t>(h) >= conns_.size()) conns_.resize(static_cast<size_t>(h) * 2 + 64);
    Conn& c = conns_[h];
    c.open = true;
    c.off = c.len = 0;
    c.buf.resize(kBufferSize);  // kept across reuse of the handle: no allocation per connection after warm-up
    ++open_;
    ++accepted_;
    st_.set_nodelay(h);
    st_.watch(h, kReadable);
  }
}

void EchoServer::close_conn(int h) {
  Conn* c = conn(h);
  if (!c) return;
  c->open = false;
  --open_;
  st_.close(h);
}

// Echoes until the socket has nothing more to read, for at most kRounds
// reads so one busy connection cannot starve the others. A peer that is
// always ahead (it shares our CPU and answers inside our send()) uses up the
// rounds with an echo still unsent: then we wait for writable, not readable,
// or that echo (and the peer's transaction) would wait for data the peer
// will never send.
void EchoServer::on_conn(int h, short revents) {
  constexpr int kRounds = 16;
  Conn* c = conn(h);
  if (!c) return;
  (void)revents;
  for (int round = 0; round < kRounds; ++round) {
    while (c->off < c->len) {
      const ssize_t n = st_.send(h, c->buf.data() + c->off, c->len - c->off);
      if (n == -EAGAIN) return st_.watch(h, kWritable);
      if (n < 0) return close_conn(h);
      c->off += static_cast<size_t>(n);
      echoed_ += static_cast<uint64_t>(n);
    }
    c->off = c->len = 0;
    st_.watch(h, kReadable);
    const ssize_t n = st_.recv(h, c->buf.data(), c->buf.size());
    if (n == -EAGAIN) return;
    if (n <= 0) return close_conn(h);  // FIN (crr's close) or a reset
    c->len = static_cast<size_t>(n);
  }
  st_.watch(h, kWritable);  // an echo is pending: resume as soon as it can go
}

int EchoServer::run(const volatile bool* stop) {
  listener_ = st_.listen(cfg_.addr, 4096);
  if (listener_ < 0) {
    std::fprintf(stderr, "xtcp-perf: cannot listen on %s (%s stack): %s\n", address_string(cfg_.addr).c_str(),
                 st_.name(), std::strerror(-listener_));
    return 1;
  }
  st_.watch(listener_, kReadable);
  std::fprintf(stderr, "listening on %s (%s stack, echo for rr/crr)\n", address_string(cfg_.addr).c_str(),
               st_.name());
  std::vector<Event> events(1024);
  auto idle_since = Clock::now();
  while (!(stop && *stop)) {
    const int n = st_.wait(events, 100);
    if (n < 0) {
      std::fprintf(stderr, "xtcp-perf: wait failed: %s\n", std::strerror(-n));
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      if (events[i].handle == listener_) accept_all();
      else on_conn(events[i].handle, events[i].revents);
    }
    if (open_ > 0 || accepted_ == 0) idle_since = Clock::now();
    // --once: a second without any connection after the first ends the run.
    if (cfg_.once && Clock::now() - idle_since > std::chrono::seconds(1)) break;
  }
  if (cfg_.json)
    std::printf("%s\n", JsonWriter()
                            .field("mode", "echo")
                            .field("stack", st_.name())
                            .field("connections_accepted", accepted_)
                            .field("bytes_echoed", echoed_)
                            .str()
                            .c_str());
  else
    std::printf("echo server (%s stack): %llu connections, %llu bytes echoed\n", st_.name(),
                static_cast<unsigned long long>(accepted_), static_cast<unsigned long long>(echoed_));
  std::fflush(stdout);
  for (size_t h = 0; h < conns_.size(); ++h)
    if (conns_[h].open) close_conn(static_cast<int>(h));
  st_.close(listener_);
  return 0;
}

}  // namespace xtcp::perf
