// TEST DOUBLE: a fake xtcpd for libxtcp's tests. It serves the control
// protocol on its own socket in a temp dir, answers LISTEN / ACCEPT /
// CONNECT with real DaemonChannel memfds and eventfds over SCM_RIGHTS, and
// lets the test act as the TCP peer by producing and consuming ring data
// through the daemon side of the channel (daemon/channel_daemon_side.h).
// It can also misbehave (hostile replies) to test the library's checks.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "daemon/channel_daemon_side.h"
#include "xtcp/control.h"

namespace xtcp::test {

// One connection as the peer sees it. Peer calls come from one test thread.
struct FakeConn {
  uint32_t id = 0;
  daemon::DaemonChannel ch;
  int kick_fd = -1;    // the daemon's copy: the app writes, we read
  int notify_fd = -1;  // the daemon's copy: we write, the app reads
  xtcp_ctl_addr local{};
  xtcp_ctl_addr peer{};
  daemon::ChannelEvents ev{};
  uint64_t kicks_seen = 0;
  uint64_t wakes_sent = 0;
  std::map<uint32_t, std::vector<uint8_t>> options;  // last SET value per option

  FakeConn(uint32_t id_, daemon::DaemonChannel c);
  ~FakeConn();

  void establish();
  void fail(int err);   // EV_ERROR with err (e.g. ECONNREFUSED)
  void peer_fin();      // FIN after everything pushed so far
  // Delivers what fits of data into the app's rx ring; returns bytes taken.
  size_t push(std::span<const uint8_t> data);
  // Takes up to out.size() bytes the app sent; returns bytes taken.
  size_t pull(std::span<uint8_t> out);
  uint32_t app_flags();
  // Idle step of a daemon: arm the kick, sleep on it up to timeout_ms.
  void wait_for_app(int timeout_ms);

 private:
  void publish_and_wake();
};

enum class Hostile : uint8_t {
  kNone,
  kTruncated,    // reply shorter than its type
  kWrongSeq,     // seq of another request
  kWrongType,    // a reply type that does not answer the request
  kMissingFds,   // no descriptors attached
  kBadMemfd,     // a memfd that is not a channel
  kBadFamily,    // address family 99 in the reply
  kGarbage,      // random bytes
  kHangUp,       // closes the session instead of answering
  kOversized,    // a datagram above XTCP_CTL_MAX_MESSAGE
};

enum class ConnectMode : uint8_t { kEstablish, kRefuse, kSilent };

class FakeDaemon {
 public:
  static constexpr uint32_t kListenerLimit = 4;  // EMFILE beyond
  static constexpr size_t kRingSize = 64 * 1024;

  FakeDaemon();
  ~FakeDaemon();
  FakeDaemon(const FakeDaemon&) = delete;
  FakeDaemon& operator=(const FakeDaemon&) = delete;

  const std::string& path() const { return path_; }
  void set_hostile(Hostile h);
  void set_connect_mode(ConnectMode m);

  // A peer connects to a listening port: queue an established connection.
  std::shared_ptr<FakeConn> inject(uint16_t port);
  // The n-th connection created (CONNECT or inject), waiting up to 5 s.
  std::shared_ptr<FakeConn> conn(size_t n);
  size_t sessions_seen();

 private:
  struct Listener {
    uint32_t id;
    uint16_t port;
    int ready_fd;
    std::deque<std::shared_ptr<FakeConn>> queue;
  };

  void serve();
  void handle(int session, const uint8_t* buf, size_t len);
  void reply(int session, const void* msg, size_t len, std::span<const int> fds);
  void error(int session, uint32_t seq, uint16_t type, int code, const char* text);
  void on_listen(int session, const xtcp_ctl_listen& m);
  void on_accept(int session, const xtcp_ctl_accept& m);
  void on_connect(int session, const xtcp_ctl_connect& m);
  void on_option(int session, const xtcp_ctl_option& m);
  void send_conn(int session, uint16_t type, uint32_t seq, const std::shared_ptr<FakeConn>& c,
                 uint32_t state, uint32_t pending);
  std::shared_ptr<FakeConn> new_conn(const xtcp_ctl_addr& local, const xtcp_ctl_addr& peer);
  std::shared_ptr<FakeConn> find_conn(uint32_t id);

  std::string dir_;
  std::string path_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;
  std::mutex mu_;
  std::vector<std::shared_ptr<FakeConn>> conns_;
  std::map<uint32_t, Listener> listeners_;
  uint32_t next_id_ = 1;
  Hostile hostile_ = Hostile::kNone;
  ConnectMode connect_mode_ = ConnectMode::kEstablish;
  size_t sessions_ = 0;
  std::thread thread_;
};

}  // namespace xtcp::test
