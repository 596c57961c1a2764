// The rr/crr echo server against a scripted peer that answers before the
// server's send() returns: what a kernel-stack client does when it shares a
// CPU with the server and the wakeup preempts it (veth delivers in the
// sender's softirq). Every request must come back, however many arrive in
// one readiness event; a server that stops after a fixed number of rounds
// with an echo unsent and only readable interest stalls the transaction
// until the client's window ends (the kernel RR "untimed" stall).
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <deque>
#include <vector>

#include "tools/perf_rr.h"

using namespace xtcp::perf;

namespace {

constexpr int kListener = 3, kConn = 4;
constexpr size_t kRequest = 64;

class EagerPeer final : public Stack {
 public:
  EagerPeer(int requests, volatile bool* stop) : left_(requests), stop_(stop) { next_request(); }
  const char* name() const override { return "scripted"; }
  int listen(const sockaddr_storage&, int) override { return kListener; }
  int accept(int) override {
    if (accepted_) return -EAGAIN;
    accepted_ = true;
    return kConn;
  }
  int connect(const sockaddr_storage&) override { return -EOPNOTSUPP; }
  int socket_error(int) override { return 0; }
  ssize_t send(int h, const void* buf, size_t len) override {
    REQUIRE(h == kConn);
    const auto* p = static_cast<const uint8_t*>(buf);
    echoed.insert(echoed.end(), p, p + len);
    // The whole previous request is back: the peer's next one is already
    // in the socket when send() returns.
    if (echoed.size() % kRequest == 0) next_request();
    return static_cast<ssize_t>(len);
  }
  ssize_t recv(int h, void* buf, size_t len) override {
    REQUIRE(h == kConn);
    if (rx_.empty()) return left_ < 0 ? 0 : -EAGAIN;  // 0: the peer's FIN after its last echo
    const size_t n = std::min(len, rx_.size());
    for (size_t i = 0; i < n; ++i) {
      static_cast<uint8_t*>(buf)[i] = rx_.front();
      rx_.pop_front();
    }
    return static_cast<ssize_t>(n);
  }
  void close(int h) override { closed_ = closed_ || h == kConn; }
  int set_nodelay(int) override { return 0; }
  int64_t retransmits(int) override { return 0; }
  void watch(int h, short events) override {
    if (h == kConn) conn_interest_ = events;
  }
  // Level-triggered, like epoll: what is ready now for the interest held.
  int wait(std::span<Event> out, int) override {
    int n = 0;
    if (!accepted_) out[n++] = {kListener, kReadable};
    if (accepted_ && !closed_) {
      short r = 0;
      if ((conn_interest_ & kReadable) && (!rx_.empty() || left_ < 0)) r |= kReadable;
      if (conn_interest_ & kWritable) r |= kWritable;
      if (r) out[n++] = {kConn, r};
    }
    if (n == 0 && ++idle_waits_ >= 3) *stop_ = true;  // nothing will ever be ready
    return n;
  }

  std::vector<uint8_t> sent;    // every request, in order
  std::vector<uint8_t> echoed;  // what the server sent back

 private:
  void next_request() {
    if (left_-- <= 0) return;  // no more: FIN (left_ < 0)
    for (size_t i = 0; i < kRequest; ++i) {
      const auto b = static_cast<uint8_t>(sent.size() * 31 + 7);
      sent.push_back(b);
      rx_.push_back(b);
    }
  }

  int left_;
  volatile bool* stop_;
  std::deque<uint8_t> rx_;
  bool accepted_ = false, closed_ = false;
  short conn_interest_ = 0;
  int idle_waits_ = 0;
};

}  // namespace

TEST_CASE("the echo server answers every request of a peer that is always ahead", "[perf][echo]") {
  volatile bool stop = false;
  EagerPeer peer(40, &stop);
  EchoServerConfig cfg;
  EchoServer server(peer, cfg);
  REQUIRE(server.run(&stop) == 0);
  CHECK(peer.sent.size() == 40 * kRequest);
  CHECK(peer.echoed.size() == peer.sent.size());
  CHECK(peer.echoed == peer.sent);
}
