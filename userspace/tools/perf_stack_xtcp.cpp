// xtcp behind the Stack interface. Every libxtcp call uses timeout 0; the
// loop sleeps in one epoll set holding each handle's xtcp_fd(), following
// xtcp.h's protocol: xtcp_wait_prepare announces the sleep (or reports the
// handle ready), xtcp_wait_finish after it fired. A handle stays armed
// until it fires or its interest changes, so a wait() costs work only for
// the handles that were active, not for every open connection.
#include <netinet/in.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "tools/perf_stack.h"
#include "xtcp/xtcp.h"

namespace xtcp::perf {

namespace {

socklen_t addr_len(const sockaddr_storage& a) {
  return a.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

struct HandleState {
  bool open = false;
  bool listener = false;
  bool armed = false;     // wait_prepare announced a sleep; finish pending
  bool in_dirty = false;  // queued for a readiness check in wait()
  bool in_epoll = false;
  short interest = 0;
};

class XtcpStack final : public Stack {
 public:
  XtcpStack(xtcp_ctx* ctx, int epfd) : ctx_(ctx), epfd_(epfd) {}
  ~XtcpStack() override {
    xtcp_close_ctx(ctx_);
    ::close(epfd_);
  }
  const char* name() const override { return "xtcp"; }

  int listen(const sockaddr_storage& addr, int backlog) override {
    const int h = xtcp_listen(ctx_, reinterpret_cast<const sockaddr*>(&addr), addr_len(addr), backlog);
    return h < 0 ? -errno : adopt(h, true);
  }

  int accept(int listener) override {
    const int h = xtcp_accept(ctx_, listener, nullptr, 0);
    if (h < 0) return -errno;
    // The listener's ready fd was drained by the accept: look again next wait.
    mark_dirty(listener);
    return adopt(h, false);
  }

  int connect(const sockaddr_storage& addr) override {
    const int h = xtcp_connect(ctx_, reinterpret_cast<const sockaddr*>(&addr), addr_len(addr), nullptr, 0, 0);
    return h < 0 ? -errno : adopt(h, false);
  }

  int socket_error(int h) override {
    const int e = xtcp_socket_error(ctx_, h);
    return e < 0 ? errno : e;
  }

  ssize_t send(int h, const void* buf, size_t len) override {
    const ssize_t n = xtcp_send(ctx_, h, buf, len, 0);
    return n < 0 ? -errno : n;
  }

  ssize_t recv(int h, void* buf, size_t len) override {
    const ssize_t n = xtcp_recv(ctx_, h, buf, len, 0);
    return n < 0 ? -errno : n;
  }

  void close(int h) override {
    HandleState* s = state(h);
    if (!s) return;
    if (s->armed) xtcp_wait_finish(ctx_, h);
    if (s->in_epoll) epoll_ctl(epfd_, EPOLL_CTL_DEL, xtcp_fd(ctx_, h), nullptr);
    *s = HandleState{};  // a stale dirty entry is skipped (in_dirty false)
    xtcp_close(ctx_, h);
  }

  int set_nodelay(int h) override {
    const int one = 1;
    return xtcp_setopt(ctx_, h, XTCP_NODELAY, &one, sizeof one) < 0 ? -errno : 0;
  }

  int64_t retransmits(int h) override {
    xtcp_info info{};
    size_t len = sizeof info;
    if (xtcp_getopt(ctx_, h, XTCP_INFO, &info, &len) < 0) return -1;
    return static_cast<int64_t>(info.total_retrans);
  }

  void watch(int h, short events) override {
    HandleState* s = state(h);
    if (!s || (s->interest == events && s->in_epoll)) return;
    if (s->armed) xtcp_wait_finish(ctx_, h), s->armed = false;
    s->interest = events;
    sync_epoll(h, *s);
    mark_dirty(h);
  }

  int wait(std::span<Event> out, int timeout_ms) override {
    int n = check_dirty(out);
    if (n > 0 || timeout_ms == 0) return n;
    if (events_.size() < out.size()) events_.resize(out.size());
    const int fired = epoll_wait(epfd_, events_.data(), static_cast<int>(out.size()), timeout_ms);
    if (fired < 0) return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < fired; ++i) {
      const int h = static_cast<int>(events_[i].data.u32);
      HandleState* s = state(h);
      if (!s) continue;
      if (s->armed) xtcp_wait_finish(ctx_, h), s->armed = false;  // drains the eventfd
      mark_dirty(h);
    }
    return check_dirty(out);  // may be 0 after a stale wake-up; callers loop
  }

 private:
  HandleState* state(int h) {
    if (h < 0 || static_cast<size_t>(h) >= handles_.size() || !handles_[h].open) return nullptr;
    return &handles_[h];
  }

  int adopt(int h, bool listener) {
    if (static_cast<size_t>(h) >= handles_.size()) handles_.resize(static_cast<size_t>(h) * 2 + 64);
    handles_[h] = HandleState{.open = true, .listener = listener};
    return h;
  }

  void mark_dirty(int h) {
    HandleState* s = state(h);
    if (!s || s->in_dirty) return;
    s->in_dirty = true;
    dirty_.push_back(h);
  }

  // Registered with EPOLLIN only while something is wanted: a listener's
  // ready fd stays readable, which must not spin a loop that ignores it.
  void sync_epoll(int h, HandleState& s) {
    epoll_event ev{};
    ev.events = s.interest ? EPOLLIN : 0u;
    ev.data.u32 = static_cast<uint32_t>(h);
    const int fd = xtcp_fd(ctx_, h);
    if (fd < 0) return;
    epoll_ctl(epfd_, s.in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
    s.in_epoll = true;
  }

  // Asks each queued handle whether it is ready; arms the ones that are not.
  // Ready ones stay queued for the next call (the caller may not drain them).
  int check_dirty(std::span<Event> out) {
    scratch_.swap(dirty_);
    dirty_.clear();
    int n = 0;
    for (size_t i = 0; i < scratch_.size(); ++i) {
      const int h = scratch_[i];
      HandleState* s = state(h);
      if (!s || !s->in_dirty) continue;
      if (static_cast<size_t>(n) == out.size()) {  // no room: look next time
        dirty_.push_back(h);
        continue;
      }
      s->in_dirty = false;
      if (s->interest == 0) continue;
      const int r = xtcp_wait_prepare(ctx_, h, s->interest);
      if (r == 0) {
        s->armed = !s->listener;  // a listener's fd needs no announcement
        continue;
      }
      out[n++] = {h, static_cast<short>(r < 0 ? kError : r)};
      mark_dirty(h);
    }
    scratch_.clear();
    return n;
  }

  xtcp_ctx* ctx_;
  int epfd_;
  std::vector<HandleState> handles_;
  std::vector<int> dirty_, scratch_;
  std::vector<epoll_event> events_;
};

}  // namespace

std::unique_ptr<Stack> make_xtcp_stack(const char* socket_path, std::string& why) {
  xtcp_ctx* ctx = xtcp_open(socket_path);
  if (!ctx) {
    why = std::string("cannot reach xtcpd: ") + xtcp_last_error();
    return nullptr;
  }
  const int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    xtcp_close_ctx(ctx);
    why = "epoll_create1 failed";
    return nullptr;
  }
  return std::make_unique<XtcpStack>(ctx, epfd);
}

}  // namespace xtcp::perf
